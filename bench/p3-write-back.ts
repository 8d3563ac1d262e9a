/**
 * P3: write-back of a 1 GiB image with 1% of its pages dirty (the same
 * 2,621 pages as P2, one byte stored in each), with rebind.
 *
 * engine:       Segment.write of the whole 1 GiB (it writes only the dirty pages);
 * conventional: fs.writeSync of the whole 1 GiB buffer;
 * mmap:         a private mapping cannot be synced (msync does not reach the
 *               file under MAP_PRIVATE), so the program writes the whole
 *               mapping back with fs.writeSync;
 * floor:        one 4 KiB writeSync per dirty page, in address order, from
 *               one 4 KiB buffer (the target's yardstick: the kernel copies
 *               from memory in cache), and from a buffer holding each dirty
 *               page in a 4 KiB slot of its own, touched as the engine's
 *               pages are (what writing a program's dirty memory back page
 *               by page costs: the kernel copies from memory not in cache).
 *
 * Five warm-up rounds, then the median of nine; the pages are dirtied again
 * (untimed) before each round. In each round the engine and the two floors
 * run back to back, each writing a file of its own, then the full rewrites.
 */
import * as fs from 'node:fs';
import { Engine } from '../impl/index.ts';
import { type Context, writeAll } from './context.ts';
import { bytesText, durationText, GiB, once, significant, summarize } from './harness.ts';
import type { BenchResult } from './report.ts';
import { somePages } from './workload.ts';

