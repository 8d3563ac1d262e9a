/**
 * P8: the periodic-sync workload. A 1 GiB image is read once; then ten
 * times: 1,000 random 4-byte updates (setUint32 at fixed-seed aligned
 * addresses), then a sync of the whole image.
 *
 * engine:       Segment.write of the whole image with rebind (writes the dirty pages);
 * conventional: the updates on a 1 GiB Buffer, then fs.writeSync of all of it;
 * mmap:         the updates on a private mapping, then fs.writeSync of all of
 *               it (MAP_PRIVATE cannot sync only what changed).
 */
import * as fs from 'node:fs';
import { Engine } from '../impl/index.ts';
import { type Context, writeAll } from './context.ts';
import { bytesText, durationText, GiB, once, significant, summarize } from './harness.ts';
import type { BenchResult } from './report.ts';
import { someAddresses } from './workload.ts';

const pageSize = 4096;
const syncs = 10;
const updates = 1000;

export async function run(context: Context): Promise<BenchResult> {
  const rounds = Array.from({ length: syncs }, (_, sync) => someAddresses(GiB, updates, 0x3c6ef372 + sync));
  const dirtyPages = rounds.map((addresses) => new Set(Array.from(addresses, (a) => Math.floor(a / pageSize))).size);

  // The three run side by side: each sync applies the same updates to each,
  // then times the engine's, the conventional and the mmap write-back in turn.
  const engine = new Engine({ pageSize, swapDir: context.dir });
  const data = context.gibBuffer();
  const dataView = new DataView(data.buffer, data.byteOffset, data.length);
  const conventionalFd = fs.openSync(context.sparseFile('p8-conventional', GiB), 'r+');
  const mmapPath = context.sparseFile('p8-mmap', GiB);
  const mapping = context.mmap?.map(mmapPath, GiB) ?? null;
  const mapped = mapping === null ? null : context.mmap!.buffer(mapping);
  const mappedView = mapped === null ? null : new DataView(mapped.buffer, mapped.byteOffset, mapped.length);
  const mmapFd = fs.openSync(mmapPath, 'r+');
  const engineTimes: number[] = [];
  const conventionalTimes: number[] = [];
  const mmapTimes: number[] = [];
  const written: number[] = [];
  try {
    const file = engine.open(context.sparseFile('p8-image', GiB), 'r+');
    const segment = engine.segment(GiB);
    segment.read(file, 0, GiB, 0);
    rounds.forEach((addresses, sync) => {
      for (let i = 0; i < addresses.length; i++) segment.setUint32(addresses[i], sync * updates + i, true);
      let count = 0;
      engineTimes.push(once(() => (count = segment.write(file, 0, GiB, 0, { rebind: true }).written)));
      written.push(count);
      for (let i = 0; i < addresses.length; i++) dataView.setUint32(addresses[i], sync * updates + i, true);
      conventionalTimes.push(once(() => writeAll(conventionalFd, data, 0)));
      if (mapped !== null) {
        for (let i = 0; i < addresses.length; i++) mappedView!.setUint32(addresses[i], sync * updates + i, true);
        mmapTimes.push(once(() => writeAll(mmapFd, mapped, 0)));
      }
    });
  } finally {
    engine.close();
    fs.closeSync(conventionalFd);
    fs.closeSync(mmapFd);
    if (mapping !== null) context.mmap!.unmap(mapping);
  }

  const exact = written.every((count, sync) => count === dirtyPages[sync] * pageSize);
  const perSync = summarize(written).median;
  const engineTime = summarize(engineTimes).median;
  const conventionalTime = summarize(conventionalTimes).median;
  const mmapTime = mapped === null ? null : summarize(mmapTimes).median;
  context.log(
    `  per sync: engine ${bytesText(perSync)} in ${durationText(engineTime)}, conventional ${bytesText(GiB)} in ${durationText(conventionalTime)}` +
      (mmapTime === null ? '' : `, mmap ${durationText(mmapTime)}`),
  );
  return {
    id: 'P8',
    title: 'periodic sync',
    rows: [
      {
        id: 'P8',
        what: `periodic sync of 1 GiB, ${updates} updates between syncs: bytes written per sync (median of ${syncs})`,
        unit: 'B',
        engine: perSync,
        conventional: GiB,
        mmap: mapped === null ? null : GiB,
        note: `Engine bytes per sync: ${written.map((count) => count / pageSize).join(', ')} pages, each equal to the pages the 1,000 updates dirtied.`,
      },
      {
        id: 'P8',
        what: '  bytes written over all 10 syncs',
        unit: 'B',
        engine: written.reduce((a, b) => a + b, 0),
        conventional: syncs * GiB,
        mmap: mapped === null ? null : syncs * GiB,
      },
      {
        id: 'P8',
        what: '  time per sync (median)',
        unit: 's',
        engine: engineTime,
        conventional: conventionalTime,
        mmap: mmapTime,
      },
    ],
    checks: [
      {
        id: 'P8',
        target:
          'bytes written per sync vs conventional full rewrite (no target; each sync writes exactly its dirty pages)',
        measured: `1/${significant(GiB / perSync)} of the bytes, ${significant(conventionalTime / engineTime)}× faster; exact every sync: ${exact ? 'yes' : 'no'}`,
        met: exact ? null : false,
      },
    ],
    bars: [
      { label: 'periodic sync: conventional ÷ engine bytes per sync', value: GiB / perSync, target: null },
      {
        label: 'periodic sync: conventional ÷ engine time per sync',
        value: conventionalTime / engineTime,
        target: null,
      },
    ],
    notes: [],
    seconds: 0,
  };
}
