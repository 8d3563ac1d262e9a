/**
 * The format's corners, each against e2fsprogs: images refused or served
 * read-only by their features, revision 0 without filetype, htree
 * directories, extended attribute blocks (shared ones too), large_file,
 * timestamps with nanoseconds and epoch bits, names Linux refuses, stable
 * readdir cookies, and ENOSPC part way through a write.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { FsError } from '../fs.ts';
import { SegmentStore } from '../segment-store.ts';
import type { Store } from '../store.ts';
import {
  debugfs,
  debugfsCat,
  debugfsFlags,
  debugfsLs,
  e2fsprogs,
  fsck,
  type MkfsOptions,
  mkfs,
} from '../testing/e2fsprogs.ts';
import { compareTree, pattern, readdirAll } from '../testing/source-tree.ts';
import { describeWithTools } from '../testing/tools.ts';
import { type Ext2, ImageError, openExt2 } from './ext2.ts';

let dir: string;
const open: Store[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext2-features-'));
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function image(options: MkfsOptions, name = 'image'): string {
  const file = path.join(dir, name);
  mkfs(file, options);
  return file;
}

function mount(file: string, options: { readOnly?: boolean } = {}): Ext2 {
  const store = SegmentStore.open(file, { readOnly: options.readOnly });
  open.push(store);
  return openExt2(store, options);
}

/** Syncs and closes `fsys`'s store, then runs e2fsck -fn, which must find nothing. */
function unmountClean(fsys: Ext2, file: string): void {
  fsys.sync();
  for (const store of open.splice(0)) store.close();
  const check = fsck(file);
  expect(check.status, check.output).toBe(0);
}

function code(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof FsError || error instanceof ImageError) return error.code;
    throw error;
  }
  return 'ok';
}

function refusal(file: string): ImageError {
  try {
    mount(file);
  } catch (error) {
    if (error instanceof ImageError) return error;
    throw error;
  }
  throw new Error('the image was served');
}

const small: MkfsOptions = { blockSize: 1024, size: 4 * 2 ** 20 };

