/**
 * What both dialects do alike: attach, walk, clunk, remove, reading and
 * writing files, and the checks every request goes through (a fid that is
 * still the file it was walked to, a name that is one path component, a
 * file system that may change).
 */
import { type Attr, type DirEntry, FsError, type Ino, S_IFDIR, S_IFLNK, S_IFMT, type Timespec } from '../fs.ts';
import { R_OK, requireAccess, requireRemovable, W_OK, X_OK } from './access.ts';
import { MAXWELEM, type Message, NOFID, type Qid, QTDIR, QTFILE, QTSYMLINK, RREAD_OVERHEAD } from './codec.ts';
import { ProtocolError } from './errors.ts';
import type { Fid, OpenMode } from './fids.ts';
import { locksOf } from './locks.ts';
import type { Handlers, SessionState } from './state.ts';

export function isDir(attr: Attr): boolean {
  return (attr.mode & S_IFMT) === S_IFDIR;
}

export function isSymlink(attr: Attr): boolean {
  return (attr.mode & S_IFMT) === S_IFLNK;
}

/** A qid is the inode: its number as path, its generation as version. */
export function qidOf(attr: Attr): Qid {
  const type = isDir(attr) ? QTDIR : isSymlink(attr) ? QTSYMLINK : QTFILE;
  return { type, version: attr.generation, path: BigInt(attr.ino) };
}

export function now(): Timespec {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
}

/**
 * A name must be one path component: not empty, no '/', no NUL. A name that
 * creates or removes an entry must also not be '.' or '..', which every
 * directory has and no request may make or unmake.
 */
export function checkName(name: string, use: 'walk' | 'create' | 'remove'): void {
  if (name.length === 0 || name.includes('/') || name.includes('\0')) {
    throw new ProtocolError('EINVAL', `bad file name ${JSON.stringify(name)}`);
  }
  if (use !== 'walk' && (name === '.' || name === '..')) {
    if (use === 'create') throw new ProtocolError('EEXIST', `${name} already exists`);
    throw new ProtocolError('EINVAL', `cannot remove or rename ${name}`);
  }
}

/** Every change is refused with EROFS on a read-only file system, before anything is looked at. */
export function requireWritable(s: SessionState): void {
  if (s.fs.readOnly) throw new FsError('EROFS', 'file system is read only');
}

/**
 * The fid's file's current attributes. A fid whose inode was freed, or freed
 * and given to another file (generation changed), is stale: ENOENT, never an
 * operation on whatever now has that number.
 */
function current(s: SessionState, f: Fid): Attr {
  const attr = s.fs.getattr(f.ino);
  if (attr.generation !== f.generation) throw new FsError('ENOENT', `${f.name}: file was removed`);
  return attr;
}

export function resolve(s: SessionState, fid: number): { f: Fid; attr: Attr } {
  const f = s.fids.get(fid);
  if (f.xattr !== undefined) throw new ProtocolError('EBADF', `fid ${fid} is an extended attribute fid`);
  return { f, attr: current(s, f) };
}

/** As resolve, for a fid that must be a directory (the parent of a create, mkdir, unlink). */
export function resolveDir(s: SessionState, fid: number): { f: Fid; attr: Attr } {
  const r = resolve(s, fid);
  if (!isDir(r.attr)) throw new FsError('ENOTDIR', `fid ${fid} is not a directory`);
  return r;
}

/** A create turns the directory's fid into the new file's, so the fid must not be open. */
export function requireClosed(f: Fid): void {
  if (f.open !== null) throw new ProtocolError('EBADF', `fid for ${f.name} is open for I/O`);
}

