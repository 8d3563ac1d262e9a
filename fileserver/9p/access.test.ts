/**
 * Exports and identity through our client, on every file system under test:
 * what an aname attaches (--export), who owns what a user creates, and the
 * POSIX permission checks made for the attaching user (on by default; off
 * with the server's permChecks false, --no-perm-checks).
 */
import { expect, it } from 'vitest';
import { type FileSystem, S_IFDIR, S_IFREG } from '../fs.ts';
import type { Client } from './client.ts';
import { describeEachFs } from './testing/file-systems.ts';
import { serve } from './testing/harness.ts';

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_EXCL = 0o200;
const AT_REMOVEDIR = 0x200;
const SET_MODE = 0x1;
const SET_UID = 0x2;
const SET_GID = 0x4;
const SET_SIZE = 0x8;
const SET_ATIME = 0x10;
const SET_MTIME = 0x20;
const SET_MTIME_SET = 0x100;

/** A user who is not root, and another. */
const USER = 1000;
const OTHER = 2000;

/**
 * The tree the tests judge by, made through the file system as root would:
 * / (root's, 0755), /open (0777), /sticky (01777) holding OTHER's file
 * `theirs` and USER's `mine`, /private (root's, 0700) holding `secret`,
 * /ro (root's 0644 file), /grouped (OTHER's, group USER, 0660).
 */
function populate(fs: FileSystem): void {
  fs.setattr(fs.root, { mode: S_IFDIR | 0o755, uid: 0, gid: 0 });
  fs.mkdir(fs.root, 'open', S_IFDIR | 0o777, 0, 0);
  const sticky = fs.mkdir(fs.root, 'sticky', S_IFDIR | 0o1777, 0, 0);
  fs.create(sticky, 'theirs', S_IFREG | 0o666, OTHER, OTHER);
  fs.create(sticky, 'mine', S_IFREG | 0o644, USER, USER);
  const priv = fs.mkdir(fs.root, 'private', S_IFDIR | 0o700, 0, 0);
  fs.create(priv, 'secret', S_IFREG | 0o644, 0, 0);
  fs.create(fs.root, 'ro', S_IFREG | 0o644, 0, 0);
  fs.create(fs.root, 'grouped', S_IFREG | 0o660, OTHER, USER);
}

