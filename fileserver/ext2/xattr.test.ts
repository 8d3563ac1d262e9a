/**
 * Extended attributes against e2fsprogs: what this code stores, debugfs
 * lists and reads (ea_list, ea_get) and e2fsck -fn finds clean; what
 * debugfs and mke2fs -d store, this code reads; in-inode attributes in
 * 256-byte inodes (ext4's layout) and the block beside them, none in
 * 128-byte inodes; shared blocks copied on write and counted down; Linux's
 * errors and limits; and random sequences of sets and removals against a
 * plain map.
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { XATTR_CREATE, XATTR_REPLACE } from '../fs.ts';
import { SegmentStore } from '../segment-store.ts';
import type { Store } from '../store.ts';
import { debugfs, e2fsprogs, fsck, type MkfsOptions, mkfs } from '../testing/e2fsprogs.ts';
import { describeWithTools, findTool } from '../testing/tools.ts';
import { type Ext2, openExt2 } from './ext2.ts';

let dir: string;
const open: Store[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext2-xattr-'));
});

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function image(options: Partial<MkfsOptions> = {}): string {
  const file = path.join(dir, `image-${open.length}-${Date.now()}`);
  mkfs(file, { blockSize: 1024, size: 4 * 2 ** 20, ...options });
  return file;
}

function mount(file: string): Ext2 {
  const store = SegmentStore.open(file, {});
  open.push(store);
  return openExt2(store);
}

function unmountClean(fsys: Ext2, file: string): void {
  fsys.sync();
  for (const store of open.splice(0)) store.close();
  const check = fsck(file);
  expect(check.status, check.output).toBe(0);
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** An ACL in the kernel's xattr form: owner rw-, group r--, other ---, and user 1000 rwx with a mask. */
function acl(): Uint8Array {
  const entries = [
    [0x01, 6, 0xffffffff],
    [0x02, 7, 1000],
    [0x04, 4, 0xffffffff],
    [0x10, 7, 0xffffffff],
    [0x20, 0, 0xffffffff],
  ];
  const out = Buffer.alloc(4 + 8 * entries.length);
  out.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], i) => {
    out.writeUInt16LE(tag, 4 + 8 * i);
    out.writeUInt16LE(perm, 6 + 8 * i);
    out.writeUInt32LE(id, 8 + 8 * i);
  });
  return new Uint8Array(out);
}

function fileAcl(file: string, name: string): number {
  return Number(/File ACL: (\d+)/.exec(debugfs(file, `stat /${name}`).toString())![1]);
}

