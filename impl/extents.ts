/**
 * Extent maps: disjoint half-open integer ranges [start, end) mapped to
 * values, with unmapped gaps between them. Every binding, reference count,
 * preserved block and swap slot in the engine lives in one, so the cost of an
 * operation depends on the number of extents it touches, never on the number
 * of bytes: binding a 1 TiB range is one extent.
 *
 * The map is a treap (a randomized balanced search tree keyed by start):
 * lookup, split and merge are O(log extents) expected; replacing a range costs
 * O(log extents + extents replaced). Adjacent extents with equal values are
 * coalesced, so a value must not depend on where in the extent a byte lies
 * (store offsets relative to the address, not absolute ones).
 */
import { assert } from './assert.ts';

export interface Extent<V> {
  readonly start: number;
  readonly end: number;
  readonly value: V;
}

interface Node<V> {
  start: number;
  end: number;
  value: V;
  priority: number;
  left: Node<V> | null;
  right: Node<V> | null;
}

/** Called for each piece of a range in address order; value is undefined in a gap. */
export type Visit<V> = (start: number, end: number, value: V | undefined) => void;

export class ExtentMap<V> {
  #root: Node<V> | null = null;
  #extents = 0;
  // Priorities come from a fixed-seed generator, so runs are reproducible.
  #seed = 0x9e3779b9;
  // Mutating the tree while walking it would corrupt the walk.
  #walking = 0;
  readonly #equals: (a: V, b: V) => boolean;

  constructor(equals: (a: V, b: V) => boolean = Object.is) {
    this.#equals = equals;
  }

  /** Number of extents held. */
  get extents(): number {
    return this.#extents;
  }