const pageSize = 4096;
const repeats = 9;
// Rounds before the timed ones: the engine's write-back path is JIT-compiled over its first few calls.
const warmup = 5;

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
  const spreadTimes: number[] = [];
  const sorted = [...dirty].sort((a, b) => a - b);
  const runs = sorted.filter((page, i) => i === 0 || sorted[i - 1] !== page - 1).length;
  const rawFd = fs.openSync(context.sparseFile('p3-raw', GiB), 'r+');
  const spreadFd = fs.openSync(context.sparseFile('p3-spread', GiB), 'r+');
  const block = Buffer.alloc(pageSize, 0xf0);
  // Each dirty page in a 4 KiB slot of its own, in the order the pages were dirtied.
  const spread = Buffer.alloc(dirty.length * pageSize, 0xf0);
  const slotOf = new Map(dirty.map((page, i) => [page, i]));
  const written: number[] = [];
  let first = 0;
  let preserves = 0;
  try {
    const file = engine.open(path, 'r+');
    const segment = engine.segment(GiB);
    segment.read(file, 0, GiB, 0);
    for (let round = 0; round < warmup + repeats; round++) {
      const value = 0xf0 + round;
      for (const page of dirty) segment.setUint8(page * pageSize + 17, value);
      const before = engine.stats().preserves;
      let result = { written: 0, skipped: 0 };
      const seconds = once(() => {
        result = segment.write(file, 0, GiB, 0, { rebind: true });
      });
      preserves += engine.stats().preserves - before;
      written.push(result.written);
      // The floor of writing page by page: one 4 KiB writeSync per dirty page, in address order,
      // right after the engine and to a file of its own, so that both meet the page cache alike
      // (pages written a round ago may still be under writeback).
      const rawSeconds = once(() => {
        for (const page of sorted) fs.writeSync(rawFd, block, 0, pageSize, page * pageSize);
      });
      for (const page of dirty) spread[slotOf.get(page)! * pageSize + 17] = value;
      const spreadSeconds = once(() => {
        for (const page of sorted)
          fs.writeSync(spreadFd, spread, slotOf.get(page)! * pageSize, pageSize, page * pageSize);
      });
      for (const page of dirty) data[page * pageSize + 17] = value;
      const conventionalSeconds = once(() => writeAll(conventionalFd, data, 0));
      if (mapped !== null) for (const page of dirty) mapped[page * pageSize + 17] = value;
      const mmapSeconds = mapped === null ? 0 : once(() => writeAll(mmapFd, mapped, 0));
      if (round === 0) first = seconds;
      if (round < warmup) continue;
      times.push(seconds);
      conventionalTimes.push(conventionalSeconds);
      mmapTimes.push(mmapSeconds);
      rawTimes.push(rawSeconds);
      spreadTimes.push(spreadSeconds);
    }
    // Spot check through a conventional read: the last value reached the file.
    const fd = fs.openSync(path, 'r');
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, dirty[0] * pageSize + 17);
    fs.closeSync(fd);
    if (byte[0] !== 0xf0 + warmup + repeats - 1) throw new Error('write-back lost a dirty byte');
  } finally {
    engine.close();
    fs.closeSync(conventionalFd);
    fs.closeSync(mmapFd);
    fs.closeSync(rawFd);
    fs.closeSync(spreadFd);
    if (mapping !== null) context.mmap!.unmap(mapping);
  }
  context.recordConventionalRewrite(summarize(conventionalTimes));
  const conventional = summarize(conventionalTimes).median;
  const mmap = mapped === null ? null : summarize(mmapTimes).median;
  const raw = summarize(rawTimes).median;
  const spreadFloor = summarize(spreadTimes).median;

  const engineTime = summarize(times).median;
  const exact = written.every((count) => count === expected);
  const overFloor = engineTime / raw;
  context.log(
    `  engine wrote ${bytesText(written[0])} (expected ${bytesText(expected)}) in ${durationText(engineTime)} ` +
      `(first ${durationText(first)}); conventional ${durationText(conventional)}` +
      (mmap === null ? '' : `; mmap ${durationText(mmap)}`) +
      `; 4 KiB writeSync per dirty page ${durationText(raw)} (from their own slots ${durationText(spreadFloor)})`,
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
        note: `Engine: median of ${repeats} after ${warmup} warm-up rounds, the first write-back ${durationText(first)}; preserves ${preserves}. mmap: MAP_PRIVATE cannot sync, so the whole mapping is written.`,
      },
      {
        id: 'P3',
        what: '  the page-at-a-time floor: one 4 KiB writeSync per dirty page, from one buffer (conventional column)',
        unit: 's',
        engine: engineTime,
        conventional: raw,
        mmap: null,
        note: `Nothing but the writes a page-by-page write-back must make (${dirty.length} pages in ${runs} runs of adjacent pages; the engine writes one run per call, this writes one page per call), all from one 4 KiB buffer, which stays in cache.`,
      },
      {
        id: 'P3',
        what: '  the same floor, each page from a slot of its own (conventional column)',
        unit: 's',
        engine: engineTime,
        conventional: spreadFloor,
        mmap: null,
        note: `The same writes, each dirty page from its own 4 KiB slot of a ${bytesText(spread.length)} buffer, one byte of each stored before (as the engine's frames are): the kernel copies from memory that is not in cache, as it must for the engine's frames.`,
      },
      {
        id: 'P3',
        what: 'bytes written',
        unit: 'B',
        engine: written[0],
        conventional: GiB,
        mmap: context.mmap === null ? null : GiB,
      },
    ],
    checks: [
      {
        id: 'P3',
        target: 'bytes written equal the dirty pages exactly',
        measured: `${written[0].toLocaleString('en-US')} B = ${dirty.length} × 4 KiB${exact ? ', every round' : `; rounds: ${written.join(', ')}`}`,
        met: exact,
      },
      {
        id: 'P3',
        target: 'time at most 1.5× the page-at-a-time floor (one 4 KiB writeSync per dirty page)',
        measured: `${significant(overFloor)}× (${durationText(engineTime)} vs ${durationText(raw)}; ${significant(engineTime / spreadFloor)}× the floor from slots of their own)`,
        met: overFloor <= 1.5,
      },
    ],
    bars: [
      { label: 'write-back 1% dirty: page-at-a-time floor ÷ engine time', value: raw / engineTime, target: 1 / 1.5 },
      { label: 'write-back 1% dirty: conventional ÷ engine time', value: conventional / engineTime, target: null },
      { label: 'write-back 1% dirty: conventional ÷ engine bytes', value: GiB / written[0], target: null },
    ],
    notes: [],
    seconds: 0,
  };
}
