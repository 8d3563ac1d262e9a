/**
 * P5's child process: one scan, so that the peak RSS (VmHWM) it reports is
 * the scan's own. Run as plain JavaScript (p5-memory.ts transpiles it and
 * impl/ first), so no TypeScript loader sits in the measured memory.
 *
 *   node p5-child.js VARIANT FILE LENGTH BUDGET SWAPDIR [ADDON]
 *
 * VARIANT: runtime (load the engine, nothing else), engine (Segment.read,
 * then a load of one byte of every page, in order: each page is faulted in,
 * read ahead by default, so the frame pool fills to the budget and pages
 * are evicted from then on; copyOut would fault nothing in and use no
 * frame at all),
 * conventional (fs.readSync of the whole range into one buffer, then a
 * chunked pass), mmap (private mapping, then the same chunked pass). Prints
 * one JSON line.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { Engine } from '../impl/index.ts';
import { memoryStatus } from './harness.ts';
import type { MmapAddon } from './mmap/index.ts';

const chunk = 1 << 20;
const [variant, file, lengthText, budgetText, swapDir, addon] = process.argv.slice(2);
const length = Number(lengthText);
const budget = Number(budgetText);
const into = new Uint8Array(chunk);
let sum = 0;
// V8's heap at the end of the scan, before anything is released.
let heap = 0;

const before = memoryStatus();
const start = process.hrtime.bigint();
if (variant === 'engine') {
  const engine = new Engine({ memory: budget, swapDir });
  const deferred = engine.open(file, 'r');
  const segment = engine.segment(length);
  segment.read(deferred, 0, length, 0);
  const B = segment.pageSize;
  for (let x = 0; x < length; x += B) sum += segment.getUint8(x);
  heap = process.memoryUsage().heapTotal;
  engine.close();
} else if (variant === 'conventional') {
  const buffer = Buffer.allocUnsafe(length);
  const fd = fs.openSync(file, 'r');
  for (let done = 0; done < length; ) done += fs.readSync(fd, buffer, done, length - done, done);
  fs.closeSync(fd);
  for (let x = 0; x < length; x += chunk) {
    into.set(buffer.subarray(x, x + chunk));
    sum += into[0];
  }
} else if (variant === 'mmap') {
  const mmap = createRequire(import.meta.url)(addon) as MmapAddon;
  const mapping = mmap.map(file, length);
  const view = mmap.buffer(mapping);
  for (let x = 0; x < length; x += chunk) {
    into.set(view.subarray(x, x + chunk));
    sum += into[0];
  }
  mmap.unmap(mapping);
} else if (variant === 'runtime') {
  heap = process.memoryUsage().heapTotal;
} else {
  throw new Error(`unknown variant ${variant}`);
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const after = memoryStatus();
process.stdout.write(`${JSON.stringify({ variant, before: before.rss, peak: after.peak, heap, seconds, sum })}\n`);
