/**
 * Inodes: one record per inode in its group's inode table. An operation
 * takes a copy of each inode record it uses (one copyOut of the record:
 * the "small scratch array for one record"), reads and changes fields in
 * that copy, and stores the changed records back when it completes; the
 * copies are dropped at the end of every operation, so nothing read here
 * outlives it. Within an operation one inode has one copy (Inodes.get), so
 * two paths to the same inode (a rename inside one directory) see each
 * other's changes.
 *
 * Times: 32-bit seconds in the first 128 bytes; in a large inode, the
 * *_extra fields add nanoseconds (high 30 bits) and two more bits of
 * seconds (epoch bits), where i_extra_isize says they exist.
 */

import { FsError, type Timespec } from '../fs.ts';
import { assert, corrupt } from './assert.ts';
import { blockSlots, ino as field, flags, goodOldInodeSize } from './format.ts';
import type { Superblock } from './super.ts';
import type { UndoLog } from './undo.ts';

/** Bytes of a record an operation copies: the 128-byte core and the extra fields up to crtime. */
const recordMax = 160;

type TimeField = 'atime' | 'ctime' | 'mtime';
const extraOf = { atime: field.atimeExtra, ctime: field.ctimeExtra, mtime: field.mtimeExtra } as const;

export class Inode {
  readonly ino: number;
  /** Byte address of the record in the image. */
  readonly addr: number;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #dirty = false;

  constructor(ino: number, addr: number, bytes: Uint8Array) {
    this.ino = ino;
    this.addr = addr;
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The record as it is to be stored. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  get dirty(): boolean {
    return this.#dirty;
  }

  get mode(): number {
    return this.#view.getUint16(field.mode, true);
  }
  set mode(value: number) {
    this.#set16(field.mode, value);
  }

  get uid(): number {
    return this.#view.getUint16(field.uid, true) + this.#view.getUint16(field.uidHigh, true) * 0x10000;
  }
  set uid(value: number) {
    this.#set16(field.uid, value & 0xffff);
    this.#set16(field.uidHigh, value >>> 16);
  }

  get gid(): number {
    return this.#view.getUint16(field.gid, true) + this.#view.getUint16(field.gidHigh, true) * 0x10000;
  }
  set gid(value: number) {
    this.#set16(field.gid, value & 0xffff);
    this.#set16(field.gidHigh, value >>> 16);
  }

  get linksCount(): number {
    return this.#view.getUint16(field.linksCount, true);
  }
  set linksCount(value: number) {
    this.#set16(field.linksCount, value);
  }

  /**
   * Size in bytes. i_size_high extends regular files' sizes (large_file);
   * for directories the field was i_dir_acl and is ignored, as Linux's ext2 does.
   */
  get size(): number {
    const low = this.#view.getUint32(field.size, true);
    return isRegular(this.mode) ? low + this.#view.getUint32(field.sizeHigh, true) * 2 ** 32 : low;
  }
  set size(value: number) {
    assert(Number.isSafeInteger(value) && value >= 0, `size ${value}`);
    this.#set32(field.size, value % 2 ** 32);
    if (isRegular(this.mode)) this.#set32(field.sizeHigh, Math.floor(value / 2 ** 32));
    else assert(value < 2 ** 32, 'a directory or symlink of 4 GiB');
  }

  /** i_blocks: 512-byte sectors held, data, indirect and extended attribute blocks alike. */
  get sectors(): number {
    return this.#view.getUint32(field.blocks, true);
  }
  set sectors(value: number) {
    this.#set32(field.blocks, value);
  }

  get flags(): number {
    return this.#view.getUint32(field.flags, true);
  }
  set flags(value: number) {
    this.#set32(field.flags, value);
  }

  get generation(): number {
    return this.#view.getUint32(field.generation, true);
  }
  set generation(value: number) {
    this.#set32(field.generation, value);
  }

  /** The extended attribute block, 0 for none. */
  get fileAcl(): number {
    return this.#view.getUint32(field.fileAcl, true);
  }
  set fileAcl(value: number) {
    this.#set32(field.fileAcl, value);
  }

  /** Deletion time; on the orphan list (orphan.ts), the next inode of the list. */
  get dtime(): number {
    return this.#view.getUint32(field.dtime, true);
  }
  set dtime(value: number) {
    this.#set32(field.dtime, value);
  }

  /** i_block[slot]: a block number (or, in a fast symlink, 4 bytes of its target). */
  block(slot: number): number {
    assert(slot >= 0 && slot < blockSlots, `block slot ${slot}`);
    return this.#view.getUint32(field.block + 4 * slot, true);
  }
  setBlock(slot: number, value: number): void {
    assert(slot >= 0 && slot < blockSlots, `block slot ${slot}`);
    this.#set32(field.block + 4 * slot, value);
  }

  /** The 60 bytes of i_block, where a fast symlink keeps its target. */
  get inlineBytes(): Uint8Array {
    return this.#bytes.subarray(field.block, field.block + 4 * blockSlots);
  }
  setInlineBytes(bytes: Uint8Array): void {
    assert(bytes.length <= 4 * blockSlots, 'inline bytes beyond i_block');
    this.#bytes.fill(0, field.block, field.block + 4 * blockSlots);
    this.#bytes.set(bytes, field.block);
    this.#dirty = true;
  }

  time(which: TimeField): Timespec {
    const low = this.#view.getInt32(field[which], true);
    const extra = this.#hasExtra(extraOf[which]) ? this.#view.getUint32(extraOf[which], true) : 0;
    // Epoch bits extend the signed 32-bit seconds by multiples of 2^32.
    return { sec: low + (extra & 3) * 2 ** 32, nsec: extra >>> 2 };
  }

  setTime(which: TimeField, time: Timespec): void {
    const extra = this.#hasExtra(extraOf[which]);
    // Representable: signed 32 bits without extra fields, and up to 2^34 more with them; Linux clamps, so does this.
    const sec = Math.min(Math.max(time.sec, -(2 ** 31)), extra ? 2 ** 31 - 1 + 3 * 2 ** 32 : 2 ** 31 - 1);
    const low = ((sec + 2 ** 31) % 2 ** 32) - 2 ** 31;
    this.#view.setInt32(field[which], low, true);
    if (extra) this.#view.setUint32(extraOf[which], ((time.nsec << 2) | ((sec - low) / 2 ** 32)) >>> 0, true);
    this.#dirty = true;
  }

  /** Sets creation time, in large inodes only (crtime exists nowhere else). */
  setCreationTime(time: Timespec): void {
    if (!this.#hasExtra(field.crtimeExtra)) return;
    this.#view.setUint32(field.crtime, (time.sec % 2 ** 32) >>> 0, true);
    this.#view.setUint32(field.crtimeExtra, (time.nsec << 2) >>> 0, true);
    this.#dirty = true;
  }

  /** i_extra_isize: bytes of extra fields after the 128-byte core (0 in a 128-byte inode). */
  get extraIsize(): number {
    return this.#bytes.length <= goodOldInodeSize ? 0 : this.#view.getUint16(field.extraIsize, true);
  }

  /** Whether i_extra_isize covers the 4-byte field at `offset`. */
  #hasExtra(offset: number): boolean {
    if (this.#bytes.length <= goodOldInodeSize) return false;
    const extraIsize = this.#view.getUint16(field.extraIsize, true);
    return goodOldInodeSize + extraIsize >= offset + 4;
  }

  #set16(offset: number, value: number): void {
    this.#view.setUint16(offset, value, true);
    this.#dirty = true;
  }

  #set32(offset: number, value: number): void {
    this.#view.setUint32(offset, value, true);
    this.#dirty = true;
  }
}

