/**
 * Directories: blocks of variable-length entries (inode, record length,
 * name length, file type, name), each record 4-byte aligned, the last of a
 * block reaching its end. A free record has inode 0; removing an entry
 * merges it into the record before it, adding one splits a record's slack
 * or takes a free record, else the directory grows by a block. Entries
 * never move, so an entry's position in the directory (block * B + offset)
 * is stable for as long as it exists: readdir's cookies are built on it.
 *
 * dir_index (htree) directories stay readable as they are: their index
 * blocks look like one empty record to a linear scan, which is what Linux's
 * ext2 and e2fsprogs rely on. The index is not maintained: a directory this
 * code changes loses EXT2_INDEX_FL (as Linux's ext2 does), after which
 * e2fsck checks it as the linear directory it then is.
 *
 * Every record read is checked (as Linux's ext2_check_page does) before it
 * is believed: a corrupt one is EIO.
 */

import { FsError } from '../fs.ts';
import { corrupt } from './assert.ts';
import type { BlockMap } from './blockmap.ts';
import { de, flags, ft } from './format.ts';
import type { Inode } from './inode.ts';
import type { Superblock } from './super.ts';
import type { UndoLog } from './undo.ts';

/** One directory record, as a scan meets it. */
export interface Entry {
  /** Position in the directory: file block * B + offset in the block. */
  offset: number;
  /** Byte address of the record in the image. */
  addr: number;
  /** Address of the record before it in the same block, -1 for the first. */
  prevAddr: number;
  ino: number;
  recLen: number;
  nameLen: number;
  /** File type (ft.*), 0 without the filetype feature. */
  type: number;
}

/** Bytes a record with a name of `nameLength` bytes needs. */
export function recordLength(nameLength: number): number {
  return (de.name + nameLength + 3) & ~3;
}

/** Whether `bytes` holds `name` from `at` on. */
function equal(bytes: Uint8Array, at: number, name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) if (bytes[at + i] !== name[i]) return false;
  return true;
}

const dot = new Uint8Array([0x2e]);
const dotdot = new Uint8Array([0x2e, 0x2e]);

export class Directories {
  readonly #disk: UndoLog;
  readonly #sb: Superblock;
  readonly #map: BlockMap;

  constructor(disk: UndoLog, superblock: Superblock, map: BlockMap) {
    this.#disk = disk;
    this.#sb = superblock;
    this.#map = map;
  }

  /** Visits the records (free ones too) at positions >= `from`, in order; `visit` returns true to stop. */
  scan(dir: Inode, from: number, visit: (entry: Entry) => boolean): void {
    this.#scan(dir, from, null, visit);
  }

