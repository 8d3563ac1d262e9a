/**
 * The spec's Load off the hit path (Segment's typed getters take the hit
 * path themselves when the page is resident): the frame holding a page,
 * faulted in if it is not resident, with readahead after a sequential
 * fault. Store and Bytes fault their page in through it too.
 */

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
    // Stryker disable next-line EqualityOperator: stop === page + 1 sets #lastFault to page (already so) and adds 0 to #run
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

/** Loads segment bytes [addr, addr + into.length), which may straddle pages, into `into`, page by page. */
export function loadInto(pager: Pager, addr: number, into: Uint8Array): void {
  const B = pager.shared.pageSize;
  const bytes = pager.shared.pool.bytes;
  for (let done = 0; done < into.length; ) {
    const x = addr + done;
    const p = Math.floor(x / B);
    const count = Math.min(B - (x - p * B), into.length - done);
    const at = load(pager, p) * B + (x - p * B);
    into.set(bytes.subarray(at, at + count), done);
    done += count;
  }
}
