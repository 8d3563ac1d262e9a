/**
 * The spec's CopyOut: a copy of segment bytes that faults nothing in.
 * Resident pages are copied from their frames, the rest straight from their
 * sources (zeros, the file or its preserved blocks, swap), like write-back.
 * Refused with FileChangedError, copying nothing, if a byte is not Known.
 */

import type { Pager } from './paging.ts';

/** Copies segment bytes [addr, addr + target.length) into `target`. */
export function copyOut(pager: Pager, addr: number, target: Uint8Array): void {
  pager.checkKnown(addr, addr + target.length);
  pager.view(addr, addr + target.length, target, 0);
}
