/**
 * P6: the resident hit path. Every page of a 1 MiB segment is resident; the
 * loop loads (or stores) at 4,096 fixed random addresses in it, round and
 * round.
 *
 * engine:       Segment.getUint32 / getFloat64 / setUint32 (little-endian);
 * conventional: the same DataView method on a 1 MiB Buffer;
 * mmap:         the same DataView method on a Buffer over a private mapping
 *               (its pages faulted in first).
 * Each is one of hit-loops.ts's loops over a single target (P12 drives
 * several).
 *
 * The stores hit pages already dirty (one untimed store per page first, so
 * that the loop's code is compiled once the hit path is all it sees). A
 * first store to a clean resident page costs more (it detaches the page: a
 * bind, and the snapshot's count), so it is measured apart: one store per
 * page, every page made clean again (untimed) by a rebinding write-back
 * before each round.
 */
import { Engine } from '../impl/index.ts';
import type { Context } from './context.ts';
import { MiB, once, rates, significant, summarize } from './harness.ts';
import { hitLoop, sunk } from './hit-loops.ts';
import type { BenchResult, Row } from './report.ts';
import { someAddresses } from './workload.ts';

const length = MiB;

export async function run(context: Context): Promise<BenchResult> {
  const addresses = someAddresses(length - 8, 4096, 0x6a09e667);
  const path = context.sparseFile('p6-1mib', length);
  const engine = new Engine({ swapDir: context.dir });
  const file = engine.open(path, 'r+');
  const segment = engine.segment(length);
  segment.read(file, 0, length, 0);
  // Every page resident and dirty, so the stores too take the hit path from the first.
  for (let page = 0; page < segment.pages; page++) segment.setUint8(page * segment.pageSize, 0);
  const buffer = Buffer.alloc(length);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.length);
  const mapping = context.mmap?.map(path, length) ?? null;
  const mapped = mapping === null ? null : context.mmap!.buffer(mapping);
  const mappedView = mapped === null ? null : new DataView(mapped.buffer, mapped.byteOffset, mapped.length);
  mapped?.fill(0);
  let sink = 0;
  // The floor of any paged hit path in V8: a bounds check, an Int32Array page -> frame lookup
  // and a DataView access at the frame (frames in reverse order, so the lookup matters).
  const pageTable = Int32Array.from({ length: length / 4096 }, (_, page) => length / 4096 - 1 - page);

  const rows: Row[] = [];
  const results = new Map<string, { engine: number; conventional: number; mmap: number | null }>();
  const first = { engine: [] as number[], conventional: [] as number[] };
  try {
    for (const op of ['getUint32', 'getFloat64', 'setUint32'] as const) {
      const measured = rates({
        engine: hitLoop(op, [segment], addresses),
        conventional: hitLoop(op, [view], addresses),
        ...(mappedView === null ? {} : { mmap: hitLoop(op, [mappedView], addresses) }),
        ...(op === 'getUint32'
          ? {
              floor: (n: number) => {
                sink += floorGetUint32(view, pageTable, addresses, n);
              },
            }
          : {}),
      } as Record<'engine' | 'conventional' | 'mmap' | 'floor', (n: number) => void>);
      const engineRate = measured.engine;
      const bufferRate = measured.conventional;
      const mmapRate = mappedView === null ? null : measured.mmap;
      results.set(op, { engine: engineRate, conventional: bufferRate, mmap: mmapRate });
      rows.push({
        id: 'P6',
        what: `resident ${op} (ops/s)`,
        unit: 'op/s',
        engine: engineRate,
        conventional: bufferRate,
        mmap: mmapRate,
        ...(op === 'getUint32'
          ? { note: 'Conventional here is a DataView on a Buffer; mmap a DataView on a Buffer over the mapping.' }
          : {}),
      });
      if (op === 'getUint32') {
        rows.push({
          id: 'P6',
          what: '  the floor of a paged hit path: bounds check + Int32Array page lookup + DataView (conventional column)',
          unit: 'op/s',
          engine: engineRate,
          conventional: measured.floor,
          mmap: null,
          note: 'The least any load through a page table costs in V8: the same loop as the DataView one, plus an integer bounds check and an Int32Array lookup of the frame. The engine adds to it: the segment-open check, the argument checks, the page-table growth bound, and the CLOCK reference bit.',
        });
        context.log(
          `  getUint32 floor (bounds check + Int32Array lookup + DataView): ${significant(measured.floor / 1e6)} M/s`,
        );
      }
      context.log(
        `  ${op}: engine ${significant(engineRate / 1e6)} M/s, DataView ${significant(bufferRate / 1e6)} M/s` +
          (mmapRate === null ? '' : `, DataView on mmap ${significant(mmapRate / 1e6)} M/s`),
      );
    }
    // First stores: one per page, each page clean (rebound, its frame kept) before the round.
    const perPage = Float64Array.from({ length: segment.pages }, (_, page) => page * segment.pageSize + 8);
    for (let round = 0; round < 16; round++) {
      segment.write(file, 0, length, 0, { rebind: true });
      const engineSeconds = once(() => {
        for (let i = 0; i < perPage.length; i++) segment.setUint32(perPage[i], round, true);
      });
      const viewSeconds = once(() => {
        for (let i = 0; i < perPage.length; i++) view.setUint32(perPage[i], round, true);
      });
      // The first rounds warm up.
      if (round < 4) continue;
      first.engine.push(perPage.length / engineSeconds);
      first.conventional.push(perPage.length / viewSeconds);
    }
    const firstEngine = summarize(first.engine).median;
    const firstView = summarize(first.conventional).median;
    rows.push({
      id: 'P6',
      what: 'resident setUint32, first store to a clean page (ops/s)',
      unit: 'op/s',
      engine: firstEngine,
      conventional: firstView,
      mmap: null,
      note: `One store to each of the ${segment.pages} pages, each clean and resident: the store detaches its page (binds it Anon and unbinds its snapshot bytes). Stores after the first hit the row above.`,
    });
    context.log(
      `  first setUint32 on a clean page: engine ${significant(firstEngine / 1e6)} M/s, DataView ${significant(firstView / 1e6)} M/s`,
    );
  } finally {
    if (mapping !== null) context.mmap!.unmap(mapping);
    engine.close();
  }
  if (Number.isNaN(sink + sunk())) throw new Error('unreachable: keeps the loads alive');
  const slower = (op: string): number => results.get(op)!.conventional / results.get(op)!.engine;
  return {
    id: 'P6',
    title: 'resident hit path',
    rows,
    checks: [
      {
        id: 'P6',
        target: 'getUint32 at most 3× slower than DataView on a Buffer',
        measured: `${significant(slower('getUint32'))}× slower`,
        met: slower('getUint32') <= 3,
      },
      {
        id: 'P6',
        target: 'getFloat64 at most 3× slower than DataView on a Buffer',
        measured: `${significant(slower('getFloat64'))}× slower`,
        met: slower('getFloat64') <= 3,
      },
      {
        id: 'P6',
        target: 'setUint32 (page already dirty) at most 4× slower than DataView',
        measured: `${significant(slower('setUint32'))}× slower`,
        met: slower('setUint32') <= 4,
      },
      {
        id: 'P6',
        target: 'setUint32, first store to a clean page (no target)',
        measured: `${significant(summarize(first.conventional).median / summarize(first.engine).median)}× slower`,
        met: null,
      },
    ],
    bars: [
      { label: 'resident getUint32: engine ÷ DataView ops/s', value: 1 / slower('getUint32'), target: 1 / 3 },
      { label: 'resident getFloat64: engine ÷ DataView ops/s', value: 1 / slower('getFloat64'), target: 1 / 3 },
      { label: 'resident setUint32: engine ÷ DataView ops/s', value: 1 / slower('setUint32'), target: 1 / 4 },
    ],
    notes: [],
    seconds: 0,
  };
}

/** The floor's loop, shaped as hit-loops.ts's: a bounds check, the page table, the DataView at the frame. */
function floorGetUint32(view: DataView, pageTable: Int32Array, addresses: Float64Array, n: number): number {
  const a = addresses.length - 1;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const addr = addresses[i & a];
    if (addr >>> 0 !== addr || addr > length - 4) throw new RangeError('addr');
    sum += view.getUint32(pageTable[addr >>> 12] * 4096 + (addr & 4095), true);
  }
  return sum;
}
