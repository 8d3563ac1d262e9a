/**
 * 9P2000.L through our client, on every file system under test: each request
 * type, its refusals, and fid rules.
 */
import { expect, it } from 'vitest';
import { type FileSystem, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from '../fs.ts';
import type { Client, ConnectOptions } from './client.ts';
import { QTDIR, QTFILE, QTSYMLINK } from './codec.ts';
import { describeEachFs } from './testing/file-systems.ts';
import { serve } from './testing/harness.ts';

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_DIRECTORY = 0o200000;
const AT_REMOVEDIR = 0x200;

const bytes = (s: string): Buffer => Buffer.from(s);

describeEachFs('9P2000.L', (fsut) => {
  async function setup(
    fs?: FileSystem,
  ): Promise<{ c: Client; root: number; fs: FileSystem; connect: (o?: ConnectOptions) => Promise<Client> }> {
    const f = fs ?? (await fsut.make());
    const served = await serve(f);
    const c = await served.connect();
    return { c, root: await c.attach('/', 'root', 0), fs: f, connect: (o) => served.connect(o) };
  }

  /** Creates `name` in the root holding `content`; returns the fid, open for reading and writing. */
  async function createFile(c: Client, root: number, name: string, content: string): Promise<number> {
    const fid = await c.walk(root, []);
    await c.lcreate(fid, name, O_RDWR, 0o644);
    await c.writeAll(fid, 0, bytes(content));
    return fid;
  }

  it('attaches "/" and "" to the root (access.test.ts: the other anames), without authentication', async () => {
    const { c, fs } = await setup();
    await expect(c.rpc('Tauth', { afid: 99, uname: 'u', aname: 'ctl', nUname: 0 })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    for (const aname of ['/', '']) {
      const fid = await c.attach(aname);
      const a = await c.getattr(fid);
      expect(a.qid).toEqual({ type: QTDIR, version: fs.getattr(fs.root).generation, path: BigInt(fs.root) });
    }
    await expect(c.rpc('Tattach', { fid: 500, afid: 7, uname: '', aname: '/', nUname: 0 })).rejects.toMatchObject({
      code: 'EINVAL',
    });
  });

  it('reports getattr as the file system has it, qid from inode and generation', async () => {
    const { c, root, fs } = await setup();
    const fid = await createFile(c, root, 'f', 'hello');
    const r = await c.getattr(fid);
    const ino = fs.lookup(fs.root, 'f');
    const a = fs.getattr(ino);
    expect(r.qid).toEqual({ type: QTFILE, version: a.generation, path: BigInt(ino) });
    expect(r).toMatchObject({
      mode: a.mode,
      uid: a.uid,
      gid: a.gid,
      nlink: a.nlink,
      size: 5,
      blksize: a.blockSize,
      blocks: a.blocks,
      mtimeSec: a.mtime.sec,
      mtimeNsec: a.mtime.nsec,
      gen: a.generation,
    });
    expect(r.mode & S_IFMT).toBe(S_IFREG);
    expect(r.mode & 0o7777).toBe(0o644);
    expect(r.valid & 0x7ffn).toBe(0x7ffn);
  });

  it('walks: clone, several names, "..", partial walks, and refuses misuse', async () => {
    const { c, root } = await setup();
    const d = await c.walk(root, []);
    await c.rpc('Tmkdir', { dfid: root, name: 'a', mode: 0o755, gid: 0 });
    const a = await c.walk(root, ['a']);
    await c.rpc('Tmkdir', { dfid: a, name: 'b', mode: 0o755, gid: 0 });
    const rootQid = (await c.getattr(root)).qid;
    const aQid = (await c.getattr(a)).qid;
    // '..' at the root stays at the root, however often.
    const up = await c.rpc('Twalk', { fid: root, newfid: c.fid(), wnames: ['..', '..', 'a', 'b', '..'] });
    expect(up.qids[0]).toEqual(rootQid);
    expect(up.qids[1]).toEqual(rootQid);
    expect(up.qids[4]).toEqual(aQid);
    // A partial walk returns the qids walked and does not make newfid.
    const newfid = c.fid();
    const partial = await c.rpc('Twalk', { fid: root, newfid, wnames: ['a', 'missing', 'b'] });
    expect(partial.qids).toEqual([aQid]);
    await expect(c.getattr(newfid)).rejects.toMatchObject({ code: 'EBADF' });
    // A first name that fails is an error.
    await expect(c.rpc('Twalk', { fid: root, newfid, wnames: ['missing'] })).rejects.toMatchObject({ code: 'ENOENT' });
    // Names with '/' or NUL, empty names, more than 16 names.
    for (const bad of ['a/b', 'a\0', '', '/']) {
      await expect(c.rpc('Twalk', { fid: root, newfid, wnames: [bad] })).rejects.toMatchObject({ code: 'EINVAL' });
    }
    await expect(c.rpc('Twalk', { fid: root, newfid, wnames: Array(17).fill('a') })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    // Fid misuse: unknown fid, newfid in use, NOFID.
    await expect(c.rpc('Twalk', { fid: 12345, newfid, wnames: [] })).rejects.toMatchObject({ code: 'EBADF' });
    await expect(c.rpc('Twalk', { fid: root, newfid: d, wnames: ['a'] })).rejects.toMatchObject({ code: 'EBADF' });
    await expect(c.rpc('Twalk', { fid: root, newfid: 0xffffffff, wnames: [] })).rejects.toMatchObject({
      code: 'EBADF',
    });
    // Walking from a file.
    const f = await createFile(c, root, 'file', 'x');
    const fileFid = await c.walk(root, ['file']);
    await expect(c.rpc('Twalk', { fid: fileFid, newfid, wnames: ['x'] })).rejects.toMatchObject({ code: 'ENOTDIR' });
    // newfid == fid moves the fid.
    await c.rpc('Twalk', { fid: d, newfid: d, wnames: ['a', 'b'] });
    expect((await c.getattr(d)).qid).toEqual((await c.getattr(await c.walk(a, ['b']))).qid);
    // 9P2000.L walks from an open fid (diodls -l does); the new fid is not open.
    const clone = c.fid();
    await c.rpc('Twalk', { fid: f, newfid: clone, wnames: [] });
    await expect(c.read(clone, 0, 10)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('creates, writes and reads files across many messages', async () => {
    const { c, root, fs } = await setup();
    const content = Buffer.alloc(300_000);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7 + (i >> 12)) & 0xff;
    const fid = await c.walk(root, []);
    const qid = await c.lcreate(fid, 'big', O_WRONLY, 0o600, 0);
    expect(qid.type).toBe(QTFILE);
    await c.writeAll(fid, 0, content);
    await expect(c.read(fid, 0, 10)).rejects.toMatchObject({ code: 'EBADF' });
    const r = await c.walk(root, ['big']);
    await c.lopen(r, O_RDONLY);
    expect((await c.readAll(r)).equals(content)).toBe(true);
    // A read never returns more than msize allows, whatever count asks for.
    expect((await c.read(r, 0, 0xffffffff)).length).toBe(c.msize - 11);
    expect((await c.read(r, content.length - 3, 100)).length).toBe(3);
    expect((await c.read(r, content.length + 100, 100)).length).toBe(0);
    await expect(c.write(r, 0, bytes('no'))).rejects.toMatchObject({ code: 'EBADF' });
    expect(Buffer.from(fs.read(fs.lookup(fs.root, 'big'), 0, 10))).toEqual(content.subarray(0, 10));
  });

  it('opens with O_TRUNC and O_APPEND, creates with and without O_EXCL', async () => {
    const { c, root } = await setup();
    await createFile(c, root, 'f', 'hello world');
    const t = await c.walk(root, ['f']);
    await c.lopen(t, O_RDWR | O_APPEND);
    await c.write(t, 0, bytes('!'));
    expect((await c.readAll(t)).toString()).toBe('hello world!');
    const excl = await c.walk(root, []);
    await expect(c.lcreate(excl, 'f', O_RDWR | O_EXCL, 0o644)).rejects.toMatchObject({ code: 'EEXIST' });
    // Without O_EXCL the existing file is opened, here truncated.
    await c.lcreate(excl, 'f', O_RDWR | O_TRUNC, 0o644);
    expect((await c.getattr(excl)).size).toBe(0);
    const again = await c.walk(root, ['f']);
    await expect(c.lopen(again, O_RDONLY).then(() => c.lopen(again, O_RDONLY))).rejects.toMatchObject({
      code: 'EBADF',
    });
    await c.rpc('Tmkdir', { dfid: root, name: 'd', mode: 0o755, gid: 0 });
    const dir = await c.walk(root, ['d']);
    await expect(c.lopen(dir, O_WRONLY)).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(c.lcreate(await c.walk(root, []), 'd', O_RDONLY, 0o644)).rejects.toMatchObject({ code: 'EISDIR' });
    const notDir = await c.walk(root, ['f']);
    await expect(c.lcreate(notDir, 'x', O_RDWR, 0o644)).rejects.toMatchObject({ code: 'ENOTDIR' });
    // O_DIRECTORY opens a directory only, as open(2) does; the fid stays unopened.
    await expect(c.lopen(notDir, O_RDONLY | O_DIRECTORY)).rejects.toMatchObject({ code: 'ENOTDIR' });
    await c.lopen(notDir, O_RDONLY);
    await c.lopen(await c.walk(root, ['d']), O_RDONLY | O_DIRECTORY);
    for (const bad of ['.', '..'])
      await expect(c.lcreate(await c.walk(root, []), bad, O_RDWR, 0o644)).rejects.toMatchObject({ code: 'EEXIST' });
    for (const bad of ['a/b', 'a\0b', ''])
      await expect(c.lcreate(await c.walk(root, []), bad, O_RDWR, 0o644)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(c.lcreate(await c.walk(root, []), 'n'.repeat(256), O_RDWR, 0o644)).rejects.toMatchObject({
      code: 'ENAMETOOLONG',
    });
  });

  it('reads directories with Treaddir, in pages of any count, each entry once', async () => {
    const { c, root: top } = await setup();
    await c.rpc('Tmkdir', { dfid: top, name: 'list', mode: 0o755, gid: 0 });
    const root = await c.walk(top, ['list']);
    const names = Array.from({ length: 150 }, (_, i) => `entry-${i}-${'x'.repeat(i % 40)}`);
    for (const name of names) {
      const fid = await c.walk(root, []);
      await c.lcreate(fid, name, O_WRONLY, 0o644);
      await c.clunk(fid);
    }
    const d = await c.walk(root, []);
    await c.lopen(d, O_RDONLY);
    const expected = ['.', '..', ...names].sort();
    for (const count of [100, 333, 4096, c.msize]) {
      const entries = await c.readdirAll(d, count);
      expect(entries.map((e) => e.name).sort()).toEqual(expected);
    }
    const all = await c.readdirAll(d);
    const child = all.find((e) => e.name === names[3]);
    expect(child?.type).toBe(8);
    expect(child?.qid).toEqual((await c.getattr(await c.walk(root, [names[3]]))).qid);
    await expect(c.rpc('Treaddir', { fid: d, offset: 0, count: 10 })).rejects.toMatchObject({ code: 'ERANGE' });
    const closed = await c.walk(root, []);
    await expect(c.rpc('Treaddir', { fid: closed, offset: 0, count: 4096 })).rejects.toMatchObject({ code: 'EBADF' });
    await expect(c.rpc('Tread', { fid: d, offset: 0, count: 4096 })).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('sets mode, owner, size and times', async () => {
    const { c, root } = await setup();
    const fid = await createFile(c, root, 'f', 'hello world');
    await c.setattr(fid, 0x1 | 0x2 | 0x4, { mode: 0o100600, uid: 1000, gid: 100 });
    let a = await c.getattr(fid);
    expect([a.mode, a.uid, a.gid]).toEqual([S_IFREG | 0o600, 1000, 100]);
    await c.setattr(fid, 0x8, { size: 5 });
    expect((await c.readAll(fid)).toString()).toBe('hello');
    await c.setattr(fid, 0x8, { size: 8 });
    expect(await c.readAll(fid)).toEqual(Buffer.from('hello\0\0\0'));
    await c.setattr(fid, 0x10 | 0x20 | 0x80 | 0x100, { atimeSec: 1000, atimeNsec: 5, mtimeSec: 2000, mtimeNsec: 7 });
    a = await c.getattr(fid);
    expect([a.atimeSec, a.atimeNsec, a.mtimeSec, a.mtimeNsec]).toEqual([1000, 5, 2000, 7]);
    const before = Math.floor(Date.now() / 1000);
    await c.setattr(fid, 0x20, { mtimeSec: 1 });
    expect((await c.getattr(fid)).mtimeSec).toBeGreaterThanOrEqual(before);
    await expect(c.setattr(root, 0x8)).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(c.setattr(fid, 0x20 | 0x100, { mtimeNsec: 1e9 })).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('makes directories and symbolic links, removes and renames', async () => {
    const { c, root, fs } = await setup();
    const q = (await c.rpc('Tmkdir', { dfid: root, name: 'd', mode: 0o750, gid: 0 })).qid;
    expect(q.type).toBe(QTDIR);
    const d = await c.walk(root, ['d']);
    expect((await c.getattr(d)).mode).toBe(S_IFDIR | 0o750);
    const l = (await c.rpc('Tsymlink', { fid: d, name: 'l', symtgt: '../target', gid: 0 })).qid;
    expect(l.type).toBe(QTSYMLINK);
    const lf = await c.walk(d, ['l']);
    expect((await c.rpc('Treadlink', { fid: lf })).target).toBe('../target');
    expect((await c.getattr(lf)).mode & S_IFMT).toBe(S_IFLNK);
    await expect(c.lopen(lf, O_RDONLY)).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(c.rpc('Treadlink', { fid: d })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(c.rpc('Tsymlink', { fid: d, name: 'e', symtgt: '', gid: 0 })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await createFile(c, root, 'f', 'data');
    await c.rpc('Trenameat', { olddirfid: root, oldname: 'f', newdirfid: d, newname: 'g' });
    const g = await c.walk(d, ['g']);
    await c.lopen(g, O_RDONLY);
    expect((await c.readAll(g)).toString()).toBe('data');
    // Trename moves the file a fid names, and the fid follows it.
    const gfid = await c.walk(d, ['g']);
    const gIno = Number((await c.getattr(gfid)).qid.path);
    await c.rpc('Trename', { fid: gfid, dfid: root, name: 'h' });
    expect(fs.lookup(fs.root, 'h')).toBe(gIno);
    await c.rpc('Trename', { fid: gfid, dfid: root, name: 'i' });
    expect(() => fs.lookup(fs.root, 'h')).toThrow(/ENOENT/);
    await expect(c.rpc('Tunlinkat', { dirfid: root, name: 'd', flags: 0 })).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(c.rpc('Tunlinkat', { dirfid: root, name: 'd', flags: AT_REMOVEDIR })).rejects.toMatchObject({
      code: 'ENOTEMPTY',
    });
    await c.rpc('Tunlinkat', { dirfid: d, name: 'l', flags: 0 });
    await c.rpc('Tunlinkat', { dirfid: root, name: 'd', flags: AT_REMOVEDIR });
    await expect(c.rpc('Tunlinkat', { dirfid: root, name: '..', flags: AT_REMOVEDIR })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    await expect(c.rpc('Tunlinkat', { dirfid: root, name: 'i', flags: 0x1 })).rejects.toMatchObject({ code: 'EINVAL' });
    // Tremove removes what the fid names and clunks it either way.
    const i = await c.walk(root, ['i']);
    await c.rpc('Tremove', { fid: i });
    await expect(c.getattr(i)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(c.walk(root, ['i'])).rejects.toMatchObject({ code: 'ENOENT' });
    const r = await c.walk(root, []);
    await expect(c.rpc('Tremove', { fid: r })).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(c.getattr(r)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('keeps a removed file for its fids (open-unlinked), freeing it with the last one', async () => {
    const { c, root, fs, connect } = await setup();
    const fid = await createFile(c, root, 'victim', 'old');
    const walked = await c.walk(root, ['victim']);
    const ino = fs.lookup(fs.root, 'victim');
    const freeBefore = fs.statfs().filesFree;
    const other = await connect();
    const oroot = await other.attach();
    await other.rpc('Tunlinkat', { dirfid: oroot, name: 'victim', flags: 0 });
    await expect(other.walk(oroot, ['victim'])).rejects.toMatchObject({ code: 'ENOENT' });
    // read, write, getattr and setattr go on, on the open fid and on one merely walked to it.
    expect((await c.readAll(fid)).toString()).toBe('old');
    await c.writeAll(fid, 3, bytes(' and more'));
    expect(await c.getattr(walked)).toMatchObject({ nlink: 0, size: 12 });
    await c.setattr(walked, 0x8, { size: 7 });
    expect((await c.readAll(fid)).toString()).toBe('old and');
    // Its inode is not free: a new file gets another, and the count of free inodes stays down.
    const reuse = await createFile(other, oroot, 'newcomer', 'new content');
    expect(fs.lookup(fs.root, 'newcomer')).not.toBe(ino);
    expect(fs.statfs().filesFree).toBe(freeBefore - 1);
    // It cannot get a name back (linkat(2) of an unlinked file: ENOENT).
    await expect(c.rpc('Tlink', { dfid: root, fid, name: 'back' })).rejects.toMatchObject({ code: 'ENOENT' });
    await c.clunk(fid);
    expect(fs.getattr(ino).nlink).toBe(0);
    await c.clunk(walked);
    expect(() => fs.getattr(ino)).toThrow(/ENOENT/);
    expect(fs.statfs().filesFree).toBe(freeBefore);
    expect((await other.readAll(reuse)).toString()).toBe('new content');
  });

  it('frees a held file at once when its holder goes with the connection', async () => {
    const { c, root, fs, connect } = await setup();
    const free = fs.statfs().filesFree;
    const other = await connect();
    const oroot = await other.attach();
    await createFile(other, oroot, 'f', 'x');
    await c.rpc('Tunlinkat', { dirfid: root, name: 'f', flags: 0 });
    expect(fs.statfs().filesFree).toBe(free - 1);
    await other.close();
    await expect.poll(() => fs.statfs().filesFree).toBe(free);
  });

  it('refuses to act on a fid whose directory was removed, even when its inode is reused', async () => {
    const { c, root, fs, connect } = await setup();
    await c.rpc('Tmkdir', { dfid: root, name: 'victim', mode: 0o755, gid: 0 });
    const fid = await c.walk(root, ['victim']);
    const ino = fs.lookup(fs.root, 'victim');
    const other = await connect();
    const oroot = await other.attach();
    await other.rpc('Tunlinkat', { dirfid: oroot, name: 'victim', flags: AT_REMOVEDIR });
    await expect(c.getattr(fid)).rejects.toMatchObject({ code: 'ENOENT' });
    await other.rpc('Tmkdir', { dfid: oroot, name: 'newcomer', mode: 0o755, gid: 0 });
    expect(fs.lookup(fs.root, 'newcomer')).toBe(ino);
    await expect(c.getattr(fid)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(c.rpc('Tmkdir', { dfid: fid, name: 'x', mode: 0o755, gid: 0 })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await c.clunk(fid);
    expect(fs.getattr(ino).nlink).toBe(2);
  });

  it('links files (Tlink): counts, across directories, refusals, rename over a link, unlink of one name', async () => {
    const { c, root, fs } = await setup();
    const f = await createFile(c, root, 'f', 'shared');
    await c.rpc('Tmkdir', { dfid: root, name: 'd', mode: 0o755, gid: 0 });
    const d = await c.walk(root, ['d']);
    await c.rpc('Tlink', { dfid: root, fid: f, name: 'g' });
    await c.rpc('Tlink', { dfid: d, fid: f, name: 'h' });
    expect(await c.getattr(f)).toMatchObject({ nlink: 3 });
    const ino = fs.lookup(fs.root, 'f');
    expect(fs.lookup(fs.root, 'g')).toBe(ino);
    expect(fs.lookup(fs.lookup(fs.root, 'd'), 'h')).toBe(ino);
    const h = await c.walkPath(root, 'd/h');
    expect((await c.getattr(h)).qid).toEqual((await c.getattr(f)).qid);
    await c.lopen(h, O_RDONLY);
    expect((await c.readAll(h)).toString()).toBe('shared');
    // Refusals: a directory (EPERM), a name in use (EEXIST), a parent that is not a directory (ENOTDIR).
    await expect(c.rpc('Tlink', { dfid: root, fid: d, name: 'dd' })).rejects.toMatchObject({ code: 'EPERM' });
    await expect(c.rpc('Tlink', { dfid: root, fid: f, name: 'd' })).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(c.rpc('Tlink', { dfid: f, fid: f, name: 'x' })).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(c.rpc('Tlink', { dfid: root, fid: f, name: '..' })).rejects.toMatchObject({ code: 'EEXIST' });
    // Renaming one name over another of the same inode changes nothing (POSIX).
    await c.rpc('Trenameat', { olddirfid: root, oldname: 'g', newdirfid: d, newname: 'h' });
    expect(fs.getattr(ino).nlink).toBe(3);
    expect(fs.lookup(fs.root, 'g')).toBe(ino);
    // A rename over a name of a linked file drops one link.
    await createFile(c, root, 'other', 'o');
    await c.rpc('Trenameat', { olddirfid: root, oldname: 'other', newdirfid: root, newname: 'g' });
    expect(fs.getattr(ino).nlink).toBe(2);
    // Unlinking one name keeps the file for the other.
    await c.rpc('Tunlinkat', { dirfid: root, name: 'f', flags: 0 });
    expect(fs.getattr(ino).nlink).toBe(1);
    await c.clunk(f);
    await c.clunk(h);
    const again = await c.walkPath(root, 'd/h');
    await c.lopen(again, O_RDONLY);
    expect((await c.readAll(again)).toString()).toBe('shared');
    expect(fs.getattr(ino).nlink).toBe(1);
    // A link and the unlink of the old name across directories: a move by hand.
    await c.rpc('Tlink', { dfid: root, fid: again, name: 'moved' });
    await c.rpc('Tunlinkat', { dirfid: d, name: 'h', flags: 0 });
    expect(fs.lookup(fs.root, 'moved')).toBe(ino);
    expect(fs.getattr(ino).nlink).toBe(1);
  });

  it('links and moves symbolic links across directories; their targets stay as written', async () => {
    const { c, root, fs } = await setup();
    await c.rpc('Tmkdir', { dfid: root, name: 'a', mode: 0o755, gid: 0 });
    const a = await c.walk(root, ['a']);
    await c.rpc('Tmkdir', { dfid: a, name: 'b', mode: 0o755, gid: 0 });
    const b = await c.walk(a, ['b']);
    const long = `../../${'x'.repeat(80)}`;
    await c.rpc('Tsymlink', { fid: b, name: 'up', symtgt: '../../f', gid: 0 });
    await c.rpc('Tsymlink', { fid: b, name: 'long', symtgt: long, gid: 0 });
    const up = await c.walk(b, ['up']);
    // A hard link to a symlink is to the link itself (linkat without AT_SYMLINK_FOLLOW).
    await c.rpc('Tlink', { dfid: root, fid: up, name: 'up2' });
    expect(await c.getattr(up)).toMatchObject({ nlink: 2, mode: 0o120777 });
    expect((await c.rpc('Treadlink', { fid: await c.walk(root, ['up2']) })).target).toBe('../../f');
    await c.rpc('Trenameat', { olddirfid: b, oldname: 'long', newdirfid: root, newname: 'long' });
    expect((await c.rpc('Treadlink', { fid: await c.walk(root, ['long']) })).target).toBe(long);
    await c.rpc('Tunlinkat', { dirfid: b, name: 'up', flags: 0 });
    expect((await c.rpc('Treadlink', { fid: up })).target).toBe('../../f');
    expect(fs.getattr(fs.lookup(fs.root, 'up2')).nlink).toBe(1);
  });

  it('makes FIFOs, sockets and device files (Tmknod)', async () => {
    const { c, root, fs } = await setup();
    const cases = [
      { name: 'fifo', mode: 0o010644, major: 0, minor: 0, dtype: 1 },
      { name: 'sock', mode: 0o140755, major: 0, minor: 0, dtype: 12 },
      { name: 'null', mode: 0o020666, major: 1, minor: 3, dtype: 2 },
      { name: 'sda1', mode: 0o060660, major: 8, minor: 1, dtype: 6 },
      { name: 'big', mode: 0o020600, major: 300, minor: 70000, dtype: 2 },
      { name: 'max', mode: 0o060600, major: 4095, minor: 2 ** 20 - 1, dtype: 6 },
    ];
    for (const k of cases) {
      const r = await c.rpc('Tmknod', {
        dfid: root,
        name: k.name,
        mode: k.mode,
        major: k.major,
        minor: k.minor,
        gid: 7,
      });
      expect(r.qid.type).toBe(QTFILE);
      const a = fs.getattr(fs.lookup(fs.root, k.name));
      expect(a).toMatchObject({ mode: k.mode, nlink: 1, size: 0, gid: 7, rdev: { major: k.major, minor: k.minor } });
      const fid = await c.walk(root, [k.name]);
      const g = await c.getattr(fid);
      // Linux's dev_t as its client decodes it: minor's low byte, major from bit 8, minor's high bits from bit 20.
      const rdev = (k.minor & 0xff) + k.major * 256 + (k.minor - (k.minor & 0xff)) * 4096;
      expect(g).toMatchObject({ mode: k.mode, rdev });
    }
    const d = await c.walk(root, []);
    await c.lopen(d, O_RDONLY);
    const types = new Map((await c.readdirAll(d)).map((e) => [e.name, e.type]));
    for (const k of cases) expect(types.get(k.name)).toBe(k.dtype);
    // Not a special file (EINVAL), a device number Linux cannot hold (EINVAL), a name in use (EEXIST).
    const mknod = (name: string, mode: number, major = 0, minor = 0) =>
      c.rpc('Tmknod', { dfid: root, name, mode, major, minor, gid: 0 });
    await expect(mknod('r', 0o100644)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(mknod('r', 0o040755)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(mknod('r', 0o020644, 4096, 0)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(mknod('r', 0o020644, 0, 2 ** 20)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(mknod('fifo', 0o010644)).rejects.toMatchObject({ code: 'EEXIST' });
    // A special file is not opened by the server for I/O, and links and removes as any file.
    await c.rpc('Tlink', { dfid: root, fid: await c.walk(root, ['fifo']), name: 'fifo2' });
    expect(fs.getattr(fs.lookup(fs.root, 'fifo')).nlink).toBe(2);
    for (const k of cases) await c.rpc('Tunlinkat', { dirfid: root, name: k.name, flags: 0 });
    await c.rpc('Tunlinkat', { dirfid: root, name: 'fifo2', flags: 0 });
  });

  it('reports statfs, and syncs on fsync of an open fid only', async () => {
    const { c, root, fs } = await setup();
    const st = await c.rpc('Tstatfs', { fid: root });
    const want = fs.statfs();
    expect(st).toMatchObject({
      bsize: want.blockSize,
      blocks: want.blocks,
      bfree: want.blocksFree,
      files: want.files,
      namelen: 255,
      fstype: 0xef53,
    });
    // fsync(2) of a descriptor not open for I/O (O_PATH) is EBADF.
    await expect(c.rpc('Tfsync', { fid: root, datasync: 0 })).rejects.toMatchObject({ code: 'EBADF' });
    await c.lopen(root, O_RDONLY);
    await c.rpc('Tfsync', { fid: root, datasync: 0 });
  });

  it('answers an attribute namespace not served with ENOTSUP, and Tflush at once', async () => {
    const { c, root } = await setup();
    await expect(c.rpc('Txattrwalk', { fid: root, newfid: c.fid(), name: 'os2.x' })).rejects.toMatchObject({
      code: 'ENOTSUP',
    });
    await expect(c.rpc('Tflush', { oldtag: 3 })).resolves.toMatchObject({ type: 'Rflush' });
  });

  it('in read-only mode refuses every change with EROFS and changes nothing', async () => {
    const fs = await fsut.readOnly((w) => {
      const ino = w.create(w.root, 'f', S_IFREG | 0o644, 0, 0);
      w.write(ino, 0, bytes('kept'));
      w.mkdir(w.root, 'd', S_IFDIR | 0o755, 0, 0);
    });
    const { c, root } = await setup(fs);
    const f = await c.walk(root, ['f']);
    const refusals = [
      async () => c.lcreate(await c.walk(root, []), 'new', O_RDWR, 0o644),
      () => c.rpc('Tmkdir', { dfid: root, name: 'new', mode: 0o755, gid: 0 }),
      () => c.rpc('Tsymlink', { fid: root, name: 'new', symtgt: 'x', gid: 0 }),
      () => c.rpc('Tunlinkat', { dirfid: root, name: 'f', flags: 0 }),
      () => c.rpc('Trenameat', { olddirfid: root, oldname: 'f', newdirfid: root, newname: 'g' }),
      () => c.rpc('Trename', { fid: f, dfid: root, name: 'g' }),
      () => c.setattr(f, 0x8),
      () => c.lopen(f, O_WRONLY),
      () => c.lopen(f, O_RDONLY | O_TRUNC),
      async () => c.rpc('Tremove', { fid: await c.walk(root, ['f']) }),
    ];
    for (const refuse of refusals) await expect(refuse()).rejects.toMatchObject({ code: 'EROFS' });
    await c.lopen(f, O_RDONLY);
    expect((await c.readAll(f)).toString()).toBe('kept');
    const d = await c.walk(root, []);
    await c.lopen(d, O_RDONLY);
    const names = (await c.readdirAll(d)).map((e) => e.name).sort();
    expect(names).toEqual(
      fs
        .readdir(fs.root, 0, 100)
        .map((e) => e.name)
        .sort(),
    );
    expect(names).toEqual(expect.arrayContaining(['.', '..', 'd', 'f']));
    await c.rpc('Tfsync', { fid: f, datasync: 0 });
  });

  it('refuses a reply larger than msize with EMSGSIZE', async () => {
    const { c, root, connect } = await setup();
    await c.rpc('Tsymlink', { fid: root, name: 'long', symtgt: 't'.repeat(1000), gid: 0 });
    const small = await connect({ msize: 512 });
    const sroot = await small.attach();
    const l = await small.walk(sroot, ['long']);
    await expect(small.rpc('Treadlink', { fid: l })).rejects.toMatchObject({ code: 'EMSGSIZE' });
  });
});
