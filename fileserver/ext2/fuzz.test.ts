/**
 * Corrupt images: fast-check puts random bytes into the superblock, the
 * group descriptors, the inode table, directory blocks and pointer blocks
 * of an image mke2fs filled, then serves it and runs every operation on
 * it. The only acceptable failures are a refusal at start (ImageError) and
 * FsError from an operation; nothing may crash, hang, or store outside
 * the image's structures: never into the boot block, a superblock or
 * descriptor field other than the free counts and features, a backup copy,
 * the reserved descriptor blocks, or past the file system's last block.
 *
 * The images live in memory (testing/array-store.ts, which records every
 * store), so thousands of them cost seconds. FILESERVER_FUZZ_RUNS sets the
 * runs per block size (default 300).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FsError, type Ino } from '../fs.ts';
import { ArrayStore } from '../testing/array-store.ts';
import { e2fsprogs, mkfs } from '../testing/e2fsprogs.ts';
import { makeSourceTree, pattern } from '../testing/source-tree.ts';
import { describeWithTools } from '../testing/tools.ts';
import { type Ext2, ImageError, openExt2 } from './ext2.ts';

const runs = Number(process.env.FILESERVER_FUZZ_RUNS ?? 300);

/** A byte range of the pristine image worth corrupting. */
interface Region {
  name: string;
  start: number;
  length: number;
}

interface Base {
  blockSize: number;
  bytes: Uint8Array;
  regions: Region[];
}

const u16 = (bytes: Uint8Array, at: number): number => bytes[at] | (bytes[at + 1] << 8);
const u32 = (bytes: Uint8Array, at: number): number => (u16(bytes, at) + u16(bytes, at + 2) * 0x10000) >>> 0;

/** Where the interesting structures of a pristine image are, read from its raw bytes. */
function regions(bytes: Uint8Array): Region[] {
  const B = 1024 << u32(bytes, 1024 + 24);
  const firstDataBlock = u32(bytes, 1024 + 20);
  const inodeSize = u16(bytes, 1024 + 88);
  const gdt = (firstDataBlock + 1) * B;
  const table = u32(bytes, gdt + 8) * B;
  const inode = (ino: number): number => table + (ino - 1) * inodeSize;
  const found: Region[] = [
    { name: 'superblock', start: 1024, length: 1024 },
    { name: 'group descriptors', start: gdt, length: 64 },
    { name: 'inode table', start: table, length: 40 * inodeSize },
    { name: 'root directory', start: u32(bytes, inode(2) + 40) * B, length: B },
  ];
  // Every inode's first directory or pointer block: directories and files of the source tree.
  for (let ino = 11; ino < 40; ino++) {
    const mode = u16(bytes, inode(ino));
    const kind = mode & 0o170000;
    if (kind === 0o040000) found.push({ name: `directory ${ino}`, start: u32(bytes, inode(ino) + 40) * B, length: B });
    for (const slot of [12, 13, 14]) {
      const block = u32(bytes, inode(ino) + 40 + 4 * slot);
      if (kind === 0o100000 && block !== 0)
        found.push({ name: `pointer block ${slot} of ${ino}`, start: block * B, length: B });
    }
  }
  return found;
}

/**
 * The byte ranges a file system may store into, computed from the raw
 * (possibly corrupt, but accepted) superblock and descriptors: the free
 * counts, feature words and orphan list head, each group's bitmaps and inode table, and the
 * blocks that are none of these nor a superblock or descriptor copy.
 */
function writable(bytes: Uint8Array): (addr: number, length: number) => boolean {
  const sb = 1024;
  const B = 1024 << u32(bytes, sb + 24);
  const blocksCount = u32(bytes, sb + 4);
  const firstDataBlock = u32(bytes, sb + 20);
  const perGroup = u32(bytes, sb + 32);
  const inodesPerGroup = u32(bytes, sb + 40);
  const inodeSize = u32(bytes, sb + 76) === 0 ? 128 : u16(bytes, sb + 88);
  const groups = Math.ceil((blocksCount - firstDataBlock) / perGroup);
  const sparse = (u32(bytes, sb + 100) & 1) !== 0;
  const reserved = (u32(bytes, sb + 92) & 0x10) !== 0 ? u16(bytes, sb + 206) : 0;
  const gdt = (firstDataBlock + 1) * B;
  const gdtBlocks = Math.ceil((groups * 32) / B);
  const isPower = (g: number, base: number): boolean => {
    let power = base;
    while (power < g) power *= base;
    return power === g;
  };
  const hasCopy = (g: number): boolean => !sparse || g <= 1 || isPower(g, 3) || isPower(g, 5) || isPower(g, 7);
  // Free counts, ro_compat features, the orphan list's head (emptied at start).
  const fields = [sb + 12, sb + 16, sb + 100, sb + 232];
  const blockOk = (block: number): boolean => {
    if (block < firstDataBlock || block >= blocksCount) return false;
    const g = Math.floor((block - firstDataBlock) / perGroup);
    const first = firstDataBlock + g * perGroup;
    return !hasCopy(g) || block >= first + 1 + gdtBlocks + reserved;
  };
  return (addr, length) => {
    if (fields.some((field) => addr >= field && addr + length <= field + 4)) return true;
    for (let g = 0; g < groups; g++) {
      const at = gdt + g * 32;
      if (addr >= at + 12 && addr + length <= at + 18) return true;
    }
    for (let block = Math.floor(addr / B); block <= Math.floor((addr + length - 1) / B); block++)
      if (!metadataOrData(block)) return false;
    return true;
  };
  function metadataOrData(block: number): boolean {
    for (let g = 0; g < groups; g++) {
      const at = gdt + g * 32;
      const table = u32(bytes, at + 8);
      if (block === u32(bytes, at) || block === u32(bytes, at + 4)) return true;
      if (block >= table && block < table + Math.ceil((inodesPerGroup * inodeSize) / B)) return true;
    }
    return blockOk(block);
  }
}

