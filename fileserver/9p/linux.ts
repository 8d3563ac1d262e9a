/**
 * 9P2000.L, the dialect of Linux's v9fs and diod: Linux open flags, modes,
 * uids and gids as numbers, errors as errnos (Rlerror), directories read
 * with Treaddir. Layouts and flag values are those of diod's protocol.h and
 * Linux's include/net/9p/9p.h.
 */
import {
  type Attr,
  type Device,
  FsError,
  type Ino,
  S_IFDIR,
  S_IFMT,
  S_IFREG,
  type SetAttr,
  type Timespec,
} from '../fs.ts';
import { requireCreatableMode, requireSettable, uidOfName } from './access.ts';
import { encodeDirent, type Message, NONUNAME } from './codec.ts';
import {
  attach,
  becomeOpen,
  checkName,
  createIn,
  exists,
  isDir,
  isSymlink,
  locate,
  now,
  openFid,
  qidOf,
  readDirectory,
  readFile,
  requireCreatable,
  requireRenamable,
  requireUnlinkable,
  requireWritable,
  resolve,
  resolveDir,
  shared,
} from './common.ts';
import { ProtocolError } from './errors.ts';
import { access, type OpenMode } from './fids.ts';
import { getlock, lock } from './linux-locks.ts';
import { clunkXattr, readXattr, removeXattr, writeXattr, xattrcreate, xattrwalk } from './linux-xattrs.ts';
import type { Handlers, SessionState } from './state.ts';

/** Linux open(2) flags a Tlopen/Tlcreate carries, beyond the access bits (fids.ts, access). */
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_DIRECTORY = 0o200000;

/** Tsetattr valid bits. */
const SET_MODE = 0x1;
const SET_UID = 0x2;
const SET_GID = 0x4;
const SET_SIZE = 0x8;
const SET_ATIME = 0x10;
const SET_MTIME = 0x20;
const SET_ATIME_SET = 0x80;
const SET_MTIME_SET = 0x100;

/** Rgetattr valid bits: every basic field (mode .. blocks) and the generation. */
const GETATTR_BASIC = 0x7ffn;
const GETATTR_GEN = 0x1000n;

/** Tunlinkat: remove a directory. */
const AT_REMOVEDIR = 0x200;

/**
 * Rgetattr's rdev: Linux's dev_t as its client decodes it (new_decode_dev;
 * glibc's makedev, which diod sends, is the same below major 4096): minor's
 * low byte, major from bit 8, minor's high bits from bit 20.
 */
function encodeDevice(dev: Device): number {
  return (dev.minor & 0xff) + dev.major * 2 ** 8 + (dev.minor - (dev.minor & 0xff)) * 2 ** 12;
}

function lopenMode(flags: number): { mode: OpenMode; truncate: boolean; directory: boolean } {
  const mode = { ...access(flags), append: (flags & O_APPEND) !== 0, removeOnClunk: false };
  return { mode, truncate: (flags & O_TRUNC) !== 0, directory: (flags & O_DIRECTORY) !== 0 };
}

function timespec(sec: number, nsec: number): Timespec {
  if (nsec >= 1e9) throw new ProtocolError('EINVAL', `nanoseconds ${nsec} out of range`);
  return { sec, nsec };
}

function getattr(m: Message<'Tgetattr'>, attr: Attr): Message<'Rgetattr'> {
  return {
    type: 'Rgetattr',
    tag: m.tag,
    valid: GETATTR_BASIC | GETATTR_GEN,
    qid: qidOf(attr),
    mode: attr.mode,
    uid: attr.uid,
    gid: attr.gid,
    nlink: attr.nlink,
    rdev: encodeDevice(attr.rdev),
    size: attr.size,
    blksize: attr.blockSize,
    blocks: attr.blocks,
    atimeSec: attr.atime.sec,
    atimeNsec: attr.atime.nsec,
    mtimeSec: attr.mtime.sec,
    mtimeNsec: attr.mtime.nsec,
    ctimeSec: attr.ctime.sec,
    ctimeNsec: attr.ctime.nsec,
    btimeSec: 0,
    btimeNsec: 0,
    gen: attr.generation,
    dataVersion: 0,
  };
}

