/**
 * P1: read() latency for 1 MiB, 1 GiB, 64 GiB and 1 TiB sparse files.
 *
 * engine:       Segment.read of the whole file; reads alternate between two
 *               files of the size, so every call also creates one snapshot
 *               and releases another (the full cost of a fresh read);
 * conventional: fs.readSync of the whole file into a buffer allocated once
 *               (only where the buffer fits: 1 MiB and 1 GiB);
 * mmap:         mmap(MAP_PRIVATE) of the whole file (unmapped untimed).
 *
 * Also the first read() of 1 TiB on a fresh engine (cold: snapshot ids,
 * JIT, extent maps all new) and what it did to memory, as the original
 * sparse-access measurement reported.
 */
import * as fs from 'node:fs';
import { Engine } from '../impl/index.ts';
import { type Context, readAll } from './context.ts';
import {
  collectGarbage,
  durationText,
  GiB,
  KiB,
  MiB,
  memoryStatus,
  once,
  significant,
  summarize,
  TiB,
  type Timing,
  time,
} from './harness.ts';
import type { BenchResult, Row } from './report.ts';

const sizes = [
  { name: '1 MiB', length: MiB },
  { name: '1 GiB', length: GiB },
  { name: '64 GiB', length: 64 * GiB },
  { name: '1 TiB', length: TiB },
];

const noFit =
  "conventional readSync of 64 GiB and 1 TiB is not measured: the whole-range buffer exceeds both this machine's RAM " +
  "(24 GiB, no swap) and Node 20's largest Buffer (4 GiB); conventional cost grows linearly with the length (see 1 MiB → 1 GiB).";

