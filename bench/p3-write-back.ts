/**
 * P3: write-back of a 1 GiB image with 1% of its pages dirty (the same
 * 2,621 pages as P2, one byte stored in each), with rebind.
 *
 * engine:       Segment.write of the whole 1 GiB (it writes only the dirty pages);
 * conventional: fs.writeSync of the whole 1 GiB buffer;
 * mmap:         a private mapping cannot be synced (msync does not reach the
 *               file under MAP_PRIVATE), so the program writes the whole
 *               mapping back with fs.writeSync.
 *
 * One warm-up round, then the median of seven; the pages are dirtied again
 * (untimed) before each round.
 */
import * as fs from 'node:fs';
import { Engine } from '../impl/index.ts';
import { type Context, writeAll } from './context.ts';
import { bytesText, durationText, GiB, once, significant, summarize } from './harness.ts';
import type { BenchResult } from './report.ts';
import { somePages } from './workload.ts';

const pageSize = 4096;
const repeats = 7;

export async function run(context: Context): Promise<BenchResult> {
  const pages = GiB / pageSize;
  const dirty = somePages(pages, Math.floor(pages / 100));
  const expected = dirty.length * pageSize;

  // Each round: dirty the pages again (untimed), then the engine's write-back,
  // the conventional full write and the mmap full write, round-robin so that
  // background load falls on all three alike. Round 0 is the warm-up.
  const path = context.sparseFile('p3-image', GiB);
  const engine = new Engine({ pageSize, swapDir: context.dir });
  const conventionalFd = fs.openSync(context.sparseFile('conventional-rewrite', GiB), 'r+');
  const data = context.gibBuffer();
  const mmapPath = context.sparseFile('p3-mmap', GiB);
  const mapping = context.mmap?.map(mmapPath, GiB) ?? null;
  const mapped = mapping === null ? null : context.mmap!.buffer(mapping);
  const mmapFd = fs.openSync(mmapPath, 'r+');
  const times: number[] = [];
  const conventionalTimes: number[] = [];
  const mmapTimes: number[] = [];
  const rawTimes: number[] = [];
  const sorted = [...dirty].sort((a, b) => a - b);
  const runs = sorted.filter((page, i) => i === 0 || sorted[i - 1] !== page - 1).length;
  const rawFd = fs.openSync(context.sparseFile('p3-raw', GiB), 'r+');
  const block = Buffer.alloc(pageSize, 0xf0);
  const written: number[] = [];
  let first = 0;
  let preserves = 0;
  try {
    const file = engine.open(path, 'r+');
    const segment = engine.segment(GiB);
    segment.read(file, 0, GiB, 0);
    for (let round = 0; round <= repeats; round++) {
      const value = 0xf0 + round;
      for (const page of dirty) segment.setUint8(page * pageSize + 17, value);
      const before = engine.stats().preserves;
      let result = { written: 0, skipped: 0 };
      const seconds = once(() => {
        result = segment.write(file, 0, GiB, 0, { rebind: true });
      });
      preserves += engine.stats().preserves - before;
      written.push(result.written);
      for (const page of dirty) data[page * pageSize + 17] = value;
      const conventionalSeconds = once(() => writeAll(conventionalFd, data, 0));
      if (mapped !== null) for (const page of dirty) mapped[page * pageSize + 17] = value;
      const mmapSeconds = mapped === null ? 0 : once(() => writeAll(mmapFd, mapped, 0));
      // The ceiling of writing page by page: one 4 KiB writeSync per dirty page, in address order.
      const rawSeconds = once(() => {
        for (const page of sorted) fs.writeSync(rawFd, block, 0, pageSize, page * pageSize);
      });
      if (round === 0) {
        first = seconds;
        continue;
      }
      times.push(seconds);
      conventionalTimes.push(conventionalSeconds);
      mmapTimes.push(mmapSeconds);
      rawTimes.push(rawSeconds);
    }
    // Spot check through a conventional read: the last value reached the file.
    const fd = fs.openSync(path, 'r');
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, dirty[0] * pageSize + 17);
    fs.closeSync(fd);
    if (byte[0] !== 0xf0 + repeats) throw new Error('write-back lost a dirty byte');
  } finally {
    engine.close();
    fs.closeSync(conventionalFd);
    fs.closeSync(mmapFd);
    fs.closeSync(rawFd);
    if (mapping !== null) context.mmap!.unmap(mapping);
  }
  context.recordConventionalRewrite(summarize(conventionalTimes));
  const conventional = summarize(conventionalTimes).median;
  const mmap = mapped === null ? null : summarize(mmapTimes).median;
  const raw = summarize(rawTimes).median;

  const engineTime = summarize(times).median;
  const exact = written.every((count) => count === expected);
  const fraction = engineTime / conventional;
  context.log(
    `  engine wrote ${bytesText(written[0])} (expected ${bytesText(expected)}) in ${durationText(engineTime)} ` +
      `(first ${durationText(first)}); conventional ${durationText(conventional)}` +
      (mmap === null ? '' : `; mmap ${durationText(mmap)}`) +
      `; 4 KiB writeSync per dirty page ${durationText(raw)}`,
  );
  return {
    id: 'P3',
    title: 'write-back of 1 GiB, 1% dirty',
    rows: [
      {
        id: 'P3',
        what: `write-back of 1 GiB, 1% of pages dirty (${dirty.length}): time`,
        unit: 's',
        engine: engineTime,
        conventional,
        mmap,
        note: `Engine: median of ${repeats} after a first write-back of ${durationText(first)}; preserves ${preserves}. mmap: MAP_PRIVATE cannot sync, so the whole mapping is written.`,
      },
      {
        id: 'P3',
        what: '  page-at-a-time ceiling: one 4 KiB writeSync per dirty page (conventional column)',
        unit: 's',
        engine: null,
        conventional: raw,
        mmap: null,
        note: `Nothing but the writes a page-by-page write-back must make (${dirty.length} pages in ${runs} runs of adjacent pages; the engine writes one run per call, this writes one page per call).`,
      },
      { id: 'P3', what: 'bytes written', unit: 'B', engine: written[0], conventional: GiB, mmap: context.mmap === null ? null : GiB },
    ],
    checks: [
      {
        id: 'P3',
        target: 'bytes written equal the dirty pages exactly',
        measured: `${written[0].toLocaleString('en-US')} B = ${dirty.length} × 4 KiB${exact ? ', every round' : `; rounds: ${written.join(', ')}`}`,
        met: exact,
      },
      { id: 'P3', target: 'time at most 1/20 of conventional', measured: `1/${significant(1 / fraction)}`, met: fraction <= 1 / 20 },
    ],
    bars: [
      { label: 'write-back 1% dirty: conventional ÷ engine time', value: conventional / engineTime, target: 20 },
      { label: 'write-back 1% dirty: conventional ÷ engine bytes', value: GiB / written[0], target: null },
    ],
    notes: [],
    seconds: 0,
  };
}
