/**
 * A segment's bindings (the spec's src): the source of every byte, as an
 * extent map over segment addresses. A gap is Zero; Anon is the page's own
 * (dirty) content; a snapshot binding maps address x to offset x + delta of
 * the snapshot (the offset is stored relative to the address so one extent
 * covers any length).
 *
 * Every change goes through `bind`, which keeps the snapshots' reference
 * counts in step with the bindings.
 */

import { assert } from './assert.ts';
import { ExtentMap } from './extents.ts';
import { fileLengthMax } from './limits.ts';
import type { Snapshot, Snapshots } from './snapshots.ts';

export interface Anon {
  readonly kind: 'anon';
}

export const ANON: Anon = Object.freeze({ kind: 'anon' });

export interface SnapBinding {
  readonly kind: 'snap';
  readonly snap: Snapshot;
  readonly delta: number;
}

/** What a byte is bound to; a gap (undefined) is Zero. */
export type Binding = Anon | SnapBinding;

function same(a: Binding, b: Binding): boolean {
  // Stryker disable next-line LogicalOperator,StringLiteral
  if (a.kind === 'anon' || b.kind === 'anon') return a.kind === b.kind;
  return a.snap === b.snap && a.delta === b.delta;
}

/** Old snapshot ranges a rebinding unbinds, by snapshot, in the order met (ascending addresses). */
type Unbound = Map<Snapshot, [number, number][]>;

/** Adds the offsets of [start, end), bound to `old`, to `unbound`. */
function gather(unbound: Unbound, old: SnapBinding, start: number, end: number): void {
  assert(start < end, 'gathering an empty range');
  let ranges = unbound.get(old.snap);
  if (ranges === undefined) {
    ranges = [];
    unbound.set(old.snap, ranges);
  }
  ranges.push([start + old.delta, end + old.delta]);
}

export class Bindings {
  readonly map = new ExtentMap<Binding>(same);
  readonly #snapshots: Snapshots;

  constructor(snapshots: Snapshots) {
    this.#snapshots = snapshots;
  }

  /** Binds [lo, hi) to `binding` (undefined: Zero). */
  bind(lo: number, hi: number, binding: Binding | undefined): void {
    assert(lo >= 0, 'binding a negative address');
    assert(lo <= hi, 'binding an inverted range');
    // Stryker disable next-line ConditionalExpression
    if (lo === hi) return;
    this.map.set(lo, hi, binding, (start, end, old) => {
      if (old.kind === 'snap') this.#snapshots.reference(old.snap, start + old.delta, end + old.delta, -1);
    });
    if (binding !== undefined && binding.kind === 'snap') {
      assert(lo + binding.delta >= 0, 'binding to a negative offset');
      assert(hi + binding.delta <= fileLengthMax, 'binding past the largest file');
      // Read and rebind choose a reusable (trusted) or a new snapshot, and nothing looks at the file in between.
      assert(!binding.snap.stale, 'binding to a stale snapshot');
      this.#snapshots.reference(binding.snap, lo + binding.delta, hi + binding.delta, 1);
      assert(binding.snap.bound >= hi - lo, 'fewer bytes counted bound than just bound');
    }
  }