export async function run(context: Context): Promise<BenchResult> {
  const rows: Row[] = [];
  const engineTimes = new Map<string, Timing>();
  const conventionalTimes = new Map<string, Timing>();
  const mmapTimes = new Map<string, Timing>();

  // The cold first call and its memory, on an engine of its own.
  {
    const engine = new Engine({ swapDir: context.dir });
    const file = engine.open(context.sparseFile(fileName('1 TiB', 'a'), TiB), 'r');
    const segment = engine.segment(TiB);
    collectGarbage();
    const before = memoryStatus().rss;
    const heapBefore = heapAndBuffers();
    let count = 0;
    const seconds = once(() => {
      count = segment.read(file, 0, TiB, 0);
    });
    collectGarbage();
    const grew = memoryStatus().rss - before;
    const heapGrew = heapAndBuffers() - heapBefore;
    if (count !== TiB) throw new Error(`1 TiB read returned ${count}`);
    const faults = engine.stats().faults;
    engine.close();
    rows.push({
      id: 'P1',
      what: 'first read() of 1 TiB (cold: one call on a fresh engine)',
      unit: 's',
      engine: seconds,
      conventional: null,
      mmap: null,
    });
    rows.push({
      id: 'P1',
      what: 'memory growth across that read() (RSS)',
      unit: 'B',
      engine: Math.max(0, grew),
      conventional: null,
      mmap: null,
      note: `RSS is sampled (page granular, GC-sensitive); JS heap + buffers changed by ${signed(heapGrew / KiB)} KiB; faults: ${faults}.`,
    });
    context.log(
      `  first 1 TiB read(): ${durationText(seconds)}, RSS ${signed(grew / KiB)} KiB, heap+buffers ${signed(heapGrew / KiB)} KiB, faults ${faults}`,
    );
  }

  // The engine: every size set up first, then warmed up and sampled round-robin,
  // so JIT warm-up and background load fall on every size alike.
  const engine = new Engine({ swapDir: context.dir });
  try {
    const subjects = sizes.map(({ name, length }) => {
      const files = ['a', 'b'].map((which) => engine.open(context.sparseFile(fileName(name, which), length), 'r'));
      const segment = engine.segment(length);
      let turn = 0;
      const call = (): void => {
        segment.read(files[turn], 0, length, 0);
        turn ^= 1;
      };
      return { name, call, samples: [] as number[] };
    });
    for (let i = 0; i < 500; i++) for (const subject of subjects) subject.call();
    const inner = 200;
    for (let r = 0; r < 15; r++) {
      for (const subject of subjects)
        subject.samples.push(
          once(() => {
            for (let i = 0; i < inner; i++) subject.call();
          }) / inner,
        );
    }
    if (engine.stats().faults !== 0) throw new Error('read() faulted a page in');
    for (const subject of subjects) engineTimes.set(subject.name, summarize(subject.samples));
  } finally {
    engine.close();
  }

  for (const { name, length } of sizes) {
    const path = context.sparseFile(fileName(name, 'a'), length);
    if (length <= GiB) {
      const fd = fs.openSync(path, 'r');
      const into = length === GiB ? context.gibBuffer() : Buffer.alloc(length);
      const big = length >= GiB;
      conventionalTimes.set(
        name,
        time(() => readAll(fd, into, 0), { warmup: 1, repeats: big ? 5 : 15, inner: big ? 1 : 50 }),
      );
      fs.closeSync(fd);
    }
    if (context.mmap !== null) {
      const mmap = context.mmap;
      const samples: number[] = [];
      for (let r = 0; r < 215; r++) {
        let mapping: ReturnType<typeof mmap.map> | null = null;
        const seconds = once(() => {
          mapping = mmap.map(path, length);
        });
        mmap.unmap(mapping!);
        if (r >= 15) samples.push(seconds);
      }
      mmapTimes.set(name, summarize(samples));
    }
    context.log(
      `  ${name}: engine read() ${durationText(engineTimes.get(name)!.median)}` +
        `, conventional ${conventionalTimes.has(name) ? durationText(conventionalTimes.get(name)!.median) : '—'}` +
        `, mmap ${mmapTimes.has(name) ? durationText(mmapTimes.get(name)!.median) : '—'}`,
    );
  }

  for (const { name } of sizes) {
    rows.push({
      id: 'P1',
      what: `read() latency, ${name} (median)`,
      unit: 's',
      engine: engineTimes.get(name)!.median,
      conventional: conventionalTimes.get(name)?.median ?? null,
      mmap: mmapTimes.get(name)?.median ?? null,
      ...(name === '64 GiB' ? { note: noFit } : {}),
    });
  }
  const gib = engineTimes.get('1 GiB')!.median;
  const gibConventional = conventionalTimes.get('1 GiB')!.median;
  const speedup = gibConventional / gib;
  const flat = engineTimes.get('64 GiB')!.median / engineTimes.get('1 MiB')!.median;
  const mmapGib = mmapTimes.get('1 GiB')?.median ?? null;
  return {
    id: 'P1',
    title: 'read() latency',
    rows,
    checks: [
      {
        id: 'P1',
        target: '1 GiB read() at least 1000× faster than conventional',
        measured: `${significant(speedup)}×`,
        met: speedup >= 1000,
      },
      { id: 'P1', target: '64 GiB read() within 2× of 1 MiB', measured: `${significant(flat)}×`, met: flat <= 2 },
      ...(mmapGib === null
        ? []
        : [
            {
              id: 'P1',
              target: '1 GiB read() at most 1.2× an mmap of the same file',
              measured: `${significant(gib / mmapGib)}× (${durationText(gib)} vs ${durationText(mmapGib)})`,
              met: gib <= 1.2 * mmapGib,
            },
          ]),
    ],
    bars: [
      { label: 'read() 1 GiB: conventional ÷ engine time', value: speedup, target: 1000 },
      { label: 'read() 64 GiB vs 1 MiB: engine 1 MiB ÷ 64 GiB time', value: 1 / flat, target: 0.5 },
      ...(mmapGib === null
        ? []
        : [{ label: 'read() 1 GiB: mmap ÷ engine time', value: mmapGib / gib, target: 1 / 1.2 }]),
    ],
    notes: [],
    seconds: 0,
  };
}

function heapAndBuffers(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
}

function fileName(size: string, which: string): string {
  return `p1-${size.replace(' ', '').toLowerCase()}-${which}`;
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${significant(value)}`;
}
