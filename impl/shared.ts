/**
 * The mechanisms one engine shares among its segments and files, handed
 * down by the engine to each of them. Nothing here knows who uses it.
 */
import type { FramePool } from './frames.ts';
import type { SlotStore } from './slots.ts';
import type { Snapshots } from './snapshots.ts';
import type { Counters } from './stats.ts';

export interface Shared {
  /** B: page size and file block size. */
  readonly pageSize: number;
  readonly pool: FramePool;
  /** One page per slot; only dirty pages that are not resident have one. */
  readonly swapSpace: SlotStore;
  /** The preserve store: one block per slot, saved by copy-before-write. */
  readonly preserve: SlotStore;
  readonly snapshots: Snapshots;
  readonly counters: Counters;
  /** Pages fetched ahead of a sequential fault; 0 = off. */
  readonly readahead: number;
  /** Scratch for one page (a fault's fill, a block being preserved); never held across calls. */
  readonly pageBuffer: Uint8Array;
  /** The I/O staging buffer for write-back and fragment copies; never held across calls. */
  readonly staging: Uint8Array;
  closed: boolean;
}

/**
 * The spec's Commit: runs one public operation, and whatever it did,
 * releases afterwards what it left unreferenced (snapshots no byte is bound
 * to, preserved blocks no byte references).
 */
export function commit<T>(shared: Shared, body: () => T): T {
  try {
    return body();
  } finally {
    shared.snapshots.release();
  }
}
