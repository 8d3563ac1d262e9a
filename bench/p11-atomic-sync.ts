/**
 * P11: what all-or-nothing costs. A 1 GiB image (sparse) is read once;
 * then, `syncs` times: 1,000 random 4-byte updates (setUint32 at fixed-seed
 * aligned addresses), then one sync of the whole image, each way in turn:
 *
 * engine, plain:        Segment.write with rebind (the dirty pages; no fsync);
 * engine, plain + sync: the same with { sync: true } (then one fsync);
 * engine, atomic:       the same with { atomic: true } (journal, then in
 *                       place: after a crash, the image before or after);
 * careful program:      what one does for all-or-nothing without the library:
 *                       the updates on a 1 GiB Buffer, written whole to a new
 *                       file, fsynced, renamed over the image, the directory
 *                       fsynced.
 *
 * Bytes written and time per sync, side by side in one run (interleaved
 * round by round): the atomic write-back against the plain one, and
 * against the careful program.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine } from '../impl/index.ts';
import { type Context, writeAll } from './context.ts';
import { bytesText, durationText, GiB, once, significant, summarize } from './harness.ts';
import type { BenchResult } from './report.ts';
import { someAddresses } from './workload.ts';

const pageSize = 4096;
const syncs = 3;
const updates = 1000;

type Way = 'plain' | 'synced' | 'atomic';
const ways: readonly Way[] = ['plain', 'synced', 'atomic'];
const options = {
  plain: { rebind: true },
  synced: { rebind: true, sync: true },
  atomic: { rebind: true, atomic: true },
};

export async function run(context: Context): Promise<BenchResult> {
  const rounds = Array.from({ length: syncs }, (_, sync) => someAddresses(GiB, updates, 0x6a09e667 + sync));
  const dirtyPages = rounds.map((addresses) => new Set(Array.from(addresses, (a) => Math.floor(a / pageSize))).size);
  const engine = new Engine({ pageSize, swapDir: context.dir });
  const times: Record<Way | 'careful', number[]> = { plain: [], synced: [], atomic: [], careful: [] };
  const bytes: Record<Way, number[]> = { plain: [], synced: [], atomic: [] };
  const data = context.gibBuffer();
  const dataView = new DataView(data.buffer, data.byteOffset, data.length);
  const image = context.sparseFile('p11-careful', GiB);
  const copy = path.join(context.dir, 'p11-careful.new');
  try {
    const images = ways.map((way) => {
      const file = engine.open(context.sparseFile(`p11-${way}`, GiB), 'r+');
      const segment = engine.segment(GiB);
      segment.read(file, 0, GiB, 0);
      return { way, file, segment };
    });
    rounds.forEach((addresses, sync) => {
      for (const { way, file, segment } of images) {
        for (let i = 0; i < addresses.length; i++) segment.setUint32(addresses[i], sync * updates + i, true);
        const before = engine.stats();
        times[way].push(once(() => segment.write(file, 0, GiB, 0, options[way])));
        const after = engine.stats();
        bytes[way].push(after.written - before.written + after.journaled - before.journaled);
      }
      for (let i = 0; i < addresses.length; i++) dataView.setUint32(addresses[i], sync * updates + i, true);
      times.careful.push(once(() => carefulSync(data, copy, image)));
    });
  } finally {
    engine.close();
    fs.rmSync(copy, { force: true });
  }

  // Each plain sync writes exactly its dirty pages; each atomic one those twice, plus at most 100 bytes and 36 per page.
  const exact = rounds.every(
    (_, sync) =>
      bytes.plain[sync] === dirtyPages[sync] * pageSize &&
      bytes.synced[sync] === bytes.plain[sync] &&
      bytes.atomic[sync] > 2 * bytes.plain[sync] &&
      bytes.atomic[sync] <= 2 * bytes.plain[sync] + 100 + 36 * dirtyPages[sync],
  );
  const median = (way: Way | 'careful'): number => summarize(times[way]).median;
  const perSync = (way: Way): number => summarize(bytes[way]).median;
  const plainBytes = perSync('plain');
  const atomicBytes = perSync('atomic');
  context.log(
    `  per sync: plain ${bytesText(plainBytes)} in ${durationText(median('plain'))}, with fsync ${durationText(median('synced'))}, ` +
      `atomic ${bytesText(atomicBytes)} in ${durationText(median('atomic'))}, careful copy ${bytesText(GiB)} in ${durationText(median('careful'))}`,
  );
  return {
    id: 'P11',
    title: 'atomic sync',
    rows: [
      {
        id: 'P11',
        what: `atomic sync of 1 GiB, ${updates} updates between syncs: bytes written per sync, journal included (median of ${syncs})`,
        unit: 'B',
        engine: atomicBytes,
        conventional: GiB,
        mmap: null,
        note:
          'Conventional: the careful program, the image written whole to a new file, fsynced, renamed over it, the directory fsynced. ' +
          `Atomic bytes per sync: ${bytes.atomic.join(', ')} (the dirty pages twice, and the journal's headers and checksums).`,
      },
      {
        id: 'P11',
        what: '  plain write-back, bytes per sync (the dirty pages)',
        unit: 'B',
        engine: plainBytes,
        conventional: GiB,
        mmap: null,
      },
      {
        id: 'P11',
        what: '  time per sync, atomic (6 fsyncs)',
        unit: 's',
        engine: median('atomic'),
        conventional: median('careful'),
        mmap: null,
      },
      {
        id: 'P11',
        what: '  time per sync, plain with { sync: true } (1 fsync)',
        unit: 's',
        engine: median('synced'),
        conventional: median('careful'),
        mmap: null,
      },
      {
        id: 'P11',
        what: '  time per sync, plain (no fsync: not durable)',
        unit: 's',
        engine: median('plain'),
        conventional: median('careful'),
        mmap: null,
      },
    ],
    checks: [
      {
        id: 'P11',
        target: 'atomic sync: at most 2× the plain write-back bytes plus a fixed cost per run and per sync',
        measured:
          `${significant(atomicBytes / plainBytes)}× the plain bytes, ${significant(median('atomic') / median('synced'))}× the time of a plain sync with fsync; ` +
          `1/${significant(GiB / atomicBytes)} of the careful copy's bytes, ${significant(median('careful') / median('atomic'))}× faster`,
        met: exact,
      },
    ],
    bars: [
      { label: 'atomic sync: careful copy ÷ engine bytes per sync', value: GiB / atomicBytes, target: null },
      {
        label: 'atomic sync: careful copy ÷ engine time per sync',
        value: median('careful') / median('atomic'),
        target: null,
      },
    ],
    notes: [],
    seconds: 0,
  };
}

/** All or nothing without the library: a whole new copy, durable, renamed over the image, the rename durable. */
function carefulSync(data: Uint8Array, copy: string, image: string): void {
  const fd = fs.openSync(copy, 'w');
  try {
    writeAll(fd, data, 0);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(copy, image);
  const dir = fs.openSync(path.dirname(image), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
