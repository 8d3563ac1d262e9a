/**
 * P12: the resident hit path from one call site driving segments of four
 * kinds, as a real program holding several will: a file on disk (the node
 * backend), an in-memory file (MemoryBackend), an isolated file (reads from
 * its private copy), all with 4 KiB pages, and a file on disk in an engine
 * of 16 KiB pages. Each is a 1 MiB segment, every page resident; the i-th
 * load or store goes to segment i mod 4, at P6's addresses.
 *
 * engine:       Segment.getUint32 / getFloat64 / setUint32 over the four;
 * conventional: the same DataView method over four 1 MiB Buffers, from one
 *               call site likewise;
 * and the engine over the first segment alone, in the same rounds: what
 *               mixing the kinds costs.
 *
 * The stores hit pages already dirty: one untimed store per page first,
 * so that the loops' code is compiled once the hit path is all they see.
 */
import { Engine, MemoryBackend, type Segment } from '../impl/index.ts';
import type { Context } from './context.ts';
import { KiB, MiB, rates, significant } from './harness.ts';
import { type HitOp, hitLoop, sunk } from './hit-loops.ts';
import type { BenchResult, Row } from './report.ts';
import { someAddresses } from './workload.ts';

const length = MiB;
const kinds = ['node backend', 'memory backend', 'isolated', '16 KiB pages'] as const;
const targets: Record<HitOp, number> = { getUint32: 3, getFloat64: 3, setUint32: 4 };

export async function run(context: Context): Promise<BenchResult> {
  const addresses = someAddresses(length - 8, 4096, 0x6a09e667);
  const small = new Engine({ swapDir: context.dir });
  const large = new Engine({ swapDir: context.dir, pageSize: 16 * KiB });
  const path = context.sparseFile('p12-1mib', length);
  const files = [
    small.open(path, 'r+'),
    small.attach(new MemoryBackend('p12', new Uint8Array(length))),
    small.open(path, 'r', { isolate: true }),
    large.open(path, 'r+'),
  ];
  const segments: Segment[] = files.map((file, i) => {
    const segment = (i === 3 ? large : small).segment(length);
    segment.read(file, 0, length, 0);
    for (let page = 0; page < segment.pages; page++) segment.setUint8(page * segment.pageSize, 0);
    return segment;
  });
  const views = kinds.map(() => {
    const buffer = Buffer.alloc(length);
    return new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  });

  const rows: Row[] = [];
  const slower = new Map<HitOp, number>();
  try {
    for (const op of ['getUint32', 'getFloat64', 'setUint32'] as const) {
      const measured = rates({
        engine: hitLoop(op, segments, addresses),
        conventional: hitLoop(op, views, addresses),
        alone: hitLoop(op, segments.slice(0, 1), addresses),
      });
      slower.set(op, measured.conventional / measured.engine);
      rows.push(
        {
          id: 'P12',
          what: `resident ${op} over four kinds of segment from one call site (ops/s)`,
          unit: 'op/s',
          engine: measured.engine,
          conventional: measured.conventional,
          mmap: null,
          ...(op === 'getUint32'
            ? {
                note: `The segments: ${kinds.join(', ')} (the first three 4 KiB pages, one engine). Conventional here is a DataView on each of four Buffers, from one call site as well.`,
              }
            : {}),
        },
        {
          id: 'P12',
          what: '  the engine over the first segment alone (conventional column)',
          unit: 'op/s',
          engine: measured.engine,
          conventional: measured.alone,
          mmap: null,
        },
      );
      context.log(
        `  ${op}: engine ${significant(measured.engine / 1e6)} M/s over four kinds, ${significant(measured.alone / 1e6)} M/s over one; DataView ${significant(measured.conventional / 1e6)} M/s over four`,
      );
    }
  } finally {
    small.close();
    large.close();
  }
  if (Number.isNaN(sunk())) throw new Error('unreachable: keeps the loads alive');
  return {
    id: 'P12',
    title: 'resident hit path over segments of four kinds',
    rows,
    checks: [...slower].map(([op, ratio]) => ({
      id: 'P12',
      target: `${op} over four kinds of segment at most ${targets[op]}× slower than DataView`,
      measured: `${significant(ratio)}× slower`,
      met: ratio <= targets[op],
    })),
    bars: [...slower].map(([op, ratio]) => ({
      label: `${op} over four kinds of segment: engine ÷ DataView ops/s`,
      value: 1 / ratio,
      target: 1 / targets[op],
    })),
    notes: [],
    seconds: 0,
  };
}
