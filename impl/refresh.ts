/**
 * The spec's Refresh: a program that accepts a file's current bytes for
 * what it lost says so. Every lost byte of a range -- on a page not
 * resident, bound to an unpreserved block of a stale snapshot of a file
 * read directly (not isolated) -- whose offset is below its file's current
 * length is bound to that offset of the file as it is now, exactly as a
 * conventional re-read of those ranges would read it: to the snapshot a
 * read of those offsets chooses (the lowest reusable one, else a new one),
 * one per file. A byte the engine still knows is never touched; a byte at
 * or past the end of its file has no current content and stays lost. Like
 * Read it binds and copies nothing.
 */

import { assert } from './assert.ts';
import type { FileState } from './files.ts';
import type { Pager } from './paging.ts';
import type { Snapshot } from './snapshots.ts';

/** Lost segment bytes [lo, hi), bound to offsets x + delta of stale snapshot `from`. */
interface Lost {
  readonly lo: number;
  readonly hi: number;
  readonly delta: number;
  readonly from: Snapshot;
}

/** Rebinds the lost bytes of segment bytes [addr, addr + length) to their files' current content; returns how many. */
export function refresh(pager: Pager, addr: number, length: number): number {
  const { snapshots, counters } = pager.shared;
  assert(addr + length <= pager.length, 'refreshing past the end of the segment');
  if (length === 0) return 0;
  const faults = counters.faults;
  const lost = lostRuns(pager, addr, addr + length);
  // Every snapshot is chosen before any byte moves: Reusable asks for a live
  // snapshot, and a new one the limit refuses leaves nothing changed (the
  // ones created before it are bound to nothing, and Commit releases them).
  const chosen = new Map<FileState, Snapshot>();
  for (const [file, runs] of lost) {
    // An isolated file's snapshots read their private copy: they never lose a byte.
    assert(!file.isolated, 'a lost byte of an isolated file');
    const offsets = runs.map(({ lo, hi, delta }) => [lo + delta, hi + delta] as const);
    chosen.set(file, snapshots.reusable(file, offsets) ?? snapshots.create(file, null));
  }
  let rebound = 0;
  for (const [file, runs] of lost) {
    const snap = chosen.get(file)!;
    assert(snap.file === file, "refreshing to another file's snapshot");
    assert(snap.copy === null, 'refreshing to a private copy');
    for (const { lo, hi, delta, from } of runs) {
      // Known bytes are never touched: each run is lost, and within the file as it is now.
      assert(from.stale, 'refreshing a byte of a trusted snapshot');
      assert(hi + delta <= file.size(), 'refreshing a byte past the end of its file');
      pager.bindings.bind(lo, hi, { kind: 'snap', snap, delta });
      pager.rebound(lo, hi, false);
      rebound += hi - lo;
    }
  }
  assert(rebound <= length, 'more bytes rebound than the range holds');
  // The spec's Lazy: Refresh binds, and faults nothing in.
  assert(counters.faults === faults, 'a refresh faulted a page in');
  return rebound;
}

/**
 * The lost bytes of segment bytes [lo, hi) whose offsets are below their
 * file's current length, by file: per snapshot extent, the addresses less
 * the resident pages and the preserved blocks, which the engine still
 * knows. Looks at each file (once per call, as every look).
 */
function lostRuns(pager: Pager, lo: number, hi: number): Map<FileState, Lost[]> {
  assert(lo < hi, 'the lost bytes of an empty range');
  const B = pager.shared.pageSize;
  const lost = new Map<FileState, Lost[]>();
  for (let x = lo; x < hi; ) {
    const extent = pager.bindings.map.next(x);
    if (extent === null || extent.start >= hi) break;
    const start = Math.max(x, extent.start);
    x = Math.min(extent.end, hi);
    const binding = extent.value;
    if (binding.kind !== 'snap' || binding.snap.copy !== null) continue;
    const { snap: from, delta } = binding;
    from.file.verify();
    if (!from.stale) continue;
    const end = Math.min(x, from.file.size() - delta);
    if (end <= start) continue;
    // What the engine still knows in [start, end), in addresses, in any order.
    const known: [number, number][] = [];
    pager.table.forEach(Math.floor(start / B), Math.floor((end - 1) / B) + 1, (page) => {
      known.push([page * B, page * B + B]);
    });
    from.preserved.walk(Math.floor((start + delta) / B), Math.floor((end - 1 + delta) / B) + 1, (block, stop, slot) => {
      if (slot !== undefined) known.push([block * B - delta, stop * B - delta]);
    });
    known.sort((a, b) => a[0] - b[0]);
    const runs = lost.get(from.file) ?? [];
    const before = runs.length;
    let cursor = start;
    for (const [knownLo, knownHi] of known) {
      if (cursor >= end) break;
      if (knownLo > cursor) runs.push({ lo: cursor, hi: Math.min(knownLo, end), delta, from });
      cursor = Math.max(cursor, knownHi);
    }
    if (cursor < end) runs.push({ lo: cursor, hi: end, delta, from });
    if (runs.length > before) lost.set(from.file, runs);
  }
  for (const runs of lost.values()) assert(runs.length > 0, 'a file with no lost run');
  return lost;
}
