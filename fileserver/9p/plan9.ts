/**
 * 9P2000, Plan 9's dialect: open modes of one byte, permissions with DMDIR,
 * files described by stat records (with owner and group as strings: here
 * the decimal uid and gid), errors as strings (Rerror), directories read with
 * Tread as a stream of stat records. Symbolic links exist only in 9P2000.u,
 * which this server does not speak (session.ts refuses it): a link shows as
 * a file that cannot be opened. A user is named by a decimal uid (access.ts).
 */
import { type Attr, FsError, S_IFDIR, S_IFMT, S_IFREG, type SetAttr } from '../fs.ts';
import { requireAccess, requireSettable, uidOfName, X_OK } from './access.ts';
import { encodeStat, type Message, type Stat } from './codec.ts';
import {
  attach,
  becomeOpen,
  checkName,
  createIn,
  exists,
  isDir,
  isSymlink,
  locate,
  openFid,
  qidOf,
  readDirectory,
  readFile,
  requireCreatable,
  requireRenamable,
  requireWritable,
  resolve,
  shared,
} from './common.ts';
import { ProtocolError } from './errors.ts';
import { access, type Fid, type OpenMode } from './fids.ts';
import type { Handlers, SessionState } from './state.ts';

/** Topen/Tcreate mode bits: execute (an access), and beyond the access bits (fids.ts, access). */
const OEXEC = 3;
const OTRUNC = 0x10;
const ORCLOSE = 0x40;

/** Permission bits of a stat's mode and of Tcreate's perm; the server supports DMDIR and rwx. */
const DMDIR = 0x80000000;
const PERM_BITS = 0o777;

/** "Don't touch" values of a Twstat. */
const NO16 = 0xffff;
const NO32 = 0xffffffff;
const NO64 = 0xffffffffffffffffn;

function openMode(mode: number): { mode: OpenMode; truncate: boolean } {
  return {
    mode: { ...access(mode), append: false, removeOnClunk: (mode & ORCLOSE) !== 0 },
    truncate: (mode & OTRUNC) !== 0,
  };
}

/** Seconds as a stat's 32-bit time. */
function u32time(sec: number): number {
  return Math.min(Math.max(sec, 0), NO32);
}

/** The stat record of a file reached by the name `name`. */
function statOf(name: string, attr: Attr): Stat {
  return {
    type: 0,
    dev: 0,
    qid: qidOf(attr),
    // >>> 0: DMDIR is bit 31, which JavaScript's | would make a sign.
    mode: ((isDir(attr) ? DMDIR : 0) | (attr.mode & PERM_BITS)) >>> 0,
    atime: u32time(attr.atime.sec),
    mtime: u32time(attr.mtime.sec),
    // Plan 9 directories have length 0.
    length: isDir(attr) ? 0n : BigInt(attr.size),
    name,
    uid: String(attr.uid),
    gid: String(attr.gid),
    muid: '',
  };
}

/**
 * Tcreate: a file or (DMDIR) a directory in directory fid, opened with mode;
 * fid then names it. Permissions follow Plan 9: the new file's rw bits (rwx
 * for a directory) are at most the directory's; its owner is the attaching
 * user, its group the directory's.
 */
function create(s: SessionState, m: Message<'Tcreate'>): Message<'Rcreate'> {
  const { f, attr: dir } = createIn(s, m.fid, m.name);
  requireCreatable(s, f, dir, m.name);
  if (m.perm & ~(DMDIR | PERM_BITS))
    throw new FsError('ENOTSUP', `create perm ${m.perm.toString(16)}: only DMDIR and rwx bits`);
  const { mode, truncate } = openMode(m.mode);
  const makeDir = (m.perm & DMDIR) !== 0;
  if (makeDir && (mode.write || truncate)) throw new FsError('EISDIR', `${m.name} is a directory: open it for reading`);
  const inherit = makeDir ? 0o777 : 0o666;
  const perm = m.perm & PERM_BITS & (~inherit | (dir.mode & inherit));
  const ino = makeDir
    ? s.fs.mkdir(f.ino, m.name, S_IFDIR | perm, f.uid, dir.gid)
    : s.fs.create(f.ino, m.name, S_IFREG | perm, f.uid, dir.gid);
  const attr = s.fs.getattr(ino);
  becomeOpen(s, f, m.name, attr, { mode, truncate: false, created: true });
  return { type: 'Rcreate', tag: m.tag, qid: qidOf(attr), iounit: s.iounit };
}

/**
 * A directory read: whole stat records, "." and ".." left out. The offset
 * must be 0 (start over) or where the previous read ended; the file system
 * cookie of the last record sent says where to go on.
 */
function readDir(s: SessionState, f: Fid, m: Message<'Tread'>): Message<'Rread'> {
  if (f.open === null || !f.open.read || f.cursor === null)
    throw new ProtocolError('EBADF', 'fid not open for reading');
  if (m.offset !== 0 && m.offset !== f.cursor.offset) throw new ProtocolError('EINVAL', 'bad offset in directory read');
  const start = m.offset === 0 ? { offset: 0, cookie: 0 } : f.cursor;
  const { data, cookie } = readDirectory(s, f.ino, start.cookie, m.count, (e) =>
    e.name === '.' || e.name === '..' ? null : encodeStat(statOf(e.name, s.fs.getattr(e.ino))),
  );
  f.cursor = { offset: start.offset + data.length, cookie };
  return { type: 'Rread', tag: m.tag, data };
}

