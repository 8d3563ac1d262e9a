/**
 * Hard links, special files, open-unlinked files, the orphan list and
 * statfs on ext2 images, judged by e2fsprogs: debugfs reads back link
 * counts, names and device numbers, and e2fsck -fn must find every image
 * synced along the way clean.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import type { Ino } from '../fs.ts';
import { SegmentStore } from '../segment-store.ts';
import { debugfs, e2fsprogs, freeCounts, fsck, mkfs } from '../testing/e2fsprogs.ts';
import { describeWithTools } from '../testing/tools.ts';
import { type Ext2, openExt2 } from './ext2.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A fresh 4 MiB image of 1 KiB blocks, removed when the test ends. */
function newImage(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext2-links-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const image = path.join(dir, 'image');
  mkfs(image, { blockSize: 1024, size: 4 * 2 ** 20, inodes: 256 });
  return image;
}

const stores = new Map<string, SegmentStore>();

/**
 * ext2 over the image through the engine. The store opened on it before
 * is closed first, unsynced changes lost (a server gone), so one image is
 * never open twice; the last is closed when the test ends.
 */
function open(image: string, readOnly = false): Ext2 {
  stores.get(image)?.close();
  const store = SegmentStore.open(image, { readOnly, memory: 2 ** 20 });
  stores.set(image, store);
  onTestFinished(() => store.close());
  return openExt2(store, { readOnly });
}

/** Syncs and checks: e2fsck -fn clean, and the superblock's free counts equal to the groups'. */
function syncClean(fsys: Ext2, image: string): void {
  fsys.sync();
  const check = fsck(image);
  expect(check.status, check.output).toBe(0);
  const counts = freeCounts(image);
  expect(counts.superblock).toEqual(counts.groups);
}

/** debugfs stat's "Links: N". */
function links(image: string, file: string): number {
  return Number(/Links: (\d+)/.exec(debugfs(image, `stat ${file}`).toString())![1]);
}

