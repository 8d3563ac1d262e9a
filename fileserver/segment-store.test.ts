/**
 * Deferred I/O doing its job for the file server: attaching a 1 GiB image
 * costs what attaching a 64 MiB one costs (the same faults, the same bytes
 * filled: the read of the whole image copies nothing); memory stays within
 * the engine's frame budget however much of the image is touched; and a
 * sync writes exactly the blocks the file system stored into since the
 * last one, with their new contents, and nothing else. And when another
 * process changes the image: a chmod costs nothing, a content change is
 * refreshed (loads of lost bytes are tried again), and the store's own
 * changes are kept.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openExt2 } from './ext2/ext2.ts';
import type { Timespec } from './fs.ts';
import { RecordingStore } from './recording-store.ts';
import { type OutsideChange, SegmentStore } from './segment-store.ts';
import { e2fsprogs, fsck, mkfs } from './testing/e2fsprogs.ts';
import { pattern, readAll } from './testing/source-tree.ts';
import { describeWithTools } from './testing/tools.ts';

const B = 4096;

/** A clock that moves on by a millisecond each time it is read: no two operations store the same time. */
function ticking(): () => Timespec {
  let ms = 1_700_000_000_000;
  return () => {
    ms++;
    return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
  };
}

describeWithTools('e2fsprogs', e2fsprogs, 'the segment store: deferred I/O for a file system image', () => {
  let dir: string;
  const images = new Map<string, string>();

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-store-'));
    for (const [name, size] of [
      ['64MiB', 64 * 2 ** 20],
      ['1GiB', 2 ** 30],
    ] as const) {
      const image = path.join(dir, name);
      mkfs(image, { blockSize: B, size });
      images.set(name, image);
    }
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('attach (open, read the whole image, parse the superblock) costs the same for 64 MiB and 1 GiB', () => {
    const attach = (image: string): { ms: number; faults: number; bytesFilled: number; residentPages: number } => {
      const start = performance.now();
      const store = SegmentStore.open(image);
      try {
        openExt2(store);
        const ms = performance.now() - start;
        const { faults, bytesFilled, residentPages } = store.stats();
        return { ms, faults, bytesFilled, residentPages };
      } finally {
        store.close();
      }
    };
    const times = { small: [] as number[], large: [] as number[] };
    let small = attach(images.get('64MiB')!);
    let large = attach(images.get('1GiB')!);
    for (let round = 0; round < 7; round++) {
      small = attach(images.get('64MiB')!);
      large = attach(images.get('1GiB')!);
      times.small.push(small.ms);
      times.large.push(large.ms);
    }
    // The deterministic part: the same pages touched, the same bytes copied from the image.
    expect({ faults: large.faults, bytesFilled: large.bytesFilled, residentPages: large.residentPages }).toEqual({
      faults: small.faults,
      bytesFilled: small.bytesFilled,
      residentPages: small.residentPages,
    });
    expect(large.bytesFilled).toBeLessThanOrEqual(4 * B);
    const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    process.stdout.write(
      `attach: 64 MiB ${median(times.small).toFixed(2)} ms, 1 GiB ${median(times.large).toFixed(2)} ms, ratio ${(median(times.large) / median(times.small)).toFixed(2)}\n`,
    );
  });

  test('memory stays within the frame budget while far more of the image is touched', () => {
    const image = images.get('64MiB')!;
    const budget = 2 * 2 ** 20;
    const store = SegmentStore.open(image, { memory: budget });
    try {
      const fsys = openExt2(store, { now: ticking() });
      let peak = 0;
      const sample = (): void => {
        peak = Math.max(peak, store.stats().residentPages * B);
      };
      // 12 MiB written in 256 KiB writes (dirty pages beyond the budget go to the engine's swap), then read back.
      const ino = fsys.create(fsys.root, 'big', 0o644, 0, 0);
      const chunk = 256 * 1024;
      for (let at = 0; at < 12 * 2 ** 20; at += chunk) {
        fsys.write(ino, at, pattern(chunk, at / chunk + 1));
        sample();
      }
      const data = readAll(fsys, ino, 12 * 2 ** 20, chunk);
      sample();
      for (let at = 0; at < 12 * 2 ** 20; at += chunk)
        expect(Buffer.from(data.subarray(at, at + chunk)).equals(pattern(chunk, at / chunk + 1))).toBe(true);
      expect(peak).toBeLessThanOrEqual(budget);
      expect(store.stats().swapOuts, 'dirty pages went to swap').toBeGreaterThan(0);
      expect(store.memory).toBe(budget);
      fsys.sync();
    } finally {
      store.close();
    }
    expect(fsck(image).status).toBe(0);
  });

  for (const name of ['64MiB', '1GiB']) {
    test(`${name}: a sync writes exactly the blocks stored into, with their contents`, () => {
      const image = images.get(name)!;
      const size = fs.statSync(image).size;
      // The whole file before, to find every block that changed (64 MiB only: reading 1 GiB twice is slow).
      const before = name === '64MiB' ? fs.readFileSync(image) : null;
      const segment = SegmentStore.open(image);
      const store = new RecordingStore(segment, B);
      try {
        const fsys = openExt2(store, { now: ticking() });
        const sub = fsys.mkdir(fsys.root, 'sub', 0o755, 1000, 1000);
        const ino = fsys.create(sub, 'file', 0o644, 1000, 1000);
        fsys.write(ino, 0, pattern(3 * B + 5, 1));
        fsys.write(ino, 100 * B, pattern(10, 2));
        fsys.symlink(fsys.root, 'link', 'l'.repeat(200), 0, 0);
        fsys.rename(sub, 'file', fsys.root, 'moved');
        const touched = [...store.touched].sort((a, b) => a - b);
        // What the segment holds for those blocks, to find in the file after the sync.
        const expected = touched.map((block) => {
          const bytes = new Uint8Array(B);
          segment.copyOut(block * B, bytes);
          return bytes;
        });
        const writtenBefore = segment.stats().written;
        const report = fsys.sync();
        // Through the journal: each stretch of adjacent blocks one run, written there first with its headers.
        const runs = touched.filter((block, i) => i === 0 || block !== touched[i - 1] + 1).length;
        expect(report).toEqual({
          written: touched.length * B,
          skipped: size - touched.length * B,
          journal: { runs, bytes: expect.any(Number) },
        });
        expect(report.journal!.bytes).toBeGreaterThan(report.written);
        expect(segment.stats().written - writtenBefore).toBe(touched.length * B);
        const fd = fs.openSync(image, 'r');
        try {
          const block = new Uint8Array(B);
          for (const [i, number] of touched.entries()) {
            fs.readSync(fd, block, 0, B, number * B);
            expect(Buffer.from(block).equals(expected[i]), `block ${number}`).toBe(true);
          }
        } finally {
          fs.closeSync(fd);
        }
        if (before !== null) {
          const after = fs.readFileSync(image);
          const changed: number[] = [];
          for (let number = 0; number < size / B; number++) {
            if (
              Buffer.compare(
                before.subarray(number * B, (number + 1) * B),
                after.subarray(number * B, (number + 1) * B),
              ) !== 0
            )
              changed.push(number);
          }
          // Every changed block was stored into; a block stored into may hold what it held (a zeroed free block).
          const stored = new Set(touched);
          expect(changed.filter((number) => !stored.has(number))).toEqual([]);
        }
        expect(fsys.sync(), 'nothing changed since').toEqual({ written: 0, skipped: size });
      } finally {
        store.close();
      }
      expect(fsck(image).status).toBe(0);
    });
  }
});

