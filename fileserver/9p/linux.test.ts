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

  it('attaches any aname to the root, without authentication', async () => {
    const { c, fs } = await setup();
    await expect(c.rpc('Tauth', { afid: 99, uname: 'u', aname: 'ctl', nUname: 0 })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    for (const aname of ['/', 'ctl', '', 'anything/at/all']) {
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

  it('refuses to act on a fid whose file was removed, even when its inode is reused', async () => {
    const { c, root, connect } = await setup();
    const fid = await createFile(c, root, 'victim', 'old');
    const other = await connect();
    const oroot = await other.attach();
    await other.rpc('Tunlinkat', { dirfid: oroot, name: 'victim', flags: 0 });
    await expect(c.read(fid, 0, 10)).rejects.toMatchObject({ code: 'ENOENT' });
    const reuse = await createFile(other, oroot, 'newcomer', 'new content');
    await expect(c.write(fid, 0, bytes('overwrite'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(c.getattr(fid)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await other.readAll(reuse)).toString()).toBe('new content');
  });

  it('reports statfs, and syncs on fsync', async () => {
    const { c, root, fs } = await setup();
    const st = await c.rpc('Tstatfs', { fid: root });
    const want = fs.statfs();
    expect(st).toMatchObject({
      bsize: want.blockSize,
      blocks: want.blocks,
      bfree: want.blocksFree,
      files: want.files,
      namelen: 255,
    });
    await c.rpc('Tfsync', { fid: root, datasync: 0 });
  });

  it('answers xattrs with ENOTSUP, and requests it does not serve with ENOSYS', async () => {
    const { c, root } = await setup();
    await expect(c.rpc('Txattrwalk', { fid: root, newfid: c.fid(), name: 'user.x' })).rejects.toMatchObject({
      code: 'ENOTSUP',
    });
    await expect(
      c.rpc('Tmknod', { dfid: root, name: 'n', mode: 0o644, major: 1, minor: 1, gid: 0 }),
    ).rejects.toMatchObject({ code: 'ENOSYS' });
    await expect(c.rpc('Tlink', { dfid: root, fid: root, name: 'n' })).rejects.toMatchObject({ code: 'ENOSYS' });
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