  isEmpty(): boolean {
    // The count of extents and the tree agree on whether there is any.
    assert((this.#root === null) === (this.#extents === 0), 'extent count and tree disagree');
    return this.#root === null;
  }

  /** The extent containing x, or null if x lies in a gap. */
  at(x: number): Extent<V> | null {
    // NaN or a fraction would be ordered against no extent boundary meaningfully.
    assert(Number.isInteger(x), 'at: not an integer');
    let node = this.#root;
    while (node !== null) {
      if (x < node.start) node = node.left;
      else if (x >= node.end) node = node.right;
      else return node;
    }
    return null;
  }

  /**
   * The extent containing x, else the first one after x, else null: a walk
   * by repeated `next` visits a range's extents without allocating (the
   * fault path's way; `walk` allocates closures).
   */
  next(x: number): Extent<V> | null {
    assert(Number.isInteger(x), 'next: not an integer');
    let node = this.#root;
    let after: Node<V> | null = null;
    while (node !== null) {
      if (node.end <= x) node = node.right;
      // Stryker disable next-line ConditionalExpression,EqualityOperator
      else if (node.start <= x) return node;
      else {
        after = node;
        node = node.left;
      }
    }
    return after;
  }

  /** Whether some extent overlaps [lo, hi). */
  overlaps(lo: number, hi: number): boolean {
    assert(lo < hi, 'overlaps: empty range');
    let node = this.#root;
    while (node !== null) {
      if (node.end <= lo) node = node.right;
      else if (node.start >= hi) node = node.left;
      else return true;
    }
    return false;
  }

  /** Visits [lo, hi) in order as clipped extents and gaps that tile it exactly. */
  walk(lo: number, hi: number, visit: Visit<V>): void {
    assert(lo <= hi, 'walk: lo > hi');
    let cursor = lo;
    const descend = (node: Node<V> | null): void => {
      if (node === null) return;
      // The left subtree ends at or before node.start; the right one starts at or after node.end.
      // Stryker disable next-line ConditionalExpression,EqualityOperator
      if (lo < node.start) descend(node.left);
      if (node.start < hi && node.end > lo) {
        const start = Math.max(node.start, lo);
        const end = Math.min(node.end, hi);
        if (cursor < start) visit(cursor, start, undefined);
        visit(start, end, node.value);
        cursor = end;
      }
      // Stryker disable next-line ConditionalExpression,EqualityOperator
      if (node.end < hi) descend(node.right);
    };
    this.#walking++;
    try {
      descend(this.#root);
      if (cursor < hi) visit(cursor, hi, undefined);
    } finally {
      this.#walking--;
    }
  }

  /** Visits every extent in order (no gaps). */
  forEach(visit: (start: number, end: number, value: V) => void): void {
    const descend = (node: Node<V> | null): void => {
      if (node === null) return;
      descend(node.left);
      visit(node.start, node.end, node.value);
      descend(node.right);
    };
    this.#walking++;
    try {
      descend(this.#root);
    } finally {
      this.#walking--;
    }
  }

  /** Removes every extent, in O(1). */
  clear(): void {
    assert(this.#walking === 0, 'extent map changed during a walk');
    this.#root = null;
    this.#extents = 0;
  }

  /**
   * Makes [lo, hi) one extent of `value`, or a gap if value is undefined.
   * `removed` sees each clipped extent that held part of the range before.
   */
  set(lo: number, hi: number, value: V | undefined, removed?: (start: number, end: number, value: V) => void): void {
    this.#replace(lo, hi, (old) => {
      if (removed !== undefined) for (const node of old) removed(node.start, node.end, node.value);
      return value === undefined ? [] : [this.#node(lo, hi, value)];
    });
    assert((this.at(lo) === null) === (value === undefined), 'set: the range does not hold its value');
  }

  /** Replaces every piece of [lo, hi), gaps included, by fn(its value); undefined makes a gap. */
  update(lo: number, hi: number, fn: (value: V | undefined) => V | undefined): void {
    this.updateRuns([[lo, hi]], fn);
  }

  /**
   * Replaces every piece (extent or gap) inside the runs by fn(its value,
   * its start, its end); undefined makes a gap. Nothing outside the runs
   * changes. Runs are sorted, disjoint and non-empty. One pass over the
   * span from the first run to the last: O(log extents + extents in the
   * span + runs), however many runs, which is what lets a write-back rebind
   * thousands of scattered pages at once.
   */
  updateRuns(
    runs: readonly (readonly [number, number])[],
    fn: (value: V | undefined, start: number, end: number) => V | undefined,
  ): void {
    assert(runs.length > 0, 'updateRuns: no run');
    this.#replace(runs[0][0], runs[runs.length - 1][1], (old) => {
      const fresh: Node<V>[] = [];
      const push = (start: number, end: number, value: V | undefined): void => {
        if (value === undefined || start >= end) return;
        const last = fresh.at(-1);
        if (last !== undefined && last.end === start && this.#equals(last.value, value)) last.end = end;
        else fresh.push(this.#node(start, end, value));
      };
      // old[j] is the first extent that may still reach past the region being built.
      let j = 0;
      let cursor = runs[0][0];
      for (let i = 0; i < runs.length; i++) {
        const [a, b] = runs[i];
        assert(a < b, 'updateRuns: empty run');
        assert(a >= cursor, 'updateRuns: runs out of order');
        // Between runs: the old extents, clipped.
        // Stryker disable next-line ConditionalExpression,EqualityOperator
        for (; j < old.length && old[j].start < a; j++) {
          push(Math.max(old[j].start, cursor), Math.min(old[j].end, a), old[j].value);
          // Stryker disable next-line EqualityOperator
          if (old[j].end > a) break;
        }
        // Inside the run: every piece, gaps included, through fn.
        let x = a;
        for (; j < old.length && old[j].start < b; j++) {
          const node = old[j];
          // Stryker disable next-line ConditionalExpression,EqualityOperator
          if (node.end <= x) continue;
          if (x < node.start) push(x, node.start, fn(undefined, x, node.start));
          const start = Math.max(node.start, x);
          const end = Math.min(node.end, b);
          push(start, end, fn(node.value, start, end));
          x = end;
          // Stryker disable next-line EqualityOperator
          if (node.end > b) break;
        }
        if (x < b) push(x, b, fn(undefined, x, b));
        cursor = b;
      }
      return fresh;
    });
  }

  /** Swaps the extents inside [lo, hi) for `build(old)`: sorted, disjoint, inside the range. */
  #replace(lo: number, hi: number, build: (old: Node<V>[]) => Node<V>[]): void {
    assert(this.#walking === 0, 'extent map changed during a walk');
    assert(lo < hi, 'replace: empty range');
    this.#cut(lo);
    this.#cut(hi);
    const [before, rest] = split(this.#root, lo);
    const [inside, after] = split(rest, hi);
    const old: Node<V>[] = [];
    collect(inside, old);
    const fresh = build(old);
    for (let i = 0; i < fresh.length; i++) {
      assert(fresh[i].start < fresh[i].end, 'replace: empty extent');
      assert(fresh[i].start >= (i === 0 ? lo : fresh[i - 1].end), 'replace: extents out of order');
      assert(fresh[i].end <= hi, 'replace: extent past the range');
    }
    this.#extents += fresh.length - old.length;
    assert(this.#extents >= 0, 'replace: fewer extents than none');
    this.#root = merge(merge(before, heapify(fresh)), after);
    this.#coalesce(lo);
    this.#coalesce(hi);
  }

  /** Splits the extent straddling x, if any, so that an extent boundary falls at x. */
  #cut(x: number): void {
    const node = this.at(x) as Node<V> | null;
    if (node === null || node.start === x) return;
    const right = this.#node(x, node.end, node.value);
    node.end = x;
    const [before, after] = split(this.#root, x);
    this.#root = merge(merge(before, right), after);
    this.#extents++;
    assert(this.at(x) === right, 'cut: the right half is not found at the cut');
  }

  /** Merges the extents meeting at x if their values are equal. */
  #coalesce(x: number): void {
    const right = this.at(x) as Node<V> | null;
    // Stryker disable next-line ConditionalExpression
    if (right === null || right.start !== x) return;
    const left = this.at(x - 1) as Node<V> | null;
    if (left === null || !this.#equals(left.value, right.value)) return;
    assert(left.end === x, 'coalesce: overlapping extents');
    left.end = right.end;
    const [before, rest] = split(this.#root, x);
    const [alone, after] = split(rest, x + 1);
    assert(alone === right, 'coalesce: lost extent');
    assert(right.left === null, 'coalesce: the extent merged away kept a left subtree');
    assert(right.right === null, 'coalesce: the extent merged away kept a right subtree');
    this.#root = merge(before, after);
    this.#extents--;
  }

  #node(start: number, end: number, value: V): Node<V> {
    assert(start < end, 'an empty extent');
    // xorshift32: cheap, and good enough to keep the treap balanced.
    let seed = this.#seed;
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    this.#seed = seed >>> 0;
    return { start, end, value, priority: this.#seed, left: null, right: null };
  }
}

// split's two results, returned through these rather than a new pair per level (it runs on every bind).
let splitBefore: Node<never> | null = null;
let splitAfter: Node<never> | null = null;

/** Splits a treap into nodes starting before key and nodes starting at or after it. */
function split<V>(node: Node<V> | null, key: number): [Node<V> | null, Node<V> | null] {
  splitInto(node, key);
  return [splitBefore as Node<V> | null, splitAfter as Node<V> | null];
}

/** split, leaving its results in splitBefore and splitAfter. */
function splitInto<V>(node: Node<V> | null, key: number): void {
  if (node === null) {
    splitBefore = null;
    splitAfter = null;
  } else if (node.start < key) {
    splitInto(node.right, key);
    node.right = splitBefore as Node<V> | null;
    splitBefore = node as Node<never>;
  } else {
    splitInto(node.left, key);
    node.left = splitAfter as Node<V> | null;
    splitAfter = node as Node<never>;
  }
}

/** Joins two treaps where every node of `a` precedes every node of `b`. */
function merge<V>(a: Node<V> | null, b: Node<V> | null): Node<V> | null {
  if (a === null) return b;
  if (b === null) return a;
  // Every node of a precedes every node of b, so their roots do.
  assert(a.end <= b.start, 'merge: treaps out of order');
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement
  if (a.priority > b.priority) {
    a.right = merge(a.right, b);
    return a;
  }
  b.left = merge(a, b.left);
  return b;
}

function collect<V>(node: Node<V> | null, out: Node<V>[]): void {
  if (node === null) return;
  collect(node.left, out);
  out.push(node);
  collect(node.right, out);
}

/** Builds a treap from sorted nodes in O(n) (Cartesian tree on priorities). */
function heapify<V>(nodes: Node<V>[]): Node<V> | null {
  const spine: Node<V>[] = [];
  for (const node of nodes) {
    node.left = null;
    node.right = null;
    let last: Node<V> | null = null;
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    while (spine.length > 0 && spine[spine.length - 1].priority < node.priority) last = spine.pop()!;
    node.left = last;
    if (spine.length > 0) spine[spine.length - 1].right = node;
    spine.push(node);
  }
  return spine.length > 0 ? spine[0] : null;
}
