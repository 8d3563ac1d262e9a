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

/** Bytes bound to each snapshot that the caller knows lie at offsets the change leaves alone. */
export type Unchanged = ReadonlyMap<Snapshot, number>;

const nothingKnown: Unchanged = new Map();

/**
 * Changes `file` through the engine: `writes` are the offsets `apply`
 * overwrites and `length` the file's length afterwards. Copy-before-write
 * runs first, over exactly the offsets that change: the written ones and,
 * for a shorter length, the cut ones [length, old length). Then the change
 * is applied and recorded as the engine's own (the spec's Changed).
 * `unchanged` (a write-back's skipped bytes) spares copy-before-write the
 * sweep of a snapshot whose bound bytes it accounts for.
 */
export function change(
  shared: Shared,
  file: FileState,
  writes: readonly Change[],
  length: number,
  apply: () => void,
  unchanged: Unchanged = nothingKnown,
): void {
  assert(!file.readOnly, 'a change through a read-only file');
  assert(!file.closed, 'a change through a closed file');
  assert(length >= 0, 'a change to a negative length');
  file.refuseIfJournalLeft();
  const old = file.size();
  copyBeforeWrite(shared, file, length < old ? [...writes, [length, old]] : writes, unchanged);
  file.changed(apply);
  // The file has the length copy-before-write judged the cut by (size reads what the change recorded: no new look).
  assert(file.size() === length, 'a change left the file another length than announced');
}

/**
 * Preserves, in every trusted live snapshot of `file`, the not yet preserved
 * block of each offset of `changes` (non-empty, sorted, disjoint) that a
 * byte is bound to. All or nothing:
 * on failure the blocks preserved so far are released again. Counts each
 * block preserved in `preserves`. A snapshot all of whose bound bytes
 * `unchanged` places at offsets outside the changes has none among them,
 * so its refs are not swept.
 */
export function copyBeforeWrite(
  shared: Shared,
  file: FileState,
  changes: readonly Change[],
  unchanged: Unchanged,
): void {
  const B = shared.pageSize;
  const ranges = changes;
  if (ranges.length === 0) return;
  for (let i = 0; i < ranges.length; i++) {
    assert(ranges[i][0] < ranges[i][1], 'an empty change');
    if (i > 0) assert(ranges[i - 1][1] <= ranges[i][0], 'changes out of order');
  }
  const done: [Snapshot, number][] = [];
  try {
    for (const snapshot of shared.snapshots.of(file)) {
      assert(snapshot.file === file, "a snapshot indexed under another file's");
      // A stale snapshot's unpreserved bytes are already lost; saving the new ones would be wrong.
      if (snapshot.stale) continue;
      const kept = unchanged.get(snapshot) ?? 0;
      assert(kept <= snapshot.bound, 'more bytes counted unchanged than bound');
      // Stryker disable next-line ConditionalExpression
      if (kept === snapshot.bound) {
        // No bound offset changes: sampled at both ends of the changes, in a lookup each.
        assert(!snapshot.refs.overlaps(ranges[0][0], ranges[0][1]), 'a changed offset bound, counted unchanged');
        assert(
          !snapshot.refs.overlaps(ranges.at(-1)![0], ranges.at(-1)![1]),
          'a changed offset bound, counted unchanged',
        );
        continue;
      }
      // The bound offsets among the changed ones, in one pass over the refs
      // and the changes together (both sorted): a write-back of thousands of
      // dirty pages costs one walk, not a lookup per page. Only the changed
      // offsets themselves count: a bound offset elsewhere in the block keeps its byte.
      const blocks: number[] = [];
      let j = 0;
      snapshot.refs.walk(ranges[0][0], ranges[ranges.length - 1][1], (start, end, count) => {
        if (count === undefined) return;
        // Stryker disable next-line ConditionalExpression,EqualityOperator
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
  for (const [snapshot, block] of done)
    assert(snapshot.preserved.at(block) !== null, 'a block preserved is missing from its snapshot');
}

function preserve(shared: Shared, snapshot: Snapshot, block: number): void {
  const B = shared.pageSize;
  assert(!snapshot.stale, 'preserving a block of a stale snapshot');
  assert(snapshot.preserved.at(block) === null, 'preserving a block twice');
  // The minimal rule (and NoLeak): only a block some byte references is preserved.
  assert(snapshot.refs.overlaps(block * B, (block + 1) * B), 'preserving a block no byte references');
  let slot = NO_SLOT;
  // An isolated snapshot's private copy holds the block already: the mark alone stops write-back skipping it.
  if (snapshot.copy === null) {
    snapshot.file.readAt(shared.pageBuffer, 0, B, block * B);
    slot = shared.preserve.put(shared.pageBuffer, 0);
  }
  snapshot.preserved.set(block, block + 1, slot);
  assert(
    (slot === NO_SLOT) === (snapshot.copy !== null),
    'a block is preserved in a slot iff its snapshot reads the file',
  );
}

function unpreserve(shared: Shared, snapshot: Snapshot, block: number): void {
  const extent = snapshot.preserved.at(block);
  assert(extent !== null, 'unpreserving a block not preserved');
  assert(extent.start === block, 'a preserved extent starts before its block');
  assert(extent.end === block + 1, 'a preserved extent is more than one block');
  // Stryker disable next-line ConditionalExpression
  if (extent.value !== NO_SLOT) shared.preserve.free(extent.value);
  snapshot.preserved.set(block, block + 1, undefined);
  assert(snapshot.preserved.at(block) === null, 'an unpreserved block is still preserved');
}
