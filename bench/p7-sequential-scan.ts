/**
 * P7: a sequential scan of a 1 GiB file.
 *
 * engine:       Segment.read of the whole file, then
 *               - copyOut 1 MiB at a time into one 1 MiB buffer (default
 *                 options): it faults nothing in, so each chunk is one read
 *                 of the file into the buffer;
 *               - a view of every page (Segment.bytes), one byte of each
 *                 loaded: every page is faulted in, read ahead by default
 *                 (1 MiB worth of pages per batched read once the run is
 *                 long enough), and again with readahead off;
 * conventional: fs.readSync 1 MiB at a time into one 1 MiB buffer; 4 KiB at
 *               a time (the ceiling of filling one page per read); and
 *               1 MiB at a time into a 64 MiB ring of buffers (the floor of
 *               a scan whose data lands in 64 MiB of frames: memory not in
 *               cache, where a single 1 MiB buffer stays in cache);
 * mmap:         a private mapping, copied out chunk by chunk.
 *
 * Throughput in MiB/s, median of five scans after a short warm-up scan.
 */
import * as fs from 'node:fs';
import { Engine, type EngineOptions } from '../impl/index.ts';
import type { Context } from './context.ts';
import { GiB, MiB, once, significant, summarize } from './harness.ts';
import type { BenchResult } from './report.ts';

const chunk = MiB;
const repeats = 5;

