/**
 * The spec's Zero (the "memset syscall"): bytes become Zero without being
 * loaded. Pages entirely covered drop their frame and swap slot; a
 * resident page only partly covered gets zeros in its frame where it is
 * covered.
 */

import { assert } from './assert.ts';
import type { Pager } from './paging.ts';

/** Zeroes segment bytes [addr, addr + length). */
export function zero(pager: Pager, addr: number, length: number): void {
  if (length === 0) return;
  assert(addr + length <= pager.length, 'zeroing past the end of the segment');
  const B = pager.shared.pageSize;
  const hi = addr + length;
  const faults = pager.shared.counters.faults;
  pager.bindings.bind(addr, hi, undefined);
  pager.rebound(addr, hi, false);
  // The partly covered pages still resident get zeros where they were covered.
  for (const page of [Math.floor(addr / B), Math.floor((hi - 1) / B)]) {
    const frame = pager.table.get(page);
    if (frame < 0) continue;
    const base = page * B;
    pager.shared.pool.bytes.fill(0, frame * B + (Math.max(addr, base) - base), frame * B + Math.min(B, hi - base));
  }
  // Zero is a gap in the bindings: no extent starts before hi.
  assert((pager.bindings.map.next(addr)?.start ?? hi) >= hi, 'zeroed bytes are still bound');
  // The spec's Lazy: Zero never faults a page in.
  assert(pager.shared.counters.faults === faults, 'zero faulted a page in');
}
