/**
 * A fault: a page that is not resident is brought into a frame, filled with
 * its PageView straight from its sources or its swap slot (which it then
 * leaves). The fault of the spec's Load, Store and Bytes, and of Prefetch
 * page by page.
 *
 * The frame comes from the pool: a free one, else the frame of the pool's
 * victim, whose page its own pager evicts first (the pool only picks, as a
 * replacer does for a buffer pool manager). The fault path allocates
 * nothing: the page table and the frame bookkeeping are typed arrays,
 * extents are visited with `next`, and file bytes are read straight into
 * the frame.
 */

import { assert } from './assert.ts';
import { evictResident } from './evict.ts';
import { CLEAN, DETACHED, DIRTY } from './frames.ts';
import type { Pager } from './paging.ts';

/**
 * A frame for `pager`'s `page`: a free one, else the victim CLOCK picks,
 * after its pager evicted the page it holds (a dirty one to swap). If that
 * eviction fails, nothing changed.
 */
export function frameFor(pager: Pager, page: number): number {
  const pool = pager.shared.pool;
  assert(pager.table.get(page) < 0, 'a frame for a page already resident');
  if (pool.free > 0) return pool.acquire(pager.id, page);
  const victim = pool.victim();
  evictResident(pager.pagers.get(pool.owner(victim)), pool.page[victim]);
  const frame = pool.acquire(pager.id, page);
  assert(frame === victim, 'evicted page kept its frame');
  assert(pool.owner(frame) === pager.id, 'a frame taken for another pager');
  return frame;
}

/**
 * Brings `page` into a frame: its PageView, read straight into the frame
 * from its sources or its swap slot (which it then leaves). Making room
 * may evict another page; if the fill then fails, the frame goes back and
 * the page stays where it was.
 */
export function fault(pager: Pager, page: number): number {
  const shared = pager.shared;
  const pool = shared.pool;
  assert(page >= 0, 'faulting in a negative page');
  assert(page < pager.pages, 'faulting in a page past the end of the segment');
  assert(pager.table.get(page) < 0, 'faulting in a resident page');
  const B = shared.pageSize;
  const lo = page * B;
  const hi = pager.pageEnd(page);
  // AnonBacked and SwapOnlyDirty: a page not resident has a swap slot iff it is dirty (one extent walk, against a read).
  assert(
    pager.swap.has(page) === pager.bindings.dirty(lo, hi),
    'a page not resident has a swap slot iff it has an Anon byte',
  );
  const frame = frameFor(pager, page);
  let filled: number;
  try {
    filled = pager.sources(lo, hi, pool.bytes, frame * B);
  } catch (error) {
    pool.release(frame);
    throw error;
  }
  if (hi - lo < B) pool.bytes.fill(0, frame * B + (hi - lo), frame * B + B);
  const swapped = filled < hi - lo;
  assert(swapped === pager.swap.has(page), 'a page filled from its swap slot has one, and only such a page');
  pager.table.set(page, frame);
  if (swapped) {
    pager.swap.drop(page, page + 1);
    pool.state[frame] = pager.bindings.allAnon(lo, hi) ? DETACHED : DIRTY;
    shared.counters.swapIns++;
  }
  shared.counters.faults++;
  if (filled > 0) {
    shared.counters.fills++;
    shared.counters.bytesFilled += filled;
  }
  assert(pager.table.get(page) === frame, 'a faulted-in page is not in its frame');
  if (swapped) assert(!pager.swap.has(page), 'a faulted-in page keeps its swap slot');
  // The frame's state is the spec's Dirty: CLEAN iff no byte is Anon, which is iff the page came from swap.
  assert((pool.state[frame] === CLEAN) === !swapped, 'a page is dirty iff it has an Anon byte');
  return frame;
}