/** Whether directory `dir` has an entry `name`. */
export function exists(s: SessionState, dir: Ino, name: string): boolean {
  try {
    s.fs.lookup(dir, name);
    return true;
  } catch (err) {
    if (err instanceof FsError && err.code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * The directory entry a fid was reached by, checked to still name the fid's
 * file (another request may have renamed or removed it). The root has none.
 */
export function locate(s: SessionState, f: Fid): { parent: Ino; name: string } {
  if (f.ino === f.root) throw new ProtocolError('EBUSY', 'cannot remove or rename the root');
  let found: Ino | null;
  try {
    found = s.fs.lookup(f.parent, f.name);
  } catch (err) {
    if (!(err instanceof FsError && (err.code === 'ENOENT' || err.code === 'ENOTDIR'))) throw err;
    found = null;
  }
  if (found !== f.ino) throw new FsError('ENOENT', `${f.name} was moved or removed since it was walked to`);
  return { parent: f.parent, name: f.name };
}

/** A path's names: "/a//b/./" is a, b. */
function components(path: string): string[] {
  return path.split('/').filter((n) => n !== '' && n !== '.');
}

/**
 * The directory an aname attaches, by diod's rules (diod_exportok,
 * diod_match_exports) against the exports (the image's root alone unless
 * --export names others): an export or a directory below one; "" is "/"
 * (diod refuses it; it is Linux's default aname); "ctl", the one relative
 * aname diod takes (its synthetic control file system, diodload's), is the
 * image's /ctl. Any other aname, one with a ".." step, or one outside every
 * export is EPERM; a path that is not there ENOENT, not a directory ENOTDIR.
 */
function exported(s: SessionState, aname: string): Attr {
  const { exports } = s.policy;
  if (aname !== '' && aname !== 'ctl' && !aname.startsWith('/'))
    throw new ProtocolError('EPERM', `aname ${JSON.stringify(aname)} is not an absolute path (nor "ctl")`);
  const names = components(aname);
  const path = `/${names.join('/')}`;
  const under = (x: string): boolean => {
    const exp = `/${components(x).join('/')}`;
    return exp === '/' || path === exp || path.startsWith(`${exp}/`);
  };
  if (names.includes('..') || !exports.some(under))
    throw new ProtocolError('EPERM', `aname ${JSON.stringify(aname)} is not exported`);
  let attr = s.fs.getattr(s.fs.root);
  for (const name of names) {
    if (!isDir(attr)) throw new FsError('ENOTDIR', `aname ${JSON.stringify(aname)}: ${name} is not in a directory`);
    attr = s.fs.getattr(s.fs.lookup(attr.ino, name));
  }
  if (!isDir(attr)) throw new FsError('ENOTDIR', `aname ${JSON.stringify(aname)} is not a directory`);
  return attr;
}

/** Tattach: fid names the directory aname attaches (exported), acting for user `uid`. */
export function attach(s: SessionState, m: Message<'Tattach'>, uid: number): Message<'Rattach'> {
  if (m.afid !== NOFID) throw new ProtocolError('EINVAL', 'no authentication required: afid must be NOFID');
  s.fids.checkFree(m.fid);
  const attr = exported(s, m.aname);
  // The attached directory is its own parent, named '/': locate() refuses to remove or rename it.
  s.fids.add(m.fid, {
    ino: attr.ino,
    generation: attr.generation,
    parent: attr.ino,
    name: '/',
    uid,
    root: attr.ino,
    open: null,
    cursor: null,
  });
  return { type: 'Rattach', tag: m.tag, qid: qidOf(attr) };
}

/** The name of `ino` in directory `dir`, found by reading it (only a walk to '..' needs this). */
function nameIn(s: SessionState, dir: Ino, ino: Ino): string {
  const limit = 256;
  for (let cookie = 0; ; ) {
    const entries = s.fs.readdir(dir, cookie, limit);
    for (const e of entries) if (e.ino === ino && e.name !== '.' && e.name !== '..') return e.name;
    if (entries.length < limit) throw new FsError('ENOENT', `directory ${dir} has no entry for ${ino}`);
    cookie = entries[entries.length - 1].cookie;
  }
}

/** One step of a walk from directory `from`: the fid it reaches and that file's attributes. */
function step(s: SessionState, from: Fid, name: string): { to: Fid; attr: Attr } {
  checkName(name, 'walk');
  const root = from.root;
  // '..' of the root is the root: a client cannot walk out of what it attached.
  const ino = name === '..' && from.ino === root ? root : s.fs.lookup(from.ino, name);
  const attr = s.fs.getattr(ino);
  const base = { ino, generation: attr.generation, uid: from.uid, root, open: null, cursor: null };
  if (name === '.') return { to: { ...base, parent: from.parent, name: from.name }, attr };
  if (name !== '..') return { to: { ...base, parent: from.ino, name }, attr };
  if (ino === root) return { to: { ...base, parent: root, name: '/' }, attr };
  const parent = s.fs.lookup(ino, '..');
  return { to: { ...base, parent, name: nameIn(s, parent, ino) }, attr };
}

/**
 * Twalk: from fid, through up to MAXWELEM names, to newfid. Each name must be
 * walked from a directory. 9P2000 forbids walking from a fid open for I/O;
 * 9P2000.L allows it (diod does, and diodls -l walks from the directory it is
 * reading); either way newfid is not open. If the first name fails the walk is an error; if a
 * later one fails the reply lists the qids walked so far and newfid is not
 * made. Only a walk of every name (or none: a clone) makes newfid, which may
 * be fid itself (then fid moves).
 */
export function walk(s: SessionState, m: Message<'Twalk'>): Message<'Rwalk'> {
  const { f, attr: start } = resolve(s, m.fid);
  if (s.dialect === '9P2000') requireClosed(f);
  if (m.wnames.length > MAXWELEM)
    throw new ProtocolError('EINVAL', `walk of ${m.wnames.length} names exceeds ${MAXWELEM}`);
  if (m.newfid !== m.fid) s.fids.checkFree(m.newfid);
  const qids: Qid[] = [];
  let at: Fid = { ...f, open: null, cursor: null };
  let attr = start;
  for (const name of m.wnames) {
    try {
      if (!isDir(attr)) throw new FsError('ENOTDIR', `cannot walk to ${name} from a file`);
      requireAccess(s.policy.permChecks, attr, at.uid, X_OK, `walk to ${name}`);
      ({ to: at, attr } = step(s, at, name));
    } catch (err) {
      if (qids.length === 0) throw err;
      return { type: 'Rwalk', tag: m.tag, qids };
    }
    qids.push(qidOf(attr));
  }
  if (m.newfid === m.fid) s.fids.replace(f, at);
  else s.fids.add(m.newfid, at);
  return { type: 'Rwalk', tag: m.tag, qids };
}

/**
 * Opens a fid for I/O (Tlopen, Tlcreate, Topen, Tcreate). A change (write
 * access, truncation, remove on clunk) needs a writable file system; a
 * directory opens for reading only; a symbolic link does not open (the
 * server never follows links: the client resolves them). The user needs
 * the permissions the access asks for, but on a file the open just created
 * (`created`), which open(2) with O_CREAT opens as asked whatever its mode.
 */
export function open(s: SessionState, f: Fid, attr: Attr, mode: OpenMode, truncate: boolean, created: boolean): void {
  requireClosed(f);
  if (mode.write || truncate || mode.removeOnClunk) requireWritable(s);
  if (isSymlink(attr)) throw new FsError('ELOOP', `${f.name} is a symbolic link`);
  if (isDir(attr) && (mode.write || truncate)) throw new FsError('EISDIR', `${f.name} is a directory`);
  const want = (mode.read ? R_OK : 0) | (mode.write || truncate ? W_OK : 0);
  if (!created) requireAccess(s.policy.permChecks, attr, f.uid, want, `open ${f.name}`);
  if (truncate) s.fs.setattr(f.ino, { size: 0 });
  f.open = mode;
  f.cursor = isDir(attr) ? { offset: 0, cookie: 0 } : null;
}

/**
 * Tlopen, Topen: opens the fid; the reply's qid and iounit. `directory`
 * (Linux's O_DIRECTORY) opens only a directory, as open(2) does: Linux's
 * client sends it to open what it believes is a directory, and must learn
 * with ENOTDIR when it is not.
 */
export function openFid(
  s: SessionState,
  fid: number,
  how: { mode: OpenMode; truncate: boolean; directory?: boolean },
): { qid: Qid; iounit: number } {
  const { f, attr } = resolve(s, fid);
  if (how.directory === true && !isDir(attr)) throw new FsError('ENOTDIR', `${f.name} is not a directory`);
  open(s, f, attr, how.mode, how.truncate, false);
  return { qid: qidOf(attr), iounit: s.iounit };
}

/**
 * Tlcreate, Tcreate: the directory fid a create names, checked as every
 * create needs it (writable, closed, a name); the caller checks the user
 * may make the name (requireCreatable), once it knows it will.
 */
export function createIn(s: SessionState, fid: number, name: string): { f: Fid; attr: Attr } {
  requireWritable(s);
  const dir = resolveDir(s, fid);
  requireClosed(dir.f);
  checkName(name, 'create');
  return dir;
}

/** A new name in directory `dir` (create, mkdir, symlink, mknod, link): write and search permission on it. */
export function requireCreatable(s: SessionState, f: Fid, dir: Attr, name: string): void {
  requireAccess(s.policy.permChecks, dir, f.uid, W_OK | X_OK, `create ${name}`);
}

/**
 * The end of Tlcreate, Tcreate: the directory's fid `f` becomes the file
 * `name` (`attr`) in it, open as `mode` says (`created`: by this request).
 */
export function becomeOpen(
  s: SessionState,
  f: Fid,
  name: string,
  attr: Attr,
  how: { mode: OpenMode; truncate: boolean; created: boolean },
): void {
  const file: Fid = {
    ino: attr.ino,
    generation: attr.generation,
    parent: f.ino,
    name,
    uid: f.uid,
    root: f.root,
    open: null,
    cursor: null,
  };
  open(s, file, attr, how.mode, how.truncate, how.created);
  s.fids.replace(f, file);
}

/**
 * Tread of a file: at most `count` bytes, never more than fit in one
 * reply, read straight into the reply's frame (sized for what the file
 * holds there: `attr`, the file's attributes now).
 */
export function readFile(s: SessionState, f: Fid, attr: Attr, offset: number, count: number): Uint8Array {
  if (f.open === null || !f.open.read) throw new ProtocolError('EBADF', 'fid not open for reading');
  const n = Math.max(0, Math.min(count, s.msize - RREAD_OVERHEAD, attr.size - offset));
  return s.fs.read(f.ino, offset, n, s.readBuffer(n));
}

/** Directory entries fetched from the file system per call while filling a directory read. */
const READDIR_BATCH = 128;

/**
 * A directory read (9P2000.L's Treaddir, a 9P2000 Tread of a directory):
 * the entries of `dir` after `cookie` as whole records, as many as fit in
 * `count` bytes and one reply; `record` encodes an entry, or leaves it out
 * (null). ERANGE if not even the first fits. Returns the records and the
 * cookie of the last entry taken (or left out).
 */
export function readDirectory(
  s: SessionState,
  dir: Ino,
  cookie: number,
  count: number,
  record: (entry: DirEntry) => Uint8Array | null,
): { data: Buffer; cookie: number } {
  const room = Math.min(count, s.msize - RREAD_OVERHEAD);
  const records: Uint8Array[] = [];
  let used = 0;
  fill: for (;;) {
    const entries = s.fs.readdir(dir, cookie, READDIR_BATCH);
    for (const e of entries) {
      const r = record(e);
      if (r !== null) {
        if (used + r.length > room) {
          if (used === 0) throw new ProtocolError('ERANGE', `count ${count} too small for the next entry`);
          break fill;
        }
        records.push(r);
        used += r.length;
      }
      cookie = e.cookie;
    }
    if (entries.length < READDIR_BATCH) break;
  }
  return { data: Buffer.concat(records, used), cookie };
}

/** Twrite: all of the data at the offset, or at the end of the file when opened to append. */
export function write(s: SessionState, m: Message<'Twrite'>): Message<'Rwrite'> {
  const { f, attr } = resolve(s, m.fid);
  if (f.open === null || !f.open.write) throw new ProtocolError('EBADF', 'fid not open for writing');
  const count = s.fs.write(f.ino, f.open.append ? attr.size : m.offset, m.data);
  return { type: 'Rwrite', tag: m.tag, count };
}

/** The file directory `dir` names `name`, or null if it has no such entry. */
function entry(s: SessionState, dir: Ino, name: string): Attr | null {
  return exists(s, dir, name) ? s.fs.getattr(s.fs.lookup(dir, name)) : null;
}

/** Unlinking `name` from directory `dir` (Tunlinkat) by the user of fid `f`. */
export function requireUnlinkable(s: SessionState, f: Fid, dir: Attr, name: string): void {
  if (!s.policy.permChecks) return;
  const file = entry(s, dir.ino, name);
  if (file !== null) requireRemovable(s.policy.permChecks, dir, file, f.uid, name);
}

/**
 * A rename by the user of fid `f`, as rename(2) allows it: the name
 * removable from its directory and creatable in the other, a file it
 * replaces removable, and a directory moving to another parent writable
 * itself (its '..' changes). A missing source is the rename's own ENOENT.
 */
export function requireRenamable(
  s: SessionState,
  f: Fid,
  from: Attr,
  fromName: string,
  to: Attr,
  toName: string,
): void {
  const { permChecks } = s.policy;
  if (!permChecks) return;
  const file = entry(s, from.ino, fromName);
  if (file === null) return;
  requireRemovable(permChecks, from, file, f.uid, fromName);
  requireCreatable(s, f, to, toName);
  const replaced = entry(s, to.ino, toName);
  if (replaced !== null) requireRemovable(permChecks, to, replaced, f.uid, toName);
  if (isDir(file) && from.ino !== to.ino) requireAccess(permChecks, file, f.uid, W_OK, `move ${fromName}`);
}

/** Removes the file a fid names: rmdir for a directory, unlink otherwise. */
function removeFile(s: SessionState, f: Fid): void {
  requireWritable(s);
  const attr = current(s, f);
  const { parent, name } = locate(s, f);
  requireRemovable(s.policy.permChecks, s.fs.getattr(parent), attr, f.uid, name);
  if (isDir(attr)) s.fs.rmdir(parent, name);
  else s.fs.unlink(parent, name);
}

/** Tclunk: the fid is gone; a fid opened remove-on-clunk removes its file, and a refusal to is the reply. */
export function clunk(s: SessionState, m: Message<'Tclunk'>): Message<'Rclunk'> {
  const f = s.fids.delete(m.fid);
  locksOf(s.fs).clunked(s, m.fid);
  if (f.open?.removeOnClunk) removeFile(s, f);
  return { type: 'Rclunk', tag: m.tag };
}

/** Tremove: the fid is clunked whether or not the file can be removed. */
export function remove(s: SessionState, m: Message<'Tremove'>): Message<'Rremove'> {
  const f = s.fids.delete(m.fid);
  locksOf(s.fs).clunked(s, m.fid);
  removeFile(s, f);
  return { type: 'Rremove', tag: m.tag };
}

/**
 * Clunks every fid (Tversion, or the connection closed), and with them
 * every lock the connection held. A remove-on-clunk
 * refused here has no one to be told; any other error still propagates.
 */
export function clunkAll(s: SessionState): void {
  locksOf(s.fs).disconnected(s);
  for (const f of s.fids.drain()) {
    if (!f.open?.removeOnClunk) continue;
    try {
      removeFile(s, f);
    } catch (err) {
      if (!(err instanceof FsError || err instanceof ProtocolError)) throw err;
    }
  }
}

/**
 * The requests both dialects serve alike. Tauth: no authentication (9P2000
 * clients read "no authentication required"; diod's 9P2000.L client
 * library reads Rlerror ENOENT as the same). Tflush: requests are answered
 * in order as they arrive, so the one named is answered already.
 */
export const shared = {
  Tauth: () => {
    throw new ProtocolError('ENOENT', 'no authentication required');
  },
  Tflush: (_, m) => ({ type: 'Rflush', tag: m.tag }),
  Twalk: walk,
  Twrite: write,
  Tclunk: clunk,
  Tremove: remove,
} as const satisfies Handlers;
