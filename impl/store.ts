/**
 * The spec's Store off the hit path (Segment's typed setters take the hit
 * path themselves when the page is resident and detached): each page
 * stored into is faulted in, detached (every byte of it becomes Anon, so
 * the page is dirty), then written. A value straddling two pages, and
 * copyIn, store into each page in turn.
 */

import { load } from './load.ts';
import type { Pager } from './paging.ts';

/**
 * Stores `from` at addr page by page: each page is faulted in, detached
 * (wholly Anon), then written. Like a memcpy that faults, an I/O error
 * part way leaves the pages before it stored.
 */
export function store(pager: Pager, addr: number, from: Uint8Array): void {
  const B = pager.shared.pageSize;
  const pool = pager.shared.pool.bytes;
  for (let done = 0; done < from.length; ) {
    const x = addr + done;
    const page = Math.floor(x / B);
    const offset = x - page * B;
    // Stryker disable next-line ArithmeticOperator: count overshoots only on the last piece, which subarray clips at from.length
    const count = Math.min(B - offset, from.length - done);
    const frame = load(pager, page);
    pager.detach(page, frame);
    pool.set(from.subarray(done, done + count), frame * B + offset);
    done += count;
  }
}
