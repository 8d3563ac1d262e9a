/**
 * P10: closing a segment with 100,000 extents, which must not block: at
 * most 50 ms. The segment holds 100,000 small reads of one file, each at
 * its own offset (so no two coalesce: 100,000 snapshot extents and the gaps
 * between them).
 *
 * engine:       Segment.close when the segment alone references the
 *               snapshot (it is let go at once), and when another segment
 *               holds one byte of it too (the counts are updated extent by
 *               extent);
 * conventional: the time the 100,000 reads took, for scale.
 *
 * Median of three segments each.
 */
import { Engine } from '../impl/index.ts';
import type { Context } from './context.ts';
import { durationText, once, significant, summarize } from './harness.ts';
import type { BenchResult } from './report.ts';

const extents = 100_000;
const repeats = 3;

export async function run(context: Context): Promise<BenchResult> {
  const engine = new Engine({ swapDir: context.dir });
  const file = engine.open(context.sparseFile('p10-file', 8 * extents), 'r');
  const alone: number[] = [];
  const shared: number[] = [];
  const reads: number[] = [];
  try {
    for (let r = 0; r < repeats; r++) {
      for (const withOther of [false, true]) {
        const segment = engine.segment(16 * extents);
        // Read i lands at address 16 i from offset 8 i: every one at another delta.
        reads.push(
          once(() => {
            for (let i = 0; i < extents; i++) segment.read(file, 16 * i, 4, 8 * i);
          }),
        );
        const other = engine.segment(1);
        if (withOther) other.read(file, 0, 1, 0);
        const seconds = once(() => segment.close());
        other.close();
        (withOther ? shared : alone).push(seconds);
      }
    }
  } finally {
    engine.close();
  }
  const closeAlone = summarize(alone).median;
  const closeShared = summarize(shared).median;
  const readTime = summarize(reads).median;
  context.log(
    `  close, ${extents} extents: ${durationText(closeAlone)} (snapshot shared: ${durationText(closeShared)}); the reads took ${durationText(readTime)}`,
  );
  return {
    id: 'P10',
    title: 'closing a segment with 100,000 extents',
    rows: [
      {
        id: 'P10',
        what: `close a segment of ${extents.toLocaleString('en-US')} snapshot extents (conventional column: the ${extents.toLocaleString('en-US')} reads that made them)`,
        unit: 's',
        engine: closeAlone,
        conventional: readTime,
        mmap: null,
        note: 'The segment alone references the snapshot: closing walks the extents once to count the bytes bound to it, finds them all its own, and lets the snapshot go at once.',
      },
      {
        id: 'P10',
        what: '  the same, another segment bound to one byte of the snapshot',
        unit: 's',
        engine: closeShared,
        conventional: readTime,
        mmap: null,
        note: 'The snapshot stays live: its reference counts are updated extent by extent (a tree update each).',
      },
    ],
    checks: [
      {
        id: 'P10',
        target: `closing a segment with ${extents.toLocaleString('en-US')} extents takes at most 50 ms`,
        measured: `${durationText(closeAlone)} (${significant((closeAlone / extents) * 1e9)} ns per extent)`,
        met: closeAlone <= 0.05,
      },
      {
        id: 'P10',
        target: 'the same with the snapshot shared with another segment (no target)',
        measured: durationText(closeShared),
        met: null,
      },
    ],
    bars: [{ label: 'close with 100k extents: 50 ms ÷ engine time', value: 0.05 / closeAlone, target: 1 }],
    notes: [],
    seconds: 0,
  };
}
