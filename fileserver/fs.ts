/**
 * The file system as the 9P server sees it: inode numbers, attributes and
 * name operations, with errors as Linux errno names. ext2/ext2.ts implements it
 * over one deferred segment holding the whole image; the 9P server
 * (9p/server.ts) speaks only this interface, so protocol and format never
 * meet.
 *
 * Every call either completes or throws an FsError before changing
 * anything the caller can observe: a sync (write-back of the image) may run
 * between any two calls, never inside one.
 */

/** Inode number; the root directory is FileSystem.root. */
export type Ino = number;

export interface Timespec {
  readonly sec: number;
  readonly nsec: number;
}

/** File type bits of `mode` (S_IFMT and friends, as in Linux). */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

export interface Attr {
  readonly ino: Ino;
  /** The inode's generation number (i_generation): with ino, a 9P qid path and version. */
  readonly generation: number;
  /** Type and permission bits. */
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  /** 512-byte sectors allocated, as stat(2) reports them. */
  readonly blocks: number;
  readonly blockSize: number;
  readonly atime: Timespec;
  readonly mtime: Timespec;
  readonly ctime: Timespec;
}

/** What setattr changes; absent fields stay. Changing size truncates or extends (zero-filled). */
export interface SetAttr {
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly size?: number;
  readonly atime?: Timespec;
  readonly mtime?: Timespec;
}

/** d_type values of a directory entry (DT_*). */
export const DT_UNKNOWN = 0;
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_BLK = 6;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;

export interface DirEntry {
  readonly name: string;
  readonly ino: Ino;
  /** DT_REG, DT_DIR, DT_LNK, or (for special files an image may hold) DT_FIFO, DT_CHR, DT_BLK, DT_SOCK. */
  readonly type: number;
  /** Passing this to readdir continues after this entry. */
  readonly cookie: number;
}

export interface StatFs {
  readonly blockSize: number;
  readonly blocks: number;
  readonly blocksFree: number;
  /** Free blocks available to unprivileged users (free minus reserved). */
  readonly blocksAvailable: number;
  readonly files: number;
  readonly filesFree: number;
  readonly nameMax: number;
  readonly fsid: bigint;
}

/** What one sync wrote, as the engine counted it. */
export interface SyncReport {
  readonly written: number;
  readonly skipped: number;
}

/** Linux errno names and numbers the file system reports (9P2000.L Rlerror carries the number). */
export const errnos = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  EMLINK: 31,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOTSUP: 95,
} as const;

export type Errno = keyof typeof errnos;

/** A refused file system operation; nothing changed. */
export class FsError extends Error {
  override readonly name = 'FsError';
  readonly code: Errno;
  readonly errno: number;
  constructor(code: Errno, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
    this.errno = errnos[code];
  }
}

export interface FileSystem {
  readonly root: Ino;
  readonly readOnly: boolean;
  lookup(dir: Ino, name: string): Ino;
  getattr(ino: Ino): Attr;
  setattr(ino: Ino, set: SetAttr): Attr;
  /**
   * Up to `count` bytes from `offset`; short (or empty) at end of file.
   * With `into` (at least as long as what is read), the bytes go there and
   * the result is a view of its start: a server reads straight into the
   * reply it sends. Without, into a new array.
   */
  read(ino: Ino, offset: number, count: number, into?: Uint8Array): Uint8Array;
  /** Writes all of `data` at `offset`, growing the file; returns data.length. */
  write(ino: Ino, offset: number, data: Uint8Array): number;
  /** Entries after `cookie` (0: from the start, "." and ".." included), at most `limit` of them. */
  readdir(dir: Ino, cookie: number, limit: number): DirEntry[];
  create(dir: Ino, name: string, mode: number, uid: number, gid: number): Ino;
  mkdir(dir: Ino, name: string, mode: number, uid: number, gid: number): Ino;
  symlink(dir: Ino, name: string, target: string, uid: number, gid: number): Ino;
  readlink(ino: Ino): string;
  /** Removes a non-directory entry (EISDIR for a directory). */
  unlink(dir: Ino, name: string): void;
  /** Removes an empty directory (ENOTEMPTY otherwise). */
  rmdir(dir: Ino, name: string): void;
  rename(fromDir: Ino, fromName: string, toDir: Ino, toName: string): void;
  statfs(): StatFs;
  /** Writes the image back durably; only what changed reaches the disk. */
  sync(): SyncReport;
}