describeWithTools('e2fsprogs', e2fsprogs, 'ext2 links, special files, open-unlinked files', () => {
  test('hard links: i_links_count, names across directories, rename over a link, unlink of one name', () => {
    const image = newImage();
    const x = open(image);
    const f = x.create(x.root, 'f', 0o644, 0, 0);
    x.write(f, 0, bytes('shared bytes'));
    const d = x.mkdir(x.root, 'd', 0o755, 0, 0);
    x.link(f, d, 'h');
    x.link(f, x.root, 'g');
    expect(x.getattr(f).nlink).toBe(3);
    expect(() => x.link(d, x.root, 'dd')).toThrow(expect.objectContaining({ code: 'EPERM' }));
    expect(() => x.link(f, d, 'h')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => x.link(f, f, 'z')).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    // A directory's count is its own: linking into d does not touch it.
    expect(x.getattr(d).nlink).toBe(2);
    syncClean(x, image);
    expect(links(image, '/f')).toBe(3);
    const names = debugfs(image, `ncheck -c ${f}`)
      .toString()
      .split('\n')
      .slice(1)
      .filter((line) => line !== '')
      .map((line) => line.split('\t')[1].replace(/^\/+/, ''));
    expect(names.sort()).toEqual(['d/h', 'f', 'g']);
    expect(debugfs(image, 'cat /d/h').toString()).toBe('shared bytes');

    // Renaming a file over one name of f drops one link; f's data stays.
    const o = x.create(x.root, 'o', 0o644, 0, 0);
    x.rename(x.root, 'o', x.root, 'g');
    expect(x.getattr(f).nlink).toBe(2);
    expect(x.lookup(x.root, 'g')).toBe(o);
    // Two names of one inode: rename does nothing.
    x.rename(x.root, 'f', d, 'h');
    expect(x.lookup(x.root, 'f')).toBe(f);
    syncClean(x, image);
    expect(links(image, '/f')).toBe(2);

    x.unlink(x.root, 'f');
    expect(x.getattr(f).nlink).toBe(1);
    expect(text(x.read(f, 0, 100))).toBe('shared bytes');
    syncClean(x, image);
    expect(links(image, '/d/h')).toBe(1);
    x.unlink(d, 'h');
    expect(() => x.getattr(f)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    syncClean(x, image);
  });

  test("mknod: FIFOs, sockets, devices in both of Linux's encodings, read back by debugfs", () => {
    const image = newImage();
    const x = open(image);
    const made = new Map<string, { ino: Ino; major: number; minor: number }>();
    const mk = (name: string, mode: number, major = 0, minor = 0): void => {
      made.set(name, { ino: x.mknod(x.root, name, mode, { major, minor }, 5, 6), major, minor });
    };
    mk('p', 0o010644);
    mk('s', 0o140755);
    mk('null', 0o020666, 1, 3);
    mk('sda', 0o060660, 8, 0);
    mk('big', 0o020600, 300, 70000);
    mk('max', 0o060600, 4095, 2 ** 20 - 1);
    expect(() => x.mknod(x.root, 'r', 0o100644, { major: 0, minor: 0 }, 0, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => x.mknod(x.root, 'r', 0o020644, { major: 4096, minor: 0 }, 0, 0)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(x.getattr(made.get('big')!.ino).rdev).toEqual({ major: 300, minor: 70000 });
    expect(x.getattr(made.get('p')!.ino)).toMatchObject({ mode: 0o010644, size: 0, uid: 5, gid: 6 });
    syncClean(x, image);
    const stat = (name: string): string => debugfs(image, `stat /${name}`).toString();
    expect(stat('p')).toMatch(/Type: FIFO/);
    expect(stat('s')).toMatch(/Type: socket/);
    expect(stat('null')).toMatch(/Type: character special[\s\S]*Device major\/minor number: 01:03/);
    expect(stat('sda')).toMatch(/Type: block special[\s\S]*Device major\/minor number: 08:00/);
    expect(stat('big')).toMatch(/Device major\/minor number: 300:70000/);
    expect(stat('max')).toMatch(/Device major\/minor number: 4095:1048575/);
    // Opened again, the numbers read back as written (the old encoding in i_block[0], the new in i_block[1]).
    const again = open(image, true);
    for (const { ino, major, minor } of made.values()) expect(again.getattr(ino).rdev).toEqual({ major, minor });
  });

  test('an open-unlinked file lives while held, is synced as freed, and goes with the last hold', () => {
    const image = newImage();
    const x = open(image);
    const initial = x.statfs();
    const f = x.create(x.root, 'f', 0o644, 0, 0);
    x.write(f, 0, new Uint8Array(50_000).fill(7));
    const before = x.statfs();
    x.hold(f, x.getattr(f).generation);
    x.hold(f, x.getattr(f).generation);
    x.unlink(x.root, 'f');
    expect(() => x.lookup(x.root, 'f')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(x.getattr(f)).toMatchObject({ nlink: 0, size: 50_000 });
    x.write(f, 50_000, bytes('more'));
    x.setattr(f, { mode: 0o600 });
    expect(text(x.read(f, 50_000, 10))).toBe('more');
    // Nothing freed yet: not the inode, not a block.
    expect(x.statfs().filesFree).toBe(before.filesFree);
    expect(x.statfs().blocksFree).toBeLessThanOrEqual(before.blocksFree);
    // The image synced meanwhile shows the file freed, and is clean; the file lives on in memory.
    syncClean(x, image);
    expect(freeCounts(image).superblock.inodes).toBe(before.filesFree + 1);
    expect(debugfs(image, `stat <${f}>`).toString()).toMatch(/Links: 0/);
    expect(text(x.read(f, 0, 3))).toEqual('\x07\x07\x07');
    // A new file does not get the held inode.
    const g = x.create(x.root, 'g', 0o644, 0, 0);
    expect(g).not.toBe(f);
    x.unlink(x.root, 'g');
    x.release(f, x.getattr(f).generation);
    expect(x.getattr(f).nlink).toBe(0);
    syncClean(x, image);
    const generation = x.getattr(f).generation;
    x.release(f, generation);
    expect(() => x.getattr(f)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(x.statfs()).toEqual(initial);
    syncClean(x, image);
  });

  test('a crash while a file is open-unlinked leaves nothing to reclaim', () => {
    const image = newImage();
    const x = open(image);
    const free = x.statfs();
    const f = x.create(x.root, 'f', 0o644, 0, 0);
    x.write(f, 0, new Uint8Array(20_000).fill(1));
    x.hold(f, x.getattr(f).generation);
    x.unlink(x.root, 'f');
    syncClean(x, image);
    // The server is gone without a release: the image as synced is opened again.
    const after = open(image);
    expect(after.statfs()).toEqual(free);
    expect(() => after.getattr(f)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  test('start-up empties an orphan list another driver left: frees unlinked inodes, truncates linked ones', () => {
    const image = newImage();
    const x = open(image);
    const a = x.create(x.root, 'a', 0o644, 0, 0);
    x.write(x.lookup(x.root, 'a'), 0, new Uint8Array(5000).fill(1));
    const b = x.create(x.root, 'b', 0o644, 0, 0);
    x.write(b, 0, new Uint8Array(8000).fill(2));
    syncClean(x, image);
    const free = x.statfs();
    // As ext3 leaves them: a unlinked but open (links 0), b in a truncate to 1000 bytes; b first on the list, then a.
    debugfs(image, 'unlink /a', { write: true });
    debugfs(image, `sif <${a}> links_count 0`, { write: true });
    debugfs(image, `sif <${b}> size 1000`, { write: true });
    debugfs(image, `sif <${b}> dtime ${a}`, { write: true });
    debugfs(image, `ssv last_orphan ${b}`, { write: true });
    expect(fsck(image).status).not.toBe(0);
    // Read-only, nothing changes (and the list stays for whoever may write).
    open(image, true);
    expect(debugfs(image, 'stats').toString()).toMatch(/First orphan inode:\s+\d+/);
    const y = open(image);
    syncClean(y, image);
    expect(debugfs(image, 'stats').toString()).not.toMatch(/First orphan inode/);
    expect(() => y.getattr(a)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(y.getattr(b)).toMatchObject({ nlink: 1, size: 1000, blocks: 2 });
    expect(text(y.read(b, 0, 1000))).toBe('\x02'.repeat(1000));
    // a's 5 blocks and b's 7 past its first are free again, and a's inode.
    expect(y.statfs().blocksFree).toBe(free.blocksFree + 5 + 7);
    expect(y.statfs().filesFree).toBe(free.filesFree + 1);
  });

  test('an orphan list that leaves the inode table or loops is corruption: refused writable, served read-only', () => {
    for (const list of [['ssv last_orphan 3'], ['ssv last_orphan 12', 'sif <12> links_count 0', 'sif <12> dtime 12']]) {
      const image = newImage();
      const x = open(image);
      x.create(x.root, 'a', 0o644, 0, 0);
      x.sync();
      for (const request of list) debugfs(image, request, { write: true });
      expect(() => open(image)).toThrow(expect.objectContaining({ code: 'ERR_EXT2_CORRUPT' }));
      expect(open(image, true).getattr(x.root).nlink).toBe(3);
    }
  });

  test("statfs: the superblock's counts, as dumpe2fs has them; ext2's magic and name length", () => {
    const image = newImage();
    const x = open(image);
    x.write(x.create(x.root, 'f', 0o644, 0, 0), 0, new Uint8Array(10_000));
    x.mkdir(x.root, 'd', 0o755, 0, 0);
    syncClean(x, image);
    const st = x.statfs();
    const counts = freeCounts(image);
    const header = debugfs(image, 'stats').toString();
    const field = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(header)![1]);
    expect(st).toMatchObject({
      type: 0xef53,
      blockSize: 1024,
      blocks: field('Block count'),
      blocksFree: counts.superblock.blocks,
      blocksAvailable: counts.superblock.blocks - field('Reserved block count'),
      files: field('Inode count'),
      filesFree: counts.superblock.inodes,
      nameMax: 255,
    });
  });
});