/** Whether a Twstat changes nothing (muid, never changed, aside: see wstat). */
function isDontTouch(st: Stat): boolean {
  return (
    st.type === NO16 &&
    st.dev === NO32 &&
    st.qid.type === 0xff &&
    st.qid.version === NO32 &&
    st.qid.path === NO64 &&
    st.mode === NO32 &&
    st.atime === NO32 &&
    st.mtime === NO32 &&
    st.length === NO64 &&
    st.name === '' &&
    st.uid === '' &&
    st.gid === ''
  );
}

/**
 * Twstat changes name, mode, times, length and group, all or none, each
 * field "don't touch" as stat(5) defines it (~0, or an empty string). A
 * stat of nothing but "don't touch" asks for the file to reach stable
 * storage: a sync. Type, dev, qid and uid cannot change: they must be
 * "don't touch" or equal the file's. muid is the server's to keep (it keeps
 * none, and reports ""), so whatever a client sends there is ignored:
 * Linux's client sends its own user name in every rename.
 */
function wstat(s: SessionState, m: Message<'Twstat'>): Message<'Rwstat'> {
  const { f, attr } = resolve(s, m.fid);
  const st = m.stat;
  if (isDontTouch(st)) {
    if (!s.fs.readOnly) s.sync();
    return { type: 'Rwstat', tag: m.tag };
  }
  requireWritable(s);
  const now = statOf(f.name, attr);
  const fixed =
    (st.type === NO16 || st.type === now.type) &&
    (st.dev === NO32 || st.dev === now.dev) &&
    (st.qid.type === 0xff || st.qid.type === now.qid.type) &&
    (st.qid.version === NO32 || st.qid.version === now.qid.version) &&
    (st.qid.path === NO64 || st.qid.path === now.qid.path) &&
    (st.uid === '' || st.uid === now.uid);
  if (!fixed) throw new ProtocolError('EPERM', 'wstat cannot change type, dev, qid or uid');
  const set: { -readonly [K in keyof SetAttr]: SetAttr[K] } = {};
  if (st.mode !== NO32) {
    if ((st.mode & DMDIR) !== (now.mode & DMDIR))
      throw new ProtocolError('EINVAL', 'wstat cannot change a file into a directory or back');
    if (st.mode & ~(DMDIR | PERM_BITS))
      throw new FsError('ENOTSUP', `mode ${st.mode.toString(16)}: only DMDIR and rwx bits`);
    set.mode = (attr.mode & (S_IFMT | 0o7000)) | (st.mode & PERM_BITS);
  }
  if (st.atime !== NO32) set.atime = { sec: st.atime, nsec: 0 };
  if (st.mtime !== NO32) set.mtime = { sec: st.mtime, nsec: 0 };
  if (st.length !== NO64 && st.length !== now.length) {
    if (isDir(attr)) throw new FsError('EISDIR', 'a directory has no length to change');
    if (isSymlink(attr)) throw new FsError('EINVAL', `${f.name} is a symbolic link`);
    if (st.length > BigInt(Number.MAX_SAFE_INTEGER)) throw new FsError('EFBIG', `length ${st.length}`);
    set.size = Number(st.length);
  }
  if (st.gid !== '') {
    if (!/^[0-9]{1,10}$/.test(st.gid) || Number(st.gid) > NO32)
      throw new ProtocolError('EINVAL', `gid ${JSON.stringify(st.gid)} is not a number`);
    set.gid = Number(st.gid);
  }
  requireSettable(s.policy.permChecks, attr, f.uid, set, { timesNow: false, openForWrite: f.open?.write === true });
  const rename = st.name !== '' && st.name !== f.name ? st.name : null;
  if (rename === null) {
    s.fs.setattr(f.ino, set);
    return { type: 'Rwstat', tag: m.tag };
  }
  checkName(rename, 'remove');
  const { parent, name } = locate(s, f);
  const dir = s.fs.getattr(parent);
  requireRenamable(s, f, dir, name, dir, rename);
  if (exists(s, parent, rename)) throw new FsError('EEXIST', `${rename} already exists`);
  s.fs.rename(parent, name, parent, rename);
  try {
    s.fs.setattr(f.ino, set);
  } catch (err) {
    // All or none: the name goes back (a rename to the name just freed in the same directory).
    s.fs.rename(parent, rename, parent, name);
    throw err;
  }
  f.name = rename;
  return { type: 'Rwstat', tag: m.tag };
}

export const plan9: Handlers = {
  ...shared,
  Tattach: (s, m) => attach(s, m, uidOfName(m.uname)),
  Topen: (s, m) => {
    // OEXEC (3) opens for reading (fids.ts, access), and needs an x bit, root's too.
    if ((m.mode & 3) === OEXEC) {
      const { f, attr } = resolve(s, m.fid);
      requireAccess(s.policy.permChecks, attr, f.uid, X_OK, `execute ${f.name}`);
    }
    return { type: 'Ropen', tag: m.tag, ...openFid(s, m.fid, openMode(m.mode)) };
  },
  Tcreate: create,
  Tread: (s, m) => {
    const { f, attr } = resolve(s, m.fid);
    if (isDir(attr)) return readDir(s, f, m);
    return { type: 'Rread', tag: m.tag, data: readFile(s, f, attr, m.offset, m.count) };
  },
  Tstat: (s, m) => {
    const { f, attr } = resolve(s, m.fid);
    return { type: 'Rstat', tag: m.tag, stat: statOf(f.name, attr) };
  },
  Twstat: wstat,
};
