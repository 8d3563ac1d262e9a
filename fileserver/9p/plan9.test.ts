/**
 * 9P2000 through our client, on every file system under test: open modes,
 * create with Plan 9 permissions, directories read as stat records, stat and
 * wstat, remove, errors as strings.
 */
import { expect, it } from 'vitest';
import { type FileSystem, S_IFDIR, S_IFREG } from '../fs.ts';
import type { Client } from './client.ts';
import { QTDIR, type Stat } from './codec.ts';
import { describeEachFs } from './testing/file-systems.ts';
import { serve } from './testing/harness.ts';

const OREAD = 0;
const OWRITE = 1;
const ORDWR = 2;
const OEXEC = 3;
const OTRUNC = 0x10;
const ORCLOSE = 0x40;
const DMDIR = 0x80000000;
/** A directory's perm: DMDIR is bit 31, which | would turn into a sign. */
const dir = (perm: number): number => (DMDIR | perm) >>> 0;

/** A Twstat stat with every field "don't touch" but those given. */
function wstat(change: Partial<Stat>): Stat {
  return {
    type: 0xffff,
    dev: 0xffffffff,
    qid: { type: 0xff, version: 0xffffffff, path: 0xffffffffffffffffn },
    mode: 0xffffffff,
    atime: 0xffffffff,
    mtime: 0xffffffff,
    length: 0xffffffffffffffffn,
    name: '',
    uid: '',
    gid: '',
    muid: '',
    ...change,
  };
}

