/**
 * P4: a second write-back with nothing changed since the last one (rebind
 * on), of a 1 GiB image after a 1%-dirty sync, and of a 64 GiB image right
 * after its read().
 *
 * engine:       Segment.write of the whole image, { rebind: true };
 * conventional: fs.writeSync of the whole 1 GiB again (it cannot know nothing changed).
 */
import { Engine } from '../impl/index.ts';
import type { Context } from './context.ts';
import { durationText, GiB, time } from './harness.ts';
import type { BenchResult, Row } from './report.ts';
import { somePages } from './workload.ts';

const pageSize = 4096;

export async function run(context: Context): Promise<BenchResult> {
  const engine = new Engine({ pageSize, swapDir: context.dir });
  const perGiB = new Map<number, number>();
  const writtenBy = new Map<number, number>();
  const rows: Row[] = [];
  try {
    for (const gib of [1, 64]) {
      const length = gib * GiB;
      const file = engine.open(context.sparseFile(`p4-image-${gib}gib`, length), 'r+');
      const segment = engine.segment(length);
      segment.read(file, 0, length, 0);
      if (gib === 1) {
        for (const page of somePages(length / pageSize, length / pageSize / 100))
          segment.setUint8(page * pageSize + 17, 1);
        segment.write(file, 0, length, 0, { rebind: true });
      }
      let written = 0;
      const timing = time(
        () => {
          written += segment.write(file, 0, length, 0, { rebind: true }).written;
        },
        { warmup: 50, repeats: 15, inner: 50 },
      );
      perGiB.set(gib, timing.median / gib);
      writtenBy.set(gib, written);
      context.log(
        `  ${gib} GiB: second write-back ${durationText(timing.median)}, ${written} bytes written over every call`,
      );
      segment.close();
      file.close();
    }
  } finally {
    engine.close();
  }
  const conventional = context.conventionalRewrite().median;
  const gib1 = perGiB.get(1)!;
  const gib64 = perGiB.get(64)!;
  rows.push(
    {
      id: 'P4',
      what: 'second write-back of 1 GiB, nothing changed: time',
      unit: 's',
      engine: gib1,
      conventional,
      mmap: null,
      note: 'mmap: a MAP_PRIVATE mapping has no way to sync only what changed; its write-back is the full rewrite of P3.',
    },
    {
      id: 'P4',
      what: 'second write-back of 64 GiB, nothing changed: time per GiB',
      unit: 's',
      engine: gib64,
      conventional,
      mmap: null,
    },
    {
      id: 'P4',
      what: 'bytes written by the second write-back (all calls, both sizes)',
      unit: 'B',
      engine: writtenBy.get(1)! + writtenBy.get(64)!,
      conventional: GiB,
      mmap: null,
    },
  );
  const zero = writtenBy.get(1) === 0 && writtenBy.get(64) === 0;
  const worst = Math.max(gib1, gib64);
  return {
    id: 'P4',
    title: 'second write-back, nothing changed',
    rows,
    checks: [
      {
        id: 'P4',
        target: 'zero bytes written',
        measured: zero ? '0 B' : `${writtenBy.get(1)} B (1 GiB), ${writtenBy.get(64)} B (64 GiB)`,
        met: zero,
      },
      {
        id: 'P4',
        target: 'at most 1 ms per GiB',
        measured: `${durationText(gib1)} per GiB at 1 GiB, ${durationText(gib64)} per GiB at 64 GiB`,
        met: worst <= 1e-3,
      },
    ],
    bars: [
      { label: 'second write-back 1 GiB: 1 ms ÷ engine time', value: 1e-3 / gib1, target: 1 },
      { label: 'second write-back 1 GiB: conventional ÷ engine time', value: conventional / gib1, target: null },
    ],
    notes: [],
    seconds: 0,
  };
}
