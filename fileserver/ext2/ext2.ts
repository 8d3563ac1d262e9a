/**
 * ext2 as a FileSystem (fs.ts), over a Store holding the whole image: the
 * file server's file system. openExt2(store, { readOnly }) checks the
 * superblock and group descriptors and returns it; the 9P server calls its
 * operations and, between them, sync.
 *
 * Every operation runs inside one undo-log scope (undo.ts): it
 * completes, or it throws an FsError and the image is as it was. Inode
 * records are copied once per operation and stored back at its end
 * (inode.ts); nothing read from the image is kept between operations
 * but the geometry that never changes (super.ts). So a sync between
 * two operations always writes a consistent image.
 *
 * What Linux's ext2 does that this does not: atime is never updated (as if
 * mounted noatime: a read changes nothing, so a sync after reads writes
 * nothing); the blocks reserved for root are not held back from ordinary
 * writers (statfs reports them as unavailable all the same).
 *
 * Open-unlinked files: a client's fids hold their inodes (hold, release),
 * and a non-directory whose last name goes while held keeps its blocks,
 * with no link, until the last hold is released; only then is it freed.
 * A sync writes such an inode as already freed (see sync), so the image on
 * disk never holds an inode no name reaches.
 */
import { randomInt } from 'node:crypto';
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
  DT_UNKNOWN,
  type FileSystem,
  FsError,
  type Ino,
  type SetAttr,
  type StatFs,
  type SyncReport,
  type Timespec,
} from '../fs.ts';
import { type Store, StoreError } from '../store.ts';
import { Allocator } from './alloc.ts';
import { assert } from './assert.ts';
import { BlockMap } from './blockmap.ts';
import { checkDevice, readDevice, writeDevice } from './device.ts';
import { Directories } from './dir.ts';
import { ft, linkMax, magic, nameMax, roCompat, rootIno } from './format.ts';
import { type Inode, Inodes, isDirectory, isRegular, isSymlink, S_IFMT } from './inode.ts';
import { takeOrphans } from './orphan.ts';
import { ImageError, Superblock } from './super.ts';
import { checkTarget, isFastSymlink, readTarget, writeTarget } from './symlink.ts';
import { UndoLog } from './undo.ts';
import { releaseAttributes, Xattrs } from './xattr.ts';

export { ImageError } from './super.ts';

export interface Ext2Options {
  /** Serve the image read-only: every change is EROFS, sync writes nothing. Default false. */
  readOnly?: boolean;
  /** The clock for timestamps. Default: the system's. */
  now?: () => Timespec;
}

/**
 * The file system of the ext2 image in `store`. Throws ImageError if the
 * image is not ext2, has a feature this code cannot serve, or contradicts
 * itself. An image this code can read but not safely change is served
 * read-only whatever `readOnly` says: `readOnlyReasons` says why.
 */
export function openExt2(store: Store, options: Ext2Options = {}): Ext2 {
  return new Ext2(store, options);
}

/** One read returns at most this much (a short read, as read(2) may return). */
export const readMax = 16 * 2 ** 20;

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const permissionBits = 0o7777;
const noDevice: Device = { major: 0, minor: 0 };

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

const dtypeOfFt: Record<number, number> = {
  [ft.regular]: DT_REG,
  [ft.directory]: DT_DIR,
  [ft.chardev]: DT_CHR,
  [ft.blockdev]: DT_BLK,
  [ft.fifo]: DT_FIFO,
  [ft.socket]: DT_SOCK,
  [ft.symlink]: DT_LNK,
};

export class Ext2 implements FileSystem {
  readonly root: Ino = rootIno;
  readonly readOnly: boolean;
  /** Why the image is served read-only although it was not asked to be (empty otherwise). */
  readonly readOnlyReasons: readonly string[];
  readonly superblock: Superblock;
  readonly #store: Store;
  readonly #disk: UndoLog;
  readonly #alloc: Allocator;
  readonly #map: BlockMap;
  readonly #dirs: Directories;
  readonly #inodes: Inodes;
  readonly #xattrs: Xattrs;
  readonly #now: () => Timespec;
  /** Holds on inodes (hold, release): how many, by inode number and generation. */
  readonly #holds = new Map<string, number>();

