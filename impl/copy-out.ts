/**
 * The spec's CopyOut: a copy of segment bytes that faults nothing in.
 * Resident pages are copied from their frames, the rest straight from their
 * sources (zeros, the file or its preserved blocks, swap), like write-back.
 * Refused with FileChangedError, copying nothing, if a byte is not Known.
 */

import { assert } from './assert.ts';
import type { Pager } from './paging.ts';

/** Copies segment bytes [addr, addr + target.length) into `target`. */
export function copyOut(pager: Pager, addr: number, target: Uint8Array): void {
  assert(target.length > 0, 'an empty copy');
  assert(addr + target.length <= pager.length, 'a copy past the end of the segment');
  const faults = pager.shared.counters.faults;
  pager.checkKnown(addr, addr + target.length);
  pager.view(addr, addr + target.length, target, 0);
  // The spec's Lazy: CopyOut never faults a page in.
  assert(pager.shared.counters.faults === faults, 'a copy faulted a page in');
}
