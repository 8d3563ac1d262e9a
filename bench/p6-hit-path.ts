/**
 * P6: the resident hit path. Every page of a 1 MiB segment is resident; the
 * loop loads (or stores) at 4,096 fixed random addresses in it, round and
 * round.
 *
 * engine:       Segment.getUint32 / getFloat64 / setUint32 (little-endian);
 * conventional: the same DataView method on a 1 MiB Buffer;
 * mmap:         the same DataView method on a Buffer over a private mapping
 *               (its pages faulted in first).
 */
import { Engine } from '../impl/index.ts';
import type { Context } from './context.ts';
import { MiB, rates, significant } from './harness.ts';
import type { BenchResult, Row } from './report.ts';
import { someAddresses } from './workload.ts';

const length = MiB;
const mask = 4095;

export async function run(context: Context): Promise<BenchResult> {
  const addresses = someAddresses(length - 8, mask + 1, 0x6a09e667);
  const path = context.sparseFile('p6-1mib', length);
  const engine = new Engine({ swapDir: context.dir });
  const file = engine.open(path, 'r+');
  const segment = engine.segment(length);
  segment.read(file, 0, length, 0);
  for (let page = 0; page < segment.pages; page++) segment.getUint8(page * segment.pageSize);
  const buffer = Buffer.alloc(length);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  const mapping = context.mmap?.map(path, length) ?? null;
  const mapped = mapping === null ? null : context.mmap!.buffer(mapping);
  const mappedView = mapped === null ? null : new DataView(mapped.buffer, mapped.byteOffset, mapped.length);
  mapped?.fill(0);
  let sink = 0;

  const engineOps = {
    getUint32: (n: number) => {
      for (let i = 0; i < n; i++) sink += segment.getUint32(addresses[i & mask], true);
    },
    getFloat64: (n: number) => {
      for (let i = 0; i < n; i++) sink += segment.getFloat64(addresses[i & mask], true);
    },
    setUint32: (n: number) => {
      for (let i = 0; i < n; i++) segment.setUint32(addresses[i & mask], i >>> 0, true);
    },
  };
  const viewOps = (v: DataView) => ({
    getUint32: (n: number) => {
      for (let i = 0; i < n; i++) sink += v.getUint32(addresses[i & mask], true);
    },
    getFloat64: (n: number) => {
      for (let i = 0; i < n; i++) sink += v.getFloat64(addresses[i & mask], true);
    },
    setUint32: (n: number) => {
      for (let i = 0; i < n; i++) v.setUint32(addresses[i & mask], i >>> 0, true);
    },
  });
  const bufferOps = viewOps(view);
  const mmapOps = mappedView === null ? null : viewOps(mappedView);

  const rows: Row[] = [];
  const results = new Map<string, { engine: number; conventional: number; mmap: number | null }>();
  try {
    for (const op of ['getUint32', 'getFloat64', 'setUint32'] as const) {
      const measured = rates({
        engine: engineOps[op],
        conventional: bufferOps[op],
        ...(mmapOps === null ? {} : { mmap: mmapOps[op] }),
      } as Record<'engine' | 'conventional' | 'mmap', (n: number) => void>);
      const engineRate = measured.engine;
      const bufferRate = measured.conventional;
      const mmapRate = mmapOps === null ? null : measured.mmap;
      results.set(op, { engine: engineRate, conventional: bufferRate, mmap: mmapRate });
      rows.push({
        id: 'P6',
        what: `resident ${op} (ops/s)`,
        unit: 'op/s',
        engine: engineRate,
        conventional: bufferRate,
        mmap: mmapRate,
        ...(op === 'getUint32' ? { note: 'Conventional here is a DataView on a Buffer; mmap a DataView on a Buffer over the mapping.' } : {}),
      });
      context.log(
        `  ${op}: engine ${significant(engineRate / 1e6)} M/s, DataView ${significant(bufferRate / 1e6)} M/s` +
          (mmapRate === null ? '' : `, DataView on mmap ${significant(mmapRate / 1e6)} M/s`),
      );
    }
  } finally {
    if (mapping !== null) context.mmap!.unmap(mapping);
    engine.close();
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the loads alive');
  const get = results.get('getUint32')!;
  const slower = get.conventional / get.engine;
  return {
    id: 'P6',
    title: 'resident hit path',
    rows,
    checks: [{ id: 'P6', target: 'typed getter at most 5× slower than DataView on a Buffer', measured: `${significant(slower)}× slower (getUint32)`, met: slower <= 5 }],
    bars: [
      { label: 'resident getUint32: engine ÷ DataView ops/s', value: get.engine / get.conventional, target: 0.2 },
      { label: 'resident setUint32: engine ÷ DataView ops/s', value: results.get('setUint32')!.engine / results.get('setUint32')!.conventional, target: null },
    ],
    notes: [],
    seconds: 0,
  };
}
