/**
 * A host directory tree for mke2fs -d to copy into an image, made to reach
 * every mechanism a reader needs: files ending in the direct, single,
 * double and (with small blocks) triple indirect ranges, holes, fast and
 * slow symlinks, a directory of several blocks, long and non-ASCII names,
 * hard links, odd modes and a fifo; and the walk that compares what a
 * FileSystem serves with the host tree, byte for byte.
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { pattern } from '../../impl/testing/temp.ts';
import { type DirEntry, DT_DIR, DT_FIFO, DT_LNK, DT_REG, type FileSystem, type Ino } from '../fs.ts';

/** Deterministic bytes (impl/testing's), for the tests that build trees with this module. */
export { pattern };

/** Where each of the block tree's ranges starts, in file blocks, for `blockSize`. */
export function treeRanges(blockSize: number): { single: number; double: number; triple: number } {
  const P = blockSize / 4;
  return { single: 12, double: 12 + P, triple: 12 + P + P * P };
}

/**
 * A file offset near where one of the block tree's ranges starts (direct,
 * single, double and, with `triple`, triple indirect: two blocks before to
 * four after), or anywhere in the first four blocks: where writes and
 * truncates meet the block map's edges.
 */
export function offsetNearRanges(blockSize: number, triple: boolean): fc.Arbitrary<number> {
  const B = blockSize;
  const ranges = treeRanges(B);
  const starts = [0, ranges.single, ranges.double, ...(triple ? [ranges.triple] : [])];
  return fc
    .tuple(fc.nat(starts.length), fc.integer({ min: -2 * B, max: 4 * B }))
    .map(([range, jitter]) => (range === starts.length ? Math.abs(jitter) : Math.max(0, starts[range] * B + jitter)));
}

/** Fills `root` (an empty directory) with the tree; `withTriple` adds a sparse file reaching the triple indirect range. */
export function makeSourceTree(root: string, blockSize: number, withTriple: boolean): void {
  const B = blockSize;
  const ranges = treeRanges(B);
  const file = (name: string, content: Uint8Array, mode = 0o644): void => {
    fs.writeFileSync(path.join(root, name), content);
    fs.chmodSync(path.join(root, name), mode);
  };
  file('empty', new Uint8Array(0));
  file('one', pattern(1, 1));
  file('block', pattern(B, 2), 0o600);
  file('direct', pattern(12 * B - 1, 3), 0o755);
  file('single', pattern((ranges.single + 5) * B + 7, 4));
  file('double', pattern((ranges.double + 3) * B + 100, 5), 0o4755);
  // Holes: data at the start, in the double indirect range, and a size past the last data.
  const sparse = path.join(root, 'sparse');
  fs.writeFileSync(sparse, pattern(100, 6));
  const fd = fs.openSync(sparse, 'r+');
  fs.writeSync(fd, pattern(3 * B, 7), 0, 3 * B, (ranges.double + 10) * B - 5);
  fs.ftruncateSync(fd, (ranges.double + 40) * B + 3);
  if (withTriple) fs.writeSync(fd, pattern(B + 9, 8), 0, B + 9, (ranges.triple + 2) * B + 1);
  fs.closeSync(fd);
  file('a b', pattern(10, 9));
  file('ü-ñ-€', pattern(20, 10));
  file('x'.repeat(255), pattern(30, 11));
  file('.hidden', pattern(40, 12));
  fs.linkSync(path.join(root, 'one'), path.join(root, 'hard'));
  fs.symlinkSync('one', path.join(root, 'fast'));
  fs.symlinkSync(`${'d/'.repeat(40)}target`, path.join(root, 'slow'));
  fs.symlinkSync('x'.repeat(59), path.join(root, 'fast59'));
  fs.symlinkSync('y'.repeat(60), path.join(root, 'slow60'));
  fs.symlinkSync('nowhere', path.join(root, 'dangling'));
  fs.mkdirSync(path.join(root, 'd1', 'd2', 'd3'), { recursive: true });
  fs.writeFileSync(path.join(root, 'd1', 'd2', 'd3', 'deep'), pattern(5, 13));
  fs.mkdirSync(path.join(root, 'empty-dir'), { mode: 0o700 });
  fs.chmodSync(path.join(root, 'empty-dir'), 0o700);
  fs.mkdirSync(path.join(root, 'sticky'));
  fs.chmodSync(path.join(root, 'sticky'), 0o1777);
  const many = path.join(root, 'many');
  fs.mkdirSync(many);
  // Enough entries to fill several directory blocks at any block size.
  for (let i = 0; i < 300; i++)
    fs.writeFileSync(
      path.join(many, `entry-with-a-longish-name-${String(i).padStart(4, '0')}`),
      pattern(i % 7, 100 + i),
    );
  const fifo = spawnSync('mkfifo', [path.join(root, 'fifo')]);
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);
}

