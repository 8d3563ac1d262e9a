/**
 * Copy-before-write, minimal. Before a change through the engine writes or
 * cuts offset o of a file, every live, trusted snapshot of the file that has
 * a byte bound to o itself, and has not yet preserved block(o), saves that
 * block's current content in the preserve store (a sparse, unlinked temporary
 * file of block-sized slots). Nothing else is saved: an offset no byte is
 * bound to can change freely, and growing a file writes no existing offset.
 * A snapshot therefore never changes where it is read, and a preserved block
 * is exactly a block the file may no longer hold for that snapshot (so
 * write-back stops skipping it: saving more than needed would cost writes).
 */
import { assert } from './assert.ts';
import type { SlotStore } from './slots.ts';
import type { Counters } from './stats.ts';
import type { Snapshot } from './snapshots.ts';
import type { FileState } from './files.ts';

/** Marks a block preserved in a snapshot of an isolated file: its private copy already holds the old bytes. */
export const NO_SLOT = -1;

/** A file range [lo, hi) about to change. */
export type Change = readonly [lo: number, hi: number];

export class PreserveStore {
  readonly #slots: SlotStore;
  readonly #pageSize: number;
  readonly #counters: Counters;
  readonly #block: Uint8Array;

  constructor(slots: SlotStore, pageSize: number, counters: Counters) {
    this.#slots = slots;
    this.#pageSize = pageSize;
    this.#counters = counters;
    this.#block = new Uint8Array(pageSize);
  }

  /** Blocks held now. */
  get blocks(): number {
    return this.#slots.used;
  }

  /**
   * Preserves, in every trusted live snapshot of `file`, the not yet
   * preserved block of each offset of `changes` (the offsets about to be
   * written or cut) that a byte is bound to. All or nothing: on failure the
   * blocks preserved so far are released again.
   */
  beforeChange(file: FileState, changes: readonly Change[]): void {
    const B = this.#pageSize;
    const done: [Snapshot, number][] = [];
    try {
      for (const snapshot of file.snapshots) {
        // A stale snapshot's unpreserved bytes are already lost; saving the new ones would be wrong.
        if (snapshot.stale) continue;
        for (const [lo, hi] of changes) {
          if (lo >= hi) continue;
          const blocks: number[] = [];
          // Only the changed offsets themselves: a bound offset elsewhere in the block keeps its byte.
          snapshot.refs.walk(lo, hi, (start, end, count) => {
            if (count === undefined) return;
            for (let block = Math.floor(start / B); block <= Math.floor((end - 1) / B); block++) {
              if (blocks.at(-1) !== block && snapshot.preserved.at(block) === null) blocks.push(block);
            }
          });
          for (const block of blocks) {
            this.#preserve(snapshot, block);
            done.push([snapshot, block]);
          }
        }
      }
    } catch (error) {
      for (const [snapshot, block] of done) this.#drop(snapshot, block);
      throw error;
    }
    this.#counters.preserves += done.length;
  }

  /** Reads `length` bytes of a preserved block from byte `from`. */
  get(slot: number, from: number, length: number, into: Uint8Array, at: number): void {
    assert(slot !== NO_SLOT);
    this.#slots.get(slot, from, length, into, at);
  }

  /** Releases the preserved blocks of [first, end) that `snapshot` no longer references. */
  releaseUnreferenced(snapshot: Snapshot, first: number, end: number): void {
    const B = this.#pageSize;
    const unreferenced: number[] = [];
    snapshot.preserved.walk(first, end, (block, _end, slot) => {
      if (slot !== undefined && !snapshot.refs.overlaps(block * B, (block + 1) * B)) unreferenced.push(block);
    });
    for (const block of unreferenced) this.#drop(snapshot, block);
  }

  /** Frees every block `snapshot` preserved; the snapshot is being released. */
  releaseAll(snapshot: Snapshot): void {
    snapshot.preserved.forEach((_block, _end, slot) => {
      if (slot !== NO_SLOT) this.#slots.free(slot);
    });
  }

  close(): void {
    this.#slots.close();
  }

  #preserve(snapshot: Snapshot, block: number): void {
    assert(!snapshot.refs.isEmpty() && snapshot.preserved.at(block) === null);
    let slot = NO_SLOT;
    if (snapshot.copy === null) {
      snapshot.file.readAt(this.#block, 0, this.#pageSize, block * this.#pageSize);
      slot = this.#slots.put(this.#block, 0);
    }
    snapshot.preserved.set(block, block + 1, slot);
  }

  #drop(snapshot: Snapshot, block: number): void {
    const extent = snapshot.preserved.at(block);
    assert(extent !== null && extent.end === block + 1);
    if (extent.value !== NO_SLOT) this.#slots.free(extent.value);
    snapshot.preserved.set(block, block + 1, undefined);
  }
}