function setattr(s: SessionState, m: Message<'Tsetattr'>): Message<'Rsetattr'> {
  requireWritable(s);
  const { f, attr } = resolve(s, m.fid);
  const set: { -readonly [K in keyof SetAttr]: SetAttr[K] } = {};
  if (m.valid & SET_MODE) set.mode = (attr.mode & S_IFMT) | (m.mode & 0o7777);
  if (m.valid & SET_UID) set.uid = m.uid;
  if (m.valid & SET_GID) set.gid = m.gid;
  if (m.valid & SET_SIZE) {
    if (isDir(attr)) throw new FsError('EISDIR', `${f.name} is a directory`);
    if (isSymlink(attr)) throw new FsError('EINVAL', `${f.name} is a symbolic link`);
    set.size = m.size;
  }
  if (m.valid & SET_ATIME) set.atime = m.valid & SET_ATIME_SET ? timespec(m.atimeSec, m.atimeNsec) : now();
  if (m.valid & SET_MTIME) set.mtime = m.valid & SET_MTIME_SET ? timespec(m.mtimeSec, m.mtimeNsec) : now();
  requireSettable(s.policy.permChecks, attr, f.uid, set, {
    timesNow: (m.valid & (SET_ATIME_SET | SET_MTIME_SET)) === 0,
    openForWrite: f.open?.write === true,
  });
  s.fs.setattr(f.ino, set);
  return { type: 'Rsetattr', tag: m.tag };
}

/**
 * Tlcreate: creates a regular file in directory fid and opens it; fid then
 * names the new file. Without O_EXCL an existing file is opened instead, as
 * open(2) with O_CREAT does (another client may have created it first):
 * then, as there, the directory need not be writable, only the file
 * accessible as asked.
 */
function lcreate(s: SessionState, m: Message<'Tlcreate'>): Message<'Rlcreate'> {
  const { f, attr: dir } = createIn(s, m.fid, m.name);
  const { mode, truncate } = lopenMode(m.flags);
  const created = !exists(s, f.ino, m.name);
  let ino: Ino;
  if (created) {
    requireCreatable(s, f, dir, m.name);
    requireCreatableMode(s.policy.permChecks, dir, f.uid, m.mode, m.gid);
    ino = s.fs.create(f.ino, m.name, S_IFREG | (m.mode & 0o7777), f.uid, m.gid);
  } else {
    if (m.flags & O_EXCL) throw new FsError('EEXIST', `${m.name} already exists`);
    ino = s.fs.lookup(f.ino, m.name);
  }
  const attr = s.fs.getattr(ino);
  // open(2) with O_CREAT refuses a directory, whatever the access.
  if (isDir(attr)) throw new FsError('EISDIR', `${m.name} is a directory`);
  becomeOpen(s, f, m.name, attr, { mode, truncate: truncate && !created, created });
  return { type: 'Rlcreate', tag: m.tag, qid: qidOf(attr), iounit: s.iounit };
}

/** Treaddir: whole entries from the cookie `offset` on, as many as fit in count. */
function readdir(s: SessionState, m: Message<'Treaddir'>): Message<'Rreaddir'> {
  const { f, attr } = resolve(s, m.fid);
  if (f.open === null || !f.open.read) throw new ProtocolError('EBADF', 'fid not open for reading');
  if (!isDir(attr)) throw new FsError('ENOTDIR', `${f.name} is not a directory`);
  const { data } = readDirectory(s, f.ino, m.offset, m.count, (e) =>
    encodeDirent({ qid: qidOf(s.fs.getattr(e.ino)), offset: e.cookie, type: e.type, name: e.name }),
  );
  return { type: 'Rreaddir', tag: m.tag, data };
}

