/**
 * The spec's Bytes: a direct view of segment bytes inside one page, a
 * subarray of the frame pool (no copy). The page is faulted in as by a
 * load; a writable view detaches it first, as a store of its own values
 * would, so that stores through the view land in a page already dirty.
 */

import { assert } from './assert.ts';
import { DETACHED } from './frames.ts';
import { load } from './load.ts';
import type { Pager } from './paging.ts';

/** The view of bytes [addr, addr + length), which lie in one page, faulting the page in (and detaching it if `writable`). */
export function bytes(pager: Pager, addr: number, length: number, writable: boolean): Uint8Array {
  const B = pager.shared.pageSize;
  const page = Math.floor(addr / B);
  const offset = addr - page * B;
  assert(length >= 1, 'an empty view');
  // A view past its page would show, and store into, the next frame's page.
  assert(offset + length <= pager.pageEnd(page) - page * B, 'a view crosses the end of its page');
  const frame = load(pager, page);
  if (writable) pager.detach(page, frame);
  assert(pager.table.get(page) === frame, 'a view of a frame that does not hold its page');
  if (writable) assert(pager.shared.pool.state[frame] === DETACHED, 'a writable view of a page not detached');
  return pager.shared.pool.bytes.subarray(frame * B + offset, frame * B + offset + length);
}