  constructor(store: Store, options: Ext2Options = {}) {
    const sb = new Superblock(store);
    this.superblock = sb;
    this.#store = store;
    this.#disk = new UndoLog(store);
    this.#alloc = new Allocator(this.#disk, sb);
    this.#map = new BlockMap(this.#disk, sb, this.#alloc);
    this.#dirs = new Directories(this.#disk, sb, this.#map);
    this.#inodes = new Inodes(this.#disk, sb);
    this.#xattrs = new Xattrs(this.#disk, sb, this.#alloc);
    this.#now = options.now ?? systemTime;
    const asked = options.readOnly ?? false;
    const reasons = [...sb.readOnlyReasons];
    if (!asked && store.readOnly) reasons.push('the store is read-only');
    this.readOnlyReasons = asked ? [] : reasons;
    this.readOnly = asked || reasons.length > 0;
    try {
      this.#run('read', () => {
        if (!isDirectory(this.#inodes.get(rootIno).mode)) throw new FsError('EIO', 'the root inode is not a directory');
      });
      if (!this.readOnly) this.#run('write', () => this.#reclaimOrphans());
    } catch (error) {
      if (error instanceof FsError) throw new ImageError('ERR_EXT2_CORRUPT', `root directory: ${error.message}`);
      throw error;
    }
  }

  /** Empties the orphan list a crash of another ext2/3/4 driver left (orphan.ts), as e2fsck would. */
  #reclaimOrphans(): void {
    for (const inode of takeOrphans(this.#disk, this.superblock, this.#inodes)) {
      if (inode.linksCount === 0) this.#free(inode);
      else if (isRegular(inode.mode)) this.#map.release(inode, Math.ceil(inode.size / this.superblock.blockSize));
    }
  }

