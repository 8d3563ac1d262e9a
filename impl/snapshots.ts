/**
 * Snapshots: read-only, copy-on-write images of a file range that segment
 * bytes are bound to. A snapshot costs nothing until its file changes; it
 * lives exactly as long as some segment byte is bound to it.
 *
 * Ids are small integers handed out lowest-free-first. Reference counts are
 * kept per file-offset range, so binding or unbinding costs time in the number
 * of extents touched, never in bytes. Releases happen in `release` (the
 * spec's Release), once per operation, so that "free" ids and "live"
 * snapshots are judged on the state before the operation.
 */

import { assert } from './assert.ts';
import { readPadded } from './backend.ts';
import { FileChangedError, LimitError } from './errors.ts';
import { ExtentMap } from './extents.ts';
import type { FileState } from './files.ts';
import type { Copy } from './isolation.ts';
import { fileLengthMax } from './limits.ts';
import type { SlotStore } from './slots.ts';

/** Marks a block preserved in a snapshot of an isolated file: its private copy already holds the old bytes. */
export const NO_SLOT = -1;

export class Snapshot {
  /** file offset -> number of segment bytes bound to it; gaps are unreferenced. The spec's Bound(s, o). */
  readonly refs = new ExtentMap<number>();
  /** block -> preserve-store slot holding the block as it was before it changed (NO_SLOT: isolated). One extent per block. */
  // Stryker disable next-line ArrowFunction
  readonly preserved = new ExtentMap<number>(() => false);
  /** Segment bytes bound to it, all segments together (the sum of refs' counts over their lengths). */
  bound = 0;
  // The file's count of noticed outside changes when this snapshot was taken.
  readonly #spoils: number;

  constructor(
    readonly id: number,
    readonly file: FileState,
    /** The private copy bytes are read from, for an isolated file; null reads the file itself. */
    readonly copy: Copy | null,
  ) {
    this.#spoils = file.spoils;
  }

  /** The file changed behind the engine's back since this snapshot was taken: its unpreserved bytes are unknown. */
  get stale(): boolean {
    return this.#spoils !== this.file.spoils;
  }
}

const none: ReadonlySet<Snapshot> = new Set();

export class Snapshots {
  readonly #pageSize: number;
  // The preserve store: one block per slot.
  readonly #preserve: SlotStore;
  // Live snapshots at most (the engine's is snapshotsMax): ids are 1 .. #max.
  readonly #max: number;
  readonly #live = new Map<number, Snapshot>();
  readonly #byFile = new Map<FileState, Set<Snapshot>>();
  // Released ids below #nextId, as a binary min-heap: allocation is lowest-free-first.
  readonly #freeIds: number[] = [];
  #nextId = 1;
  // What this operation unbound, for release to check.
  readonly #unbound = new Set<Snapshot>();
  readonly #unboundRanges: [Snapshot, number, number][] = [];

  constructor(pageSize: number, preserve: SlotStore, max: number) {
    assert(Number.isInteger(max), 'a fractional snapshot limit');
    assert(max >= 1, 'a snapshot limit below 1');
    assert(pageSize >= 1, 'an empty page size');
    this.#pageSize = pageSize;
    this.#preserve = preserve;
    this.#max = max;
  }

  get size(): number {
    return this.#live.size;
  }

