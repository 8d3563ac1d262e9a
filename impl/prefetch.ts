/**
 * The spec's Prefetch (madvise WILLNEED), and the readahead of load.ts: the
 * pages of a range that are not resident are faulted in, in order, best
 * effort. A run of pages bound to contiguous offsets of one snapshot is
 * filled with one read per run of consecutive frames (which a sequential
 * scan gets from CLOCK), the others by a fault each.
 */

import { assert } from './assert.ts';
import { DeferredIOError } from './errors.ts';
import { fault, frameFor } from './fault.ts';
import type { Pager } from './paging.ts';

/**
 * The spec's Prefetch of pages [first, end): each page not resident is
 * faulted in, in order, up to the first that cannot be filled (a byte
 * lost to a change behind the engine's back, or an I/O error: best
 * effort, that page's own fault will report it). A run of pages bound to
 * contiguous offsets of one snapshot is filled with one read per run of
 * consecutive frames (which a sequential scan gets from CLOCK). At most
 * as many pages as the pool holds: the pages of that window already
 * resident are pinned before the first fill and the pages filled as they
 * are, until the end, so that making room for one never evicts another
 * (which would only be filled again: one fault per page missing, at
 * most). Returns the page where it stopped (`end` if it did not).
 */
export function prefetch(pager: Pager, first: number, end: number): number {
  assert(first >= 0, 'prefetching from a negative page');
  assert(first < end, 'prefetching no page');
  assert(end <= pager.pages, 'prefetching past the last page');
  const pool = pager.shared.pool;
  const stop = Math.min(end, first + pool.count);
  for (let at = first; at < stop; at++) {
    const resident = pager.table.get(at);
    if (resident >= 0) pool.pin(resident);
  }
  let page = first;
  try {
    while (page < stop) {
      if (pager.table.get(page) >= 0) {
        page++;
        continue;
      }
      const run = batchable(pager, page, Math.min(stop, page + pager.shared.batch.length));
      // Stryker disable next-line EqualityOperator
      if (run > page + 1) {
        if (!fillBatch(pager, page, run)) return page;
        page = run;
        continue;
      }
      try {
        pool.pin(fault(pager, page));
      } catch (error) {
        // Stryker disable next-line ConditionalExpression
        if (error instanceof DeferredIOError) return page;
        throw error;
      }
      page++;
    }
    return stop;
  } finally {
    assert(page <= stop, 'prefetched past the window');
    // Every page of [first, page) is resident and pinned (none evicted another), and so is every page of
    // [page, stop) that was resident at the start; the others there were left alone.
    for (let pinned = first; pinned < stop; pinned++) {
      const frame = pager.table.get(pinned);
      if (pinned < page) assert(frame >= 0, 'a prefetched page left memory before the prefetch returned');
      if (frame >= 0) pool.unpin(frame);
    }
  }
}

/**
 * The end (exclusive, at most `limit`) of a run of pages from `page` that
 * one read can fill: none resident, all bound to one snapshot extent
 * (contiguous offsets of one file), which serves them from its file or
 * private copy (not stale, no block preserved). `page` when there is no
 * such run of two pages or more.
 */
function batchable(pager: Pager, page: number, limit: number): number {
  assert(page < limit, 'batching no page');
  assert(pager.table.get(page) < 0, 'batching a resident page');
  const B = pager.shared.pageSize;
  const extent = pager.bindings.map.at(page * B);
  if (extent === null || extent.value.kind !== 'snap') return page;
  let end = page;
  while (end < limit && pager.pageEnd(end) <= extent.end && pager.table.get(end) < 0) end++;
  if (end < page + 2) return page;
  const { snap, delta } = extent.value;
  if (snap.copy === null) {
    snap.file.verify();
    const lo = page * B + delta;
    const hi = pager.pageEnd(end - 1) + delta;
    if (snap.stale || snap.preserved.overlaps(Math.floor(lo / B), Math.floor((hi - 1) / B) + 1)) return page;
  }
  return end;
}

/**
 * Fills pages [first, end), a run batchable found, with one read per
 * run of consecutive frames, the frames pinned. All or nothing: if a
 * frame cannot be had or a read fails, every frame taken goes back and
 * it returns false (best effort: the pages fault on their own later).
 */
function fillBatch(pager: Pager, first: number, end: number): boolean {
  const shared = pager.shared;
  const pool = shared.pool;
  const B = shared.pageSize;
  const frames = shared.batch;
  const count = end - first;
  const extent = pager.bindings.map.at(first * B)!;
  assert(count >= 2, 'a batch of fewer than two pages');
  assert(count <= frames.length, 'a batch larger than its scratch');
  assert(extent.value.kind === 'snap', 'a batch not bound to a snapshot');
  // What one read per run of frames relies on: contiguous offsets of one snapshot.
  assert(pager.pageEnd(end - 1) <= extent.end, 'a batch not bound to one extent');
  const { snap, delta } = extent.value;
  let taken = 0;
  try {
    for (; taken < count; taken++) {
      frames[taken] = frameFor(pager, first + taken);
      pool.pin(frames[taken]);
    }
    for (let i = 0; i < count; ) {
      let j = i + 1;
      while (j < count && frames[j] === frames[j - 1] + 1) j++;
      const lo = (first + i) * B;
      shared.snapshots.snapByte(snap, lo + delta, pager.pageEnd(first + j - 1) - lo, pool.bytes, frames[i] * B);
      i = j;
    }
  } catch (error) {
    for (let i = 0; i < taken; i++) {
      pool.unpin(frames[i]);
      pool.release(frames[i]);
    }
    // Stryker disable next-line ConditionalExpression
    if (error instanceof DeferredIOError) return false;
    throw error;
  }
  const last = end - 1;
  const tail = pager.pageEnd(last) - last * B;
  if (tail < B) pool.bytes.fill(0, frames[count - 1] * B + tail, frames[count - 1] * B + B);
  for (let i = 0; i < count; i++) pager.table.set(first + i, frames[i]);
  assert(pager.table.get(end - 1) === frames[count - 1], 'a batched page is not in its frame');
  const filled = pager.pageEnd(last) - first * B;
  shared.counters.faults += count;
  shared.counters.fills += count;
  shared.counters.bytesFilled += filled;
  return true;
}