  lookup(dir: Ino, name: string): Ino {
    return this.#run('read', () => {
      const entry = this.#dirs.find(this.#directory(dir), this.#name(name));
      if (entry === null) throw new FsError('ENOENT', `no ${JSON.stringify(name)} in directory ${dir}`);
      return entry.ino;
    });
  }

  getattr(ino: Ino): Attr {
    return this.#run('read', () => this.#attr(this.#file(ino)));
  }

  setattr(ino: Ino, set: SetAttr): Attr {
    return this.#run('write', () => {
      const inode = this.#file(ino);
      const now = this.#now();
      if (set.mode !== undefined)
        inode.mode = (inode.mode & ~permissionBits) | (uint(set.mode, 'mode') & permissionBits);
      if (set.uid !== undefined) inode.uid = uint(set.uid, 'uid');
      if (set.gid !== undefined) inode.gid = uint(set.gid, 'gid');
      if (set.size !== undefined) {
        const size = offset(set.size, 'size');
        this.#regular(inode);
        if (size > this.superblock.maxFileSize) throw new FsError('EFBIG', `size ${size} beyond the largest file`);
        this.#resize(inode, size);
        inode.setTime('mtime', now);
      }
      if (set.atime !== undefined) inode.setTime('atime', timespec(set.atime, 'atime'));
      if (set.mtime !== undefined) inode.setTime('mtime', timespec(set.mtime, 'mtime'));
      inode.setTime('ctime', now);
      return this.#attr(inode);
    });
  }

  read(ino: Ino, position: number, count: number, into?: Uint8Array): Uint8Array {
    return this.#run('read', () => {
      const inode = this.#file(ino);
      this.#regular(inode);
      const at = offset(position, 'offset');
      const size = inode.size;
      const n = Math.max(0, Math.min(offset(count, 'count'), size - at, readMax));
      if (into !== undefined && !(into instanceof Uint8Array && into.length >= n))
        throw new FsError('EINVAL', `into: not ${n} bytes`);
      const data = into === undefined ? new Uint8Array(n) : into.subarray(0, n);
      if (n === 0) return data;
      const B = this.superblock.blockSize;
      this.#map.runs(inode, Math.floor(at / B), Math.ceil((at + n) / B), (fileBlock, physical, blocks) => {
        const lo = Math.max(at, fileBlock * B);
        const hi = Math.min(at + n, (fileBlock + blocks) * B);
        // A hole reads as zeros (which a new array already holds).
        if (physical === 0) {
          if (into !== undefined) data.fill(0, lo - at, hi - at);
        } else this.#disk.copyOut(physical * B + (lo - fileBlock * B), data.subarray(lo - at, hi - at));
      });
      return data;
    });
  }

  write(ino: Ino, position: number, data: Uint8Array): number {
    return this.#run('write', () => {
      const inode = this.#file(ino);
      this.#regular(inode);
      const at = offset(position, 'offset');
      if (!(data instanceof Uint8Array)) throw new FsError('EINVAL', 'data: not bytes');
      if (data.length === 0) return 0;
      const end = at + data.length;
      if (end > this.superblock.maxFileSize) throw new FsError('EFBIG', `a write to ${end} beyond the largest file`);
      const B = this.superblock.blockSize;
      const size = inode.size;
      if (end > size) this.#zeroTail(inode, size);
      const lo = Math.floor(at / B);
      const hi = Math.ceil(end / B);
      // Every block first, so that running out of space changes nothing; then the data.
      this.#map.allocate(inode, lo, hi);
      this.#map.runs(inode, lo, hi, (fileBlock, physical, blocks) => {
        const from = Math.max(at, fileBlock * B);
        const to = Math.min(end, (fileBlock + blocks) * B);
        this.#disk.writeData(physical * B + (from - fileBlock * B), data.subarray(from - at, to - at));
      });
      if (end > size) this.#setSize(inode, end);
      const now = this.#now();
      inode.setTime('mtime', now);
      inode.setTime('ctime', now);
      return data.length;
    });
  }

  readdir(dir: Ino, cookie: number, limit: number): DirEntry[] {
    return this.#run('read', () => {
      const directory = this.#directory(dir);
      const from = offset(cookie, 'cookie');
      const max = offset(limit, 'limit');
      const entries: DirEntry[] = [];
      if (max === 0) return entries;
      this.#dirs.scan(directory, from, (entry) => {
        if (entry.ino === 0) return false;
        const name = fromUtf8.decode(this.#dirs.name(entry));
        const type = this.superblock.filetype
          ? (dtypeOfFt[entry.type] ?? DT_UNKNOWN)
          : dtypeOfMode(this.#inodes.get(entry.ino).mode);
        entries.push({ name, ino: entry.ino, type, cookie: entry.offset + 1 });
        return entries.length >= max;
      });
      return entries;
    });
  }

  create(dir: Ino, name: string, mode: number, uid: number, gid: number): Ino {
    return this.#run('write', () => {
      const type = uint(mode, 'mode') & ~permissionBits;
      if (type !== 0 && type !== S_IFREG)
        throw new FsError('EINVAL', `create makes regular files, not mode 0o${mode.toString(8)}`);
      return this.#make(dir, name, S_IFREG | (mode & permissionBits), uid, gid).ino;
    });
  }

  mkdir(dir: Ino, name: string, mode: number, uid: number, gid: number): Ino {
    return this.#run('write', () => {
      const inode = this.#make(dir, name, S_IFDIR | (uint(mode, 'mode') & permissionBits), uid, gid);
      return inode.ino;
    });
  }

  symlink(dir: Ino, name: string, target: string, uid: number, gid: number): Ino {
    return this.#run('write', () => {
      if (typeof target !== 'string') throw new FsError('EINVAL', 'target: not a string');
      const bytes = utf8.encode(target);
      const inode = this.#make(dir, name, S_IFLNK | 0o777, uid, gid, () => checkTarget(this.superblock, bytes));
      writeTarget(this.#disk, this.superblock, this.#map, inode, bytes);
      return inode.ino;
    });
  }

  readlink(ino: Ino): string {
    return this.#run('read', () => {
      const inode = this.#file(ino);
      if (!isSymlink(inode.mode)) throw new FsError('EINVAL', `inode ${ino} is not a symlink`);
      return fromUtf8.decode(readTarget(this.#disk, this.superblock, this.#map, inode));
    });
  }

  mknod(dir: Ino, name: string, mode: number, rdev: Device, uid: number, gid: number): Ino {
    return this.#run('write', () => {
      const type = uint(mode, 'mode') & S_IFMT;
      if (type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFCHR && type !== S_IFBLK)
        throw new FsError('EINVAL', `mknod makes special files, not mode 0o${mode.toString(8)}`);
      const device = type === S_IFCHR || type === S_IFBLK;
      const inode = this.#make(dir, name, type | (mode & permissionBits), uid, gid, () => {
        if (device) checkDevice(rdev);
      });
      if (device) writeDevice(inode, rdev);
      return inode.ino;
    });
  }

  link(ino: Ino, dir: Ino, name: string): void {
    this.#run('write', () => {
      const parent = this.#directory(dir);
      const bytes = this.#name(name);
      // An inode no name reaches (open-unlinked) cannot get one back: ENOENT, as linkat(2) says.
      const inode = this.#inodes.get(ino);
      if (isDots(bytes) || this.#dirs.find(parent, bytes) !== null)
        throw new FsError('EEXIST', `${JSON.stringify(name)} exists in directory ${dir}`);
      if (isDirectory(inode.mode)) throw new FsError('EPERM', `inode ${ino} is a directory`);
      if (inode.linksCount >= linkMax) throw new FsError('EMLINK', `inode ${ino} has ${inode.linksCount} links`);
      this.#dirs.add(parent, bytes, ino, this.#dirs.fileType(inode.mode));
      inode.linksCount = inode.linksCount + 1;
      inode.setTime('ctime', this.#now());
      this.#touch(parent);
    });
  }

  unlink(dir: Ino, name: string): void {
    this.#run('write', () => {
      const parent = this.#directory(dir);
      const bytes = this.#name(name);
      if (isDots(bytes)) throw new FsError('EISDIR', `unlink ${JSON.stringify(name)}`);
      const entry = this.#dirs.find(parent, bytes);
      if (entry === null) throw new FsError('ENOENT', `no ${JSON.stringify(name)} in directory ${dir}`);
      const inode = this.#inodes.get(entry.ino);
      if (isDirectory(inode.mode)) throw new FsError('EISDIR', `${JSON.stringify(name)} is a directory`);
      this.#dirs.remove(parent, entry);
      this.#unlinked(inode);
      this.#touch(parent);
    });
  }

  rmdir(dir: Ino, name: string): void {
    this.#run('write', () => {
      const parent = this.#directory(dir);
      const bytes = this.#name(name);
      if (bytes.length === 1 && bytes[0] === 0x2e) throw new FsError('EINVAL', 'rmdir "."');
      if (isDots(bytes)) throw new FsError('ENOTEMPTY', 'rmdir ".."');
      const entry = this.#dirs.find(parent, bytes);
      if (entry === null) throw new FsError('ENOENT', `no ${JSON.stringify(name)} in directory ${dir}`);
      const inode = this.#inodes.get(entry.ino);
      if (!isDirectory(inode.mode)) throw new FsError('ENOTDIR', `${JSON.stringify(name)} is not a directory`);
      if (inode.ino === rootIno) throw new FsError('EBUSY', 'the root directory');
      if (!this.#dirs.isEmpty(inode)) throw new FsError('ENOTEMPTY', `${JSON.stringify(name)} is not empty`);
      this.#dirs.remove(parent, entry);
      this.#removeDirectory(parent, inode);
      this.#touch(parent);
    });
  }

  rename(fromDir: Ino, fromName: string, toDir: Ino, toName: string): void {
    this.#run('write', () => {
      const source = this.#directory(fromDir);
      const target = this.#directory(toDir);
      const fromBytes = this.#name(fromName);
      const toBytes = this.#name(toName);
      if (isDots(fromBytes) || isDots(toBytes)) throw new FsError('EBUSY', 'rename of "." or ".."');
      const from = this.#dirs.find(source, fromBytes);
      if (from === null) throw new FsError('ENOENT', `no ${JSON.stringify(fromName)} in directory ${fromDir}`);
      const moved = this.#inodes.get(from.ino);
      const movedIsDir = isDirectory(moved.mode);
      const to = this.#dirs.find(target, toBytes);
      // The same inode under both names (the same entry, or two links): POSIX says do nothing.
      if (to !== null && to.ino === from.ino) return;
      if (movedIsDir) this.#checkNotBelow(target, moved);
      const replaced = to === null ? null : this.#inodes.get(to.ino);
      if (replaced !== null) {
        if (movedIsDir && !isDirectory(replaced.mode))
          throw new FsError('ENOTDIR', `${JSON.stringify(toName)} is not a directory`);
        if (!movedIsDir && isDirectory(replaced.mode))
          throw new FsError('EISDIR', `${JSON.stringify(toName)} is a directory`);
        if (movedIsDir && !this.#dirs.isEmpty(replaced))
          throw new FsError('ENOTEMPTY', `${JSON.stringify(toName)} is not empty`);
      } else if (movedIsDir && source !== target && target.linksCount >= linkMax) {
        throw new FsError('EMLINK', `directory ${toDir} has ${target.linksCount} links`);
      }

      const type = this.#dirs.fileType(moved.mode);
      if (to !== null && replaced !== null) {
        this.#dirs.retarget(target, to, moved.ino, type);
        if (isDirectory(replaced.mode)) this.#removeDirectory(target, replaced);
        else this.#unlinked(replaced);
      } else this.#dirs.add(target, toBytes, moved.ino, type);
      // Found again: adding may have split the record before it.
      const stale = this.#dirs.find(source, fromBytes);
      if (stale === null || stale.ino !== moved.ino) throw new FsError('EIO', 'the renamed entry moved');
      this.#dirs.remove(source, stale);
      if (movedIsDir && source !== target) {
        const dotdot = this.#dirs.find(moved, utf8.encode('..'));
        if (dotdot === null) throw new FsError('EIO', `directory ${moved.ino} has no ".."`);
        this.#dirs.retarget(moved, dotdot, target.ino, ft.directory);
        source.linksCount--;
        target.linksCount++;
      }
      moved.setTime('ctime', this.#now());
      this.#touch(source);
      this.#touch(target);
    });
  }

  listxattr(ino: Ino): string[] {
    return this.#run('read', () => this.#xattrs.list(this.#inodes.get(ino)));
  }

  getxattr(ino: Ino, name: string): Uint8Array {
    return this.#run('read', () => this.#xattrs.get(this.#inodes.get(ino), name));
  }

  setxattr(ino: Ino, name: string, value: Uint8Array | null, flags: number): void {
    this.#run('write', () => {
      const inode = this.#inodes.get(ino);
      this.#xattrs.set(inode, name, value, flags);
      inode.setTime('ctime', this.#now());
    });
  }

  statfs(): StatFs {
    return this.#run('read', () => {
      const sb = this.superblock;
      const free = sb.freeBlocks;
      return {
        type: magic,
        blockSize: sb.blockSize,
        blocks: sb.blocksCount,
        blocksFree: free,
        blocksAvailable: Math.max(0, free - sb.reservedBlocks),
        files: sb.inodesCount,
        filesFree: sb.freeInodes,
        nameMax,
        fsid: sb.fsid,
      };
    });
  }

  hold(ino: Ino, generation: number): void {
    this.#run('read', () => {
      if (this.#file(ino).generation !== generation) throw new FsError('ENOENT', `inode ${ino} was freed and reused`);
    });
    const key = holdKey(ino, generation);
    this.#holds.set(key, (this.#holds.get(key) ?? 0) + 1);
  }

  release(ino: Ino, generation: number): void {
    const key = holdKey(ino, generation);
    const count = this.#holds.get(key);
    assert(count !== undefined, `release of inode ${ino} never held`);
    if (count > 1) {
      this.#holds.set(key, count - 1);
      return;
    }
    this.#holds.delete(key);
    // Only a writable image unlinks, so only there can the last hold be all that kept the inode.
    if (this.readOnly) return;
    this.#run('write', () => {
      const inode = this.#inodes.get(ino, true);
      if (inode.generation === generation && isUnlinked(inode)) this.#free(inode);
    });
  }

  /**
   * Writes the image back. An open-unlinked file goes to disk as freed:
   * inside one undo scope every such inode is freed, the store synced, and
   * the scope rolled back. So the image always shows the state a crash must
   * come back to (the file gone, its holders gone with the server), e2fsck
   * -n finds it clean, and nothing is left to reclaim; the price is that the
   * blocks of bitmap, descriptor and inode table this touches are written
   * again by each sync while such a file is open.
   */
  sync(): SyncReport {
    const orphans = this.#orphans();
    if (orphans.length === 0) return this.#syncStore();
    this.#disk.begin();
    try {
      for (const ino of orphans) this.#free(this.#inodes.get(ino, true));
      this.#inodes.save();
      return this.#syncStore();
    } finally {
      this.#inodes.discard();
      this.#disk.rollback();
    }
  }

  #syncStore(): SyncReport {
    try {
      return this.#store.sync();
    } catch (error) {
      throw error instanceof StoreError ? new FsError('EIO', error.message) : error;
    }
  }

  /** The open-unlinked inodes: held, with no link left. */
  #orphans(): Ino[] {
    if (this.readOnly) return [];
    return this.#run('read', () => {
      const found = new Set<Ino>();
      for (const key of this.#holds.keys()) {
        const ino = Number(key.slice(0, key.indexOf(':')));
        const inode = this.#inodes.get(ino, true);
        if (this.#isOrphan(inode)) found.add(ino);
      }
      return [...found];
    });
  }

  /** Whether a hold on `inode` (its number and generation) remains. */
  #held(inode: Inode): boolean {
    return this.#holds.has(holdKey(inode.ino, inode.generation));
  }

  /** Whether `inode` is open-unlinked: unlinked (isUnlinked) and held. */
  #isOrphan(inode: Inode): boolean {
    return isUnlinked(inode) && this.#held(inode);
  }

  /** Inode `ino` as a client holding it may use it: in use, or open-unlinked (ENOENT otherwise). */
  #file(ino: Ino): Inode {
    const inode = this.#inodes.get(ino, true);
    if (inode.linksCount === 0 && !this.#isOrphan(inode)) throw new FsError('ENOENT', `inode ${ino} is not in use`);
    return inode;
  }

  /**
   * Runs one operation: a change is refused on a read-only image; on any
   * failure the undo log puts the image back and a store's I/O error
   * becomes EIO. Inode records changed are stored when it completes.
   */
  #run<T>(kind: 'read' | 'write', body: () => T): T {
    if (kind === 'write' && this.readOnly) throw new FsError('EROFS', 'the image is served read-only');
    this.#disk.begin();
    try {
      const result = body();
      this.#inodes.save();
      this.#disk.commit();
      return result;
    } catch (error) {
      this.#inodes.discard();
      this.#disk.rollback();
      throw error instanceof StoreError ? new FsError('EIO', error.message) : error;
    }
  }

  #attr(inode: Inode): Attr {
    return {
      ino: inode.ino,
      generation: inode.generation,
      mode: inode.mode,
      nlink: inode.linksCount,
      rdev: isDevice(inode.mode) ? readDevice(inode) : noDevice,
      uid: inode.uid,
      gid: inode.gid,
      size: inode.size,
      blocks: inode.sectors,
      blockSize: this.superblock.blockSize,
      atime: inode.time('atime'),
      mtime: inode.time('mtime'),
      ctime: inode.time('ctime'),
    };
  }

  /** A name as bytes: not empty (ENOENT), no '/' or NUL (EINVAL), at most 255 bytes of UTF-8 (ENAMETOOLONG). */
  #name(name: string): Uint8Array {
    if (typeof name !== 'string') throw new FsError('EINVAL', 'name: not a string');
    if (name.length === 0) throw new FsError('ENOENT', 'empty name');
    if (name.includes('/') || name.includes('\0'))
      throw new FsError('EINVAL', `name ${JSON.stringify(name)} holds '/' or NUL`);
    const bytes = utf8.encode(name);
    if (bytes.length > nameMax) throw new FsError('ENAMETOOLONG', `name of ${bytes.length} bytes (at most ${nameMax})`);
    return bytes;
  }

  #directory(ino: Ino): Inode {
    const inode = this.#inodes.get(ino);
    if (!isDirectory(inode.mode)) throw new FsError('ENOTDIR', `inode ${ino} is not a directory`);
    return inode;
  }

  /** Refuses what is not a regular file: EISDIR for a directory, EINVAL for the rest. */
  #regular(inode: Inode): void {
    if (isDirectory(inode.mode)) throw new FsError('EISDIR', `inode ${inode.ino} is a directory`);
    if (!isRegular(inode.mode)) throw new FsError('EINVAL', `inode ${inode.ino} is not a regular file`);
  }

  /**
   * A new inode of `mode` named `name` in `dir`, with its links counted; a
   * directory gets "." and "..". `check` refuses what else is wrong after
   * the name is known to be new and before anything is allocated (Linux's
   * order of errors).
   */
  #make(dir: Ino, name: string, mode: number, uid: number, gid: number, check?: () => void): Inode {
    const parent = this.#directory(dir);
    const bytes = this.#name(name);
    const owner = uint(uid, 'uid');
    const group = uint(gid, 'gid');
    if (isDots(bytes) || this.#dirs.find(parent, bytes) !== null)
      throw new FsError('EEXIST', `${JSON.stringify(name)} exists in directory ${dir}`);
    const directory = isDirectory(mode);
    if (directory && parent.linksCount >= linkMax)
      throw new FsError('EMLINK', `directory ${dir} has ${parent.linksCount} links`);
    check?.();
    const now = this.#now();
    const ino = this.#alloc.allocateInode(parent.ino, directory);
    const inode = this.#inodes.create(ino, mode, owner, group, now, randomInt(2 ** 32));
    inode.linksCount = directory ? 2 : 1;
    if (directory) {
      this.#dirs.initialize(inode, parent.ino);
      parent.linksCount++;
    }
    this.#dirs.add(parent, bytes, ino, this.#dirs.fileType(mode));
    this.#touch(parent);
    return inode;
  }

  /** Sets a regular file's size: shrinking frees the blocks past the end, growing leaves a hole. */
  #resize(inode: Inode, size: number): void {
    const old = inode.size;
    if (size < old) {
      const B = this.superblock.blockSize;
      this.#map.release(inode, Math.ceil(size / B));
      this.#zeroTail(inode, size);
    } else if (size > old) this.#zeroTail(inode, old);
    this.#setSize(inode, size);
  }

  /**
   * Zeroes the bytes after `size` in the block holding it: whatever lies
   * past a file's end must read as zeros once the file grows over it.
   */
  #zeroTail(inode: Inode, size: number): void {
    const B = this.superblock.blockSize;
    const within = size % B;
    if (within === 0) return;
    const block = this.#map.lookup(inode, Math.floor(size / B));
    if (block !== 0) this.#disk.zeroUnlogged(block * B + within, B - within);
  }

  /** Sets i_size, turning large_file on the first time a file reaches 2 GiB (as Linux does). */
  #setSize(inode: Inode, size: number): void {
    inode.size = size;
    if (size >= 2 ** 31 && !this.superblock.largeFile) {
      const addr = this.superblock.addr.roCompat;
      this.#disk.set32(addr, (this.#disk.get32(addr) | roCompat.largeFile) >>> 0);
    }
  }

  /** One name of a non-directory is gone: the inode goes with its last link, unless a client holds it (then with its last hold). */
  #unlinked(inode: Inode): void {
    assert(inode.linksCount > 0, `inode ${inode.ino} unlinked with no link`);
    inode.linksCount = inode.linksCount - 1;
    inode.setTime('ctime', this.#now());
    if (inode.linksCount === 0 && !this.#held(inode)) this.#free(inode);
  }

  /** An empty directory's entry in `parent` is gone (or replaced): it goes, and so does its ".." link to `parent`. */
  #removeDirectory(parent: Inode, inode: Inode): void {
    inode.linksCount = 0;
    this.#free(inode);
    parent.linksCount--;
  }

  /** Frees an inode with no links left: its blocks, its share of an attribute block, its bitmap bit. */
  #free(inode: Inode): void {
    const sb = this.superblock;
    const hasBlocks =
      isRegular(inode.mode) || isDirectory(inode.mode) || (isSymlink(inode.mode) && !isFastSymlink(sb, inode));
    if (hasBlocks) this.#map.release(inode, 0);
    releaseAttributes(this.#disk, sb, this.#alloc, inode);
    this.#alloc.freeInode(inode.ino, isDirectory(inode.mode));
    inode.size = 0;
    inode.dtime = Math.max(0, this.#now().sec) % 2 ** 32;
  }

  /** A directory's entries changed: mtime and ctime are now. */
  #touch(dir: Inode): void {
    const now = this.#now();
    dir.setTime('mtime', now);
    dir.setTime('ctime', now);
  }

  /** Refuses to move directory `moved` into `dir` when `dir` is `moved` or lies below it (EINVAL, as rename(2)). */
  #checkNotBelow(dir: Inode, moved: Inode): void {
    const dotdot = utf8.encode('..');
    let at = dir;
    for (let steps = 0; at.ino !== rootIno; steps++) {
      if (at.ino === moved.ino) throw new FsError('EINVAL', `directory ${moved.ino} would move below itself`);
      if (steps > this.superblock.inodesCount)
        throw new FsError('EIO', `corrupt image: directory ${dir.ino} has no path to the root`);
      const up = this.#dirs.find(at, dotdot);
      if (up === null) throw new FsError('EIO', `corrupt image: directory ${at.ino} has no ".."`);
      at = this.#directory(up.ino);
    }
    if (moved.ino === rootIno) throw new FsError('EBUSY', 'the root directory');
  }
}

