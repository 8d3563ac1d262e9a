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
import { DETACHED, DIRTY } from './frames.ts';
import type { Pager } from './paging.ts';

/**
 * A frame for `pager`'s `page`: a free one, else the victim CLOCK picks,
 * after its pager evicted the page it holds (a dirty one to swap). If that
 * eviction fails, nothing changed.
 */
export function frameFor(pager: Pager, page: number): number {
  const pool = pager.shared.pool;
  if (pool.free > 0) return pool.acquire(pager.id, page);
  const victim = pool.victim();
  evictResident(pager.pagers.get(pool.owner(victim)), pool.page[victim]);
  const frame = pool.acquire(pager.id, page);
  assert(frame === victim, 'evicted page kept its frame');
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
  assert(page >= 0 && page < pager.pages && pager.table.get(page) < 0, 'faulting in a page out of range or resident');
  const B = shared.pageSize;
  const lo = page * B;
  const hi = pager.pageEnd(page);
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
  assert(swapped === pager.swap.has(page), 'a page has a swap slot iff it has Anon bytes');
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
  return frame;
}