  /**
   * Binds every run (sorted, disjoint, non-empty) to `binding` in one pass
   * over the bindings and one over each snapshot's counts, however many runs:
   * what lets a write-back rebind thousands of scattered pages at once.
   */
  bindRuns(runs: readonly (readonly [number, number])[], binding: SnapBinding): void {
    // Stryker disable next-line ConditionalExpression
    if (runs.length === 0) return;
    // Unbound old snapshot ranges, by snapshot, in the order met (ascending addresses).
    const unbound: Unbound = new Map();
    this.map.updateRuns(runs, (old, start, end) => {
      if (old !== undefined && old.kind === 'snap') gather(unbound, old, start, end);
      return binding;
    });
    for (const [snap, ranges] of unbound) this.#unreference(snap, ranges);
    assert(runs[0][0] + binding.delta >= 0, 'binding to a negative offset');
    assert(runs[runs.length - 1][1] + binding.delta <= fileLengthMax, 'binding past the largest file');
    assert(!binding.snap.stale, 'binding to a stale snapshot');
    this.#snapshots.referenceRuns(
      binding.snap,
      runs.map(([lo, hi]) => [lo + binding.delta, hi + binding.delta] as const),
      1,
    );
  }

  /**
   * Binds [lo, hi) to `binding` when every byte bound to its snapshot lies
   * in that range, at its delta (a write-back's rebind to a snapshot whose
   * every byte it skipped). Afterwards the snapshot's bytes are exactly
   * those of the range, once each, so its counts become one extent with no
   * pass over them; and the bindings take one extent, built from none of
   * the old ones.
   */
  bindTiling(lo: number, hi: number, binding: SnapBinding): void {
    assert(lo < hi, 'binding an empty range');
    assert(lo + binding.delta >= 0, 'binding to a negative offset');
    assert(hi + binding.delta <= fileLengthMax, 'binding past the largest file');
    assert(!binding.snap.stale, 'binding to a stale snapshot');
    const unbound: Unbound = new Map();
    let kept = 0;
    this.map.set(lo, hi, binding, (start, end, old) => {
      if (old.kind !== 'snap') return;
      if (old.snap !== binding.snap) {
        gather(unbound, old, start, end);
        return;
      }
      assert(old.delta === binding.delta, 'a tiled snapshot bound at another delta');
      kept += end - start;
    });
    // So every byte bound to the snapshot was in the range: checked on the pass the set makes anyway.
    assert(kept === binding.snap.bound, 'a byte of the tiled snapshot bound outside its range');
    for (const [snap, ranges] of unbound) this.#unreference(snap, ranges);
    this.#snapshots.referenceTiling(binding.snap, lo + binding.delta, hi + binding.delta);
  }

  /**
   * Counts one byte fewer at each offset of `ranges` of `snap`: in one pass
   * when they are disjoint, else range by range (two addresses of a
   * segment can be bound to the same offset).
   */
  #unreference(snap: Snapshot, ranges: [number, number][]): void {
    assert(ranges.length > 0, 'unreferencing no range');
    // Stryker disable next-line MethodExpression,ArrowFunction,ArithmeticOperator
    ranges.sort((a, b) => a[0] - b[0]);
    const runs: [number, number][] = [];
    for (const [lo, hi] of ranges) {
      const last = runs.at(-1);
      // Stryker disable next-line EqualityOperator
      if (last !== undefined && last[1] > lo) {
        for (const [a, b] of ranges) this.#snapshots.reference(snap, a, b, -1);
        return;
      }
      // Stryker disable next-line ConditionalExpression
      if (last !== undefined && last[1] === lo) last[1] = hi;
      else runs.push([lo, hi]);
    }
    this.#snapshots.referenceRuns(snap, runs, -1);
  }

  /**
   * Unbinds every byte, for a closing segment. A snapshot whose bound bytes
   * are all this segment's is let go at once; only one shared with other
   * segments has its counts updated range by range. So closing costs one
   * pass over the bindings (arithmetic, no tree updates) when no snapshot
   * is shared: 100,000 extents in milliseconds.
   */
  unbindAll(): void {
    const mine = new Map<Snapshot, number>();
    this.map.forEach((start, end, binding) => {
      // Stryker disable next-line ArithmeticOperator
      if (binding.kind === 'snap') mine.set(binding.snap, (mine.get(binding.snap) ?? 0) + (end - start));
    });
    const shared = new Set<Snapshot>();
    for (const [snap, bytes] of mine) {
      assert(bytes <= snap.bound, 'a segment binds more bytes to a snapshot than it counts');
      if (bytes === snap.bound) this.#snapshots.unbindAll(snap);
      else shared.add(snap);
    }
    if (shared.size > 0) {
      this.map.forEach((start, end, binding) => {
        if (binding.kind === 'snap' && shared.has(binding.snap))
          this.#snapshots.reference(binding.snap, start + binding.delta, end + binding.delta, -1);
      });
    }
    this.map.clear();
    assert(this.map.isEmpty(), 'bindings left after unbinding every byte');
  }

  /** The spec's Dirty, for the bytes [lo, hi) of a page: whether one of them is Anon. Allocates nothing. */
  dirty(lo: number, hi: number): boolean {
    assert(lo < hi, 'the dirtiness of an empty range');
    // Stryker disable next-line EqualityOperator
    for (let x = lo; x < hi; ) {
      const extent = this.map.next(x);
      if (extent === null || extent.start >= hi) return false;
      if (extent.value.kind === 'anon') return true;
      x = extent.end;
    }
    return false;
  }

  /** Whether every byte of [lo, hi) is Anon. */
  allAnon(lo: number, hi: number): boolean {
    assert(lo < hi, 'whether an empty range is Anon');
    const extent = this.map.at(lo);
    return extent !== null && extent.value.kind === 'anon' && extent.end >= hi;
  }
}