  /** Live snapshots in id order. */
  values(): Snapshot[] {
    return [...this.#live.values()].sort((a, b) => a.id - b.id);
  }

  /** The live snapshots of `file`. */
  of(file: FileState): ReadonlySet<Snapshot> {
    return this.#byFile.get(file) ?? none;
  }

  /**
   * The spec's Reusable, lowest id first: the snapshot a new binding of
   * `file`'s offsets `ranges` can share -- live, of that file, trusted, and
   * still reading the file's current bytes there. For a file read directly
   * that means no block of the ranges is preserved. A snapshot of an
   * isolated file reads its private copy, which equals the file only until
   * the file's first change (through the engine or behind its back): it is
   * reusable only while that copy is still the current one (the spec's
   * fresh).
   */
  reusable(file: FileState, ranges: readonly (readonly [lo: number, hi: number])[]): Snapshot | null {
    assert(ranges.length > 0, 'a snapshot reusable for no offset');
    const B = this.#pageSize;
    // The blocks of the ranges, [first, end) each.
    const blocks = ranges.map(([lo, hi]) => {
      assert(lo < hi, 'an empty range of offsets');
      return [Math.floor(lo / B), Math.floor((hi - 1) / B) + 1] as const;
    });
    const current = file.currentCopy();
    let best: Snapshot | null = null;
    for (const snapshot of this.of(file)) {
      // Stryker disable next-line EqualityOperator
      if (snapshot.stale || (best !== null && snapshot.id > best.id)) continue;
      const fits =
        snapshot.copy === null
          ? !blocks.some(([first, end]) => snapshot.preserved.overlaps(first, end))
          : snapshot.copy === current;
      if (fits) best = snapshot;
    }
    // The current copy is as old as the file's last change, so nothing of it was ever preserved.
    if (best !== null && best.copy !== null)
      assert(best.preserved.isEmpty(), 'a snapshot of the current copy preserved a block');
    if (best !== null) assert(best.file === file, "a snapshot indexed under another file's");
    // The spec's Reusable asks for a live snapshot: release runs at the end of every operation, and none
    // unbinds bytes before asking, so every snapshot of the index has a byte bound to it.
    if (best !== null) assert(!best.refs.isEmpty(), 'reusing a snapshot no byte is bound to');
    return best;
  }

  /** Refuses now, before anything changes, if a new snapshot would exceed the limit. */
  checkRoom(): void {
    if (this.#live.size >= this.#max) throw new LimitError('snapshotsMax', this.#max);
  }

  /** A new snapshot of `file` with the lowest free id. The caller binds bytes to it in the same operation. */
  create(file: FileState, copy: Copy | null): Snapshot {
    this.checkRoom();
    const id = this.#freeIds.length > 0 ? popMin(this.#freeIds) : this.#nextId++;
    // Lowest-free-first: some id in 1 .. live + 1 is free, so ids stay within the limit.
    assert(id >= 1, 'a snapshot id below 1');
    assert(id <= this.#live.size + 1, 'snapshot id not the lowest free one');
    assert(id <= this.#max, 'a snapshot id past the limit');
    assert(!this.#live.has(id), 'a snapshot id in use');
    const snapshot = new Snapshot(id, file, copy);
    this.#live.set(id, snapshot);
    let ofFile = this.#byFile.get(file);
    if (ofFile === undefined) {
      ofFile = new Set();
      this.#byFile.set(file, ofFile);
    }
    ofFile.add(snapshot);
    file.adopt(copy);
    // Released unless something binds to it.
    this.#unbound.add(snapshot);
    assert(this.#live.size <= this.#max, 'more live snapshots than the limit');
    return snapshot;
  }

  /** Counts `delta` more (or fewer) segment bytes bound to each offset of [lo, hi). */
  reference(snapshot: Snapshot, lo: number, hi: number, delta: 1 | -1): void {
    assert(lo < hi, 'referencing an empty range');
    this.referenceRuns(snapshot, [[lo, hi]], delta);
  }

  /**
   * Counts `delta` more (or fewer) segment bytes bound to each offset of
   * `runs` (sorted, disjoint): one pass over the refs however many runs.
   */
  referenceRuns(snapshot: Snapshot, runs: readonly (readonly [number, number])[], delta: 1 | -1): void {
    assert(this.#live.get(snapshot.id) === snapshot, 'reference to a released snapshot');
    snapshot.refs.updateRuns(runs, (count) => {
      const next = (count ?? 0) + delta;
      assert(next >= 0, 'unbinding a byte that was not bound');
      return next === 0 ? undefined : next;
    });
    for (const [lo, hi] of runs) snapshot.bound += delta * (hi - lo);
    assert(snapshot.bound >= 0, 'fewer bytes bound than none');
    // The count of bound bytes and the refs agree on whether any is bound (both O(1)).
    assert((snapshot.bound === 0) === snapshot.refs.isEmpty(), 'bound bytes and refs disagree');
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (delta < 0) {
      this.#unbound.add(snapshot);
      for (const [lo, hi] of runs) this.#unboundRanges.push([snapshot, lo, hi]);
    }
  }

  /**
   * Makes `snapshot`'s counts one byte bound at each offset of [lo, hi) and
   * none elsewhere, in O(log extents) instead of a pass over them, when the
   * caller has just bound every byte of the range to it and knows that no
   * other byte is.
   */
  referenceTiling(snapshot: Snapshot, lo: number, hi: number): void {
    assert(this.#live.get(snapshot.id) === snapshot, 'reference to a released snapshot');
    assert(lo < hi, 'tiling an empty range');
    assert(snapshot.bound <= hi - lo, 'more bytes bound than the range tiled holds');
    // What was bound lies inside the range (its ends, in a lookup each).
    const first = snapshot.refs.next(0);
    if (first !== null) assert(first.start >= lo, 'a bound byte before the range tiled');
    if (hi < fileLengthMax) assert(!snapshot.refs.overlaps(hi, fileLengthMax), 'a bound byte past the range tiled');
    snapshot.refs.clear();
    snapshot.refs.set(lo, hi, 1);
    snapshot.bound = hi - lo;
  }

  /**
   * Unbinds every byte bound to `snapshot` at once, in O(1), when the
   * caller holds all of them (a segment closing, which alone references
   * it): no per-range count needs updating, the snapshot is released.
   */
  unbindAll(snapshot: Snapshot): void {
    assert(this.#live.get(snapshot.id) === snapshot, 'unbinding a released snapshot');
    snapshot.refs.clear();
    snapshot.bound = 0;
    this.#unbound.add(snapshot);
  }

  /**
   * The spec's SnapByte over [offset, offset + length), into `into[at..]`:
   * an isolated snapshot's private copy; else preserved blocks from the
   * preserve store and the rest from the file. A byte that is none of these
   * on a stale snapshot is no longer known: FileChangedError. With `into`
   * null only checks that every byte is known.
   */
  snapByte(snapshot: Snapshot, offset: number, length: number, into: Uint8Array | null, at: number): void {
    // NoDangling: every byte read is bound to a live snapshot.
    assert(this.#live.get(snapshot.id) === snapshot, 'reading a released snapshot');
    assert(offset >= 0, 'reading a snapshot at a negative offset');
    assert(length > 0, 'reading nothing of a snapshot');
    assert(offset + length <= fileLengthMax, 'reading a snapshot past the largest file');
    if (into !== null) assert(at + length <= into.length, 'reading a snapshot into past the end of the target');
    // checkKnown asks only of snapshots that read their file: an isolated one always knows its bytes.
    if (into === null) assert(snapshot.copy === null, 'checking an isolated snapshot');
    const copy = snapshot.copy;
    if (copy !== null) {
      // Stryker disable next-line ConditionalExpression
      if (into !== null) readPadded(copy.backend, 'clone', into, at, length, offset);
      return;
    }
    const file = snapshot.file;
    file.verify();
    const B = this.#pageSize;
    const end = offset + length;
    // Allocation-free: the fault path runs through here. Preserved blocks are
    // visited by `next`; each stretch between them is one read of the file.
    for (let x = offset; x < end; ) {
      const block = Math.floor(x / B);
      const preserved = snapshot.preserved.next(block);
      if (preserved !== null && preserved.start === block) {
        // A block is preserved in a slot iff its snapshot reads the file (an isolated one's copy holds it).
        assert(preserved.value !== NO_SLOT, 'a snapshot that reads its file preserved a block in no slot');
        const stop = x + Math.min(B - (x - block * B), end - x);
        if (into !== null) this.#preserve.get(preserved.value, x - block * B, stop - x, into, at + (x - offset));
        x = stop;
        continue;
      }
      // Up to the next preserved block: offsets of a file, so below 2^53.
      const stop = preserved === null ? end : Math.min(end, preserved.start * B);
      if (snapshot.stale) throw new FileChangedError(file.name);
      // Stryker disable next-line ConditionalExpression
      if (into !== null) file.readAt(into, at + (x - offset), stop - x, x);
      x = stop;
    }
  }

  /**
   * The spec's Release: frees what the operation left unreferenced --
   * preserved blocks no byte references, then whole snapshots no byte is
   * bound to. Closing a released file or copy may fail; everything is still
   * released first, then the first such error is raised.
   */
  release(): void {
    const B = this.#pageSize;
    for (const [snapshot, lo, hi] of this.#unboundRanges) {
      // Stryker disable next-line ConditionalExpression,LogicalOperator
      if (!snapshot.refs.isEmpty() && !snapshot.preserved.isEmpty())
        // Stryker disable next-line ArithmeticOperator
        this.#releaseUnreferenced(snapshot, Math.floor(lo / B), Math.ceil(hi / B));
    }
    this.#unboundRanges.length = 0;
    // Stryker disable next-line ConditionalExpression
    if (this.#unbound.size === 0) return;
    let failure: unknown = null;
    for (const snapshot of this.#unbound) {
      assert((snapshot.bound === 0) === snapshot.refs.isEmpty(), 'bound bytes and refs disagree');
      if (!snapshot.refs.isEmpty()) continue;
      try {
        this.#free(snapshot);
      } catch (error) {
        failure ??= error;
      }
    }
    this.#unbound.clear();
    assert(this.#live.size <= this.#max, 'more live snapshots than the limit');
    if (failure !== null) throw failure;
  }

  /** Frees `snapshot`'s preserved blocks in [first, end) that no byte references any more. */
  #releaseUnreferenced(snapshot: Snapshot, first: number, end: number): void {
    assert(first < end, 'releasing the blocks of an empty range');
    // A snapshot no byte is bound to goes whole, through #free.
    assert(!snapshot.refs.isEmpty(), 'releasing blocks of a dead snapshot');
    const B = this.#pageSize;
    const unreferenced: number[] = [];
    snapshot.preserved.walk(first, end, (block, _end, slot) => {
      if (slot !== undefined && !snapshot.refs.overlaps(block * B, (block + 1) * B)) unreferenced.push(block);
    });
    for (const block of unreferenced) {
      const slot = snapshot.preserved.at(block)!.value;
      assert(
        (slot === NO_SLOT) === (snapshot.copy !== null),
        'a block is preserved in a slot iff its snapshot reads the file',
      );
      if (slot !== NO_SLOT) this.#preserve.free(slot);
      snapshot.preserved.set(block, block + 1, undefined);
    }
  }

  #free(snapshot: Snapshot): void {
    assert(this.#live.get(snapshot.id) === snapshot, 'freeing a snapshot not live');
    assert(snapshot.refs.isEmpty(), 'freeing a snapshot with a referenced offset');
    assert(snapshot.bound === 0, 'freeing a snapshot with a bound byte');
    snapshot.preserved.forEach((_block, _end, slot) => {
      assert(
        (slot === NO_SLOT) === (snapshot.copy !== null),
        'a block is preserved in a slot iff its snapshot reads the file',
      );
      if (slot !== NO_SLOT) this.#preserve.free(slot);
    });
    this.#live.delete(snapshot.id);
    const ofFile = this.#byFile.get(snapshot.file)!;
    ofFile.delete(snapshot);
    // Stryker disable next-line ConditionalExpression
    if (ofFile.size === 0) this.#byFile.delete(snapshot.file);
    pushMin(this.#freeIds, snapshot.id);
    // Last: it may close the file's backend or copy, which may fail.
    snapshot.file.forget(snapshot.copy);
  }
}

function pushMin(heap: number[], value: number): void {
  assert(value >= 1, 'a free snapshot id below 1');
  heap.push(value);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    // Stryker disable next-line EqualityOperator
    if (heap[parent] <= heap[i]) break;
    [heap[parent], heap[i]] = [heap[i], heap[parent]];
    i = parent;
  }
}

function popMin(heap: number[]): number {
  assert(heap.length > 0, 'no free snapshot id to take');
  const top = heap[0];
  const last = heap.pop()!;
  if (heap.length > 0) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      // Stryker disable next-line ConditionalExpression,EqualityOperator
      if (left < heap.length && heap[left] < heap[least]) least = left;
      // Stryker disable next-line ConditionalExpression,EqualityOperator
      if (right < heap.length && heap[right] < heap[least]) least = right;
      if (least === i) break;
      [heap[least], heap[i]] = [heap[i], heap[least]];
      i = least;
    }
  }
  return top;
}