  /** The record named `name` in `dir`, or null. */
  find(dir: Inode, name: Uint8Array): Entry | null {
    let found: Entry | null = null;
    this.#scan(dir, 0, name, (entry) => {
      found = { ...entry };
      return true;
    });
    return found;
  }

  /** The name of a record the scan is at, where it lies: valid until the next store call. */
  name(entry: Entry): Uint8Array {
    return this.#disk.view(entry.addr + de.name, entry.nameLen);
  }

  /** Whether `dir` holds nothing but "." and "..". */
  isEmpty(dir: Inode): boolean {
    let empty = true;
    this.scan(dir, 0, (entry) => {
      if (entry.ino === 0 || this.#nameIs(entry, dot) || this.#nameIs(entry, dotdot)) return false;
      empty = false;
      return true;
    });
    return empty;
  }

  /**
   * Adds the record `name` -> `ino` to `dir` (which must not hold `name`):
   * in the first free record or slack large enough, else in a new block
   * at the directory's end.
   */
  add(dir: Inode, name: Uint8Array, ino: number, type: number): void {
    const need = recordLength(name.length);
    let addr = -1;
    let recLen = 0;
    this.scan(dir, 0, (entry) => {
      if (entry.ino === 0 && entry.recLen >= need) {
        addr = entry.addr;
        recLen = entry.recLen;
        return true;
      }
      const used = recordLength(entry.nameLen);
      if (entry.ino !== 0 && entry.recLen - used >= need) {
        // Split: the record keeps what it uses, the new one takes the rest.
        this.#disk.set16(entry.addr + de.recLen, used);
        addr = entry.addr + used;
        recLen = entry.recLen - used;
        return true;
      }
      return false;
    });
    if (addr < 0) {
      addr = this.#grow(dir);
      recLen = this.#sb.blockSize;
    }
    this.#write(addr, ino, recLen, name, type);
    this.#unindex(dir);
  }

  /** Removes the record `entry` (found in `dir` by find): merged into the record before it, or freed if first in its block. */
  remove(dir: Inode, entry: Entry): void {
    if (entry.prevAddr >= 0)
      this.#disk.set16(entry.prevAddr + de.recLen, this.#disk.get16(entry.prevAddr + de.recLen) + entry.recLen);
    else this.#disk.set32(entry.addr + de.inode, 0);
    this.#unindex(dir);
  }

  /** Points the record `entry` of `dir` at `ino` (rename over an existing name, or a moved directory's ".."). */
  retarget(dir: Inode, entry: Entry, ino: number, type: number): void {
    this.#disk.set32(entry.addr + de.inode, ino);
    if (this.#sb.filetype) this.#disk.set8(entry.addr + de.fileType, type);
    this.#unindex(dir);
  }

  /** Fills a new directory's first block: "." -> itself and ".." -> `parent`, the second reaching the block's end. */
  initialize(dir: Inode, parent: number): void {
    const addr = this.#grow(dir);
    this.#write(addr, dir.ino, recordLength(1), dot, ft.directory);
    this.#write(addr + recordLength(1), parent, this.#sb.blockSize - recordLength(1), dotdot, ft.directory);
  }

  /** The file type byte for an inode of `mode`, 0 without the filetype feature. */
  fileType(mode: number): number {
    if (!this.#sb.filetype) return ft.unknown;
    const types: Record<number, number> = {
      0o100000: ft.regular,
      0o040000: ft.directory,
      0o020000: ft.chardev,
      0o060000: ft.blockdev,
      0o010000: ft.fifo,
      0o140000: ft.socket,
      0o120000: ft.symlink,
    };
    return types[mode & 0o170000] ?? ft.unknown;
  }

  /**
   * scan, or with `name` the records in use named `name` only (compared
   * where they lie: a lookup visits nothing else).
   */
  #scan(dir: Inode, from: number, name: Uint8Array | null, visit: (entry: Entry) => boolean): void {
    const B = this.#sb.blockSize;
    const size = dir.size;
    if (size % B !== 0 || size > this.#sb.blocksCount * B) corrupt(`directory ${dir.ino} has size ${size}`);
    const entry: Entry = { offset: 0, addr: 0, prevAddr: -1, ino: 0, recLen: 0, nameLen: 0, type: 0 };
    this.#map.runs(dir, Math.floor(from / B), size / B, (fileBlock, physical, count) => {
      if (physical === 0) return false;
      for (let k = 0; k < count; k++)
        if (this.#scanBlock(dir, fileBlock + k, physical + k, from, name, entry, visit)) return true;
      return false;
    });
  }

  /**
   * One directory block, read in place through a view of it. `visit` may
   * call the store, which ends the view's validity: the view is taken again
   * after each visit.
   */
  #scanBlock(
    dir: Inode,
    fileBlock: number,
    physical: number,
    from: number,
    name: Uint8Array | null,
    entry: Entry,
    visit: (entry: Entry) => boolean,
  ): boolean {
    const B = this.#sb.blockSize;
    const base = physical * B;
    const filetype = this.#sb.filetype;
    let block = this.#disk.view(base, B);
    let prev = -1;
    for (let offset = 0; offset < B; ) {
      if (B - offset < recordLength(1))
        this.#corrupt(dir, fileBlock, offset, `a record in the last ${B - offset} bytes of the block`);
      const ino =
        (block[offset] | (block[offset + 1] << 8) | (block[offset + 2] << 16) | (block[offset + 3] << 24)) >>> 0;
      const recLen = block[offset + de.recLen] | (block[offset + de.recLen + 1] << 8);
      // Without filetype, the type byte is the name length's high byte.
      const nameLen = block[offset + de.nameLen] | (filetype ? 0 : block[offset + de.fileType] << 8);
      if (recLen < recordLength(1) || recLen % 4 !== 0 || offset + recLen > B)
        this.#corrupt(dir, fileBlock, offset, `record length ${recLen}`);
      if (recordLength(nameLen) > recLen || nameLen > 255)
        this.#corrupt(dir, fileBlock, offset, `name length ${nameLen} in a record of ${recLen}`);
      if (ino > this.#sb.inodesCount || (ino !== 0 && nameLen === 0))
        this.#corrupt(dir, fileBlock, offset, `inode ${ino}, name length ${nameLen}`);
      const position = fileBlock * B + offset;
      if (
        position >= from &&
        (name === null || (ino !== 0 && nameLen === name.length && equal(block, offset + de.name, name)))
      ) {
        entry.offset = position;
        entry.addr = base + offset;
        entry.prevAddr = prev < 0 ? -1 : base + prev;
        entry.ino = ino;
        entry.recLen = recLen;
        entry.nameLen = nameLen;
        entry.type = filetype ? block[offset + de.fileType] : 0;
        if (visit(entry)) return true;
        block = this.#disk.view(base, B);
      }
      prev = offset;
      offset += recLen;
    }
    return false;
  }

  #corrupt(dir: Inode, fileBlock: number, offset: number, what: string): never {
    corrupt(`directory ${dir.ino} block ${fileBlock} offset ${offset}: ${what}`);
  }

  #nameIs(entry: Entry, name: Uint8Array): boolean {
    return entry.nameLen === name.length && equal(this.name(entry), 0, name);
  }

  /** Appends a zeroed block to `dir` holding one free record; returns its address. */
  #grow(dir: Inode): number {
    const B = this.#sb.blockSize;
    const block = dir.size / B;
    if (dir.size + B >= 2 ** 32) throw new FsError('ENOSPC', `directory ${dir.ino} is at its largest`);
    this.#map.allocate(dir, block, block + 1);
    const addr = this.#map.lookup(dir, block) * B;
    this.#disk.set16(addr + de.recLen, B);
    dir.size += B;
    return addr;
  }

  #write(addr: number, ino: number, recLen: number, name: Uint8Array, type: number): void {
    const record = new Uint8Array(de.name + name.length);
    const view = new DataView(record.buffer);
    view.setUint32(de.inode, ino, true);
    view.setUint16(de.recLen, recLen, true);
    view.setUint8(de.nameLen, name.length);
    // Without filetype this byte is the name length's high byte: always 0, names being at most 255 bytes.
    view.setUint8(de.fileType, this.#sb.filetype ? type : 0);
    record.set(name, de.name);
    this.#disk.copyIn(addr, record);
  }

  #unindex(dir: Inode): void {
    if ((dir.flags & flags.index) !== 0) dir.flags &= ~flags.index;
  }
}