export const S_IFMT = 0o170000;
export function isRegular(mode: number): boolean {
  return (mode & S_IFMT) === 0o100000;
}
export function isDirectory(mode: number): boolean {
  return (mode & S_IFMT) === 0o040000;
}
export function isSymlink(mode: number): boolean {
  return (mode & S_IFMT) === 0o120000;
}

/** The records one operation has copied, by inode number. */
export class Inodes {
  readonly #sb: Superblock;
  readonly #disk: UndoLog;
  readonly #open = new Map<number, Inode>();
  readonly #recordSize: number;

  constructor(disk: UndoLog, superblock: Superblock) {
    this.#disk = disk;
    this.#sb = superblock;
    this.#recordSize = Math.min(superblock.inodeSize, recordMax);
  }

  /**
   * Inode `ino`, which must be in use: a number outside the table, or an
   * inode with no links (free, or freed since a client learnt its number),
   * is ENOENT, unless `unlinked` (the caller knows why an inode with no
   * link lives on: an open-unlinked file, the orphan list); an inode whose
   * data ext2 cannot follow (extents, inline data: ext4's) is corruption.
   */
  get(ino: number, unlinked = false): Inode {
    const inode = this.#load(ino);
    if ((inode.linksCount === 0 && !unlinked) || inode.mode === 0)
      throw new FsError('ENOENT', `inode ${ino} is not in use`);
    if ((inode.flags & (flags.extents | flags.inlineData)) !== 0) {
      corrupt(`inode ${ino} has flags 0x${inode.flags.toString(16)} (extents or inline data), which ext2 has not`);
    }
    return inode;
  }

  /** Inode `ino`'s record as it is, in use or not (for a freshly allocated inode). */
  #load(ino: number): Inode {
    const sb = this.#sb;
    if (!Number.isSafeInteger(ino) || ino < 1 || ino > sb.inodesCount) throw new FsError('ENOENT', `no inode ${ino}`);
    const open = this.#open.get(ino);
    if (open !== undefined) return open;
    const addr = sb.inodeAddr(ino);
    const bytes = new Uint8Array(this.#recordSize);
    this.#disk.copyOut(addr, bytes);
    const inode = new Inode(ino, addr, bytes);
    this.#open.set(ino, inode);
    return inode;
  }

  /**
   * A new inode's record: all zero (in the image too, so no stale extended
   * attributes survive in a large inode's tail), i_extra_isize set as
   * mke2fs sets it, and a fresh generation number.
   */
  create(ino: number, mode: number, uid: number, gid: number, now: Timespec, generation: number): Inode {
    const sb = this.#sb;
    this.#disk.zeroUnlogged(sb.inodeAddr(ino), sb.inodeSize);
    this.#open.delete(ino);
    const inode = this.#load(ino);
    if (sb.newExtraIsize > 0) inode.bytes.set([sb.newExtraIsize & 0xff, sb.newExtraIsize >>> 8], field.extraIsize);
    inode.mode = mode;
    inode.uid = uid;
    inode.gid = gid;
    inode.generation = generation;
    for (const which of ['atime', 'ctime', 'mtime'] as const) inode.setTime(which, now);
    inode.setCreationTime(now);
    return inode;
  }

  /** Stores every changed record (through the undo log) and forgets them all: the end of an operation. */
  save(): void {
    for (const inode of this.#open.values()) if (inode.dirty) this.#disk.copyIn(inode.addr, inode.bytes);
    this.#open.clear();
  }

  /** Forgets every record unsaved: the operation failed. */
  discard(): void {
    this.#open.clear();
  }
}
