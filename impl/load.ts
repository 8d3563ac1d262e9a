/**
 * The spec's Load off the hit path (Segment's typed getters take the hit
 * path themselves when the page is resident): the frame holding a page,
 * faulted in if it is not resident, with readahead after a sequential
 * fault. Bytes faults its page in through it too, and a value straddling
 * two pages is loaded page by page (copyPages). Store faults its pages in
 * itself, without readahead (store.ts).
 */

import { assert } from './assert.ts';
import { fault } from './fault.ts';
import type { Pager } from './paging.ts';
import { prefetch } from './prefetch.ts';

/**
 * The frame holding `page`, faulting it in if it is not resident (the
 * spec's Load, Store and Bytes fault). After a fault on the page that
 * follows the last one faulted, the engine reads ahead: the fault is then
 * the spec's Load followed by Prefetch of the pages after it, in one read
 * where it can. How far ahead is policy, outside the spec: as many pages
 * as the sequential run has so far, at most `readahead`, so the window
 * doubles from one page (a program touching two adjacent blocks does not
 * pay for a megabyte) and a long scan soon reads `readahead` pages at a
 * time.
 */
export function load(pager: Pager, page: number): number {
  assert(page >= 0, 'loading a negative page');
  assert(page < pager.pages, 'loading a page past the end of the segment');
  const frame = pager.table.get(page);
  if (frame >= 0) {
    pager.shared.pool.touch(frame);
    return frame;
  }
  const sequential = page === pager.lastFault + 1;
  pager.lastFault = page;
  const window = Math.min(pager.shared.readahead, pager.run);
  pager.run = sequential ? pager.run + 1 : 1;
  if (sequential && window > 0) {
    const stop = prefetch(pager, page, Math.min(pager.pages, page + 1 + window));
    assert(stop >= page, 'a prefetch stopped before its first page');
    // Stryker disable next-line EqualityOperator
    if (stop > page + 1) {
      pager.lastFault = stop - 1;
      pager.run += stop - page - 1;
    }
    const fetched = pager.table.get(page);
    if (fetched >= 0) return fetched;
  }
  // Not read ahead (or it could not be): its own fault, which reports why.
  return fault(pager, page);
}

/**
 * Copies segment bytes [addr, addr + bytes.length), which may straddle
 * pages, into `bytes`, page by page, each page loaded first (faulted in if
 * it is not resident): a Load of a value across pages. Like a memcpy that
 * faults, an I/O error part way leaves the pages before it copied.
 */
export function copyPages(pager: Pager, addr: number, bytes: Uint8Array): void {
  assert(addr >= 0, 'copying at a negative address');
  assert(addr + bytes.length <= pager.length, 'copying past the end of the segment');
  const B = pager.shared.pageSize;
  const pool = pager.shared.pool;
  for (let done = 0; done < bytes.length; ) {
    const x = addr + done;
    const page = Math.floor(x / B);
    const offset = x - page * B;
    const count = Math.min(B - offset, bytes.length - done);
    const at = load(pager, page) * B + offset;
    bytes.set(pool.bytes.subarray(at, at + count), done);
    done += count;
  }
}
