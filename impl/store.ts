/**
 * The spec's Store off the hit path (Segment's typed setters take the hit
 * path themselves when the page is resident and detached): every page
 * stored into is faulted in, detached (every byte of it becomes Anon, so
 * the page is dirty), then written. A value straddling two pages, and
 * copyIn, store into each page of their range.
 *
 * A store's fault reads nothing ahead: readahead guesses that a program
 * scanning pages will load the next ones, and a store of many pages is
 * followed by more stores, which would overwrite what it read. The pages
 * of a range are faulted in first, pinned, then made Anon by one bind over
 * the whole range (adjacent Anon bytes are one extent: one split and merge
 * for a 1 MiB copyIn, not one per page), then copied into.
 */

import { assert } from './assert.ts';
import { ANON } from './bindings.ts';
import { fault } from './fault.ts';
import { DETACHED } from './frames.ts';
import type { Pager } from './paging.ts';

/**
 * Stores `from` at addr: each page of the range is faulted in (without
 * readahead), detached (wholly Anon), then written, at most as many pages
 * at a time as the pool holds. Like a memcpy that faults, an I/O error
 * part way leaves the pages before it stored.
 */
export function store(pager: Pager, addr: number, from: Uint8Array): void {
  assert(addr >= 0, 'storing at a negative address');
  assert(addr + from.length <= pager.length, 'storing past the end of the segment');
  if (from.length === 0) return;
  const B = pager.shared.pageSize;
  const end = Math.floor((addr + from.length - 1) / B) + 1;
  for (let first = Math.floor(addr / B); first < end; ) first = storeWindow(pager, addr, from, first, end);
  // Every byte stored is Anon: one extent, as adjacent Anon bytes are (one lookup).
  assert(pager.bindings.allAnon(addr, addr + from.length), 'a stored byte is not Anon');
}

/**
 * Stores the part of `from` that falls in pages [first, end), at most the
 * pool's count of them (each pinned until it is written, so that making
 * room for one never evicts another). Returns the page after the last one
 * stored.
 */
function storeWindow(pager: Pager, addr: number, from: Uint8Array, first: number, end: number): number {
  const pool = pager.shared.pool;
  const stop = Math.min(end, first + pool.count);
  let page = first;
  let detached = true;
  try {
    for (; page < stop; page++) {
      let frame = pager.table.get(page);
      if (frame >= 0) pool.touch(frame);
      else frame = fault(pager, page);
      pool.pin(frame);
      if (pool.state[frame] !== DETACHED) detached = false;
    }
  } finally {
    // The pages faulted in before an error are stored, as a memcpy that faults leaves them.
    if (page > first) storePinned(pager, addr, from, first, page, detached);
  }
  return stop;
}

/** Detaches resident, pinned pages [first, end) with one bind, copies their part of `from` in, unpins them. */
function storePinned(
  pager: Pager,
  addr: number,
  from: Uint8Array,
  first: number,
  end: number,
  detached: boolean,
): void {
  const pool = pager.shared.pool;
  const B = pager.shared.pageSize;
  const lo = first * B;
  const hi = pager.pageEnd(end - 1);
  if (!detached) pager.bindings.bind(lo, hi, ANON);
  for (let page = first; page < end; page++) {
    const frame = pager.table.get(page);
    assert(frame >= 0, 'a page of a store left memory before it was written');
    assert(!pager.swap.has(page), 'a resident page has a swap slot');
    pool.state[frame] = DETACHED;
    const x = Math.max(addr, page * B);
    const y = Math.min(addr + from.length, pager.pageEnd(page));
    pool.bytes.set(from.subarray(x - addr, y - addr), frame * B + (x - page * B));
    pool.unpin(frame);
  }
  // The DETACHED half of the frame state's pair with the bindings: every byte of these pages is Anon (one lookup).
  assert(pager.bindings.allAnon(lo, hi), 'a detached page has a byte that is not Anon');
}
