/**
 * The mechanisms one engine shares among its segments and files.
 */
import type { FramePool } from './frames.ts';
import type { SlotStore } from './slots.ts';
import type { Snapshots } from './snapshots.ts';
import type { PreserveStore } from './preserve.ts';
import type { Counters } from './stats.ts';
import type { FileState } from './files.ts';
import type { Segment } from './segment.ts';

export interface Context {
  /** B: page size and file block size. */
  readonly pageSize: number;
  readonly pool: FramePool;
  readonly swapSpace: SlotStore;
  readonly snapshots: Snapshots;
  readonly preserve: PreserveStore;
  readonly counters: Counters;
  /** Pages fetched ahead of a sequential fault; 0 = off. */
  readonly readahead: number;
  /** Where isolation copies are made. */
  readonly tempDir: string;
  /** Scratch for one page being filled; never held across calls. */
  readonly pageBuffer: Uint8Array;
  /** Scratch for write-back and fragment copies; never held across calls. */
  readonly chunk: Uint8Array;
  /** Open segments and files, for Engine.close and the projection. */
  readonly segments: Set<Segment>;
  readonly files: Set<FileState>;
  closed: boolean;
}

/**
 * Runs one public operation. Whatever it did, release happens afterwards:
 * snapshots left unreferenced and preserved blocks no longer referenced go.
 */
export function operation<T>(context: Context, body: () => T): T {
  try {
    return body();
  } finally {
    context.snapshots.settle();
  }
}
