/**
 * The spec's Store off the hit path (Segment's typed setters take the hit
 * path themselves when the page is resident and detached): each page
 * stored into is faulted in, detached (every byte of it becomes Anon, so
 * the page is dirty), then written. A value straddling two pages, and
 * copyIn, store into each page in turn.
 */

import { assert } from './assert.ts';
import { copyPages } from './load.ts';
import type { Pager } from './paging.ts';

/**
 * Stores `from` at addr page by page: each page is faulted in, detached
 * (wholly Anon), then written. Like a memcpy that faults, an I/O error
 * part way leaves the pages before it stored.
 */
export function store(pager: Pager, addr: number, from: Uint8Array): void {
  copyPages(pager, addr, from, true);
  // Every byte stored is Anon: one extent, as adjacent Anon bytes are (one lookup).
  if (from.length > 0) assert(pager.bindings.allAnon(addr, addr + from.length), 'a stored byte is not Anon');
}
