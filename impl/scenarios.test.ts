/**
 * The original scenarios, end to end on real temporary files through node:fs.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { extentsOf } from './testing/engines.ts';
import { firstDifference, pattern, tempDir, tempFile } from './testing/temp.ts';

const B = 4096;

function setup(memory = 256 * B) {
  const dir = tempDir();
  const engine = new Engine({ pageSize: B, memory, swapDir: dir });
  return { dir, engine };
}

function fileBytes(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(file));
}

describe('scenarios on real files', () => {
  it('reads a whole image in one call and touches a few pages', () => {
    const { dir, engine } = setup();
    const content = pattern(1024 * B);
    const image = tempFile(dir, 'image', content);
    const file = engine.open(image, 'r');
    const seg = engine.segment(content.length);
    expect(seg.read(file, 0, content.length, 0)).toBe(content.length);
    expect(engine.stats()).toMatchObject({ faults: 0, bytesFilled: 0, liveSnapshots: 1 });
    for (const page of [3, 500, 1023])
      expect(seg.getUint32(page * B + 8, true)).toBe(new DataView(content.buffer).getUint32(page * B + 8, true));
    expect(engine.stats()).toMatchObject({ faults: 3, fills: 3, bytesFilled: 3 * B, residentPages: 3 });
    engine.close();
  });

  it('reads over a buffer: the pages are rebound and the old snapshot released, without loading', () => {
    const { dir, engine } = setup();
    const a = engine.open(tempFile(dir, 'a', pattern(64 * B, 1)), 'r');
    const b = engine.open(tempFile(dir, 'b', pattern(64 * B, 2)), 'r');
    const seg = engine.segment(64 * B);
    seg.read(a, 0, 64 * B, 0);
    seg.getUint8(0);
    seg.getUint8(10 * B);
    seg.read(b, 0, 64 * B, 0);
    expect(engine.stats()).toMatchObject({ liveSnapshots: 1, residentPages: 0, faults: 2 });
    expect(seg.getUint8(10 * B + 1)).toBe(pattern(64 * B, 2)[10 * B + 1]);
    engine.close();
  });

  it('zero (the memset syscall) detaches a buffer from its snapshot without loading it', () => {
    const { dir, engine } = setup();
    const file = engine.open(tempFile(dir, 'image', pattern(64 * B)), 'r');
    const seg = engine.segment(64 * B);
    seg.read(file, 0, 64 * B, 0);
    seg.zero(0, 64 * B);
    expect(engine.stats()).toMatchObject({ faults: 0, liveSnapshots: 0 });
    expect(seg.getBigUint64(40 * B)).toBe(0n);
    engine.close();
  });

  it('writes back to the same place, skipping everything but the pages it changed', () => {
    const { dir, engine } = setup();
    const content = pattern(256 * B);
    const image = tempFile(dir, 'image', content);
    const file = engine.open(image, 'r+');
    const seg = engine.segment(content.length);
    seg.read(file, 0, content.length, 0);
    for (const page of [1, 2, 200]) seg.setUint16(page * B + 100, 0xbeef);
    expect(seg.write(file, 0, content.length, 0, { rebind: true })).toEqual({
      written: 3 * B,
      skipped: content.length - 3 * B,
    });
    const expected = Uint8Array.from(content);
    for (const page of [1, 2, 200]) expected.set([0xbe, 0xef], page * B + 100);
    expect(firstDifference(fileBytes(image), expected)).toBe(-1);
    // The next sync of an unchanged buffer writes nothing.
    expect(seg.write(file, 0, content.length, 0, { rebind: true })).toEqual({ written: 0, skipped: content.length });
    engine.close();
  });

  it('writes back after another writer changed some blocks: exactly those blocks are restored', () => {
    const { dir, engine } = setup();
    const content = pattern(64 * B);
    const image = tempFile(dir, 'image', content);
    const file = engine.open(image, 'r+');
    const seg = engine.segment(content.length);
    seg.read(file, 0, content.length, 0);
    file.write(new Uint8Array(10), 0, 10, 5 * B + 7);
    file.write(new Uint8Array(B), 0, B, 30 * B);
    expect(engine.stats().preserves).toBe(2);
    expect(seg.getUint8(5 * B + 7)).toBe(content[5 * B + 7]);
    expect(seg.write(file, 0, content.length, 0)).toEqual({ written: 2 * B, skipped: content.length - 2 * B });
    expect(firstDifference(fileBytes(image), content)).toBe(-1);
    engine.close();
  });

  it('serves unaligned, adjacent small reads from one snapshot, one extent, filling from two blocks', () => {
    const { dir, engine } = setup();
    const content = pattern(16 * B);
    const file = engine.open(tempFile(dir, 'image', content), 'r');
    const seg = engine.segment(17 * B);
    // Segment address = file offset + 1000: every page spans two file blocks.
    for (let pos = 0; pos < 16 * B; pos += 100) seg.read(file, pos + 1000, Math.min(100, 16 * B - pos), pos);
    expect(engine.stats()).toMatchObject({ liveSnapshots: 1, faults: 0 });
    expect(extentsOf(engine, seg)).toBe(1);
    const out = new Uint8Array(16 * B);
    seg.copyOut(1000, out);
    expect(firstDifference(out, content)).toBe(-1);
    engine.close();
  });

  it('reads short at end of file and leaves the bytes past it alone', () => {
    const { dir, engine } = setup();
    const file = engine.open(tempFile(dir, 'short', pattern(10)), 'r');
    const seg = engine.segment(B);
    seg.setUint8(20, 7);
    expect(seg.read(file, 4, 100, 6)).toBe(4);
    expect(seg.read(file, 50, 10, 10)).toBe(0);
    expect(seg.read(file, 50, 10, 99)).toBe(0);
    const out = new Uint8Array(5);
    seg.copyOut(4, out);
    expect([...out]).toEqual([...pattern(10).subarray(6), 0]);
    expect(seg.getUint8(20)).toBe(7);
    engine.close();
  });

  it('runs a large dirty working set through a small budget and the sparse, unlinked swap file', () => {
    const { dir, engine } = setup(16 * B);
    const content = pattern(256 * B);
    const image = tempFile(dir, 'image', content);
    const file = engine.open(image, 'r+');
    const seg = engine.segment(content.length);
    seg.read(file, 0, content.length, 0);
    const expected = Uint8Array.from(content);
    for (let page = 0; page < 256; page += 2) {
      seg.setUint32(page * B, page);
      new DataView(expected.buffer).setUint32(page * B, page);
    }
    const stats = engine.stats();
    expect(stats.residentPages).toBe(16);
    expect(stats.swappedPages).toBe(128 - 16);
    // Swap and preserve store are unlinked at creation: only the image is in the directory.
    expect(fs.readdirSync(dir)).toEqual([path.basename(image)]);
    const out = new Uint8Array(content.length);
    seg.copyOut(0, out);
    expect(firstDifference(out, expected)).toBe(-1);
    expect(seg.write(file, 0, content.length, 0)).toEqual({ written: 128 * B, skipped: 128 * B });
    expect(firstDifference(fileBytes(image), expected)).toBe(-1);
    engine.close();
  });

  it('reads 1 TiB in one call, in O(1) time and memory', () => {
    const { dir, engine } = setup();
    const image = path.join(dir, 'huge');
    fs.writeFileSync(image, '');
    fs.truncateSync(image, 2 ** 40);
    const fd = fs.openSync(image, 'r+');
    fs.writeSync(fd, Uint8Array.of(42), 0, 1, 2 ** 40 - 1);
    fs.closeSync(fd);
    const file = engine.open(image, 'r');
    const seg = engine.segment(2 ** 53);
    const start = performance.now();
    expect(seg.read(file, 2 ** 52, 2 ** 40, 0)).toBe(2 ** 40);
    expect(performance.now() - start).toBeLessThan(50);
    expect(seg.getUint8(2 ** 52 + 2 ** 40 - 1)).toBe(42);
    expect(seg.getUint8(2 ** 52 + 2 ** 39)).toBe(0);
    expect(engine.stats()).toMatchObject({ faults: 2, bytesFilled: 2 * B });
    expect(extentsOf(engine, seg)).toBe(1);
    engine.close();
  });
});
