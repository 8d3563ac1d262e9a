/**
 * Write-back: a segment's bytes to a file, skipping every byte the file
 * provably holds already. Byte i of a write of segment [addr, addr + n) to
 * file offset pos is skipped iff it is bound to Snap(s, pos + i) with s a
 * trusted snapshot of that file, pos + i inside the file, and block(pos + i)
 * not preserved in s (so the file has not changed there since s was taken).
 * Everything else is written: skipping is exact both ways.
 */
import type { Context } from './context.ts';
import type { FileState } from './files.ts';
import type { Pager } from './paging.ts';
import type { Bindings } from './bindings.ts';
import type { Change } from './preserve.ts';

export interface WriteResult {
  /** Bytes written to the file. */
  written: number;
  /** Bytes the file already held, so not written. */
  skipped: number;
}

/** Segment ranges [lo, hi) of a write that must reach the file, in order, coalesced. */
function unskipped(
  bindings: Bindings,
  file: FileState,
  pageSize: number,
  addr: number,
  length: number,
  position: number,
  fileLength: number,
): [number, number][] {
  const runs: [number, number][] = [];
  const write = (lo: number, hi: number): void => {
    if (lo >= hi) return;
    const last = runs.at(-1);
    if (last !== undefined && last[1] === lo) last[1] = hi;
    else runs.push([lo, hi]);
  };
  const delta = position - addr;
  // Segment addresses below `inside` target an offset inside the file.
  const inside = addr + Math.min(length, Math.max(0, fileLength - position));
  bindings.map.walk(addr, addr + length, (lo, hi, binding) => {
    if (binding?.kind !== 'snap' || binding.delta !== delta) return write(lo, hi);
    const snapshot = binding.snap;
    if (snapshot.file !== file || snapshot.stale) return write(lo, hi);
    const end = Math.min(hi, inside);
    if (lo < end) {
      // Bound to the very bytes it would overwrite: skip them unless their block was preserved.
      const first = Math.floor((lo + delta) / pageSize);
      const last = Math.floor((end - 1 + delta) / pageSize) + 1;
      // In file offsets, so that no sum exceeds 2^53.
      snapshot.preserved.walk(first, last, (block, blockEnd, slot) => {
        if (slot !== undefined) write(Math.max(lo + delta, block * pageSize) - delta, Math.min(end + delta, blockEnd * pageSize) - delta);
      });
    }
    write(Math.max(lo, end), hi);
  });
  return runs;
}

/** Writes View of segment [addr, addr + length) to `file` at `position`, skipping what it already holds. */
export function writeBack(
  context: Context,
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
  const runs = unskipped(bindings, file, context.pageSize, addr, length, position, fileLength);
  const written = runs.reduce((sum, [lo, hi]) => sum + hi - lo, 0);
  pager.checkView(runs);
  if (runs.length > 0) {
    const changes: Change[] = runs.map(([lo, hi]) => [lo + delta, hi + delta]);
    file.change(changes, Math.max(fileLength, position + length), () => {
      const chunk = context.chunk;
      for (const [lo, hi] of runs) {
        for (let x = lo; x < hi; x += chunk.length) {
          const count = Math.min(chunk.length, hi - x);
          pager.view(x, x + count, chunk, 0);
          file.writeAt(chunk, 0, count, x + delta);
        }
      }
    });
  }
  context.counters.written += written;
  context.counters.skipped += length - written;
  return { written, skipped: length - written };
}