function holdKey(ino: Ino, generation: number): string {
  return `${ino}:${generation}`;
}

/** Whether `inode` lost its last name but was not freed (#free sets dtime): only a hold keeps it so. */
function isUnlinked(inode: Inode): boolean {
  return inode.linksCount === 0 && !isDirectory(inode.mode) && inode.dtime === 0;
}

function isDevice(mode: number): boolean {
  const type = mode & S_IFMT;
  return type === S_IFCHR || type === S_IFBLK;
}

function isDots(name: Uint8Array): boolean {
  return name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e));
}

function dtypeOfMode(mode: number): number {
  const types: Record<number, number> = {
    0o100000: DT_REG,
    0o040000: DT_DIR,
    0o120000: DT_LNK,
    0o020000: DT_CHR,
    0o060000: DT_BLK,
    0o010000: DT_FIFO,
    0o140000: DT_SOCK,
  };
  return types[mode & 0o170000] ?? DT_UNKNOWN;
}

function uint(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new FsError('EINVAL', `${what} ${value}`);
  return value;
}

/** A byte offset, size or count: a non-negative safe integer. */
function offset(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new FsError('EINVAL', `${what} ${value}`);
  return value;
}

function timespec(value: Timespec, what: string): Timespec {
  if (
    typeof value !== 'object' ||
    value === null ||
    !Number.isSafeInteger(value.sec) ||
    !Number.isInteger(value.nsec) ||
    value.nsec < 0 ||
    value.nsec > 999_999_999
  ) {
    throw new FsError('EINVAL', `${what}: not a time`);
  }
  return value;
}

function systemTime(): Timespec {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}
