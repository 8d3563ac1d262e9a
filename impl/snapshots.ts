/**
 * Snapshots: read-only, copy-on-write images of a file range that segment
 * bytes are bound to. A snapshot costs nothing until its file changes; it
 * lives exactly as long as some segment byte is bound to it.
 *
 * Ids are small integers handed out lowest-free-first. Reference counts are
 * kept per file-offset range, so binding or unbinding costs time in the number
 * of extents touched, never in bytes. Releases happen in `settle`, once per
 * operation, so that "free" ids and "live" snapshots are judged on the state
 * before the operation.
 */
import { ExtentMap } from './extents.ts';
import { assert } from './assert.ts';
import { FileChangedError } from './errors.ts';
import { readPadded } from './backend.ts';
import type { FileState } from './files.ts';
import type { Copy } from './isolation.ts';
import type { PreserveStore } from './preserve.ts';

export class Snapshot {
  /** file offset -> number of segment bytes bound to it; gaps are unreferenced. */
  readonly refs = new ExtentMap<number>();
  /** block -> preserve-store slot holding the block as it was before it changed. One extent per block. */
  readonly preserved = new ExtentMap<number>(() => false);
  /** The file changed behind the engine's back since this snapshot was taken: its unpreserved bytes are unknown. */
  stale = false;

  constructor(
    readonly id: number,
    readonly file: FileState,
    /** The private copy bytes are read from, for an isolated file; null reads the file itself. */
    readonly copy: Copy | null,
  ) {}
}

export class Snapshots {
  readonly #pageSize: number;
  readonly #preserve: PreserveStore;
  readonly #live = new Map<number, Snapshot>();
  // Released ids below #nextId, as a binary min-heap: allocation is lowest-free-first.
  readonly #freeIds: number[] = [];
  #nextId = 1;
  // What this operation unbound, for settle to check.
  readonly #unbound = new Set<Snapshot>();
  readonly #unboundRanges: [Snapshot, number, number][] = [];

  constructor(pageSize: number, preserve: PreserveStore) {
    this.#pageSize = pageSize;
    this.#preserve = preserve;
  }

  get size(): number {
    return this.#live.size;
  }

  values(): IterableIterator<Snapshot> {
    return this.#live.values();
  }

  /**
   * The lowest-id snapshot a new binding of `file`'s [lo, hi) can share: live,
   * of that file, trusted, and still reading the file's current bytes there.
   * For a file read directly that means no block of the range is preserved.
   * A snapshot of an isolated file reads its private copy, which equals the
   * file only until the file's first change (through the engine or behind its
   * back): it is reusable only while that copy is still the current one.
   */
  reusable(file: FileState, lo: number, hi: number): Snapshot | null {
    assert(lo < hi);
    const first = Math.floor(lo / this.#pageSize);
    const end = Math.floor((hi - 1) / this.#pageSize) + 1;
    const current = file.currentCopy();
    let best: Snapshot | null = null;
    for (const snapshot of file.snapshots) {
      if (snapshot.stale || (best !== null && snapshot.id > best.id)) continue;
      if (snapshot.copy === null ? !snapshot.preserved.overlaps(first, end) : snapshot.copy === current) best = snapshot;
    }
    // The current copy is as old as the file's last change, so nothing of it was ever preserved.
    assert(best === null || best.copy === null || best.preserved.isEmpty(), 'a snapshot of the current copy preserved a block');
    return best;
  }

  /** A new snapshot of `file` with the lowest free id. The caller binds bytes to it in the same operation. */
  create(file: FileState, copy: Copy | null): Snapshot {
    const id = this.#freeIds.length > 0 ? popMin(this.#freeIds) : this.#nextId++;
    assert(!this.#live.has(id));
    const snapshot = new Snapshot(id, file, copy);
    this.#live.set(id, snapshot);
    file.adopt(snapshot);
    // Released by settle unless something binds to it.
    this.#unbound.add(snapshot);
    return snapshot;
  }

  /** Counts `delta` more (or fewer) segment bytes bound to each offset of [lo, hi). */
  reference(snapshot: Snapshot, lo: number, hi: number, delta: 1 | -1): void {
    assert(this.#live.get(snapshot.id) === snapshot, 'reference to a released snapshot');
    snapshot.refs.update(lo, hi, (count) => {
      const next = (count ?? 0) + delta;
      assert(next >= 0, 'unbinding a byte that was not bound');
      return next === 0 ? undefined : next;
    });
    if (delta < 0) {
      this.#unbound.add(snapshot);
      this.#unboundRanges.push([snapshot, lo, hi]);
    }
  }

  /**
   * SnapByte for [offset, offset + length): preserved blocks from the preserve
   * store, the rest from the file (or the private copy). With `into` null only
   * checks that every byte can be served.
   */
  read(snapshot: Snapshot, offset: number, length: number, into: Uint8Array | null, at: number): void {
    const copy = snapshot.copy;
    if (copy !== null) {
      if (into !== null) readPadded(copy.backend, 'clone', into, at, length, offset);
      return;
    }
    snapshot.file.verify();
    const B = this.#pageSize;
    const end = offset + length;
    snapshot.preserved.walk(Math.floor(offset / B), Math.floor((end - 1) / B) + 1, (first, last, slot) => {
      const lo = Math.max(offset, first * B);
      const hi = first * B + Math.min((last - first) * B, end - first * B);
      if (slot !== undefined) {
        if (into !== null) this.#preserve.get(slot, lo - first * B, hi - lo, into, at + (lo - offset));
        return;
      }
      if (snapshot.stale) throw new FileChangedError(snapshot.file.name);
      if (into !== null) snapshot.file.readAt(into, at + (lo - offset), hi - lo, lo);
    });
  }

  /**
   * Releases what the operation left unreferenced: preserved blocks, then
   * whole snapshots. Closing a released file or copy may fail; everything is
   * still released first, then the first such error is raised.
   */
  settle(): void {
    const B = this.#pageSize;
    for (const [snapshot, lo, hi] of this.#unboundRanges) {
      if (!snapshot.refs.isEmpty()) this.#preserve.releaseUnreferenced(snapshot, Math.floor(lo / B), Math.ceil(hi / B));
    }
    this.#unboundRanges.length = 0;
    const unbound = [...this.#unbound];
    this.#unbound.clear();
    let failure: unknown = null;
    for (const snapshot of unbound) {
      if (!snapshot.refs.isEmpty()) continue;
      try {
        this.#release(snapshot);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== null) throw failure;
  }

  #release(snapshot: Snapshot): void {
    assert(this.#live.get(snapshot.id) === snapshot);
    this.#preserve.releaseAll(snapshot);
    this.#live.delete(snapshot.id);
    pushMin(this.#freeIds, snapshot.id);
    // Last: it may close the file's backend or copy, which may fail.
    snapshot.file.forget(snapshot);
  }
}

function pushMin(heap: number[], value: number): void {
  heap.push(value);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent] <= heap[i]) break;
    [heap[parent], heap[i]] = [heap[i], heap[parent]];
    i = parent;
  }
}

function popMin(heap: number[]): number {
  const top = heap[0];
  const last = heap.pop()!;
  if (heap.length > 0) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && heap[left] < heap[least]) least = left;
      if (right < heap.length && heap[right] < heap[least]) least = right;
      if (least === i) break;
      [heap[least], heap[i]] = [heap[i], heap[least]];
      i = least;
    }
  }
  return top;
}
