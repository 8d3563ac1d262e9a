/**
 * The spec's Read: segment bytes are bound to a snapshot of a file range,
 * the lowest-id snapshot reusable for it or else a new one, and nothing is
 * copied, whatever the length. Pages the read covers entirely drop their
 * frame and swap slot. A resident page it covers only partly (its first
 * and last) has just the covered bytes refreshed from the file: the
 * fragment copy, the only bytes a read moves.
 */

import { assert } from './assert.ts';
import type { FileState } from './files.ts';
import type { Pager } from './paging.ts';

/**
 * Reads `length` bytes of `file` from `position` into the segment at
 * `addr`; returns how many it read (short at end of file). At or past the
 * end of the file it returns 0 and changes nothing.
 */
export function read(pager: Pager, file: FileState, addr: number, length: number, position: number): number {
  const { shared, table } = pager;
  assert(position >= 0, 'reading at a negative position');
  assert(addr + length <= pager.length, 'reading past the end of the segment');
  const count = Math.min(length, Math.max(0, file.size() - position));
  if (count === 0) return 0;
  const lo = addr;
  const hi = addr + count;
  const reused = shared.snapshots.reusable(file, [[position, position + count]]);
  if (reused === null) shared.snapshots.checkRoom();
  const copy = reused === null ? file.copyForSnapshot() : null;
  // The fragment copy: the covered bytes of the resident pages the read
  // covers only partly (its first and last) are refreshed from the file,
  // read now, before anything changes, one page of the staging buffer each.
  const B = shared.pageSize;
  const head = Math.floor(lo / B);
  const tail = Math.floor((hi - 1) / B);
  const fragment = (page: number): boolean => table.get(page) >= 0 && !(lo <= page * B && pager.pageEnd(page) <= hi);
  // Stryker disable next-line ArithmeticOperator
  const fragments = (fragment(head) ? 1 : 0) + (tail !== head && fragment(tail) ? 2 : 0);
  if (fragments & 1) readFragment(pager, file, head, lo, hi, addr, position, 0);
  if (fragments & 2) readFragment(pager, file, tail, lo, hi, addr, position, B);
  const snap = reused ?? shared.snapshots.create(file, copy);
  assert(snap.file === file, 'a read binds to a snapshot of another file');
  assert(!snap.stale, 'a read binds to a stale snapshot');
  assert((snap.copy !== null) === file.isolated, 'a snapshot reads a private copy iff its file is isolated');
  // The spec's Read: nothing of the range is preserved in the chosen snapshot, so its bytes are the file's now.
  if (snap.copy === null)
    assert(
      !snap.preserved.overlaps(Math.floor(position / B), Math.floor((position + count - 1) / B) + 1),
      'a read binds to preserved blocks',
    );
  pager.bindings.bind(lo, hi, { kind: 'snap', snap, delta: position - addr });
  pager.rebound(lo, hi, false);
  if (fragments & 1) copyFragment(pager, head, lo, hi, 0);
  if (fragments & 2) copyFragment(pager, tail, lo, hi, B);
  return count;
}

/** Reads the part of [lo, hi) in resident page `page` from the file into staging[at..], for the fragment copy. */
function readFragment(
  pager: Pager,
  file: FileState,
  page: number,
  lo: number,
  hi: number,
  addr: number,
  position: number,
  at: number,
): void {
  const [from, to] = clip(pager, page, lo, hi);
  assert(from < to, 'an empty fragment');
  assert(to - from <= pager.shared.pageSize, 'a fragment larger than its page');
  assert(at + pager.shared.pageSize <= pager.shared.staging.length, 'each fragment has a page of the staging buffer');
  file.readAt(pager.shared.staging, at, to - from, position + (from - addr));
}

/** Copies the fragment read into staging[at..] into page `page`'s frame. */
function copyFragment(pager: Pager, page: number, lo: number, hi: number, at: number): void {
  const { shared } = pager;
  const [from, to] = clip(pager, page, lo, hi);
  const frame = pager.table.get(page);
  assert(frame >= 0, 'a fragment page stays resident from its read to its copy');
  assert(from < to, 'an empty fragment');
  shared.pool.bytes.set(
    shared.staging.subarray(at, at + to - from),
    frame * shared.pageSize + (from - page * shared.pageSize),
  );
  shared.counters.fragmentBytes += to - from;
}

/** The part of [lo, hi) inside `page`. */
function clip(pager: Pager, page: number, lo: number, hi: number): [number, number] {
  const B = pager.shared.pageSize;
  const base = page * B;
  assert(lo < base + B, 'clipping to a page after the range');
  assert(hi > base, 'clipping to a page before the range');
  return [Math.max(lo, base), base + Math.min(B, hi - base)];
}
