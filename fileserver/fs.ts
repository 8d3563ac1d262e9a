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
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFSOCK = 0o140000;

/** A device number as Linux splits it: major below 2^12, minor below 2^20 (its dev_t). */
export interface Device {
  readonly major: number;
  readonly minor: number;
}

export interface Attr {
  readonly ino: Ino;
  /** The inode's generation number (i_generation): with ino, a 9P qid path and version. */
  readonly generation: number;
  /** Type and permission bits. */
  readonly mode: number;
  readonly nlink: number;
  /** The device a character or block special file stands for; 0:0 for every other file. */
  readonly rdev: Device;
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

/** setxattr(2) flags. */
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;
/** Linux's limits on extended attributes: a name's bytes, a value's bytes, a list's bytes (names and their NULs). */
export const XATTR_NAME_MAX = 255;
export const XATTR_SIZE_MAX = 65536;
export const XATTR_LIST_MAX = 65536;

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
  /** statfs(2)'s f_type: the file system's magic number. */
  readonly type: number;
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
  /**
   * A sync through a journal (the segment store's atomic write-back) that
   * wrote something: the runs it wrote in place (a stretch of changed bytes
   * each), and the bytes it wrote to the journal before them.
   */
  readonly journal?: { readonly runs: number; readonly bytes: number };
}

/** Linux errno names and numbers the file system reports (9P2000.L Rlerror carries the number). */
export const errnos = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  E2BIG: 7,
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
  ENODATA: 61,
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
  /** A special file (mode's type: S_IFIFO, S_IFSOCK, S_IFCHR or S_IFBLK, the last two naming `rdev`), as mknod(2). */
  mknod(dir: Ino, name: string, mode: number, rdev: Device, uid: number, gid: number): Ino;
  /** A new name for `ino`, as link(2): EPERM for a directory, EMLINK past the most links an inode may have. */
  link(ino: Ino, dir: Ino, name: string): void;
  /** Removes a non-directory entry (EISDIR for a directory). */
  unlink(dir: Ino, name: string): void;
  /** Removes an empty directory (ENOTEMPTY otherwise). */
  rmdir(dir: Ino, name: string): void;
  rename(fromDir: Ino, fromName: string, toDir: Ino, toName: string): void;
  /** The full names of `ino`'s extended attributes ("user.mime_type", "system.posix_acl_access"). */
  listxattr(ino: Ino): string[];
  /** The value of `ino`'s extended attribute `name`: ENODATA when it has none. */
  getxattr(ino: Ino, name: string): Uint8Array;
  /**
   * Sets `ino`'s extended attribute `name` to `value`, or removes it (null),
   * as setxattr(2) and removexattr(2) do: flags XATTR_CREATE (EEXIST if it
   * exists), XATTR_REPLACE (ENODATA if not); ERANGE for a name over 255
   * bytes, E2BIG for a value over 64 KiB, ENOTSUP for a namespace not served.
   */
  setxattr(ino: Ino, name: string, value: Uint8Array | null, flags: number): void;
  statfs(): StatFs;
  /**
   * A client refers to inode `ino` of `generation` (a 9P fid names it):
   * while any hold remains, a non-directory whose last name is removed
   * lives on without one (POSIX's open-unlinked file: read, write, getattr
   * and setattr keep working), and goes with the last release.
   */
  hold(ino: Ino, generation: number): void;
  /** Ends one hold; an inode with no name left and no hold is freed. */
  release(ino: Ino, generation: number): void;
  /** Writes the image back durably; only what changed reaches the disk. */
  sync(): SyncReport;
}
