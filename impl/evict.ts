/**
 * The spec's Evict: a resident page leaves memory. A dirty page's bytes go
 * to its swap slot; a clean page's are dropped, as its sources re-derive
 * them. Both the public `Segment.evict` and the replacement of a fault
 * (fault.ts, paging out the pool's victim) evict this way.
 */

import { assert } from './assert.ts';
import { CLEAN } from './frames.ts';
import type { Pager } from './paging.ts';

/** Pages `page` out if resident: a dirty page goes to its swap slot, a clean one is dropped. Returns whether it was resident. */
export function evict(pager: Pager, page: number): boolean {
  assert(page >= 0, 'evicting a negative page');
  assert(page < pager.pages, 'evicting a page past the end of the segment');
  if (pager.table.get(page) < 0) return false;
  evictResident(pager, page);
  return true;
}

/** Pages out resident `page`, its frame going back to the pool. May throw (the swap write); then nothing changed. */
export function evictResident(pager: Pager, page: number): void {
  const frame = pager.table.get(page);
  assert(frame >= 0, 'evicting a page that is not resident');
  const shared = pager.shared;
  const pool = shared.pool;
  assert(pool.owner(frame) === pager.id, "evicting another pager's frame");
  assert(pool.page[frame] === page, 'evicting a frame that holds another page');
  const dirty = pool.state[frame] !== CLEAN;
  if (dirty) {
    // Checked on the dirty path only, which does I/O anyway: the clean path is a fault's hot path.
    assert(pager.bindings.dirty(page * shared.pageSize, pager.pageEnd(page)), 'a page marked dirty has no Anon byte');
    pager.swap.write(page, pool.bytes, frame * shared.pageSize);
    shared.counters.swapOuts++;
  }
  pager.table.delete(page);
  pool.release(frame);
  assert(pager.table.get(page) < 0, 'an evicted page is still resident');
  // AnonBacked and SwapOnlyDirty: a page out of memory has a swap slot iff it is dirty.
  if (dirty) assert(pager.swap.has(page), 'an evicted dirty page has no swap slot');
  else assert(!pager.swap.has(page), 'an evicted clean page has a swap slot');
}