describeWithTools('e2fsprogs', e2fsprogs, 'ext2 format corners', () => {
  test('what is not ext2, or has incompat features, is refused naming why', () => {
    const zeros = path.join(dir, 'zeros');
    fs.writeFileSync(zeros, new Uint8Array(2 ** 20));
    expect(refusal(zeros)).toMatchObject({ code: 'ERR_EXT2_NOT_EXT2', message: expect.stringContaining('magic') });

    const ext4 = refusal(image({ blockSize: 4096, size: 16 * 2 ** 20, type: 'ext4' }, 'ext4'));
    expect(ext4.code).toBe('ERR_EXT2_UNSUPPORTED');
    for (const feature of ['extent', '64bit', 'flex_bg']) expect(ext4.message).toContain(feature);

    const metaBg = refusal(image({ ...small, features: 'meta_bg,^resize_inode' }, 'meta_bg'));
    expect(metaBg).toMatchObject({ code: 'ERR_EXT2_UNSUPPORTED', message: expect.stringContaining('meta_bg') });

    const journal = image({ ...small, type: 'ext3' }, 'recover');
    debugfs(journal, 'feature needs_recovery', { write: true });
    expect(refusal(journal)).toMatchObject({
      code: 'ERR_EXT2_UNSUPPORTED',
      message: expect.stringContaining('needs_recovery'),
    });

    const truncated = image(small, 'truncated');
    fs.truncateSync(truncated, 2 ** 20);
    expect(refusal(truncated)).toMatchObject({
      code: 'ERR_EXT2_CORRUPT',
      message: expect.stringContaining('truncated'),
    });
  });

  test('compat and ro_compat features this code does not maintain are served read-only, named', () => {
    const source = path.join(dir, 'source');
    fs.mkdirSync(source);
    fs.writeFileSync(path.join(source, 'file'), pattern(5000, 1));
    for (const [type, features, named] of [
      ['ext3', undefined, 'has_journal'],
      ['ext2', 'uninit_bg', 'uninit_bg'],
      ['ext2', 'dir_nlink', 'dir_nlink'],
    ] as const) {
      const file = image({ ...small, type, features, source }, `${type}-${named}`);
      const fsys = mount(file);
      expect(fsys.readOnly).toBe(true);
      expect(fsys.readOnlyReasons.join()).toContain(named);
      compareTree(fsys, fsys.root, fsys.root, source, ['lost+found']);
      expect(code(() => fsys.create(fsys.root, 'new', 0o644, 0, 0))).toBe('EROFS');
      expect(fsys.sync()).toEqual({ written: 0, skipped: fs.statSync(file).size });
      for (const store of open.splice(0)) store.close();
    }
  });

  test('an image not cleanly unmounted is served read-only', () => {
    const file = image(small);
    debugfs(file, 'ssv state 0', { write: true });
    const fsys = mount(file);
    expect(fsys.readOnly).toBe(true);
    expect(fsys.readOnlyReasons.join()).toContain('e2fsck');
  });

  test('revision 0, without filetype: read, and written as e2fsck expects', () => {
    const source = path.join(dir, 'source');
    fs.mkdirSync(path.join(source, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(source, 'sub', 'file'), pattern(3000, 2));
    fs.symlinkSync('sub/file', path.join(source, 'link'));
    const file = image({ ...small, revision: 0, source });
    const fsys = mount(file);
    expect(fsys.superblock.filetype).toBe(false);
    compareTree(fsys, fsys.root, fsys.root, source, ['lost+found']);
    const sub = fsys.mkdir(fsys.root, 'made', 0o755, 0, 0);
    fsys.write(fsys.create(sub, 'file', 0o644, 0, 0), 0, pattern(3000, 2));
    fsys.symlink(sub, 'link', 'file', 0, 0);
    expect(readdirAll(fsys, sub).map(({ name, type }) => [name, type])).toEqual([
      ['.', 4],
      ['..', 4],
      ['file', 8],
      ['link', 10],
    ]);
    unmountClean(fsys, file);
    expect(debugfsLs(file, '/made').map((entry) => [entry.name, entry.fileType])).toEqual([
      ['.', 0],
      ['..', 0],
      ['file', 0],
      ['link', 0],
    ]);
  });

  test('htree directories are read as they are; one changed loses its index and stays clean', () => {
    const source = path.join(dir, 'source');
    fs.mkdirSync(path.join(source, 'big'), { recursive: true });
    for (let i = 0; i < 600; i++) fs.writeFileSync(path.join(source, 'big', `name-${i}`), pattern(i % 5, i));
    const file = image({ ...small, source });
    // e2fsck -D builds the hash index of every directory large enough.
    fsck(file, { fix: true, optimizeDirectories: true });
    expect(debugfsFlags(file, '/big') & 0x1000).toBe(0x1000);
    const fsys = mount(file);
    compareTree(fsys, fsys.root, fsys.root, source, ['lost+found']);
    const big = fsys.lookup(fsys.root, 'big');
    fsys.unlink(big, 'name-17');
    fsys.create(big, 'added', 0o600, 0, 0);
    unmountClean(fsys, file);
    expect(debugfsFlags(file, '/big') & 0x1000).toBe(0);
    const names = debugfsLs(file, '/big').map((entry) => entry.name);
    expect(names).toContain('added');
    expect(names).not.toContain('name-17');
    expect(names.length).toBe(600 + 2);
  });

  test('extended attribute blocks: kept intact, shared ones counted down, freed with their last user', () => {
    const file = image({ blockSize: 4096, size: 8 * 2 ** 20 });
    const host = path.join(dir, 'content');
    fs.writeFileSync(host, pattern(10, 3));
    debugfs(file, `write ${host} f`, { write: true });
    debugfs(file, `write ${host} g`, { write: true });
    const value = 'v'.repeat(2000);
    debugfs(file, `ea_set /f user.big ${value}`, { write: true });
    const stat = debugfs(file, 'stat /f').toString();
    const block = Number(/File ACL: (\d+)/.exec(stat)![1]);
    expect(block).toBeGreaterThan(0);
    // Share f's attribute block with g, as the kernel would for equal attributes: g points at it, the count is 2.
    const refcount = Buffer.alloc(4);
    refcount.writeUInt32LE(2);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, refcount, 0, 4, block * 4096 + 4);
    fs.closeSync(fd);
    debugfs(file, `sif /g file_acl ${block}`, { write: true });
    debugfs(file, 'sif /g blocks 16', { write: true });
    expect(fsck(file).status, 'the shared block as set up').toBe(0);
    const freeBefore = (): number => Number(/Free blocks:\s+(\d+)/.exec(debugfs(file, 'stats').toString())![1]);
    const before = freeBefore();

    let fsys = mount(file);
    const f = fsys.lookup(fsys.root, 'f');
    fsys.write(f, 100_000, pattern(5000, 4));
    fsys.rename(fsys.root, 'f', fsys.root, 'renamed');
    fsys.setattr(f, { size: 50 });
    fsys.unlink(fsys.root, 'g');
    unmountClean(fsys, file);
    const saved = path.join(dir, 'value');
    debugfs(file, `ea_get -f ${saved} /renamed user.big`);
    expect(fs.readFileSync(saved, 'utf8')).toBe(value);
    expect(freeBefore(), "g's data block is free, the shared block stays").toBe(before + 1);

    fsys = mount(file);
    fsys.unlink(fsys.root, 'renamed');
    unmountClean(fsys, file);
    expect(freeBefore(), "f's data block and the attribute block are free").toBe(before + 3);
  });

  test('large_file is turned on by the first file of 2 GiB, and EFBIG past the largest file', () => {
    const file = image({ blockSize: 4096, size: 16 * 2 ** 20 });
    // mke2fs always sets large_file on revision 1 images; debugfs clears it.
    debugfs(file, 'feature -large_file', { write: true });
    expect(debugfs(file, 'features').toString()).not.toContain('large_file');
    let fsys = mount(file);
    const ino = fsys.create(fsys.root, 'big', 0o644, 0, 0);
    fsys.write(ino, 3 * 2 ** 30, pattern(10, 5));
    expect(code(() => fsys.write(ino, fsys.superblock.maxFileSize, pattern(1, 1)))).toBe('EFBIG');
    expect(code(() => fsys.setattr(ino, { size: fsys.superblock.maxFileSize + 1 }))).toBe('EFBIG');
    unmountClean(fsys, file);
    expect(debugfs(file, 'features').toString()).toContain('large_file');
    fsys = mount(file);
    expect(fsys.getattr(ino).size).toBe(3 * 2 ** 30 + 10);
    expect(fsys.read(ino, 3 * 2 ** 30 - 2, 6)).toEqual(new Uint8Array([0, 0, ...pattern(4, 5)]));
  });

  test('times: nanoseconds and years past 2038 in large inodes, seconds only in small ones', () => {
    for (const inodeSize of [256, 128] as const) {
      const file = image({ ...small, inodeSize }, `times-${inodeSize}`);
      let fsys = mount(file);
      const ino = fsys.create(fsys.root, 'f', 0o644, 0, 0);
      const future = { sec: 2 ** 33 + 12345, nsec: 987_654_321 };
      const past = { sec: -(2 ** 31), nsec: 1 };
      fsys.setattr(ino, { atime: past, mtime: future });
      unmountClean(fsys, file);
      fsys = mount(file);
      const attr = fsys.getattr(ino);
      if (inodeSize === 256) {
        expect(attr.mtime).toEqual(future);
        expect(attr.atime).toEqual(past);
        // debugfs shows the raw fields: seconds' low 32 bits, and extra = nsec << 2 | epoch bits.
        const stat = debugfs(file, 'stat /f').toString();
        const [, low, extra] = /mtime: 0x([0-9a-f]+):([0-9a-f]+)/.exec(stat)!;
        expect(parseInt(low, 16)).toBe(12345);
        expect(parseInt(extra, 16)).toBe(((987_654_321 << 2) | 2) >>> 0);
      } else {
        expect(attr.mtime).toEqual({ sec: 2 ** 31 - 1, nsec: 0 });
        expect(attr.atime).toEqual({ sec: -(2 ** 31), nsec: 0 });
      }
      for (const store of open.splice(0)) store.close();
    }
  });

  test('names Linux refuses, refused with its errors', () => {
    const fsys = mount(image(small));
    const root = fsys.root;
    const file = fsys.create(root, 'file', 0o644, 0, 0);
    const sub = fsys.mkdir(root, 'sub', 0o755, 0, 0);
    expect(code(() => fsys.create(root, 'x'.repeat(256), 0o644, 0, 0))).toBe('ENAMETOOLONG');
    expect(code(() => fsys.create(root, 'é'.repeat(128), 0o644, 0, 0))).toBe('ENAMETOOLONG');
    expect(code(() => fsys.create(root, 'é'.repeat(127), 0o644, 0, 0))).toBe('ok');
    expect(code(() => fsys.create(root, 'a/b', 0o644, 0, 0))).toBe('EINVAL');
    expect(code(() => fsys.create(root, 'a\0b', 0o644, 0, 0))).toBe('EINVAL');
    expect(code(() => fsys.lookup(root, ''))).toBe('ENOENT');
    expect(code(() => fsys.create(root, '.', 0o644, 0, 0))).toBe('EEXIST');
    expect(code(() => fsys.mkdir(root, '..', 0o755, 0, 0))).toBe('EEXIST');
    expect(code(() => fsys.unlink(sub, '.'))).toBe('EISDIR');
    expect(code(() => fsys.rmdir(sub, '.'))).toBe('EINVAL');
    expect(code(() => fsys.rmdir(sub, '..'))).toBe('ENOTEMPTY');
    expect(code(() => fsys.rename(sub, '.', root, 'x'))).toBe('EBUSY');
    expect(code(() => fsys.rename(root, 'file', sub, '..'))).toBe('EBUSY');
    expect(code(() => fsys.rename(root, 'sub', sub, 'inside'))).toBe('EINVAL');
    expect(code(() => fsys.symlink(root, 'l', '', 0, 0))).toBe('ENOENT');
    expect(code(() => fsys.symlink(root, 'l', 'x'.repeat(1024), 0, 0))).toBe('ENAMETOOLONG');
    expect(code(() => fsys.lookup(file, 'x'))).toBe('ENOTDIR');
    expect(code(() => fsys.read(sub, 0, 1))).toBe('EISDIR');
    expect(code(() => fsys.readlink(file))).toBe('EINVAL');
    expect(code(() => fsys.getattr(0))).toBe('ENOENT');
    expect(code(() => fsys.getattr(12345678))).toBe('ENOENT');
    expect(fsys.lookup(sub, '.')).toBe(sub);
    expect(fsys.lookup(sub, '..')).toBe(root);
    expect(fsys.lookup(root, '..')).toBe(root);
    fsys.unlink(root, 'file');
    expect(
      code(() => fsys.getattr(file)),
      'a freed inode',
    ).toBe('ENOENT');
  });

  test('readdir cookies stay valid while the directory changes', () => {
    const fsys = mount(image(small));
    const names = Array.from({ length: 60 }, (_, i) => `entry-${i}`);
    for (const name of names) fsys.create(fsys.root, name, 0o644, 0, 0);
    const first = fsys.readdir(fsys.root, 0, 20);
    for (let i = 0; i < 60; i += 3) fsys.unlink(fsys.root, names[i]);
    for (let i = 0; i < 30; i++) fsys.create(fsys.root, `late-${i}`, 0o644, 0, 0);
    const rest = readdirAll(fsys, fsys.root, 20).length > 0 ? collectFrom(fsys, first[first.length - 1].cookie) : [];
    const seen = [...first, ...rest].map((entry) => entry.name);
    expect(new Set(seen).size, 'no entry twice').toBe(seen.length);
    // Every entry present throughout is seen exactly once.
    for (let i = 0; i < 60; i++) if (i % 3 !== 0) expect(seen).toContain(names[i]);
  });

  test('ENOSPC part way through a write changes nothing', () => {
    const file = image({ blockSize: 1024, size: 256 * 1024 });
    const fsys = mount(file);
    const ino = fsys.create(fsys.root, 'f', 0o644, 0, 0);
    fsys.write(ino, 0, pattern(10 * 1024, 6));
    const before = { attr: fsys.getattr(ino), statfs: fsys.statfs() };
    // Holes to fill at the start, then far more than the disk holds.
    expect(code(() => fsys.write(ino, 5 * 1024, pattern(400 * 1024, 7)))).toBe('ENOSPC');
    expect(fsys.getattr(ino)).toEqual(before.attr);
    expect(fsys.statfs()).toEqual(before.statfs);
    expect(fsys.read(ino, 0, 10 * 1024)).toEqual(pattern(10 * 1024, 6));
    unmountClean(fsys, file);
    expect(debugfsCat(file, '/f').equals(pattern(10 * 1024, 6))).toBe(true);
  });

  test('read-only: every change is EROFS and sync writes nothing', () => {
    const file = image(small);
    const fsys = mount(file, { readOnly: true });
    const root = fsys.root;
    for (const change of [
      () => fsys.create(root, 'a', 0o644, 0, 0),
      () => fsys.mkdir(root, 'a', 0o755, 0, 0),
      () => fsys.symlink(root, 'a', 'b', 0, 0),
      () => fsys.setattr(root, { mode: 0o700 }),
      () => fsys.rmdir(root, 'lost+found'),
      () => fsys.rename(root, 'lost+found', root, 'x'),
    ]) {
      expect(code(change)).toBe('EROFS');
    }
    expect(fsys.sync().written).toBe(0);
  });
});

/** Entries after `cookie`, to the end, in pages of 20. */
function collectFrom(fsys: Ext2, cookie: number): { name: string; cookie: number }[] {
  const all: { name: string; cookie: number }[] = [];
  for (;;) {
    const page = fsys.readdir(fsys.root, cookie, 20);
    all.push(...page);
    if (page.length < 20) return all;
    cookie = page[page.length - 1].cookie;
  }
}