describeEachFs('9P2000', (fsut) => {
  async function setup(fs?: FileSystem): Promise<{ c: Client; root: number; fs: FileSystem; log: string[] }> {
    const f = fs ?? (await fsut.make());
    const served = await serve(f);
    const c = await served.connect({ version: '9P2000' });
    expect(c.dialect).toBe('9P2000');
    return { c, root: await c.attach(''), fs: f, log: served.log };
  }

  async function create(c: Client, dir: number, name: string, perm: number, mode: number): Promise<number> {
    const fid = await c.walk(dir, []);
    await c.rpc('Tcreate', { fid, name, perm, mode });
    return fid;
  }

  it('creates with Plan 9 permissions, writes, reads, and reads directories as stat records', async () => {
    const { c, root, fs } = await setup();
    const rootMode = fs.getattr(fs.root).mode & 0o777;
    const f = await create(c, root, 'f', 0o666, ORDWR);
    await c.writeAll(f, 0, Buffer.from('hello'));
    expect((await c.readAll(f)).toString()).toBe('hello');
    const d = await create(c, root, 'd', dir(0o777), OREAD);
    const st = (await c.rpc('Tstat', { fid: d })).stat;
    expect(st.qid.type).toBe(QTDIR);
    expect(st.mode).toBe(dir(0o777 & rootMode));
    expect(fs.getattr(fs.lookup(fs.root, 'f')).mode).toBe(S_IFREG | (0o666 & rootMode));
    // A directory is created for reading only.
    await expect(
      c.rpc('Tcreate', { fid: await c.walk(root, []), name: 'e', perm: dir(0o755), mode: OWRITE }),
    ).rejects.toMatchObject({
      ename: 'file is a directory',
    });
    await expect(
      c.rpc('Tcreate', { fid: await c.walk(root, []), name: 'f', perm: 0o644, mode: OREAD }),
    ).rejects.toMatchObject({
      ename: 'file already exists',
    });
    // d is open: 9P2000 walks (and so creates) only from a fid not open for I/O.
    await expect(create(c, d, 'n', 0o644, OREAD)).rejects.toMatchObject({ ename: 'fid for d is open for I/O' });
    const parent = await c.walk(root, ['d']);
    for (let i = 0; i < 40; i++) await c.clunk(await create(c, parent, `n${i}`, 0o644, OREAD));
    const dd = await c.walk(root, ['d']);
    await c.rpc('Topen', { fid: dd, mode: OREAD });
    for (const count of [200, 1000, 8192]) {
      const stats = await c.readStats(dd, count);
      expect(stats.map((s) => s.name).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`).sort());
      expect(stats.every((s) => s.length === 0n && s.uid === '0' && s.gid === '0')).toBe(true);
    }
    // Only offset 0 or the end of the previous read is a valid directory offset.
    await c.read(dd, 0, 300);
    await expect(c.read(dd, 7, 300)).rejects.toMatchObject({ ename: 'bad offset in directory read' });
    await expect(c.read(dd, 0, 20)).rejects.toMatchObject({ ename: 'count 20 too small for the next entry' });
    await expect(c.rpc('Twrite', { fid: dd, offset: 0, data: Buffer.from('x') })).rejects.toMatchObject({
      ename: 'fid not open for writing',
    });
  });

  it('opens with OTRUNC and ORCLOSE, and refuses to walk from an open fid', async () => {
    const { c, root, fs } = await setup();
    const f = await create(c, root, 'f', 0o644, OWRITE);
    await c.write(f, 0, Buffer.from('contents'));
    await c.clunk(f);
    const t = await c.walk(root, ['f']);
    await c.rpc('Topen', { fid: t, mode: ORDWR | OTRUNC });
    expect((await c.rpc('Tstat', { fid: t })).stat.length).toBe(0n);
    await expect(c.rpc('Twalk', { fid: t, newfid: c.fid(), wnames: [] })).rejects.toMatchObject({
      ename: `fid for f is open for I/O`,
    });
    const gone = await create(c, root, 'temp', 0o644, ORDWR | ORCLOSE);
    expect(fs.lookup(fs.root, 'temp')).toBeGreaterThan(0);
    await c.clunk(gone);
    expect(() => fs.lookup(fs.root, 'temp')).toThrow(/ENOENT/);
    await expect(c.rpc('Topen', { fid: await c.walk(root, []), mode: OWRITE })).rejects.toMatchObject({
      ename: 'file is a directory',
    });
  });

  it('wstat renames, truncates, changes mode, mtime and group, all or none', async () => {
    const { c, root, fs, log } = await setup();
    const f = await create(c, root, 'f', 0o644, ORDWR);
    await c.write(f, 0, Buffer.from('0123456789'));
    await create(c, root, 'other', 0o644, OREAD);
    await c.rpc('Twstat', { fid: f, stat: wstat({ name: 'g', length: 4n, mode: 0o600, mtime: 1234, gid: '77' }) });
    const st = (await c.rpc('Tstat', { fid: f })).stat;
    expect(st).toMatchObject({ name: 'g', length: 4n, mode: 0o600, mtime: 1234, gid: '77' });
    expect(fs.getattr(fs.lookup(fs.root, 'g')).mode).toBe(S_IFREG | 0o600);
    // Renaming onto an existing name is refused, and nothing else of that wstat happens.
    await expect(c.rpc('Twstat', { fid: f, stat: wstat({ name: 'other', length: 0n }) })).rejects.toMatchObject({
      ename: 'file already exists',
    });
    expect((await c.rpc('Tstat', { fid: f })).stat).toMatchObject({ name: 'g', length: 4n });
    // Fields that cannot change, and a directory bit that cannot flip.
    await expect(c.rpc('Twstat', { fid: f, stat: wstat({ uid: '5' }) })).rejects.toMatchObject({
      ename: 'wstat cannot change type, dev, qid or uid',
    });
    await expect(c.rpc('Twstat', { fid: f, stat: wstat({ mode: dir(0o755) }) })).rejects.toBeDefined();
    await expect(c.rpc('Twstat', { fid: f, stat: wstat({ gid: 'wheel' }) })).rejects.toBeDefined();
    await expect(c.rpc('Twstat', { fid: root, stat: wstat({ length: 10n }) })).rejects.toMatchObject({
      ename: 'file is a directory',
    });
    await expect(c.rpc('Twstat', { fid: root, stat: wstat({ name: 'x' }) })).rejects.toMatchObject({
      ename: 'cannot remove or rename the root',
    });
    // All "don't touch": a sync.
    await c.rpc('Twstat', { fid: f, stat: wstat({}) });
    expect(log.at(-1)).toMatch(/^sync \(fsync\)/);
  });

  it('renames by a wstat of the name alone, as Plan 9 and Linux send it', async () => {
    const { c, root, fs } = await setup();
    const f = await create(c, root, 'f', 0o644, ORDWR);
    await c.write(f, 0, Buffer.from('kept'));
    // Plan 9's rename: every field "don't touch" (~0, "") but the name.
    await c.rpc('Twstat', { fid: f, stat: wstat({ name: 'g' }) });
    // Linux's v9fs (version=9p2000): the same, with its own user name as muid.
    await c.rpc('Twstat', { fid: f, stat: wstat({ name: 'h', muid: 'root' }) });
    expect((await c.rpc('Tstat', { fid: f })).stat).toMatchObject({ name: 'h', length: 4n, mode: 0o644, muid: '' });
    expect(fs.getattr(fs.lookup(fs.root, 'h')).size).toBe(4);
    expect(() => fs.lookup(fs.root, 'f')).toThrow(/ENOENT/);
  });

  it('changes the rwx bits of a mode, refuses every other bit, keeps setuid, setgid and sticky', async () => {
    const { c, root, fs } = await setup();
    const f = await create(c, root, 'f', 0o644, OREAD);
    const ino = fs.lookup(fs.root, 'f');
    await c.rpc('Twstat', { fid: f, stat: wstat({ mode: 0o755 }) });
    expect(fs.getattr(ino).mode).toBe(S_IFREG | 0o755);
    // chmod 4755 as a mode (setuid is Unix's, 9P2000.u's), DMAPPEND, DMEXCL, DMTMP: refused, nothing changed.
    for (const mode of [0o4755, 0o1755, 0x40000000 | 0o644, 0x20000000 | 0o644, 0x04000000 | 0o644]) {
      await expect(c.rpc('Twstat', { fid: f, stat: wstat({ mode }) }), mode.toString(16)).rejects.toMatchObject({
        ename: 'operation not supported',
      });
    }
    expect(fs.getattr(ino).mode).toBe(S_IFREG | 0o755);
    // Bits Plan 9 cannot see are kept: a 9P2000 client cannot clear what it cannot set.
    fs.setattr(ino, { mode: S_IFREG | 0o6755 });
    await c.rpc('Twstat', { fid: f, stat: wstat({ mode: 0o700 }) });
    expect(fs.getattr(ino).mode).toBe(S_IFREG | 0o6700);
    expect((await c.rpc('Tstat', { fid: f })).stat.mode).toBe(0o700);
  });

  it('acts for the user the uname names (a decimal uid, else nobody) and checks its permissions', async () => {
    const { c, root, fs } = await setup();
    fs.setattr(fs.root, { mode: S_IFDIR | 0o755, uid: 0, gid: 0 });
    await c.clunk(await create(c, root, 'home', dir(0o777), OREAD));
    await c.clunk(await create(c, root, 'f', 0o644, OREAD));
    const home = fs.lookup(fs.root, 'home');
    // Plan 9's create took the root's 0755 for it: open it up.
    fs.setattr(home, { mode: S_IFDIR | 0o777, gid: 50 });
    const user = await c.attach('', '1000');
    // Created: owned by the user, in the directory's group (Plan 9's rule).
    await c.clunk(await create(c, await c.walk(user, ['home']), 'mine', 0o644, ORDWR));
    expect(fs.getattr(fs.lookup(home, 'mine'))).toMatchObject({ uid: 1000, gid: 50 });
    await expect(create(c, user, 'no', 0o644, OREAD)).rejects.toMatchObject({
      ename: 'create no: access permission denied',
    });
    const f = await c.walk(user, ['f']);
    await expect(c.rpc('Topen', { fid: f, mode: OWRITE })).rejects.toMatchObject({
      ename: 'open f: access permission denied',
    });
    await expect(c.rpc('Twstat', { fid: f, stat: wstat({ mode: 0o777 }) })).rejects.toMatchObject({
      ename: 'only the owner changes mode and times: operation not permitted',
    });
    await expect(c.rpc('Twstat', { fid: f, stat: wstat({ name: 'g' }) })).rejects.toMatchObject({
      ename: 'remove f: access permission denied',
    });
    await expect(c.rpc('Tremove', { fid: f })).rejects.toMatchObject({ ename: 'remove f: access permission denied' });
    // OEXEC needs an x bit, root's too.
    await expect(c.rpc('Topen', { fid: await c.walk(root, ['f']), mode: OEXEC })).rejects.toMatchObject({
      ename: 'execute f: access permission denied',
    });
    fs.setattr(fs.lookup(fs.root, 'f'), { mode: S_IFREG | 0o744 });
    await c.rpc('Topen', { fid: await c.walk(root, ['f']), mode: OEXEC });
    // Glenda has no number here: she is nobody, who may read but not write.
    const glenda = await c.attach('', 'glenda');
    await c.clunk(await create(c, await c.walk(glenda, ['home']), 'hers', 0o644, OREAD));
    expect(fs.getattr(fs.lookup(home, 'hers')).uid).toBe(65534);
  });

  it('removes files and empty directories, clunking the fid either way', async () => {
    const { c, root, fs } = await setup();
    await c.clunk(await create(c, root, 'd', dir(0o755), OREAD));
    const d = await c.walk(root, ['d']);
    await c.clunk(await create(c, d, 'inner', 0o644, OREAD));
    const dd = await c.walk(root, ['d']);
    await expect(c.rpc('Tremove', { fid: dd })).rejects.toMatchObject({ ename: 'directory not empty' });
    await expect(c.rpc('Tclunk', { fid: dd })).rejects.toMatchObject({ ename: `unknown fid ${dd}` });
    await c.rpc('Tremove', { fid: await c.walk(d, ['inner']) });
    await c.rpc('Tremove', { fid: d });
    expect(() => fs.lookup(fs.root, 'd')).toThrow(/ENOENT/);
    expect(fs.getattr(fs.root).mode & S_IFDIR).toBe(S_IFDIR);
  });

  it('answers auth with a string, and refuses every change when read-only', async () => {
    const fs = await fsut.readOnly((w) => {
      w.write(w.create(w.root, 'f', S_IFREG | 0o644, 0, 0), 0, Buffer.from('kept'));
    });
    const { c, root } = await setup(fs);
    await expect(c.rpc('Tauth', { afid: 5, uname: 'glenda', aname: '', nUname: 0xffffffff })).rejects.toMatchObject({
      ename: 'no authentication required',
    });
    const f = await c.walk(root, ['f']);
    for (const mode of [OWRITE, ORDWR, OREAD | OTRUNC, OREAD | ORCLOSE]) {
      await expect(c.rpc('Topen', { fid: f, mode })).rejects.toMatchObject({ ename: 'file system is read only' });
    }
    await expect(
      c.rpc('Tcreate', { fid: await c.walk(root, []), name: 'n', perm: 0o644, mode: OREAD }),
    ).rejects.toMatchObject({
      ename: 'file system is read only',
    });
    await expect(c.rpc('Twstat', { fid: f, stat: wstat({ name: 'g' }) })).rejects.toMatchObject({
      ename: 'file system is read only',
    });
    await expect(c.rpc('Tremove', { fid: await c.walk(root, ['f']) })).rejects.toMatchObject({
      ename: 'file system is read only',
    });
    await c.rpc('Topen', { fid: f, mode: OREAD });
    expect((await c.readAll(f)).toString()).toBe('kept');
  });
});
