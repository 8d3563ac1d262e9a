/**
 * P9: the periodic sync of P8 on an image read at an unaligned segment
 * address. A 1 GiB image is read into a segment at address 100 (so every
 * segment page straddles two file blocks, and every page a store dirties
 * is written back across two), against the same image read at address 0;
 * then ten times: 1,000 random setUint32 updates (fixed seed, the same
 * offsets of the image in both), and a write-back of the whole image with
 * rebind, timed. The two run side by side, round by round.
 *
 * Bytes written must be exactly the dirty pages' bytes (each page a store
 * dirtied, within the image's range), and the time within 2× of the aligned
 * case: an unaligned image costs no extra write and no extra bookkeeping.
 */
import { Engine } from '../impl/index.ts';
import type { Context } from './context.ts';
import { bytesText, durationText, GiB, once, significant, summarize } from './harness.ts';
import type { BenchResult } from './report.ts';
import { someAddresses } from './workload.ts';

const pageSize = 4096;
const syncs = 10;
const updates = 1000;
const unaligned = 100;

export async function run(context: Context): Promise<BenchResult> {
  const rounds = Array.from({ length: syncs }, (_, sync) => someAddresses(GiB - 4, updates, 0x510e527f + sync));
  const engine = new Engine({ pageSize, swapDir: context.dir });
  const cases = [0, unaligned].map((addr) => {
    const file = engine.open(context.sparseFile(`p9-image-${addr}`, GiB), 'r+');
    const segment = engine.segment(GiB + pageSize);
    segment.read(file, addr, GiB, 0);
    return { addr, file, segment, times: [] as number[], written: [] as number[], expected: [] as number[] };
  });
  try {
    rounds.forEach((offsets, sync) => {
      for (const c of cases) {
        const dirty = new Set<number>();
        for (let i = 0; i < offsets.length; i++) {
          const at = c.addr + offsets[i];
          c.segment.setUint32(at, sync * updates + i, true);
          dirty.add(Math.floor(at / pageSize));
          dirty.add(Math.floor((at + 3) / pageSize));
        }
        // Each dirty page's bytes inside the image's range [addr, addr + 1 GiB).
        let bytes = 0;
        for (const page of dirty)
          bytes += Math.min((page + 1) * pageSize, c.addr + GiB) - Math.max(page * pageSize, c.addr);
        c.expected.push(bytes);
        let written = 0;
        c.times.push(once(() => (written = c.segment.write(c.file, c.addr, GiB, 0, { rebind: true }).written)));
        c.written.push(written);
      }
    });
  } finally {
    engine.close();
  }
  const [aligned, shifted] = cases;
  const exact = cases.every((c) => c.written.every((count, i) => count === c.expected[i]));
  const alignedTime = summarize(aligned.times).median;
  const shiftedTime = summarize(shifted.times).median;
  const ratio = shiftedTime / alignedTime;
  context.log(
    `  per sync: unaligned ${bytesText(summarize(shifted.written).median)} in ${durationText(shiftedTime)}, ` +
      `aligned ${bytesText(summarize(aligned.written).median)} in ${durationText(alignedTime)}`,
  );
  return {
    id: 'P9',
    title: 'periodic sync of an image read at an unaligned address',
    rows: [
      {
        id: 'P9',
        what: `sync after ${updates} updates, image read at address ${unaligned}: time per sync (conventional column: read at address 0)`,
        unit: 's',
        engine: shiftedTime,
        conventional: alignedTime,
        mmap: null,
        note: `Median of ${syncs} syncs each. Every page of the unaligned segment straddles two 4 KiB blocks of the file, so each dirty page is written across two blocks.`,
      },
      {
        id: 'P9',
        what: '  bytes written per sync (median; conventional column: read at address 0)',
        unit: 'B',
        engine: summarize(shifted.written).median,
        conventional: summarize(aligned.written).median,
        mmap: null,
        note: `Unaligned: ${shifted.written.join(', ')} bytes; the dirty pages' bytes: ${shifted.expected.join(', ')}.`,
      },
    ],
    checks: [
      {
        id: 'P9',
        target: "bytes written equal the dirty pages' bytes, every sync, both cases",
        measured: exact
          ? 'yes, every sync'
          : `unaligned ${shifted.written.join(', ')} vs ${shifted.expected.join(', ')}`,
        met: exact,
      },
      {
        id: 'P9',
        target: 'unaligned sync within 2× of the aligned one',
        measured: `${significant(ratio)}× (${durationText(shiftedTime)} vs ${durationText(alignedTime)})`,
        met: ratio <= 2,
      },
    ],
    bars: [{ label: 'sync, unaligned image: aligned ÷ unaligned time', value: 1 / ratio, target: 0.5 }],
    notes: [],
    seconds: 0,
  };
}
