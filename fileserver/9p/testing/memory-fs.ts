/**
 * A FileSystem in plain memory, for the server's tests: inodes in a map,
 * file contents as byte arrays, directories as name -> inode maps. It keeps
 * what ext2 promises through fs.ts: ext2's inode numbering (root 2, files
 * from 11, lowest free first), generations that change on reuse, link
 * counts, hard links, special files, open-unlinked files (a held inode
 * outlives its last name), "." and ".." in every directory, stable readdir
 * cookies, a block and inode budget (ENOSPC), and every refusal before any
 * change. The
 * protocol tests run against it and against real ext2 images alike.
 */
import {
  type Attr,
  type Device,
  type DirEntry,
  DT_BLK,
  DT_CHR,
  DT_DIR,
  DT_FIFO,
  DT_LNK,
  DT_REG,
  DT_SOCK,
  type FileSystem,
  FsError,
  type Ino,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  type SetAttr,
  type StatFs,
  type SyncReport,
  type Timespec,
  XATTR_CREATE,
  XATTR_NAME_MAX,
  XATTR_REPLACE,
  XATTR_SIZE_MAX,
} from '../../fs.ts';

export interface MemoryFsOptions {
  /** Bytes per block; default 4096. */
  readonly blockSize?: number;
  /** Blocks for file data, directories and long symlinks; default 1024. */
  readonly blocks?: number;
  /** Inodes, reserved ones (1..10) included; default 256. */
  readonly inodes?: number;
  readonly readOnly?: boolean;
}

const ROOT = 2;
const FIRST_INO = 11;
const NAME_MAX = 255;
/** Symlink targets this short live in the inode (ext2's fast symlinks) and take no block. */
const FAST_SYMLINK_MAX = 59;
/** Cookies of "." and ".."; entries get larger ones, in order of creation. */
const COOKIE_DOT = 1;
const COOKIE_DOTDOT = 2;
/** ext2's EXT2_LINK_MAX. */
const LINK_MAX = 32000;
const NO_DEVICE: Device = { major: 0, minor: 0 };
const dtypes: Record<number, number> = {
  [S_IFREG]: DT_REG,
  [S_IFDIR]: DT_DIR,
  [S_IFLNK]: DT_LNK,
  [S_IFIFO]: DT_FIFO,
  [S_IFCHR]: DT_CHR,
  [S_IFBLK]: DT_BLK,
  [S_IFSOCK]: DT_SOCK,
};

interface Entry {
  readonly ino: Ino;
  readonly cookie: number;
}

interface Inode {
  readonly ino: Ino;
  readonly generation: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
  /** Regular file: its bytes (length = size) and the block numbers written (sparse files take no block for holes). */
  data: Uint8Array;
  written: Set<number>;
  /** Directory: parent, entries by name, next cookie. */
  parent: Ino;
  entries: Map<string, Entry>;
  nextCookie: number;
  /** Symbolic link: its target. */
  target: string;
  /** Extended attributes by full name, in the order set. */
  xattrs: Map<string, Uint8Array>;
  /** Character or block special file: the device. */
  rdev: Device;
}

/** A name Linux's ext2 serves (user., trusted., security., the two ACLs), refused as it refuses others. */
function xattrName(name: string): string {
  const length = Buffer.byteLength(name);
  if (length === 0 || length > XATTR_NAME_MAX) throw new FsError('ERANGE', `attribute name of ${length} bytes`);
  if (name === 'system.posix_acl_access' || name === 'system.posix_acl_default') return name;
  const prefix = ['user.', 'trusted.', 'security.'].find((p) => name.startsWith(p));
  if (prefix === undefined) throw new FsError('ENOTSUP', `attribute namespace of ${JSON.stringify(name)}`);
  if (name.length === prefix.length)
    throw new FsError('EINVAL', `attribute name ${JSON.stringify(name)} is only a prefix`);
  return name;
}

function now(): Timespec {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
}

const type = (i: Inode): number => i.mode & S_IFMT;

