/**
 * P2: read() a 1 GiB sparse file, then touch 1% of its pages (2,621, drawn at
 * random with a fixed seed: the pages the sparse-access measurement used)
 * one byte each, in random order.
 *
 * engine:       Segment.read, then getUint8 per page (each a page fault);
 * conventional: fs.readSync of the whole 1 GiB, then the same loads;
 * mmap:         mmap(MAP_PRIVATE), then the same loads (each a page fault);
 * raw:          fs.readSync of 4 KiB at each touched page's offset: the
 *               per-touch yardstick;
 * floor:        an fstat of the descriptor and the same read, into a 4 KiB
 *               slot of its own per page (as a fault reads into a frame of
 *               its own, memory not in cache): what a fault must do at the
 *               least, since the engine checks the file's identity once per
 *               call that reads from it.
 */
import * as fs from 'node:fs';
import { Engine } from '../impl/index.ts';
import { type Context, readAll } from './context.ts';
import { durationText, GiB, once, significant, summarize } from './harness.ts';
import type { BenchResult } from './report.ts';
import { somePages } from './workload.ts';

const pageSize = 4096;
const repeats = 9;

export async function run(context: Context): Promise<BenchResult> {
  const pages = GiB / pageSize;
  const touched = somePages(pages, Math.floor(pages / 100));
  const count = touched.length;
  const path = context.sparseFile('p2-image', GiB);

  // Each round runs every variant once, round-robin, so that background load
  // falls on all of them alike; round 0 is the warm-up.
  const engine = new Engine({ pageSize, swapDir: context.dir });
  const file = engine.open(path, 'r');
  const segment = engine.segment(GiB);
  const fd = fs.openSync(path, 'r');
  const block = Buffer.alloc(pageSize);
  const slots = Buffer.alloc(touched.length * pageSize);
  const buffer = context.gibBuffer();
  const mmap = context.mmap;
  const offsets = new Float64Array(touched.map((page) => page * pageSize + 17));
  const engineTotal: number[] = [];
  const engineTouch: number[] = [];
  const raw: number[] = [];
  const conventional: number[] = [];
  const mmapTotal: number[] = [];
  const mmapTouch: number[] = [];
  const identity: number[] = [];
  const floor: number[] = [];
  let filled = 0;
  let faults = 0;
  let sum = 0;
  try {
    for (let round = 0; round <= repeats; round++) {
      const keep = round > 0;
      // Engine: read() (it drops every frame), then one load per page: each a fault.
      const before = engine.stats();
      const start = process.hrtime.bigint();
      segment.read(file, 0, GiB, 0);
      const read = process.hrtime.bigint();
      for (const page of touched) sum += segment.getUint8(page * pageSize + 17);
      const end = process.hrtime.bigint();
      const after = engine.stats();
      filled = after.bytesFilled - before.bytesFilled;
      faults = after.faults - before.faults;
      if (keep) {
        engineTotal.push(Number(end - start) / 1e9);
        engineTouch.push(Number(end - read) / 1e9 / count);
      }
      // Raw: a 4 KiB readSync at each touched page, same order.
      const rawSeconds = once(() => {
        for (const page of touched) {
          fs.readSync(fd, block, 0, pageSize, page * pageSize);
          sum += block[17];
        }
      });
      if (keep) raw.push(rawSeconds / count);
      // What the engine's change detection costs per faulting call: an fstat of the descriptor.
      const identitySeconds = once(() => {
        for (let i = 0; i < count; i++) sum += fs.fstatSync(fd).size & 0;
      });
      if (keep) identity.push(identitySeconds / count);
      // The floor of a fault with detection: the identity check, then the raw read into a slot of its own.
      const floorSeconds = once(() => {
        for (let i = 0; i < count; i++) {
          sum += fs.fstatSync(fd).size & 0;
          fs.readSync(fd, slots, i * pageSize, pageSize, touched[i] * pageSize);
          sum += slots[i * pageSize + 17];
        }
      });
      if (keep) floor.push(floorSeconds / count);
      // Conventional: the whole range, then the same loads.
      const conventionalSeconds = once(() => {
        readAll(fd, buffer, 0);
        for (const page of touched) sum += buffer[page * pageSize + 17];
      });
      if (keep) conventional.push(conventionalSeconds);
      // mmap: a fresh mapping, then the same loads, each a page fault.
      if (mmap !== null) {
        const start = process.hrtime.bigint();
        const mapping = mmap.map(path, GiB);
        const mapped = process.hrtime.bigint();
        sum += mmap.touch(mapping, offsets);
        const end = process.hrtime.bigint();
        mmap.unmap(mapping);
        if (keep) {
          mmapTotal.push(Number(end - start) / 1e9);
          mmapTouch.push(Number(end - mapped) / 1e9 / count);
        }
      }
    }
  } finally {
    fs.closeSync(fd);
    engine.close();
  }
  if (sum !== 0) throw new Error('a sparse file read as non-zero');

  const total = summarize(engineTotal).median;
  const perTouch = summarize(engineTouch).median;
  const rawPer = summarize(raw).median;
  const identityPer = summarize(identity).median;
  const floorPer = summarize(floor).median;
  const conventionalTotal = summarize(conventional).median;
  const mmapTotalMedian = mmapTotal.length > 0 ? summarize(mmapTotal).median : null;
  const mmapPer = mmapTouch.length > 0 ? summarize(mmapTouch).median : null;
  const ratio = perTouch / rawPer;
  context.log(
    `  ${count} touches: engine total ${durationText(total)} (${durationText(perTouch)} per touch), ` +
      `raw 4 KiB readSync ${durationText(rawPer)}, fstat ${durationText(identityPer)}, both ${durationText(floorPer)}, conventional total ${durationText(conventionalTotal)}` +
      (mmapPer === null ? '' : `, mmap ${durationText(mmapTotalMedian!)} (${durationText(mmapPer)} per touch)`),
  );
  return {
    id: 'P2',
    title: 'touching 1% of 1 GiB',
    rows: [
      {
        id: 'P2',
        what: `read() + touch 1% of 1 GiB (${count} pages), total`,
        unit: 's',
        engine: total,
        conventional: conventionalTotal,
        mmap: mmapTotalMedian,
      },
      {
        id: 'P2',
        what: 'per touch (engine: page fault; conventional column: raw 4 KiB readSync at the page)',
        unit: 's',
        engine: perTouch,
        conventional: rawPer,
        mmap: mmapPer,
      },
      {
        id: 'P2',
        what: '  the floor with change detection: fstat of the descriptor + 4 KiB readSync into a slot per page (conventional column)',
        unit: 's',
        engine: perTouch,
        conventional: floorPer,
        mmap: null,
        note:
          "The engine checks a file's identity (NodeFileBackend.identity(): one fstat of the open descriptor) once per public call that reads " +
          "from it, before reading: with one fault per call, every fault pays it. Without it a change behind the engine's back between two calls " +
          "would be served as snapshot bytes (the spec's NeverWrong). Each read lands in a 4 KiB slot of its own, as a fault lands in a frame " +
          'of its own: the kernel copies into memory not in cache, where the raw row reads into one 4 KiB buffer.',
      },
      {
        id: 'P2',
        what: '    of which the fstat alone',
        unit: 's',
        engine: null,
        conventional: identityPer,
        mmap: null,
      },
      {
        id: 'P2',
        what: 'bytes copied from the file per round',
        unit: 'B',
        engine: filled,
        conventional: GiB,
        mmap: null,
        note: `Engine faults per round: ${faults}; bytes filled = ${count} pages × 4 KiB = ${filled} (the sparse-access figure). The kernel's copies for mmap are not counted.`,
      },
    ],
    checks: [
      {
        id: 'P2',
        target: 'per touch at most 1.3× a raw 4 KiB readSync',
        measured: `${significant(ratio)}× (${durationText(perTouch)} vs ${durationText(rawPer)})`,
        met: ratio <= 1.3,
      },
      ...(mmapPer === null
        ? []
        : [
            {
              id: 'P2',
              target: "per touch no slower than mmap's fault",
              measured: `${significant(perTouch / mmapPer)}× (${durationText(perTouch)} vs ${durationText(mmapPer)})`,
              met: perTouch <= mmapPer,
            },
          ]),
      {
        id: 'P2',
        target: 'per touch vs its floor with change detection (fstat + readSync; no target)',
        measured: `${significant(perTouch / floorPer)}× (${durationText(perTouch)} vs ${durationText(floorPer)})`,
        met: null,
      },
    ],
    bars: [
      { label: 'touch 1% of 1 GiB: conventional ÷ engine total', value: conventionalTotal / total, target: null },
      { label: 'per touch: raw 4 KiB readSync ÷ engine fault', value: rawPer / perTouch, target: 1 / 1.3 },
      { label: 'per touch: fstat + readSync floor ÷ engine fault', value: floorPer / perTouch, target: null },
    ],
    notes: [],
    seconds: 0,
  };
}