describeWithTools('e2fsprogs', e2fsprogs, 'ext2 extended attributes', () => {
  test('stores them in one block that debugfs reads and e2fsck finds clean, ACLs in ext2’s disk form', () => {
    const file = image({ inodeSize: 128 });
    const fsys = mount(file);
    const f = fsys.create(fsys.root, 'f', 0o644, 0, 0);
    const d = fsys.mkdir(fsys.root, 'd', 0o755, 0, 0);
    fsys.setxattr(f, 'user.mime_type', bytes('text/plain'), 0);
    fsys.setxattr(f, 'trusted.t', bytes('x'.repeat(300)), XATTR_CREATE);
    fsys.setxattr(f, 'security.selinux', bytes('system_u:object_r:tmp_t:s0\0'), 0);
    fsys.setxattr(f, 'user.empty', new Uint8Array(0), 0);
    fsys.setxattr(f, 'system.posix_acl_access', acl(), 0);
    fsys.setxattr(d, 'system.posix_acl_default', acl(), 0);
    fsys.setxattr(f, 'user.mime_type', bytes('text/html'), XATTR_REPLACE);
    // Linux's order: by name index, name length, name.
    expect(fsys.listxattr(f)).toEqual([
      'user.empty',
      'user.mime_type',
      'system.posix_acl_access',
      'trusted.t',
      'security.selinux',
    ]);
    expect(text(fsys.getxattr(f, 'user.mime_type'))).toBe('text/html');
    expect(fsys.getxattr(f, 'user.empty')).toEqual(new Uint8Array(0));
    expect(fsys.getxattr(f, 'system.posix_acl_access')).toEqual(acl());
    expect(fsys.getattr(f).blocks).toBe(2);
    unmountClean(fsys, file);

    const listed = debugfs(file, 'ea_list /f').toString();
    expect(listed).toContain('user.mime_type (9) = "text/html"');
    expect(listed).toContain('trusted.t (300)');
    expect(listed).toContain('user.empty (0)');
    const saved = path.join(dir, 'value');
    debugfs(file, `ea_get -f ${saved} /f security.selinux`);
    expect(fs.readFileSync(saved, 'latin1')).toBe('system_u:object_r:tmp_t:s0\0');
    // debugfs turns ext2's disk form of an ACL back into the kernel's, as Linux does (but with id 0, not -1, where there is none).
    debugfs(file, `ea_get -f ${saved} /d system.posix_acl_default`);
    const entries = (b: Uint8Array): number[][] => {
      const v = Buffer.from(b);
      const out = [[v.readUInt32LE(0)]];
      for (let at = 4; at < v.length; at += 8) {
        const tag = v.readUInt16LE(at);
        out.push([tag, v.readUInt16LE(at + 2), tag === 0x02 || tag === 0x08 ? v.readUInt32LE(at + 4) : -1]);
      }
      return out;
    };
    expect(entries(fs.readFileSync(saved))).toEqual(entries(acl()));
    debugfs(file, `ea_get -r -f ${saved} /d system.posix_acl_default`);
    expect(fs.readFileSync(saved).readUInt32LE(0), 'stored as ext2_acl version 1').toBe(1);
  });

  test('reads what debugfs stored, and removing the last frees the block', () => {
    // 128-byte inodes: debugfs must put them in a block (with room in a large inode it uses the inode: tested below).
    const file = image({ inodeSize: 128 });
    debugfs(file, 'write /dev/null f', { write: true });
    debugfs(file, 'ea_set /f user.a alpha', { write: true });
    debugfs(file, 'ea_set /f user.b beta', { write: true });
    const fsys = mount(file);
    const f = fsys.lookup(fsys.root, 'f');
    expect(fsys.listxattr(f).sort()).toEqual(['user.a', 'user.b']);
    expect(text(fsys.getxattr(f, 'user.b'))).toBe('beta');
    const free = fsys.statfs().blocksFree;
    fsys.setxattr(f, 'user.a', null, 0);
    fsys.setxattr(f, 'user.b', null, XATTR_REPLACE);
    expect(fsys.listxattr(f)).toEqual([]);
    expect(fsys.statfs().blocksFree).toBe(free + 1);
    expect(fsys.getattr(f).blocks).toBe(0);
    unmountClean(fsys, file);
    expect(fileAcl(file, 'f')).toBe(0);
  });

  test('copies a shared block on write, and counts it down when an inode goes (e2fsck checks the counts)', () => {
    const file = image({ inodeSize: 128 });
    let fsys = mount(file);
    const f = fsys.create(fsys.root, 'f', 0o644, 0, 0);
    fsys.create(fsys.root, 'g', 0o644, 0, 0);
    fsys.create(fsys.root, 'h', 0o644, 0, 0);
    fsys.setxattr(f, 'user.shared', bytes('same'), 0);
    unmountClean(fsys, file);
    const block = fileAcl(file, 'f');
    // g and h share f's block, as Linux's ext2 shares equal attribute sets: count 3.
    const refcount = Buffer.alloc(4);
    refcount.writeUInt32LE(3);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, refcount, 0, 4, block * 1024 + 4);
    fs.closeSync(fd);
    for (const name of ['g', 'h']) {
      debugfs(file, `sif /${name} file_acl ${block}`, { write: true });
      debugfs(file, `sif /${name} blocks 2`, { write: true });
    }
    expect(fsck(file).status, 'the shared block as set up').toBe(0);

    fsys = mount(file);
    const g = fsys.lookup(fsys.root, 'g');
    expect(text(fsys.getxattr(g, 'user.shared'))).toBe('same');
    fsys.setxattr(g, 'user.own', bytes('mine'), 0);
    fsys.unlink(fsys.root, 'h');
    expect(fsys.listxattr(f)).toEqual(['user.shared']);
    expect(fsys.listxattr(g)).toEqual(['user.own', 'user.shared']);
    expect(fsys.getattr(g).blocks).toBe(2);
    unmountClean(fsys, file);
    expect(fileAcl(file, 'f')).toBe(block);
    expect(fileAcl(file, 'g')).not.toBe(block);
    const header = Buffer.alloc(8);
    const fd2 = fs.openSync(file, 'r');
    fs.readSync(fd2, header, 0, 8, block * 1024);
    fs.closeSync(fd2);
    expect(header.readUInt32LE(4), "f's block counts f alone").toBe(1);
  });

  test('refuses as Linux does: ENODATA, EEXIST, ERANGE, E2BIG, ENOSPC, ENOTSUP, EINVAL, and EROFS', () => {
    const file = image({ inodeSize: 128 });
    const fsys = mount(file);
    const f = fsys.create(fsys.root, 'f', 0o644, 0, 0);
    const refuse = (code: string, act: () => unknown): void => {
      expect(act).toThrow(expect.objectContaining({ code }));
    };
    refuse('ENODATA', () => fsys.getxattr(f, 'user.none'));
    refuse('ENODATA', () => fsys.setxattr(f, 'user.none', null, 0));
    refuse('ENODATA', () => fsys.setxattr(f, 'user.none', bytes('v'), XATTR_REPLACE));
    fsys.setxattr(f, 'user.x', bytes('v'), 0);
    refuse('EEXIST', () => fsys.setxattr(f, 'user.x', bytes('w'), XATTR_CREATE));
    refuse('ERANGE', () => fsys.setxattr(f, `user.${'n'.repeat(251)}`, bytes('v'), 0));
    refuse('ERANGE', () => fsys.setxattr(f, '', bytes('v'), 0));
    refuse('ERANGE', () => fsys.setxattr(f, 'user.big', new Uint8Array(1025), 0));
    refuse('E2BIG', () => fsys.setxattr(f, 'user.huge', new Uint8Array(65537), 0));
    refuse('ENOTSUP', () => fsys.setxattr(f, 'system.other', bytes('v'), 0));
    refuse('ENOTSUP', () => fsys.setxattr(f, 'os2.x', bytes('v'), 0));
    refuse('EINVAL', () => fsys.setxattr(f, 'user.', bytes('v'), 0));
    refuse('EINVAL', () => fsys.setxattr(f, 'system.posix_acl_access', bytes('not an acl'), 0));
    refuse('EINVAL', () => fsys.setxattr(f, 'user.x', bytes('v'), 4));
    fsys.setxattr(f, 'user.a', new Uint8Array(900), 0);
    refuse('ENOSPC', () => fsys.setxattr(f, 'user.b', new Uint8Array(100), 0));
    expect(fsys.listxattr(f)).toEqual(['user.a', 'user.x']);
    unmountClean(fsys, file);

    const store = SegmentStore.open(file, { readOnly: true });
    open.push(store);
    const ro = openExt2(store, { readOnly: true });
    refuse('EROFS', () => ro.setxattr(ro.lookup(ro.root, 'f'), 'user.y', bytes('v'), 0));
    expect(ro.getxattr(ro.lookup(ro.root, 'f'), 'user.x')).toEqual(bytes('v'));
  });

  test('random sets and removals agree with a map, and leave an image e2fsck finds clean', () => {
    // 'user.é': name bytes over 0x7f, where the hash's signedness would show.
    const name = fc.constantFrom('user.a', 'user.bb', 'trusted.a', 'security.c', 'user.longer-name', 'user.é');
    const op = fc.record({
      file: fc.integer({ min: 0, max: 2 }),
      name,
      value: fc.option(fc.uint8Array({ maxLength: 300 }), { freq: 4 }),
      flags: fc.constantFrom(0, XATTR_CREATE, XATTR_REPLACE),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const file = image({ inodeSize: 128 });
        const fsys = mount(file);
        const inos = ['f', 'g', 'h'].map((n) => fsys.create(fsys.root, n, 0o644, 0, 0));
        const model = inos.map(() => new Map<string, Uint8Array>());
        for (const { file: i, name: n, value, flags } of ops) {
          const m = model[i];
          let expected: string | null = null;
          if (m.has(n) && flags === XATTR_CREATE) expected = 'EEXIST';
          else if (!m.has(n) && (value === null || flags === XATTR_REPLACE)) expected = 'ENODATA';
          else {
            const next = new Map(m);
            if (value === null) next.delete(n);
            else next.set(n, value);
            let size = 32 + 4;
            for (const [k, v] of next)
              size += ((16 + Buffer.byteLength(k) - k.indexOf('.') - 1 + 3) & ~3) + ((v.length + 3) & ~3);
            if (size > 1024) expected = 'ENOSPC';
          }
          if (expected !== null) {
            expect(() => fsys.setxattr(inos[i], n, value, flags)).toThrow(expect.objectContaining({ code: expected }));
            continue;
          }
          fsys.setxattr(inos[i], n, value, flags);
          if (value === null) m.delete(n);
          else m.set(n, value);
        }
        inos.forEach((ino, i) => {
          expect(fsys.listxattr(ino).sort()).toEqual([...model[i].keys()].sort());
          for (const [k, v] of model[i]) expect(fsys.getxattr(ino, k)).toEqual(v);
        });
        fsys.unlink(fsys.root, 'g');
        unmountClean(fsys, file);
      }),
      { numRuns: 12 },
    );
  });

  test('reads the in-inode attributes mke2fs -d and debugfs ea_set put in 256-byte inodes, with the block’s', () => {
    const setfattr = findTool('setfattr');
    if (setfattr === null) throw new Error('setfattr not found (apt-get install -y attr)');
    const source = path.join(dir, 'source');
    fs.mkdirSync(source);
    fs.writeFileSync(path.join(source, 'f'), 'hi\n');
    const set = (name: string, value: string): void => {
      const result = spawnSync(setfattr, ['-n', name, '-v', value, path.join(source, 'f')], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
    };
    set('user.a', 'alpha');
    set('user.big', 'x'.repeat(150)); // too large for the inode: mke2fs puts it in a block
    const file = image({ inodeSize: 256, source });
    debugfs(file, 'write /dev/null g', { write: true });
    debugfs(file, 'ea_set /g user.c gamma', { write: true });
    debugfs(file, 'ea_set /g trusted.d delta', { write: true });
    expect(fileAcl(file, 'g'), 'debugfs put them in the inode').toBe(0);
    expect(fileAcl(file, 'f'), 'mke2fs put one in a block').not.toBe(0);

    const fsys = mount(file);
    const f = fsys.lookup(fsys.root, 'f');
    const g = fsys.lookup(fsys.root, 'g');
    expect(fsys.listxattr(f).sort()).toEqual(['user.a', 'user.big']);
    expect(text(fsys.getxattr(f, 'user.a'))).toBe('alpha');
    expect(text(fsys.getxattr(f, 'user.big'))).toBe('x'.repeat(150));
    expect(fsys.listxattr(g).sort()).toEqual(['trusted.d', 'user.c']);
    expect(text(fsys.getxattr(g, 'trusted.d'))).toBe('delta');
    // Changing and removing them where they are.
    fsys.setxattr(g, 'user.c', bytes('GAMMA'), XATTR_REPLACE);
    fsys.setxattr(g, 'trusted.d', null, 0);
    fsys.setxattr(f, 'user.a', null, 0);
    expect(fsys.listxattr(g)).toEqual(['user.c']);
    expect(fsys.listxattr(f)).toEqual(['user.big']);
    unmountClean(fsys, file);
    expect(debugfs(file, 'ea_list /g').toString()).toContain('user.c (5) = "GAMMA"');
    expect(debugfs(file, 'ea_list /g').toString()).not.toContain('trusted.d');
    expect(debugfs(file, 'ea_list /f').toString()).not.toContain('user.a');
    expect(fileAcl(file, 'g')).toBe(0);
  });

  test('writes in the inode what fits there (debugfs reads it), the rest in the block, moving a value that comes to fit', () => {
    const file = image({ inodeSize: 256 });
    let fsys = mount(file);
    const f = fsys.create(fsys.root, 'f', 0o644, 0, 0);
    fsys.setxattr(f, 'user.small', bytes('in the inode'), 0);
    fsys.setxattr(f, 'security.s', bytes('s\0'), 0);
    fsys.setxattr(f, 'user.empty', new Uint8Array(0), 0);
    expect(fsys.getattr(f).blocks, 'no block yet').toBe(0);
    unmountClean(fsys, file);
    expect(fileAcl(file, 'f')).toBe(0);
    let listed = debugfs(file, 'ea_list /f').toString();
    expect(listed).toContain('user.small (12) = "in the inode"');
    expect(listed).toContain('user.empty (0)');
    const saved = path.join(dir, 'value');
    debugfs(file, `ea_get -f ${saved} /f security.s`);
    expect(fs.readFileSync(saved, 'latin1')).toBe('s\0');

    // 96 bytes in a 256-byte inode with 32 extra: a 200-byte value goes to the block.
    fsys = mount(file);
    fsys.setxattr(f, 'user.large', new Uint8Array(200).fill(7), 0);
    expect(fsys.getattr(f).blocks).toBe(2);
    // In-inode attributes first, as ext4 lists them.
    expect(fsys.listxattr(f)).toEqual(['user.empty', 'user.small', 'security.s', 'user.large']);
    unmountClean(fsys, file);
    expect(fileAcl(file, 'f')).not.toBe(0);
    listed = debugfs(file, 'ea_list /f').toString();
    expect(listed).toContain('user.small (12) = "in the inode"');
    expect(listed).toContain('user.large (200)');

    // Made small, it moves to the inode (ext4's policy), and the emptied block is freed.
    fsys = mount(file);
    const free = fsys.statfs().blocksFree;
    fsys.setxattr(f, 'user.small', null, 0);
    fsys.setxattr(f, 'user.large', bytes('now small'), XATTR_REPLACE);
    expect(fsys.getattr(f).blocks).toBe(0);
    expect(fsys.statfs().blocksFree).toBe(free + 1);
    expect(text(fsys.getxattr(f, 'user.large'))).toBe('now small');
    // Made large again, it leaves the inode for a block.
    fsys.setxattr(f, 'user.large', new Uint8Array(300).fill(8), 0);
    expect(fsys.getattr(f).blocks).toBe(2);
    expect(fsys.getxattr(f, 'user.large')).toEqual(new Uint8Array(300).fill(8));
    expect(fsys.listxattr(f)).toEqual(['user.empty', 'security.s', 'user.large']);
    // Neither the inode nor the block has room: ENOSPC, and nothing changed.
    expect(() => fsys.setxattr(f, 'user.huge', new Uint8Array(800), 0)).toThrow(
      expect.objectContaining({ code: 'ENOSPC' }),
    );
    expect(fsys.listxattr(f)).toEqual(['user.empty', 'security.s', 'user.large']);
    unmountClean(fsys, file);
    listed = debugfs(file, 'ea_list /f').toString();
    expect(listed).toContain('user.large (300)');
    expect(listed).not.toContain('user.small');
  });

  test('keeps in-inode attributes that start inside the inode’s copied fields (a small i_extra_isize)', () => {
    const file = image({ inodeSize: 256 });
    debugfs(file, 'write /dev/null f', { write: true });
    // e2fsck accepts an i_extra_isize of 4: the attributes then start at byte 132, within the fields an operation copies.
    debugfs(file, 'sif /f extra_isize 4', { write: true });
    debugfs(file, 'ea_set /f user.q quux', { write: true });
    const fsys = mount(file);
    const f = fsys.lookup(fsys.root, 'f');
    expect(text(fsys.getxattr(f, 'user.q'))).toBe('quux');
    fsys.setxattr(f, 'user.r', bytes('rho'), 0);
    fsys.setattr(f, { mode: 0o600 });
    expect(fsys.listxattr(f)).toEqual(['user.q', 'user.r']);
    unmountClean(fsys, file);
    expect(fileAcl(file, 'f')).toBe(0);
    const listed = debugfs(file, 'ea_list /f').toString();
    expect(listed).toContain('user.q (4) = "quux"');
    expect(listed).toContain('user.r (3) = "rho"');
  });

  test('turns on ext_attr for a first attribute, in the inode as in a block', () => {
    for (const inodeSize of [256, 128] as const) {
      const file = image({ inodeSize, features: '^ext_attr' });
      const fsys = mount(file);
      const f = fsys.create(fsys.root, 'f', 0o644, 0, 0);
      fsys.setxattr(f, 'user.a', bytes('v'), 0);
      expect(fsys.getattr(f).blocks).toBe(inodeSize === 256 ? 0 : 2);
      unmountClean(fsys, file);
      expect(debugfs(file, 'features').toString()).toContain('ext_attr');
      expect(debugfs(file, 'ea_list /f').toString()).toContain('user.a (1) = "v"');
    }
  });

  test('uses only the block in 128-byte inodes', () => {
    const file = image({ inodeSize: 128 });
    const fsys = mount(file);
    const f = fsys.create(fsys.root, 'f', 0o644, 0, 0);
    fsys.setxattr(f, 'user.a', bytes('v'), 0);
    expect(fsys.getattr(f).blocks).toBe(2);
    unmountClean(fsys, file);
    expect(fileAcl(file, 'f')).not.toBe(0);
    expect(debugfs(file, 'ea_list /f').toString()).toContain('user.a (1) = "v"');
  });

  test('random sets and removals in 256-byte inodes agree with a map and with debugfs, and e2fsck finds them clean', () => {
    const name = fc.constantFrom('user.a', 'user.bb', 'trusted.a', 'security.c', 'user.longer-name', 'user.é');
    // At most 6 attributes of up to 100 bytes: always room between the inode and a 1 KiB block.
    const op = fc.record({
      file: fc.integer({ min: 0, max: 2 }),
      name,
      value: fc.option(fc.uint8Array({ maxLength: 100 }), { freq: 4 }),
      flags: fc.constantFrom(0, XATTR_CREATE, XATTR_REPLACE),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const file = image({ inodeSize: 256 });
        const fsys = mount(file);
        const names = ['f', 'g', 'h'];
        const inos = names.map((n) => fsys.create(fsys.root, n, 0o644, 0, 0));
        const model = inos.map(() => new Map<string, Uint8Array>());
        for (const { file: i, name: n, value, flags } of ops) {
          const m = model[i];
          let expected: string | null = null;
          if (m.has(n) && flags === XATTR_CREATE) expected = 'EEXIST';
          else if (!m.has(n) && (value === null || flags === XATTR_REPLACE)) expected = 'ENODATA';
          if (expected !== null) {
            expect(() => fsys.setxattr(inos[i], n, value, flags)).toThrow(expect.objectContaining({ code: expected }));
            continue;
          }
          fsys.setxattr(inos[i], n, value, flags);
          if (value === null) m.delete(n);
          else m.set(n, value);
        }
        inos.forEach((ino, i) => {
          expect(fsys.listxattr(ino).sort()).toEqual([...model[i].keys()].sort());
          for (const [k, v] of model[i]) expect(fsys.getxattr(ino, k)).toEqual(v);
        });
        unmountClean(fsys, file);
        names.forEach((n, i) => {
          const listed = debugfs(file, `ea_list /${n}`).toString();
          // debugfs prints a name with bytes over 0x7f in hex.
          for (const [k, v] of model[i]) if (/^[ -~]*$/.test(k)) expect(listed).toContain(`${k} (${v.length})`);
        });
      }),
      { numRuns: 8 },
    );
  });
});