export class MemoryFs implements FileSystem {
  readonly root = ROOT;
  /** Tests populate a writable file system and then make it read-only, as serving an image read-only would. */
  readOnly: boolean;
  readonly blockSize: number;
  readonly #blocksTotal: number;
  /**
   * Largest file: the whole capacity. Contents are held densely, so unlike
   * ext2 (sparse files up to about 4 TiB) a larger size is refused with EFBIG.
   */
  readonly #fileSizeMax: number;
  readonly #inodesTotal: number;
  readonly #inodes = new Map<Ino, Inode>();
  /** Holds by "inode:generation"; an inode with no link stays in #inodes while held. */
  readonly #holds = new Map<string, number>();
  #blocksUsed = 0;
  #generations = 0;
  #changedBytes = 0;

  constructor(options: MemoryFsOptions = {}) {
    const { blockSize = 4096, blocks = 1024, inodes = 256, readOnly = false } = options;
    this.blockSize = blockSize;
    this.#blocksTotal = blocks;
    this.#fileSizeMax = blocks * blockSize;
    this.#inodesTotal = inodes;
    this.readOnly = readOnly;
    const root = this.#newInode(ROOT, S_IFDIR | 0o755, 0, 0, ROOT);
    root.nlink = 2;
    this.#blocksUsed = 1;
  }

