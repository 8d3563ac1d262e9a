/**
 * Write-back: a segment's bytes to a file, skipping every byte the file
 * provably holds already. Byte i of a write of segment [addr, addr + n) to
 * file offset pos is Provable (the spec's word) iff it is bound to
 * Snap(s, pos + i) with s a trusted snapshot of that file, pos + i inside the
 * file, and block(pos + i) not preserved in s (so no change has reached a
 * bound offset of that block since s was taken). Provable bytes are skipped
 * and every other byte is written: skipping is exact both ways.
 */
import type { Shared } from './shared.ts';
import type { FileState } from './files.ts';
import type { Pager } from './paging.ts';
import type { Bindings } from './bindings.ts';
import { change, type Change } from './copy-before-write.ts';
import { assert } from './assert.ts';

export interface WriteResult {
  /** Bytes written to the file. */
  written: number;
  /** Bytes the file already held, so not written. */
  skipped: number;
}

/** Half-open ranges [lo, hi) of segment addresses, sorted, disjoint and coalesced. */
type Runs = [number, number][];

/** Appends [lo, hi) to `runs`, merging it with the last run if they touch. */
function append(runs: Runs, lo: number, hi: number): void {
  if (lo >= hi) return;
  const last = runs.at(-1);
  assert(last === undefined || last[1] <= lo, 'runs out of order');
  if (last !== undefined && last[1] === lo) last[1] = hi;
  else runs.push([lo, hi]);
}

/** The spec's Provable over a write of segment [addr, addr + length) to `file` at `position`: its provable bytes, as runs. */
export function provable(
  bindings: Bindings,
  file: FileState,
  pageSize: number,
  addr: number,
  length: number,
  position: number,
  fileLength: number,
): Runs {
  const runs: Runs = [];
  const delta = position - addr;
  // Segment addresses below `inside` target an offset inside the file.
  const inside = addr + Math.min(length, Math.max(0, fileLength - position));
  if (addr === inside) return runs;
  bindings.map.walk(addr, inside, (lo, hi, binding) => {
    // Bound to the very offset it would overwrite, of a snapshot of this file that is trusted.
    if (binding?.kind !== 'snap' || binding.delta !== delta) return;
    const snapshot = binding.snap;
    if (snapshot.file !== file || snapshot.stale) return;
    // Unless its block was preserved; walked in file offsets, so that no sum exceeds 2^53.
    const first = Math.floor((lo + delta) / pageSize);
    const last = Math.floor((hi - 1 + delta) / pageSize) + 1;
    snapshot.preserved.walk(first, last, (block, blockEnd, slot) => {
      if (slot === undefined) append(runs, Math.max(lo + delta, block * pageSize) - delta, Math.min(hi + delta, blockEnd * pageSize) - delta);
    });
  });
  return runs;
}

/** The runs of [lo, hi) outside `runs` (which lie inside it). */
function complement(lo: number, hi: number, runs: Runs): Runs {
  const rest: Runs = [];
  let cursor = lo;
  for (const [start, end] of runs) {
    append(rest, cursor, start);
    cursor = end;
  }
  append(rest, cursor, hi);
  return rest;
}

/** Writes View of segment [addr, addr + length) to `file` at `position`, skipping the provable bytes. */
export function writeBack(
  shared: Shared,
  bindings: Bindings,
  pager: Pager,
  file: FileState,
  addr: number,
  length: number,
  position: number,
): WriteResult {
  file.verify();
  const fileLength = file.size();
  const delta = position - addr;
  const skips = provable(bindings, file, shared.pageSize, addr, length, position, fileLength);
  const runs = complement(addr, addr + length, skips);
  const skipped = skips.reduce((sum, [lo, hi]) => sum + hi - lo, 0);
  const written = runs.reduce((sum, [lo, hi]) => sum + hi - lo, 0);
  assert(written + skipped === length && (runs.length === 0 || (runs[0][0] >= addr && runs.at(-1)![1] <= addr + length)), 'written and skipped runs do not tile the write');
  pager.checkKnown(runs);
  // Writing nothing changes nothing: not even an isolated file's current copy.
  if (runs.length > 0) {
    const changes: Change[] = runs.map(([lo, hi]) => [lo + delta, hi + delta]);
    const staging = shared.staging;
    // Written in address order, one staging buffer at a time.
    change(shared, file, changes, Math.max(fileLength, position + length), () => {
      for (const [lo, hi] of runs) {
        for (let x = lo; x < hi; x += staging.length) {
          const count = Math.min(staging.length, hi - x);
          pager.view(x, x + count, staging, 0);
          file.writeAt(staging, 0, count, x + delta);
        }
      }
    });
  }
  shared.counters.written += written;
  shared.counters.skipped += skipped;
  return { written, skipped };
}
