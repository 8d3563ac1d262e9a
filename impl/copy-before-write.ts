/**
 * Changes through the engine, and the copy-before-write that precedes them.
 *
 * Copy-before-write is minimal (the spec's CopyBeforeWrite): before a change
 * writes or cuts offset o of a file, every live, trusted snapshot of the file
 * that has a byte bound to o itself, and has not yet preserved block(o),
 * saves that block's current content in the preserve store (a sparse,
 * unlinked temporary file of block-sized slots). Nothing else is saved: an
 * offset no byte is bound to can change freely, and growing a file writes no
 * existing offset. A snapshot therefore never changes where it is read, and a
 * preserved block is exactly a block the file may no longer hold for that
 * snapshot (so write-back stops skipping it: saving more than needed would
 * cost writes later).
 */

import { assert } from './assert.ts';
import type { FileState } from './files.ts';
import type { Shared } from './shared.ts';
import { NO_SLOT, type Snapshot } from './snapshots.ts';

/** A file range [lo, hi) of offsets about to be written or cut. */
export type Change = readonly [lo: number, hi: number];

/**
 * Changes `file` through the engine: `writes` are the offsets `apply`
 * overwrites and `length` the file's length afterwards. Copy-before-write
 * runs first, over exactly the offsets that change: the written ones and,
 * for a shorter length, the cut ones [length, old length). Then the change
 * is applied and recorded as the engine's own (the spec's Changed).
 */
export function change(
  shared: Shared,
  file: FileState,
  writes: readonly Change[],
  length: number,
  apply: () => void,
): void {
  const old = file.size();
  copyBeforeWrite(shared, file, length < old ? [...writes, [length, old]] : writes);
  file.changed(apply);
}

/**
 * Preserves, in every trusted live snapshot of `file`, the not yet preserved
 * block of each offset of `changes` (non-empty, sorted, disjoint) that a
 * byte is bound to. All or nothing:
 * on failure the blocks preserved so far are released again. Counts each
 * block preserved in `preserves`.
 */
export function copyBeforeWrite(shared: Shared, file: FileState, changes: readonly Change[]): void {
  const B = shared.pageSize;
  const ranges = changes;
  if (ranges.length === 0) return;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: an assertion only
  for (let i = 0; i < ranges.length; i++)
    assert(
      ranges[i][0] < ranges[i][1] && (i === 0 || ranges[i - 1][1] <= ranges[i][0]),
      'changes empty or out of order',
    );
  const done: [Snapshot, number][] = [];
  try {
    for (const snapshot of shared.snapshots.of(file)) {
      // A stale snapshot's unpreserved bytes are already lost; saving the new ones would be wrong.
      if (snapshot.stale) continue;
      // The bound offsets among the changed ones, in one pass over the refs
      // and the changes together (both sorted): a write-back of thousands of
      // dirty pages costs one walk, not a lookup per page. Only the changed
      // offsets themselves count: a bound offset elsewhere in the block keeps its byte.
      const blocks: number[] = [];
      let j = 0;
      snapshot.refs.walk(ranges[0][0], ranges[ranges.length - 1][1], (start, end, count) => {
        if (count === undefined) return;
        // Stryker disable next-line ConditionalExpression,EqualityOperator: every bound extent walked starts before the last change ends, so j never passes the last range
        while (j < ranges.length && ranges[j][1] <= start) j++;
        for (let k = j; k < ranges.length && ranges[k][0] < end; k++) {
          const lo = Math.max(start, ranges[k][0]);
          const hi = Math.min(end, ranges[k][1]);
          for (let block = Math.floor(lo / B); block <= Math.floor((hi - 1) / B); block++) {
            if (blocks.at(-1) !== block && snapshot.preserved.at(block) === null) blocks.push(block);
          }
        }
      });
      for (const block of blocks) {
        preserve(shared, snapshot, block);
        done.push([snapshot, block]);
      }
    }
  } catch (error) {
    for (const [snapshot, block] of done) unpreserve(shared, snapshot, block);
    throw error;
  }
  shared.counters.preserves += done.length;
}

function preserve(shared: Shared, snapshot: Snapshot, block: number): void {
  assert(
    !snapshot.refs.isEmpty() && snapshot.preserved.at(block) === null,
    'preserving a block twice, or for a dead snapshot',
  );
  let slot = NO_SLOT;
  // An isolated snapshot's private copy holds the block already: the mark alone stops write-back skipping it.
  if (snapshot.copy === null) {
    const B = shared.pageSize;
    snapshot.file.readAt(shared.pageBuffer, 0, B, block * B);
    slot = shared.preserve.put(shared.pageBuffer, 0);
  }
  snapshot.preserved.set(block, block + 1, slot);
}

function unpreserve(shared: Shared, snapshot: Snapshot, block: number): void {
  const extent = snapshot.preserved.at(block);
  assert(extent !== null && extent.start === block && extent.end === block + 1, 'unpreserving a block not preserved');
  // Stryker disable next-line ConditionalExpression: an isolated file's snapshots preserve without I/O, so a failure never rolls back a NO_SLOT block
  if (extent.value !== NO_SLOT) shared.preserve.free(extent.value);
  snapshot.preserved.set(block, block + 1, undefined);
}