  #newInode(ino: Ino, mode: number, uid: number, gid: number, parent: Ino): Inode {
    const t = now();
    const inode: Inode = {
      ino,
      generation: ++this.#generations,
      mode,
      nlink: 1,
      uid,
      gid,
      atime: t,
      mtime: t,
      ctime: t,
      data: new Uint8Array(0),
      written: new Set(),
      parent,
      entries: new Map(),
      nextCookie: COOKIE_DOTDOT + 1,
      target: '',
      xattrs: new Map(),
      rdev: NO_DEVICE,
    };
    this.#inodes.set(ino, inode);
    return inode;
  }

  #inode(ino: Ino): Inode {
    const i = this.#inodes.get(ino);
    if (i === undefined) throw new FsError('ENOENT', `inode ${ino} is not in use`);
    return i;
  }

  #dir(ino: Ino): Inode {
    const d = this.#inode(ino);
    if (type(d) !== S_IFDIR) throw new FsError('ENOTDIR', `inode ${ino} is not a directory`);
    return d;
  }

  #writable(): void {
    if (this.readOnly) throw new FsError('EROFS', 'read-only file system');
  }

  #checkName(name: string): void {
    if (name.length === 0 || name.includes('/') || name.includes('\0'))
      throw new FsError('EINVAL', `bad name ${JSON.stringify(name)}`);
    if (Buffer.byteLength(name) > NAME_MAX) throw new FsError('ENAMETOOLONG', `name longer than ${NAME_MAX} bytes`);
  }

  /** Blocks a file of these written blocks and this symlink target takes. */
  #blocksOf(i: Inode): number {
    if (type(i) === S_IFDIR) return 1;
    if (type(i) === S_IFLNK) return i.target.length > FAST_SYMLINK_MAX ? 1 : 0;
    return i.written.size;
  }

  #freeInode(): Ino {
    for (let ino = FIRST_INO; ino <= this.#inodesTotal; ino++) if (!this.#inodes.has(ino)) return ino;
    throw new FsError('ENOSPC', 'no free inode');
  }

  #needBlocks(n: number): void {
    if (this.#blocksUsed + n > this.#blocksTotal)
      throw new FsError('ENOSPC', `needs ${n} blocks, ${this.#blocksTotal - this.#blocksUsed} free`);
  }

  #touch(i: Inode): void {
    i.mtime = i.ctime = now();
  }

  /** Drops one link; an inode left with none is freed with its blocks, unless it is a held non-directory. */
  #unlinkInode(i: Inode): void {
    i.nlink -= type(i) === S_IFDIR ? 2 : 1;
    i.ctime = now();
    if (i.nlink > 0 || (type(i) !== S_IFDIR && this.#holds.has(`${i.ino}:${i.generation}`))) return;
    this.#freeIt(i);
  }

  #freeIt(i: Inode): void {
    this.#blocksUsed -= this.#blocksOf(i);
    this.#inodes.delete(i.ino);
  }

  lookup(dir: Ino, name: string): Ino {
    const d = this.#dir(dir);
    if (name === '.') return d.ino;
    if (name === '..') return d.parent;
    this.#checkName(name);
    const e = d.entries.get(name);
    if (e === undefined) throw new FsError('ENOENT', `${name} not found`);
    return e.ino;
  }

  getattr(ino: Ino): Attr {
    const i = this.#inode(ino);
    const size =
      type(i) === S_IFDIR ? this.blockSize : type(i) === S_IFLNK ? Buffer.byteLength(i.target) : i.data.length;
    return {
      ino,
      generation: i.generation,
      mode: i.mode,
      nlink: i.nlink,
      rdev: i.rdev,
      uid: i.uid,
      gid: i.gid,
      size,
      blocks: (this.#blocksOf(i) * this.blockSize) / 512,
      blockSize: this.blockSize,
      atime: i.atime,
      mtime: i.mtime,
      ctime: i.ctime,
    };
  }

  setattr(ino: Ino, set: SetAttr): Attr {
    this.#writable();
    const i = this.#inode(ino);
    if (set.size !== undefined) {
      if (type(i) === S_IFDIR) throw new FsError('EISDIR', 'cannot truncate a directory');
      if (type(i) !== S_IFREG) throw new FsError('EINVAL', 'can only truncate a regular file');
      if (!Number.isSafeInteger(set.size) || set.size < 0) throw new FsError('EINVAL', `size ${set.size}`);
      if (set.size > this.#fileSizeMax) throw new FsError('EFBIG', `size ${set.size}`);
    }
    if (set.mode !== undefined && (set.mode & S_IFMT) !== 0 && (set.mode & S_IFMT) !== type(i)) {
      throw new FsError('EINVAL', 'setattr cannot change the file type');
    }
    if (set.size !== undefined && set.size !== i.data.length) this.#resize(i, set.size);
    if (set.mode !== undefined) i.mode = type(i) | (set.mode & 0o7777);
    if (set.uid !== undefined) i.uid = set.uid;
    if (set.gid !== undefined) i.gid = set.gid;
    if (set.atime !== undefined) i.atime = set.atime;
    if (set.mtime !== undefined) i.mtime = set.mtime;
    i.ctime = now();
    this.#changedBytes += 256;
    return this.getattr(ino);
  }

  /** Truncates or extends (a hole: no blocks); blocks past the new end are freed. */
  #resize(i: Inode, size: number): void {
    const data = new Uint8Array(size);
    data.set(i.data.subarray(0, Math.min(size, i.data.length)));
    i.data = data;
    const keep = Math.ceil(size / this.blockSize);
    for (const b of [...i.written]) {
      if (b >= keep) {
        i.written.delete(b);
        this.#blocksUsed--;
      }
    }
    // Bytes cut off are gone: extending again reads zeros, as on ext2.
    this.#touch(i);
  }

  read(ino: Ino, offset: number, count: number, into?: Uint8Array): Uint8Array {
    const i = this.#inode(ino);
    if (type(i) === S_IFDIR) throw new FsError('EISDIR', 'read of a directory');
    if (type(i) !== S_IFREG) throw new FsError('EINVAL', 'read of a symbolic link');
    const bytes = i.data.subarray(Math.min(offset, i.data.length), Math.min(i.data.length, offset + count));
    if (into === undefined) return bytes.slice();
    if (into.length < bytes.length) throw new FsError('EINVAL', `into: not ${bytes.length} bytes`);
    into.set(bytes);
    return into.subarray(0, bytes.length);
  }

  write(ino: Ino, offset: number, data: Uint8Array): number {
    this.#writable();
    const i = this.#inode(ino);
    if (type(i) === S_IFDIR) throw new FsError('EISDIR', 'write to a directory');
    if (type(i) !== S_IFREG) throw new FsError('EINVAL', 'write to a symbolic link');
    const end = offset + data.length;
    if (end > this.#fileSizeMax) throw new FsError('EFBIG', `write past ${this.#fileSizeMax}`);
    if (data.length === 0) return 0;
    const fresh: number[] = [];
    for (let b = Math.floor(offset / this.blockSize); b * this.blockSize < end; b++)
      if (!i.written.has(b)) fresh.push(b);
    this.#needBlocks(fresh.length);
    if (end > i.data.length) {
      const grown = new Uint8Array(end);
      grown.set(i.data);
      i.data = grown;
    }
    i.data.set(data, offset);
    for (const b of fresh) i.written.add(b);
    this.#blocksUsed += fresh.length;
    this.#changedBytes += data.length;
    this.#touch(i);
    return data.length;
  }

  readdir(dir: Ino, cookie: number, limit: number): DirEntry[] {
    const d = this.#dir(dir);
    const all: DirEntry[] = [
      { name: '.', ino: d.ino, type: DT_DIR, cookie: COOKIE_DOT },
      { name: '..', ino: d.parent, type: DT_DIR, cookie: COOKIE_DOTDOT },
    ];
    for (const [name, e] of d.entries) {
      all.push({ name, ino: e.ino, type: dtypes[type(this.#inode(e.ino))], cookie: e.cookie });
    }
    return all.filter((e) => e.cookie > cookie).slice(0, limit);
  }

  /** Checks shared by create, mkdir and symlink; returns the directory. */
  #beforeCreate(dir: Ino, name: string): Inode {
    this.#writable();
    const d = this.#dir(dir);
    if (name === '.' || name === '..') throw new FsError('EEXIST', `${name} exists`);
    this.#checkName(name);
    if (d.entries.has(name)) throw new FsError('EEXIST', `${name} exists`);
    return d;
  }

  #link(d: Inode, name: string, ino: Ino): void {
    d.entries.set(name, { ino, cookie: d.nextCookie++ });
    this.#touch(d);
  }

  create(dir: Ino, name: string, mode: number, uid: number, gid: number): Ino {
    const d = this.#beforeCreate(dir, name);
    const ino = this.#freeInode();
    this.#newInode(ino, S_IFREG | (mode & 0o7777), uid, gid, d.ino);
    this.#link(d, name, ino);
    this.#changedBytes += 256;
    return ino;
  }

  mkdir(dir: Ino, name: string, mode: number, uid: number, gid: number): Ino {
    const d = this.#beforeCreate(dir, name);
    const ino = this.#freeInode();
    this.#needBlocks(1);
    const i = this.#newInode(ino, S_IFDIR | (mode & 0o7777), uid, gid, d.ino);
    i.nlink = 2;
    this.#blocksUsed++;
    d.nlink++;
    this.#link(d, name, ino);
    this.#changedBytes += this.blockSize;
    return ino;
  }

  symlink(dir: Ino, name: string, target: string, uid: number, gid: number): Ino {
    const d = this.#beforeCreate(dir, name);
    if (target.length === 0) throw new FsError('EINVAL', 'empty symlink target');
    if (Buffer.byteLength(target) >= this.blockSize)
      throw new FsError('ENAMETOOLONG', 'symlink target longer than a block');
    const ino = this.#freeInode();
    const blocks = Buffer.byteLength(target) > FAST_SYMLINK_MAX ? 1 : 0;
    this.#needBlocks(blocks);
    const i = this.#newInode(ino, S_IFLNK | 0o777, uid, gid, d.ino);
    i.target = target;
    this.#blocksUsed += blocks;
    this.#link(d, name, ino);
    this.#changedBytes += 256;
    return ino;
  }

  mknod(dir: Ino, name: string, mode: number, rdev: Device, uid: number, gid: number): Ino {
    const d = this.#beforeCreate(dir, name);
    const t = mode & S_IFMT;
    if (t !== S_IFIFO && t !== S_IFSOCK && t !== S_IFCHR && t !== S_IFBLK)
      throw new FsError('EINVAL', `mknod of mode 0o${mode.toString(8)}`);
    const device = t === S_IFCHR || t === S_IFBLK;
    if (device && !(rdev.major >= 0 && rdev.major < 2 ** 12 && rdev.minor >= 0 && rdev.minor < 2 ** 20))
      throw new FsError('EINVAL', `device ${rdev.major}:${rdev.minor}`);
    const ino = this.#freeInode();
    const i = this.#newInode(ino, t | (mode & 0o7777), uid, gid, d.ino);
    if (device) i.rdev = { major: rdev.major, minor: rdev.minor };
    this.#link(d, name, ino);
    this.#changedBytes += 256;
    return ino;
  }

  link(ino: Ino, dir: Ino, name: string): void {
    const d = this.#beforeCreate(dir, name);
    const i = this.#inode(ino);
    if (i.nlink === 0) throw new FsError('ENOENT', `inode ${ino} has no name left`);
    if (type(i) === S_IFDIR) throw new FsError('EPERM', 'a hard link to a directory');
    if (i.nlink >= LINK_MAX) throw new FsError('EMLINK', `inode ${ino} has ${i.nlink} links`);
    i.nlink++;
    i.ctime = now();
    this.#link(d, name, ino);
    this.#changedBytes += 256;
  }

  hold(ino: Ino, generation: number): void {
    if (this.#inode(ino).generation !== generation) throw new FsError('ENOENT', `inode ${ino} was reused`);
    const key = `${ino}:${generation}`;
    this.#holds.set(key, (this.#holds.get(key) ?? 0) + 1);
  }

  release(ino: Ino, generation: number): void {
    const key = `${ino}:${generation}`;
    const count = this.#holds.get(key);
    if (count === undefined) throw new Error(`release of inode ${ino} never held`);
    if (count > 1) this.#holds.set(key, count - 1);
    else {
      this.#holds.delete(key);
      const i = this.#inodes.get(ino);
      if (i !== undefined && i.generation === generation && i.nlink === 0) this.#freeIt(i);
    }
  }

  readlink(ino: Ino): string {
    const i = this.#inode(ino);
    if (type(i) !== S_IFLNK) throw new FsError('EINVAL', 'not a symbolic link');
    return i.target;
  }

  /** The entry `name` of `dir` for unlink, rmdir and rename: never "." or "..". */
  #entry(d: Inode, name: string): Inode {
    if (name === '.' || name === '..') throw new FsError('EINVAL', `cannot remove or rename ${name}`);
    this.#checkName(name);
    const e = d.entries.get(name);
    if (e === undefined) throw new FsError('ENOENT', `${name} not found`);
    return this.#inode(e.ino);
  }

  unlink(dir: Ino, name: string): void {
    this.#writable();
    const d = this.#dir(dir);
    const i = this.#entry(d, name);
    if (type(i) === S_IFDIR) throw new FsError('EISDIR', `${name} is a directory`);
    d.entries.delete(name);
    this.#touch(d);
    this.#unlinkInode(i);
    this.#changedBytes += 256;
  }

  rmdir(dir: Ino, name: string): void {
    this.#writable();
    const d = this.#dir(dir);
    const i = this.#entry(d, name);
    if (type(i) !== S_IFDIR) throw new FsError('ENOTDIR', `${name} is not a directory`);
    if (i.entries.size > 0) throw new FsError('ENOTEMPTY', `${name} is not empty`);
    d.entries.delete(name);
    d.nlink--;
    this.#touch(d);
    this.#unlinkInode(i);
    this.#changedBytes += 256;
  }

  /** Whether directory `ino` is `ancestor` or lies below it. */
  #within(ino: Ino, ancestor: Ino): boolean {
    for (let at = ino; ; at = this.#inode(at).parent) {
      if (at === ancestor) return true;
      if (at === ROOT) return false;
    }
  }

  rename(fromDir: Ino, fromName: string, toDir: Ino, toName: string): void {
    this.#writable();
    const from = this.#dir(fromDir);
    const to = this.#dir(toDir);
    const i = this.#entry(from, fromName);
    if (toName === '.' || toName === '..') throw new FsError('EINVAL', `cannot rename to ${toName}`);
    this.#checkName(toName);
    const existing = to.entries.get(toName);
    const victim = existing === undefined ? null : this.#inode(existing.ino);
    if (victim === i) return;
    const isDir = type(i) === S_IFDIR;
    if (isDir && this.#within(to.ino, i.ino)) throw new FsError('EINVAL', 'cannot move a directory into itself');
    if (victim !== null) {
      if (type(victim) === S_IFDIR && !isDir) throw new FsError('EISDIR', `${toName} is a directory`);
      if (type(victim) !== S_IFDIR && isDir) throw new FsError('ENOTDIR', `${toName} is not a directory`);
      if (type(victim) === S_IFDIR && victim.entries.size > 0) throw new FsError('ENOTEMPTY', `${toName} is not empty`);
    }
    from.entries.delete(fromName);
    if (victim !== null) {
      to.entries.delete(toName);
      if (isDir) to.nlink--;
      this.#unlinkInode(victim);
    }
    this.#link(to, toName, i.ino);
    this.#touch(from);
    if (isDir) {
      from.nlink--;
      to.nlink++;
      i.parent = to.ino;
    }
    i.ctime = now();
    this.#changedBytes += 512;
  }

  listxattr(ino: Ino): string[] {
    return [...this.#inode(ino).xattrs.keys()];
  }

  getxattr(ino: Ino, name: string): Uint8Array {
    const value = this.#inode(ino).xattrs.get(xattrName(name));
    if (value === undefined) throw new FsError('ENODATA', `no attribute ${JSON.stringify(name)}`);
    return value.slice();
  }

  /** As ext2's, but values of any size up to XATTR_SIZE_MAX fit (no attribute block to fill) and ACLs are not read. */
  setxattr(ino: Ino, name: string, value: Uint8Array | null, flags: number): void {
    this.#writable();
    const i = this.#inode(ino);
    xattrName(name);
    if ((flags & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0) throw new FsError('EINVAL', `attribute flags ${flags}`);
    if (value !== null && value.length > XATTR_SIZE_MAX) throw new FsError('E2BIG', 'attribute value too large');
    const exists = i.xattrs.has(name);
    if (exists && flags & XATTR_CREATE) throw new FsError('EEXIST', `attribute ${JSON.stringify(name)} exists`);
    if (!exists && (value === null || flags & XATTR_REPLACE))
      throw new FsError('ENODATA', `no attribute ${JSON.stringify(name)}`);
    if (value === null) i.xattrs.delete(name);
    else i.xattrs.set(name, value.slice());
    i.ctime = now();
  }

  statfs(): StatFs {
    return {
      type: 0xef53,
      blockSize: this.blockSize,
      blocks: this.#blocksTotal,
      blocksFree: this.#blocksTotal - this.#blocksUsed,
      blocksAvailable: this.#blocksTotal - this.#blocksUsed,
      files: this.#inodesTotal,
      filesFree: this.#inodesTotal - (FIRST_INO - 1) - (this.#inodes.size - 1),
      nameMax: NAME_MAX,
      fsid: 0x9e9en,
    };
  }

  /** Nothing to write back; reports the bytes changed since the last sync as written. */
  sync(): SyncReport {
    this.#writable();
    const written = this.#changedBytes;
    this.#changedBytes = 0;
    return {
      written,
      skipped: this.#blocksTotal * this.blockSize - Math.min(written, this.#blocksTotal * this.blockSize),
    };
  }
}