export async function run(context: Context): Promise<BenchResult> {
  const path = context.sparseFile('p7-image', GiB);
  const into = new Uint8Array(chunk);
  const ring = new Uint8Array(64 * MiB);
  let sink = 0;

  // One engine per configuration for the whole benchmark, as a program keeps one: its frame
  // pool is memory already mapped, as the conventional ring is. Each scan has a segment of its own.
  const engines: Engine[] = [];
  const scanner = (options: EngineOptions, how: 'copyOut' | 'views'): ((length: number) => number) => {
    const engine = new Engine({ swapDir: context.dir, ...options });
    engines.push(engine);
    const file = engine.open(path, 'r');
    return (length) => {
      const segment = engine.segment(length);
      const B = segment.pageSize;
      try {
        return once(() => {
          segment.read(file, 0, length, 0);
          if (how === 'copyOut') {
            for (let x = 0; x < length; x += chunk) {
              segment.copyOut(x, into);
              sink += into[0];
            }
          } else {
            for (let x = 0; x < length; x += B) sink += segment.bytes(x, B)[0];
          }
        });
      } finally {
        segment.close();
      }
    };
  };
  const fd = fs.openSync(path, 'r');
  const scanConventional = (length: number): number =>
    once(() => {
      for (let x = 0; x < length; x += chunk) {
        fs.readSync(fd, into, 0, chunk, x);
        sink += into[0];
      }
    });
  const page = into.subarray(0, 4096);
  const scanPages = (length: number): number =>
    once(() => {
      for (let x = 0; x < length; x += page.length) {
        fs.readSync(fd, page, 0, page.length, x);
        sink += page[0];
      }
    });
  const scanRing = (length: number): number =>
    once(() => {
      for (let x = 0; x < length; x += chunk) {
        const at = x % ring.length;
        fs.readSync(fd, ring, at, chunk, x);
        for (let p = at; p < at + chunk; p += 4096) sink += ring[p];
      }
    });
  const mmap = context.mmap;
  const scanMmap = (length: number): number => {
    let mapping: ReturnType<NonNullable<typeof mmap>['map']> | null = null;
    try {
      return once(() => {
        mapping = mmap!.map(path, length);
        const view = mmap!.buffer(mapping);
        for (let x = 0; x < length; x += chunk) {
          into.set(view.subarray(x, x + chunk));
          sink += into[0];
        }
      });
    } finally {
      if (mapping !== null) mmap!.unmap(mapping);
    }
  };

  const variants: { name: string; scan: (length: number) => number }[] = [
    { name: 'engine', scan: scanner({}, 'copyOut') },
    { name: 'engine-views', scan: scanner({}, 'views') },
    { name: 'engine-views-no-readahead', scan: scanner({ readahead: 0 }, 'views') },
    { name: 'conventional', scan: scanConventional },
    { name: 'conventional-4k', scan: scanPages },
    { name: 'conventional-ring', scan: scanRing },
    ...(mmap === null ? [] : [{ name: 'mmap', scan: scanMmap }]),
  ];
  const throughput = new Map<string, number>();
  try {
    for (const variant of variants) variant.scan(64 * MiB); // warm-up
    // Round-robin, so that background load hits every variant alike.
    const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    for (let r = 0; r < repeats; r++)
      for (const variant of variants) samples.get(variant.name)!.push(variant.scan(GiB));
    for (const variant of variants) {
      throughput.set(variant.name, GiB / summarize(samples.get(variant.name)!).median);
      context.log(`  ${variant.name}: ${significant(throughput.get(variant.name)! / MiB)} MiB/s`);
    }
  } finally {
    fs.closeSync(fd);
    for (const engine of engines) engine.close();
  }
  if (sink !== 0) throw new Error('a sparse file read as non-zero');

  const engine = throughput.get('engine')!;
  const views = throughput.get('engine-views')!;
  const viewsOff = throughput.get('engine-views-no-readahead')!;
  const conventional = throughput.get('conventional')!;
  const ringRate = throughput.get('conventional-ring')!;
  const mmapRate = throughput.get('mmap') ?? null;
  const pages = throughput.get('conventional-4k')!;
  const percent = (value: number, of: number): string => `${significant((value / of) * 100)}%`;
  return {
    id: 'P7',
    title: 'sequential scan of 1 GiB',
    rows: [
      {
        id: 'P7',
        what: 'sequential scan of 1 GiB, copyOut of 1 MiB chunks: throughput (default options)',
        unit: 'B/s',
        engine,
        conventional,
        mmap: mmapRate,
      },
      {
        id: 'P7',
        what: '  a view of every page, faulted in (default options: readahead)',
        unit: 'B/s',
        engine: views,
        conventional,
        mmap: mmapRate,
        note: 'Segment.bytes of each 4 KiB page in order, one byte of each loaded. Readahead grows the batch with the sequential run (1, 3, 7, ... pages) up to 256 pages (1 MiB) per read, straight into consecutive frames; the 64 MiB pool is recycled by CLOCK.',
      },
      { id: 'P7', what: '  the same, readahead off', unit: 'B/s', engine: viewsOff, conventional, mmap: mmapRate },
      {
        id: 'P7',
        what: '  the floor of a faulting scan: readSync of 1 MiB into a 64 MiB ring (conventional column)',
        unit: 'B/s',
        engine: views,
        conventional: ringRate,
        mmap: null,
        note: 'The same 1 MiB reads as the conventional row, each into the next 1 MiB of a 64 MiB buffer, one byte per 4 KiB loaded: the kernel copies into memory that is not in cache, as it must into 64 MiB of frames, where one 1 MiB buffer stays in cache.',
      },
      {
        id: 'P7',
        what: '  page-at-a-time ceiling: readSync of 4 KiB per call (conventional column)',
        unit: 'B/s',
        engine: null,
        conventional: pages,
        mmap: null,
        note: 'One 4 KiB read per page: what a fault without readahead reads; the page views without readahead pay it and an fstat per fault.',
      },
    ],
    checks: [
      {
        id: 'P7',
        target: "copyOut scan (default options) at least 80% of readSync's throughput",
        measured: percent(engine, conventional),
        met: engine >= 0.8 * conventional,
      },
      {
        id: 'P7',
        target: 'faulting scan (page views, default options) vs readSync and vs its floor (no target)',
        measured: `${percent(views, conventional)} of readSync, ${percent(views, ringRate)} of readSync into a 64 MiB ring (readahead off: ${percent(viewsOff, conventional)})`,
        met: null,
      },
    ],
    bars: [
      { label: 'sequential scan, copyOut: engine ÷ readSync throughput', value: engine / conventional, target: 0.8 },
      { label: 'sequential scan, page views: engine ÷ readSync', value: views / conventional, target: null },
    ],
    notes: [],
    seconds: 0,
  };
}
