/**
 * The mechanisms one engine shares among its segments and files, handed
 * down by the engine to each of them. Nothing here knows who uses it.
 */

import { assert } from './assert.ts';
import type { Calls } from './files.ts';
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
  /** The public calls so far: a file's identity is checked once per call. */
  readonly calls: Calls;
  /** Scratch for one page (a block being preserved); never held across calls. */
  readonly pageBuffer: Uint8Array;
  /** The I/O staging buffer for fragment copies and write-back's non-resident pages; never held across calls. */
  readonly staging: Uint8Array;
  /** Scratch for the frames of one batched fill (readaheadMax + 1 of them); never held across calls. */
  readonly batch: Int32Array;
  closed: boolean;
}

/**
 * The spec's Commit: runs one public operation, and whatever it did,
 * releases afterwards what it left unreferenced (snapshots no byte is bound
 * to, preserved blocks no byte references). A new call: files are looked at
 * afresh.
 */
export function commit<T>(shared: Shared, body: () => T): T {
  // Every public call checks first; Engine.close closes its segments before it closes.
  assert(!shared.closed, 'an operation on a closed engine');
  const call = ++shared.calls.current;
  let result: T;
  try {
    result = body();
  } finally {
    shared.snapshots.release();
  }
  // One operation, one release: an operation begun inside another would release in the middle of it.
  assert(shared.calls.current === call, 'an operation inside an operation');
  return result;
}