/** Every entry of `dir`, through readdir in pages of `page` (to exercise cookies). */
export function readdirAll(fsys: FileSystem, dir: Ino, page = 7): DirEntry[] {
  const all: DirEntry[] = [];
  for (let cookie = 0; ; ) {
    const entries = fsys.readdir(dir, cookie, page);
    all.push(...entries);
    if (entries.length < page) return all;
    cookie = entries[entries.length - 1].cookie;
  }
}

/** Reads all of a file through `fsys`, in reads of at most `chunk` bytes. */
export function readAll(fsys: FileSystem, ino: Ino, size: number, chunk = 2 ** 20): Uint8Array {
  const data = new Uint8Array(size);
  for (let at = 0; at < size; ) {
    const part = fsys.read(ino, at, Math.min(chunk, size - at));
    expect(part.length).toBeGreaterThan(0);
    data.set(part, at);
    at += part.length;
  }
  expect(fsys.read(ino, size, 10).length).toBe(0);
  return data;
}

function typeOf(stat: fs.Stats): number {
  if (stat.isDirectory()) return DT_DIR;
  if (stat.isSymbolicLink()) return DT_LNK;
  if (stat.isFIFO()) return DT_FIFO;
  return DT_REG;
}

/**
 * Walks `dir` of `fsys` and the host directory `host` side by side: the
 * same names, types, modes, owners, sizes, symlink targets and bytes; "."
 * and ".." name the directory and its parent; hard links share an inode.
 * `extra` names entries only the image has (lost+found). Returns the
 * number of entries compared.
 */
export function compareTree(
  fsys: FileSystem,
  dir: Ino,
  parent: Ino,
  host: string,
  extra: readonly string[] = [],
): number {
  const entries = readdirAll(fsys, dir);
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  expect(byName.size).toBe(entries.length);
  expect(byName.get('.')?.ino).toBe(dir);
  expect(byName.get('..')?.ino).toBe(parent);
  const names = fs.readdirSync(host).sort();
  expect([...byName.keys()].filter((name) => name !== '.' && name !== '..' && !extra.includes(name)).sort()).toEqual(
    names,
  );
  let compared = 0;
  const inodeOfHostInode = new Map<number, Ino>();
  for (const name of names) {
    const entry = byName.get(name)!;
    const where = path.join(host, name);
    const stat = fs.lstatSync(where);
    const attr = fsys.getattr(entry.ino);
    expect(fsys.lookup(dir, name)).toBe(entry.ino);
    expect({
      name,
      type: entry.type,
      mode: attr.mode,
      uid: attr.uid,
      gid: attr.gid,
      nlink: stat.isDirectory() ? undefined : attr.nlink,
    }).toEqual({
      name,
      type: typeOf(stat),
      mode: stat.mode,
      uid: stat.uid,
      gid: stat.gid,
      nlink: stat.isDirectory() ? undefined : stat.nlink,
    });
    const sameHostFile = inodeOfHostInode.get(stat.ino);
    if (sameHostFile !== undefined) expect(entry.ino).toBe(sameHostFile);
    inodeOfHostInode.set(stat.ino, entry.ino);
    if (stat.isDirectory()) compared += compareTree(fsys, entry.ino, dir, where);
    else {
      expect(attr.size).toBe(stat.size);
      if (stat.isSymbolicLink()) expect(fsys.readlink(entry.ino)).toBe(fs.readlinkSync(where));
      if (stat.isFile()) expect(Buffer.compare(readAll(fsys, entry.ino, stat.size), fs.readFileSync(where))).toBe(0);
    }
    compared++;
  }
  return compared;
}
