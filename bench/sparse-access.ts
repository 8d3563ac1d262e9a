/**
 * What deferred I/O costs on huge, sparsely used files (real files, node:fs):
 *   1. time and memory of one read() of 1 TiB;
 *   2. bytes filled when touching 1% of the pages of a 1 GiB file;
 *   3. bytes written by write-back of a 1 GiB buffer with 1% of its pages dirty.
 * Files are sparse (ftruncate), in a temporary directory removed at the end.
 *
 *   node --expose-gc --import tsx bench/sparse-access.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../impl/index.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;
const pageSize = 4096;

function sparseFile(dir: string, name: string, length: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '');
  fs.truncateSync(file, length);
  return file;
}

function memory(): { rss: number; heap: number } {
  globalThis.gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed + usage.external + usage.arrayBuffers };
}

/** Distinct pseudo-random pages, `count` of `pages`, reproducibly. */
function somePages(pages: number, count: number): number[] {
  const chosen = new Set<number>();
  let x = 0x2545f491;
  while (chosen.size < count) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    chosen.add((x >>> 0) % pages);
  }
  return [...chosen].sort((a, b) => a - b);
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(2)} MiB`;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deferred-io-bench-'));
try {
  const engine = new Engine({ pageSize, swapDir: dir });

  // 1. One read of 1 TiB.
  {
    const file = engine.open(sparseFile(dir, 'tib', TiB), 'r');
    const segment = engine.segment(TiB);
    const before = memory();
    const start = process.hrtime.bigint();
    const count = segment.read(file, 0, TiB, 0);
    const micros = Number(process.hrtime.bigint() - start) / 1000;
    const after = memory();
    // Warm: read over the same buffer again and again (each rebinds 1 TiB and releases the old snapshot).
    const rounds = 5000;
    for (let i = 0; i < rounds; i++) segment.read(file, 0, TiB, 0);
    const warmStart = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) segment.read(file, 0, TiB, 0);
    const warm = Number(process.hrtime.bigint() - warmStart) / 1000 / rounds;
    console.log(`1 TiB read: returned ${count} bytes in ${micros.toFixed(1)} µs (first call), ${warm.toFixed(1)} µs warm;`
      + ` RSS delta ${mib(after.rss - before.rss)}, heap+buffers delta ${((after.heap - before.heap) / KiB).toFixed(1)} KiB;`
      + ` faults ${engine.stats().faults}`);
    segment.close();
    file.close();
  }

  // 2. Touch 1% of the pages of a 1 GiB file.
  const pages = GiB / pageSize;
  const touched = somePages(pages, Math.floor(pages / 100));
  const image = sparseFile(dir, 'gib', GiB);
  const file = engine.open(image, 'r+');
  const segment = engine.segment(GiB);
  {
    const before = engine.stats();
    const start = process.hrtime.bigint();
    segment.read(file, 0, GiB, 0);
    for (const page of touched) segment.getUint8(page * pageSize + 17);
    const millis = Number(process.hrtime.bigint() - start) / 1e6;
    const after = engine.stats();
    console.log(`touch 1% of 1 GiB (${touched.length} pages): bytes filled ${after.bytesFilled - before.bytesFilled}`
      + ` (${(((after.bytesFilled - before.bytesFilled) / GiB) * 100).toFixed(2)}% of the file),`
      + ` faults ${after.faults - before.faults}, ${millis.toFixed(1)} ms`);
  }

  // 3. Write back 1 GiB with 1% of its pages dirty.
  {
    for (const page of touched) segment.setUint8(page * pageSize + 17, 0xff);
    const before = engine.stats();
    const start = process.hrtime.bigint();
    const result = segment.write(file, 0, GiB, 0, { rebind: true });
    const millis = Number(process.hrtime.bigint() - start) / 1e6;
    const again = segment.write(file, 0, GiB, 0, { rebind: true });
    console.log(`write-back of 1 GiB, 1% dirty: written ${result.written} bytes (${mib(result.written)}), skipped ${result.skipped},`
      + ` ${millis.toFixed(1)} ms; preserves ${engine.stats().preserves - before.preserves};`
      + ` the next sync writes ${again.written}`);
    // Spot-check through a conventional read.
    const fd = fs.openSync(image, 'r');
    const byte = new Uint8Array(1);
    fs.readSync(fd, byte, 0, 1, touched[0] * pageSize + 17);
    fs.closeSync(fd);
    if (byte[0] !== 0xff) throw new Error('write-back lost a dirty byte');
  }
  engine.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