test('another process changes the image: its metadata is no change; its content is refreshed, the changes the store holds kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segment-store-outside-'));
  try {
    const image = path.join(dir, 'image');
    const pages = 64;
    // Page p holds byte p throughout: not an ext2 image (the store does not care), but for the
    // superblock's block size field, which makes the engine's pages 4 KiB.
    const original = Buffer.concat(Array.from({ length: pages }, (_, p) => Buffer.alloc(B, p)));
    original.writeUInt32LE(2, 1024 + 24);
    fs.writeFileSync(image, original);
    fs.chmodSync(image, 0o644);
    const changes: OutsideChange[] = [];
    const store = SegmentStore.open(image, { memory: 4 * B, onOutsideChange: (c) => changes.push(c) });
    try {
      store.setUint8(2 * B, 0xcc);
      // Four frames: page 2, changed, goes to the engine's swap file.
      for (let p = 10; p < 20; p++) expect(store.getUint8(p * B)).toBe(p);
      fs.chmodSync(image, 0o600);
      // A page not loaded yet loads as ever: a chmod loses nothing...
      expect(store.getUint8(30 * B)).toBe(30);
      expect(changes).toEqual([]);
      // ...and the sync, which looks at the image's stat, reports it.
      expect(store.sync().written).toBe(B);
      expect(changes).toEqual([{ kind: 'metadata', changed: ['mode 0644 -> 0600'] }]);

      // A change not synced yet, of page 3, goes to the swap file too.
      store.setUint8(3 * B, 0xdd);
      for (let p = 10; p < 20; p++) expect(store.getUint8(p * B)).toBe(p);
      expect(store.stats().swappedPages).toBe(1);
      // Another process writes page 3, which the store changed since, and page 40, which it never loaded.
      const fd = fs.openSync(image, 'r+');
      try {
        for (const p of [3, 40]) fs.writeSync(fd, Buffer.alloc(B, 0xee), 0, B, p * B);
      } finally {
        fs.closeSync(fd);
      }
      // A load of a byte lost to the change refreshes and is tried again: the file's new content.
      expect(store.getUint8(40 * B)).toBe(0xee);
      expect(changes).toHaveLength(2);
      expect(changes[1]).toMatchObject({ kind: 'content', changed: ['mtime'] });
      const { refreshed } = changes[1] as { refreshed: number };
      expect(refreshed).toBeGreaterThan((pages - 20) * B);
      expect(refreshed).toBeLessThan(pages * B);
      // The store's own change is kept, and written back whole: the other writer's page 3 is overwritten
      // as a conventional server's write-back of its dirty block would.
      expect(store.getUint8(3 * B)).toBe(0xdd);
      expect(store.stats().swapIns).toBe(1);
      store.sync();
      expect(changes).toHaveLength(2);
      const want = Buffer.from(original);
      want[2 * B] = 0xcc;
      want[3 * B] = 0xdd;
      want.fill(0xee, 40 * B, 41 * B);
      expect(fs.readFileSync(image).equals(want)).toBe(true);

      // A touch: stat cannot tell it from a write, so the next sync refreshes and reports it.
      const now = Date.now() / 1000;
      fs.utimesSync(image, now, now + 60);
      store.sync();
      expect(changes).toHaveLength(3);
      expect(changes[2]).toMatchObject({ kind: 'content', changed: ['mtime'] });
      expect(store.getUint8(50 * B)).toBe(50);
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
