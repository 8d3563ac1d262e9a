/**
 * Txattrwalk and Txattrcreate through our client, as Linux's v9fs uses
 * them: a set is Txattrcreate on a clone of the file's fid, Twrite, Tclunk
 * (whose reply is the set's outcome); a get or list is Txattrwalk, Tread,
 * Tclunk. On both file systems; on ext2 e2fsck then checks the image.
 */
import { expect, it } from 'vitest';
import { type FileSystem, XATTR_CREATE, XATTR_REPLACE } from '../fs.ts';
import type { Client } from './client.ts';
import { describeEachFs } from './testing/file-systems.ts';
import { serve } from './testing/harness.ts';

const O_RDWR = 2;

describeEachFs('9P2000.L extended attributes', (fsut) => {
  async function setup(fs?: FileSystem): Promise<{ c: Client; root: number; f: number; fs: FileSystem }> {
    const fsys = fs ?? (await fsut.make());
    const c = await (await serve(fsys)).connect();
    const root = await c.attach();
    const f = await c.walk(root, []);
    await c.lcreate(f, 'f', O_RDWR, 0o644);
    return { c, root, f: await c.walk(root, ['f']), fs: fsys };
  }

  async function set(c: Client, fid: number, name: string, value: Buffer, flags = 0): Promise<void> {
    const x = await c.walk(fid, []);
    await c.rpc('Txattrcreate', { fid: x, name, size: value.length, flags });
    if (value.length > 0) await c.writeAll(x, 0, value);
    await c.clunk(x);
  }

  async function get(c: Client, fid: number, name: string): Promise<Buffer> {
    const x = c.fid();
    const { size } = await c.rpc('Txattrwalk', { fid, newfid: x, name });
    const value = await c.readAll(x);
    await c.clunk(x);
    expect(value.length).toBe(size);
    return value;
  }

  it('sets, gets, lists and removes attributes, with setxattr’s flags', async () => {
    const { c, f, fs } = await setup();
    await set(c, f, 'user.mime_type', Buffer.from('text/plain'));
    await set(c, f, 'trusted.big', Buffer.alloc(700, 7), XATTR_CREATE);
    expect((await get(c, f, 'user.mime_type')).toString()).toBe('text/plain');
    expect(await get(c, f, 'trusted.big')).toEqual(Buffer.alloc(700, 7));
    const list = (await get(c, f, '')).toString();
    expect(list.split('\0').slice(0, -1).sort()).toEqual(['trusted.big', 'user.mime_type']);
    expect(list.endsWith('\0')).toBe(true);
    await set(c, f, 'user.mime_type', Buffer.from('text/html'), XATTR_REPLACE);
    expect(Buffer.from(fs.getxattr(fs.lookup(fs.root, 'f'), 'user.mime_type')).toString()).toBe('text/html');
    // A create of size 0 is a removal.
    await set(c, f, 'user.mime_type', Buffer.alloc(0), XATTR_REPLACE);
    expect(fs.listxattr(fs.lookup(fs.root, 'f'))).toEqual(['trusted.big']);
    // The refusals come with the clunk that sets.
    await expect(set(c, f, 'trusted.big', Buffer.from('x'), XATTR_CREATE)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(set(c, f, 'user.none', Buffer.from('x'), XATTR_REPLACE)).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(set(c, f, 'user.none', Buffer.alloc(0))).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(set(c, f, 'system.other', Buffer.from('x'))).rejects.toMatchObject({ code: 'ENOTSUP' });
    await expect(get(c, f, 'user.none')).rejects.toMatchObject({ code: 'ENODATA' });
  });

  it('reads an attribute fid in pieces, and serves it nothing but read, write and clunk', async () => {
    const { c, f } = await setup();
    await set(c, f, 'user.v', Buffer.from('0123456789'));
    const x = c.fid();
    expect(await c.rpc('Txattrwalk', { fid: f, newfid: x, name: 'user.v' })).toMatchObject({ size: 10 });
    expect((await c.read(x, 3, 4)).toString()).toBe('3456');
    expect((await c.read(x, 20, 4)).length).toBe(0);
    await expect(c.write(x, 0, Buffer.from('no'))).rejects.toMatchObject({ code: 'EBADF' });
    await expect(c.lopen(x, 0)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(c.walk(x, [])).rejects.toMatchObject({ code: 'EBADF' });
    await c.clunk(x);
    await expect(c.read(x, 0, 4)).rejects.toMatchObject({ code: 'EBADF' });
    // Tremove of an attribute fid removes nothing, and clunks it.
    const y = c.fid();
    await c.rpc('Txattrwalk', { fid: f, newfid: y, name: 'user.v' });
    await expect(c.rpc('Tremove', { fid: y })).rejects.toMatchObject({ code: 'EBADF' });
    await expect(c.read(y, 0, 4)).rejects.toMatchObject({ code: 'EBADF' });
    expect((await get(c, f, 'user.v')).toString()).toBe('0123456789');
    // newfid may be fid itself, which then becomes the attribute fid.
    const z = await c.walk(f, []);
    expect(await c.rpc('Txattrwalk', { fid: z, newfid: z, name: 'user.v' })).toMatchObject({ size: 10 });
    expect((await c.readAll(z)).toString()).toBe('0123456789');
    await c.clunk(z);
  });

  it('refuses a short write, a write past the size, a size over 64 KiB, unknown flags, an open fid', async () => {
    const { c, f, fs } = await setup();
    const x = await c.walk(f, []);
    await c.rpc('Txattrcreate', { fid: x, name: 'user.short', size: 10, flags: 0 });
    await expect(c.write(x, 11, Buffer.from('x'))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await c.write(x, 8, Buffer.from('abcd'))).toBe(2);
    await expect(c.clunk(x)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(fs.listxattr(fs.lookup(fs.root, 'f'))).toEqual([]);
    await expect(c.rpc('Txattrcreate', { fid: x, name: 'user.a', size: 1, flags: 0 })).rejects.toMatchObject({
      code: 'EBADF',
    });
    const y = await c.walk(f, []);
    await expect(c.rpc('Txattrcreate', { fid: y, name: 'user.a', size: 65537, flags: 0 })).rejects.toMatchObject({
      code: 'E2BIG',
    });
    await expect(c.rpc('Txattrcreate', { fid: y, name: 'user.a', size: 1, flags: 4 })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    await c.lopen(y, 0);
    await expect(c.rpc('Txattrcreate', { fid: y, name: 'user.a', size: 1, flags: 0 })).rejects.toMatchObject({
      code: 'EBADF',
    });
  });

  it('passes POSIX ACLs through unenforced, and refuses to set on a read-only file system', async () => {
    const { c, f } = await setup();
    const acl = Buffer.alloc(4 + 8 * 3);
    acl.writeUInt32LE(2, 0);
    [
      [0x01, 6],
      [0x04, 4],
      [0x20, 4],
    ].forEach(([tag, perm], i) => {
      acl.writeUInt16LE(tag, 4 + 8 * i);
      acl.writeUInt16LE(perm, 6 + 8 * i);
      acl.writeUInt32LE(0xffffffff, 8 + 8 * i);
    });
    await set(c, f, 'system.posix_acl_access', acl);
    expect(await get(c, f, 'system.posix_acl_access')).toEqual(acl);

    const ro = await fsut.readOnly((w) => {
      const ino = w.create(w.root, 'g', 0o100644, 0, 0);
      w.setxattr(ino, 'user.kept', Buffer.from('yes'), 0);
    });
    const rc = await (await serve(ro)).connect();
    const g = await rc.walk(await rc.attach(), ['g']);
    expect((await get(rc, g, 'user.kept')).toString()).toBe('yes');
    const x = await rc.walk(g, []);
    await expect(rc.rpc('Txattrcreate', { fid: x, name: 'user.a', size: 1, flags: 0 })).rejects.toMatchObject({
      code: 'EROFS',
    });
  });
});