describeEachFs('exports and permissions', (fsut) => {
  async function setup(options: { exports?: string[]; permChecks?: boolean } = {}): Promise<{
    fs: FileSystem;
    connect: () => Promise<Client>;
  }> {
    const fs = await fsut.make();
    populate(fs);
    const served = await serve(fs, options);
    return { fs, connect: () => served.connect() };
  }

  it('attaches an export or a directory below one; anything else is EPERM, as diod', async () => {
    const { fs, connect } = await setup({ exports: ['/open', '/sticky/'] });
    const c = await connect();
    const open = fs.lookup(fs.root, 'open');
    fs.mkdir(open, 'sub', S_IFDIR | 0o755, 0, 0);
    const attached = async (aname: string): Promise<bigint> => (await c.getattr(await c.attach(aname))).qid.path;
    expect(await attached('/open')).toBe(BigInt(open));
    expect(await attached('/open/sub/')).toBe(BigInt(fs.lookup(open, 'sub')));
    expect(await attached('/sticky')).toBe(BigInt(fs.lookup(fs.root, 'sticky')));
    for (const aname of ['', '/', '/private', '/opener', 'ctl', '/open/../private']) {
      await expect(c.attach(aname), aname).rejects.toMatchObject({ code: 'EPERM' });
    }
    await expect(c.attach('/open/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(c.attach('/sticky/mine')).rejects.toMatchObject({ code: 'ENOTDIR' });
    // '..' of the export is the export: nothing outside it can be reached.
    const root = await c.attach('/open/sub');
    expect((await c.getattr(await c.walk(root, ['..', '..', '..']))).qid.path).toBe(BigInt(fs.lookup(open, 'sub')));
    await expect(c.rpc('Tremove', { fid: await c.walk(root, []) })).rejects.toMatchObject({ code: 'EBUSY' });
  });

  it('without exports exports the root alone: an absolute path, "" and "ctl" (/ctl) attach; any other aname is refused', async () => {
    const { fs, connect } = await setup();
    const c = await connect();
    const attached = async (aname: string): Promise<bigint> => (await c.getattr(await c.attach(aname))).qid.path;
    for (const aname of ['', '/', '//.']) expect(await attached(aname), aname).toBe(BigInt(fs.root));
    expect(await attached('/open/')).toBe(BigInt(fs.lookup(fs.root, 'open')));
    // diodload's "ctl", diod's one relative aname, is /ctl: not there yet, then a directory.
    await expect(c.attach('ctl')).rejects.toMatchObject({ code: 'ENOENT' });
    const ctl = fs.mkdir(fs.root, 'ctl', S_IFDIR | 0o755, 0, 0);
    expect(await attached('ctl')).toBe(BigInt(ctl));
    for (const aname of ['open', 'ctl/', './ctl', 'anything/at/all', '/private/../open', '/..']) {
      await expect(c.attach(aname), aname).rejects.toMatchObject({ code: 'EPERM' });
    }
    await expect(c.attach('/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(c.attach('/ro')).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('gives a new file the attaching uid and the request gid', async () => {
    const { fs, connect } = await setup();
    const c = await connect();
    const open = await c.walk(await c.attach('/', '', USER), ['open']);
    await c.lcreate(await c.walk(open, []), 'f', O_RDWR, 0o640, 77);
    await c.rpc('Tmkdir', { dfid: open, name: 'd', mode: 0o750, gid: 78 });
    await c.rpc('Tsymlink', { fid: open, name: 'l', symtgt: 'f', gid: 79 });
    await c.rpc('Tmknod', { dfid: open, name: 'p', mode: 0o10644, major: 0, minor: 0, gid: 80 });
    const dir = fs.lookup(fs.root, 'open');
    const owner = (name: string): number[] => {
      const a = fs.getattr(fs.lookup(dir, name));
      return [a.uid, a.gid];
    };
    expect(['f', 'd', 'l', 'p'].map(owner)).toEqual([
      [USER, 77],
      [USER, 78],
      [USER, 79],
      [USER, 80],
    ]);
  });

  it('lets a user create setgid only as a setgid directory passes it on', async () => {
    const { fs, connect } = await setup();
    fs.mkdir(fs.root, 'project', S_IFDIR | 0o2777, 0, 42);
    const c = await connect();
    const user = await c.attach('/', '', USER);
    const open = await c.walk(user, ['open']);
    await expect(c.lcreate(await c.walk(open, []), 'f', O_RDWR, 0o2755, USER)).rejects.toMatchObject({
      code: 'EPERM',
    });
    await expect(c.rpc('Tmkdir', { dfid: open, name: 'd', mode: 0o2755, gid: USER })).rejects.toMatchObject({
      code: 'EPERM',
    });
    // What Linux's client sends for a mkdir in a setgid directory: the directory's group and its setgid bit.
    const project = await c.walk(user, ['project']);
    await c.rpc('Tmkdir', { dfid: project, name: 'sub', mode: 0o2755, gid: 42 });
    await expect(c.rpc('Tmkdir', { dfid: project, name: 'other', mode: 0o2755, gid: 7 })).rejects.toMatchObject({
      code: 'EPERM',
    });
    expect(fs.getattr(fs.lookup(fs.lookup(fs.root, 'project'), 'sub'))).toMatchObject({
      mode: S_IFDIR | 0o2755,
      uid: USER,
      gid: 42,
    });
    const root = await c.attach('/', '', 0);
    await c.lcreate(await c.walk(root, ['open']), 'rootsgid', O_RDWR, 0o2755, 5);
  });

  it('checks search, read and write permission for a user; root passes', async () => {
    const { connect } = await setup();
    const c = await connect();
    const user = await c.attach('/', '', USER);
    // A walk needs search permission on each directory it walks from: private is 0700, root's.
    await expect(c.walk(await c.walk(user, ['private']), ['secret'])).rejects.toMatchObject({ code: 'EACCES' });
    await expect(c.lcreate(await c.walk(user, []), 'new', O_RDWR, 0o644)).rejects.toMatchObject({ code: 'EACCES' });
    await expect(c.rpc('Tmkdir', { dfid: user, name: 'new', mode: 0o755, gid: 0 })).rejects.toMatchObject({
      code: 'EACCES',
    });
    await expect(c.lopen(await c.walk(user, ['ro']), O_WRONLY)).rejects.toMatchObject({ code: 'EACCES' });
    await c.lopen(await c.walk(user, ['ro']), O_RDONLY);
    // The group bits grant nothing: the server knows no user's groups.
    await expect(c.lopen(await c.walk(user, ['grouped']), O_RDONLY)).rejects.toMatchObject({ code: 'EACCES' });
    await expect(c.rpc('Tunlinkat', { dirfid: user, name: 'ro', flags: 0 })).rejects.toMatchObject({
      code: 'EACCES',
    });
    // Tlcreate of a name that exists is an open, as open(2) with O_CREAT: the directory's permissions do not matter.
    await c.lcreate(await c.walk(user, []), 'ro', O_RDONLY, 0o644);
    await expect(c.lcreate(await c.walk(user, []), 'ro', O_RDWR, 0o644)).rejects.toMatchObject({ code: 'EACCES' });
    await expect(c.lcreate(await c.walk(user, []), 'ro', O_RDONLY | O_EXCL, 0o644)).rejects.toMatchObject({
      code: 'EEXIST',
    });
    // A file the user just created opens as asked, whatever its mode (open(2) with O_CREAT).
    await c.lcreate(await c.walk(user, ['open']), 'readonly', O_RDWR, 0o444);
    const root = await c.attach('/', '', 0);
    await c.lopen(await c.walk(root, ['private', 'secret']), O_RDWR);
    await c.lopen(await c.walk(root, ['grouped']), O_RDWR);
  });

  it('lets only the owner or root remove or rename in a sticky directory', async () => {
    const { fs, connect } = await setup();
    const c = await connect();
    const sticky = await c.walk(await c.attach('/', '', USER), ['sticky']);
    await expect(c.rpc('Tunlinkat', { dirfid: sticky, name: 'theirs', flags: 0 })).rejects.toMatchObject({
      code: 'EPERM',
    });
    await expect(
      c.rpc('Trenameat', { olddirfid: sticky, oldname: 'theirs', newdirfid: sticky, newname: 'taken' }),
    ).rejects.toMatchObject({ code: 'EPERM' });
    // Nor replace their file by renaming over it.
    await expect(
      c.rpc('Trenameat', { olddirfid: sticky, oldname: 'mine', newdirfid: sticky, newname: 'theirs' }),
    ).rejects.toMatchObject({ code: 'EPERM' });
    await c.rpc('Trenameat', { olddirfid: sticky, oldname: 'mine', newdirfid: sticky, newname: 'still-mine' });
    await c.rpc('Tunlinkat', { dirfid: sticky, name: 'still-mine', flags: 0 });
    const dir = fs.lookup(fs.root, 'sticky');
    expect(fs.readdir(dir, 0, 10).map((e) => e.name)).toEqual(expect.arrayContaining(['theirs']));
    const other = await c.walk(await c.attach('/', '', OTHER), ['sticky']);
    await c.rpc('Tunlinkat', { dirfid: other, name: 'theirs', flags: 0 });
    await c.rpc('Tmkdir', { dfid: other, name: 'd', mode: 0o777, gid: 0 });
    await expect(c.rpc('Tunlinkat', { dirfid: sticky, name: 'd', flags: AT_REMOVEDIR })).rejects.toMatchObject({
      code: 'EPERM',
    });
  });

  it('lets the owner change mode and times, only root the owner and group', async () => {
    const { fs, connect } = await setup();
    const c = await connect();
    const user = await c.attach('/', '', USER);
    const mine = await c.walk(user, ['sticky', 'mine']);
    await c.setattr(mine, SET_MODE, { mode: 0o4700 });
    await c.setattr(mine, SET_MTIME | SET_MTIME_SET, { mtimeSec: 1234 });
    await c.setattr(mine, SET_UID | SET_GID, { uid: USER, gid: USER });
    for (const set of [{ uid: OTHER }, { gid: 0 }]) {
      const valid = 'uid' in set ? SET_UID : SET_GID;
      await expect(c.setattr(mine, valid, { uid: USER, gid: USER, ...set })).rejects.toMatchObject({ code: 'EPERM' });
    }
    // Setgid needs the file's group, which only root is known to have.
    await expect(c.setattr(mine, SET_MODE, { mode: 0o2700 })).rejects.toMatchObject({ code: 'EPERM' });
    const theirs = await c.walk(user, ['sticky', 'theirs']);
    await expect(c.setattr(theirs, SET_MODE, { mode: 0o777 })).rejects.toMatchObject({ code: 'EPERM' });
    await expect(c.setattr(theirs, SET_MTIME | SET_MTIME_SET, { mtimeSec: 1 })).rejects.toMatchObject({
      code: 'EPERM',
    });
    // Times set to now, and a truncation, need write permission only: theirs is 0666.
    await c.setattr(theirs, SET_ATIME | SET_MTIME);
    await c.setattr(theirs, SET_SIZE, { size: 0 });
    const ro = await c.walk(user, ['ro']);
    await expect(c.setattr(ro, SET_ATIME | SET_MTIME)).rejects.toMatchObject({ code: 'EACCES' });
    await expect(c.setattr(ro, SET_SIZE, { size: 0 })).rejects.toMatchObject({ code: 'EACCES' });
    const a = fs.getattr(fs.lookup(fs.lookup(fs.root, 'sticky'), 'mine'));
    expect([a.mode, a.mtime.sec, a.uid, a.gid]).toEqual([S_IFREG | 0o4700, 1234, USER, USER]);
    const root = await c.attach('/', '', 0);
    await c.setattr(await c.walk(root, ['ro']), SET_UID | SET_GID | SET_MODE, { uid: OTHER, gid: 5, mode: 0o600 });
    expect(fs.getattr(fs.lookup(fs.root, 'ro'))).toMatchObject({ uid: OTHER, gid: 5, mode: S_IFREG | 0o600 });
  });

  it('checks extended attributes as Linux does: trusted and security root’s, ACLs the owner’s, user by the mode', async () => {
    const { fs, connect } = await setup();
    const c = await connect();
    const mine = fs.lookup(fs.lookup(fs.root, 'sticky'), 'mine');
    const ro = fs.lookup(fs.root, 'ro');
    for (const ino of [mine, ro]) {
      fs.setxattr(ino, 'trusted.t', Buffer.from('t'), 0);
      fs.setxattr(ino, 'user.u', Buffer.from('u'), 0);
    }
    const user = await c.attach('/', '', USER);
    const set = async (fid: number, name: string): Promise<void> => {
      const x = await c.walk(fid, []);
      await c.rpc('Txattrcreate', { fid: x, name, size: 1, flags: 0 });
      await c.writeAll(x, 0, Buffer.from('v'));
      await c.clunk(x);
    };
    const get = (fid: number, name: string) => c.rpc('Txattrwalk', { fid, newfid: c.fid(), name });
    const list = async (fid: number): Promise<string[]> => {
      const x = c.fid();
      await c.rpc('Txattrwalk', { fid, newfid: x, name: '' });
      return (await c.readAll(x)).toString().split('\0').slice(0, -1);
    };
    const f = await c.walk(user, ['sticky', 'mine']);
    const theirs = await c.walk(user, ['ro']);
    await set(f, 'user.mine');
    await expect(get(f, 'trusted.t')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(set(f, 'trusted.t')).rejects.toMatchObject({ code: 'EPERM' });
    await expect(set(f, 'security.s')).rejects.toMatchObject({ code: 'EPERM' });
    expect((await list(f)).sort()).toEqual(['user.mine', 'user.u']);
    // ro is root's, 0644: readable, not writable, its ACL not this user's to set.
    await get(theirs, 'user.u');
    await expect(set(theirs, 'user.u')).rejects.toMatchObject({ code: 'EACCES' });
    await expect(set(theirs, 'system.posix_acl_access')).rejects.toMatchObject({ code: 'EPERM' });
    await expect(get(await c.walk(user, ['grouped']), 'user.u')).rejects.toMatchObject({ code: 'EACCES' });
    const root = await c.attach('/', '', 0);
    expect((await list(await c.walk(root, ['ro']))).sort()).toEqual(['trusted.t', 'user.u']);
  });

  it('checks nothing without permission checks, and still records owners', async () => {
    const { fs, connect } = await setup({ permChecks: false });
    const c = await connect();
    const user = await c.attach('/', '', USER);
    await c.lcreate(await c.walk(user, ['private']), 'mine', O_RDWR, 0o600, 7);
    await c.rpc('Tunlinkat', { dirfid: await c.walk(user, ['sticky']), name: 'theirs', flags: 0 });
    await c.setattr(await c.walk(user, ['ro']), SET_UID, { uid: USER });
    expect(fs.getattr(fs.lookup(fs.lookup(fs.root, 'private'), 'mine'))).toMatchObject({ uid: USER, gid: 7 });
    expect(fs.getattr(fs.lookup(fs.root, 'ro')).uid).toBe(USER);
  });
});