/** Runs `action`; an FsError is a clean refusal, anything else escapes. */
function attempt<T>(action: () => T): T | null {
  try {
    return action();
  } catch (error) {
    if (error instanceof FsError) return null;
    throw error;
  }
}

/** Every operation, over what the corrupt image holds: a bounded walk with reads, then changes. */
function exercise(fsys: Ext2, seed: number): void {
  let budget = 200;
  const seen: Ino[] = [];
  const walk = (dir: Ino, depth: number): void => {
    const entries = attempt(() => fsys.readdir(dir, 0, 50)) ?? [];
    for (const entry of entries) {
      if (--budget < 0) return;
      if (entry.name === '.' || entry.name === '..') continue;
      attempt(() => fsys.lookup(dir, entry.name));
      const attr = attempt(() => fsys.getattr(entry.ino));
      if (attr === null) continue;
      seen.push(entry.ino);
      attempt(() => fsys.read(entry.ino, 0, 70_000));
      attempt(() => fsys.read(entry.ino, Math.max(0, attr.size - 10), 100));
      attempt(() => fsys.readlink(entry.ino));
      if (depth < 4) walk(entry.ino, depth + 1);
    }
  };
  walk(fsys.root, 0);
  attempt(() => fsys.statfs());
  const root = fsys.root;
  const created = attempt(() => fsys.create(root, `new-${seed}`, 0o644, 0, 0));
  if (created !== null) attempt(() => fsys.write(created, seed % 100_000, pattern(5000, seed)));
  attempt(() => fsys.mkdir(root, 'made', 0o755, 0, 0));
  attempt(() => fsys.symlink(root, 'link', 'z'.repeat(100), 0, 0));
  for (const ino of seen.slice(0, 6)) {
    attempt(() => fsys.write(ino, 100, pattern(3000, seed + ino)));
    attempt(() => fsys.setattr(ino, { size: 10, mode: 0o600 }));
  }
  for (const entry of attempt(() => fsys.readdir(root, 0, 30)) ?? []) {
    if (entry.name === '.' || entry.name === '..') continue;
    attempt(() => fsys.rename(root, entry.name, fsys.root, `${entry.name}-moved`));
    attempt(() => fsys.unlink(root, `${entry.name}-moved`));
    attempt(() => fsys.rmdir(root, `${entry.name}-moved`));
  }
  attempt(() => fsys.sync());
}

describeWithTools('e2fsprogs', e2fsprogs, 'corrupt images', () => {
  let dir: string;
  const bases: Base[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext2-fuzz-'));
    for (const blockSize of [1024, 4096] as const) {
      const source = path.join(dir, `source-${blockSize}`);
      fs.mkdirSync(source);
      makeSourceTree(source, blockSize, false);
      // Only what the walk reaches matters: keep the image small, so that copies are cheap.
      fs.rmSync(path.join(source, 'many'), { recursive: true });
      const image = path.join(dir, `image-${blockSize}`);
      mkfs(image, { blockSize, size: (blockSize === 4096 ? 8 : 4) * 2 ** 20, source });
      const bytes = new Uint8Array(fs.readFileSync(image));
      bases.push({ blockSize, bytes, regions: regions(bytes) });
    }
  }, 60_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const blockSize of [1024, 4096]) {
    test(`${blockSize}-byte blocks: a refusal or FsError, never a crash or a stray store`, { tags: ['slow'] }, () => {
      const base = bases.find((candidate) => candidate.blockSize === blockSize)!;
      const corruption = fc.record({
        region: fc.nat(base.regions.length - 1),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      });
      let served = 0;
      fc.assert(
        fc.property(fc.array(corruption, { minLength: 1, maxLength: 6 }), fc.nat(), (corruptions, seed) => {
          const bytes = base.bytes.slice();
          for (const { region, at, bytes: noise } of corruptions) {
            const { start, length } = base.regions[region];
            bytes.set(
              noise.subarray(0, Math.max(1, Math.min(noise.length, length))),
              start + (at % Math.max(1, length - noise.length)),
            );
          }
          const store = new ArrayStore(bytes);
          let fsys: Ext2;
          try {
            fsys = openExt2(store);
          } catch (error) {
            expect(error).toBeInstanceOf(ImageError);
            return;
          }
          served++;
          const allowed = writable(bytes);
          exercise(fsys, seed);
          for (const [addr, length] of store.stores)
            expect(allowed(addr, length), `a store at [${addr}, ${addr + length})`).toBe(true);
        }),
        { numRuns: runs },
      );
      expect(served, 'most corrupt images are still served').toBeGreaterThan(runs / 4);
    });
  }
});