export const linux: Handlers = {
  ...shared,
  // As diod: the user is n_uname, or the uname when that is absent (here a decimal uid, else nobody).
  Tattach: (s, m) => attach(s, m, m.nUname === NONUNAME ? uidOfName(m.uname) : m.nUname),
  Tgetattr: (s, m) => getattr(m, resolve(s, m.fid).attr),
  Tsetattr: setattr,
  Tlopen: (s, m) => ({ type: 'Rlopen', tag: m.tag, ...openFid(s, m.fid, lopenMode(m.flags)) }),
  Tlcreate: lcreate,
  Tread: (s, m) => {
    if (s.fids.get(m.fid).xattr !== undefined) return readXattr(s, m);
    const { f, attr } = resolve(s, m.fid);
    if (isDir(attr)) throw new FsError('EISDIR', `${f.name} is a directory: use Treaddir`);
    return { type: 'Rread', tag: m.tag, data: readFile(s, f, attr, m.offset, m.count) };
  },
  Treaddir: readdir,
  Tmkdir: (s, m) => {
    requireWritable(s);
    const { f, attr } = resolveDir(s, m.dfid);
    checkName(m.name, 'create');
    requireCreatable(s, f, attr, m.name);
    requireCreatableMode(s.policy.permChecks, attr, f.uid, m.mode, m.gid);
    const ino = s.fs.mkdir(f.ino, m.name, S_IFDIR | (m.mode & 0o7777), f.uid, m.gid);
    return { type: 'Rmkdir', tag: m.tag, qid: qidOf(s.fs.getattr(ino)) };
  },
  Tsymlink: (s, m) => {
    requireWritable(s);
    const { f, attr } = resolveDir(s, m.fid);
    checkName(m.name, 'create');
    requireCreatable(s, f, attr, m.name);
    // As symlink(2): an empty target is ENOENT; a NUL cannot be in a path at all.
    if (m.symtgt.length === 0) throw new FsError('ENOENT', 'empty symbolic link target');
    if (m.symtgt.includes('\0')) throw new ProtocolError('EINVAL', 'NUL in symbolic link target');
    const ino = s.fs.symlink(f.ino, m.name, m.symtgt, f.uid, m.gid);
    return { type: 'Rsymlink', tag: m.tag, qid: qidOf(s.fs.getattr(ino)) };
  },
  Tmknod: (s, m) => {
    requireWritable(s);
    const { f, attr } = resolveDir(s, m.dfid);
    checkName(m.name, 'create');
    requireCreatable(s, f, attr, m.name);
    requireCreatableMode(s.policy.permChecks, attr, f.uid, m.mode, m.gid);
    const ino = s.fs.mknod(f.ino, m.name, m.mode, { major: m.major, minor: m.minor }, f.uid, m.gid);
    return { type: 'Rmknod', tag: m.tag, qid: qidOf(s.fs.getattr(ino)) };
  },
  Tlink: (s, m) => {
    requireWritable(s);
    const dir = resolveDir(s, m.dfid);
    const { f } = resolve(s, m.fid);
    checkName(m.name, 'create');
    requireCreatable(s, dir.f, dir.attr, m.name);
    s.fs.link(f.ino, dir.f.ino, m.name);
    return { type: 'Rlink', tag: m.tag };
  },
  Treadlink: (s, m) => {
    const { f, attr } = resolve(s, m.fid);
    if (!isSymlink(attr)) throw new FsError('EINVAL', `${f.name} is not a symbolic link`);
    return { type: 'Rreadlink', tag: m.tag, target: s.fs.readlink(f.ino) };
  },
  Tunlinkat: (s, m) => {
    requireWritable(s);
    const { f, attr } = resolveDir(s, m.dirfid);
    checkName(m.name, 'remove');
    if (m.flags & ~AT_REMOVEDIR) throw new ProtocolError('EINVAL', `unlinkat flags ${m.flags}`);
    requireUnlinkable(s, f, attr, m.name);
    if (m.flags & AT_REMOVEDIR) s.fs.rmdir(f.ino, m.name);
    else s.fs.unlink(f.ino, m.name);
    return { type: 'Runlinkat', tag: m.tag };
  },
  Trenameat: (s, m) => {
    requireWritable(s);
    const from = resolveDir(s, m.olddirfid);
    const to = resolveDir(s, m.newdirfid);
    checkName(m.oldname, 'remove');
    checkName(m.newname, 'remove');
    requireRenamable(s, from.f, from.attr, m.oldname, to.attr, m.newname);
    s.fs.rename(from.f.ino, m.oldname, to.f.ino, m.newname);
    return { type: 'Rrenameat', tag: m.tag };
  },
  Trename: (s, m) => {
    requireWritable(s);
    const { f } = resolve(s, m.fid);
    const to = resolveDir(s, m.dfid);
    checkName(m.name, 'remove');
    const from = locate(s, f);
    requireRenamable(s, f, s.fs.getattr(from.parent), from.name, to.attr, m.name);
    s.fs.rename(from.parent, from.name, to.f.ino, m.name);
    f.parent = to.f.ino;
    f.name = m.name;
    return { type: 'Rrename', tag: m.tag };
  },
  Tstatfs: (s, m) => {
    resolve(s, m.fid);
    const st = s.fs.statfs();
    return {
      type: 'Rstatfs',
      tag: m.tag,
      fstype: st.type,
      bsize: st.blockSize,
      blocks: st.blocks,
      bfree: st.blocksFree,
      bavail: st.blocksAvailable,
      files: st.files,
      ffree: st.filesFree,
      fsid: st.fsid,
      namelen: st.nameMax,
    };
  },
  Tfsync: (s, m) => {
    // As fsync(2) of a descriptor that is not open for I/O (O_PATH): only an open fid syncs.
    if (resolve(s, m.fid).f.open === null) throw new ProtocolError('EBADF', 'fid not open for I/O');
    if (!s.fs.readOnly) s.sync();
    return { type: 'Rfsync', tag: m.tag };
  },
  Tlock: lock,
  Tgetlock: getlock,
  Txattrwalk: xattrwalk,
  Txattrcreate: xattrcreate,
  // An attribute fid (linux-xattrs.ts) is written and clunked its own way.
  Twrite: (s, m) => (s.fids.get(m.fid).xattr !== undefined ? writeXattr(s, m) : shared.Twrite(s, m)),
  Tclunk: (s, m) => (s.fids.get(m.fid).xattr !== undefined ? clunkXattr(s, m) : shared.Tclunk(s, m)),
  Tremove: (s, m) => (s.fids.get(m.fid).xattr !== undefined ? removeXattr(s, m) : shared.Tremove(s, m)),
};
