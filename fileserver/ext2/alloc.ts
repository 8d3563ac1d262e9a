/**
 * Block and inode allocation: one bit per block (per inode) in each group's
 * bitmap, with the free counts of the group descriptor and the superblock
 * kept equal to the bits (e2fsck's pass 5 checks exactly that). Blocks are
 * taken as a run as near a goal as possible, so a file written in order
 * lies in order; a bitmap at odds with its count is corruption (EIO), not
 * a full disk.
 */

import { FsError } from '../fs.ts';
import { assert, corrupt } from './assert.ts';
import type { Superblock } from './super.ts';
import type { UndoLog } from './undo.ts';

/** A run of `count` blocks from `start`. */
export interface Run {
  start: number;
  count: number;
}

export class Allocator {
  readonly #disk: UndoLog;
  readonly #sb: Superblock;

  constructor(disk: UndoLog, superblock: Superblock) {
    this.#disk = disk;
    this.#sb = superblock;
  }

  /**
   * Takes up to `want` free blocks in a row, the first at or after `goal`
   * where one is free (searching the goal's group, then the following
   * groups, then the goal's group from its start). ENOSPC when none is free.
   */
  allocateBlocks(goal: number, want: number): Run {
    assert(want >= 1, 'allocating no blocks');
    const sb = this.#sb;
    const disk = this.#disk;
    if (sb.freeBlocks === 0) throw new FsError('ENOSPC', 'no free block');
    const home = goal >= sb.firstDataBlock && goal < sb.blocksCount ? sb.groupOf(goal) : 0;
    for (let k = 0; k <= sb.groups; k++) {
      const g = (home + k) % sb.groups;
      if (disk.get16(sb.addr.groupFreeBlocks(g)) === 0) continue;
      const first = sb.groupFirst(g);
      const from = k === 0 ? Math.max(goal - first, sb.groupDataStart(g) - first) : sb.groupDataStart(g) - first;
      const bitmap = sb.blockBitmap(g) * sb.blockSize;
      const bit = findClear(disk, bitmap, from, sb.groupBlocks(g));
      if (bit < 0) {
        // k === 0 searched only from the goal on; the whole group is searched again last.
        if (k === 0 && from > sb.groupDataStart(g) - first) continue;
        corrupt(`group ${g}'s descriptor counts free blocks its bitmap does not have`);
      }
      const count = clearRunLength(disk, bitmap, bit, Math.min(want, sb.groupBlocks(g) - bit));
      setBits(disk, bitmap, bit, count, 1);
      this.#countBlocks(g, -count);
      return { start: first + bit, count };
    }
    return corrupt(`the superblock counts ${sb.freeBlocks} free blocks no group has`);
  }

  /** Returns blocks [start, start + count) to their bitmap; a block already free is corruption. */
  freeBlocks(start: number, count: number): void {
    const sb = this.#sb;
    for (let block = start; block < start + count; ) {
      const g = sb.groupOf(block);
      const first = sb.groupFirst(g);
      const n = Math.min(start + count - block, first + sb.groupBlocks(g) - block);
      const bitmap = sb.blockBitmap(g) * sb.blockSize;
      if (!allSet(this.#disk, bitmap, block - first, n)) corrupt(`block ${block}: freed twice (its bit is clear)`);
      setBits(this.#disk, bitmap, block - first, n, 0);
      this.#countBlocks(g, n);
      block += n;
    }
  }

  /**
   * Takes a free inode: a directory goes to the group with the most free
   * blocks among those with a free inode (spreading directories, as
   * Linux's Orlov allocator does in spirit), anything else to its parent's
   * group or the next one with a free inode.
   */
  allocateInode(parent: number, directory: boolean): number {
    const sb = this.#sb;
    const disk = this.#disk;
    if (sb.freeInodes === 0) throw new FsError('ENOSPC', 'no free inode');
    const home = Math.floor((parent - 1) / sb.inodesPerGroup);
    let chosen = -1;
    for (let k = 0; k < sb.groups; k++) {
      const g = (home + k) % sb.groups;
      if (disk.get16(sb.addr.groupFreeInodes(g)) === 0) continue;
      if (!directory) {
        chosen = g;
        break;
      }
      if (chosen < 0 || disk.get16(sb.addr.groupFreeBlocks(g)) > disk.get16(sb.addr.groupFreeBlocks(chosen)))
        chosen = g;
    }
    if (chosen < 0) corrupt(`the superblock counts ${sb.freeInodes} free inodes no group has`);
    const bitmap = sb.inodeBitmap(chosen) * sb.blockSize;
    const bit = findClear(disk, bitmap, 0, sb.inodesPerGroup);
    if (bit < 0) corrupt(`group ${chosen}'s descriptor counts free inodes its bitmap does not have`);
    const ino = chosen * sb.inodesPerGroup + bit + 1;
    if (ino < sb.firstIno) corrupt(`reserved inode ${ino} is free in the bitmap`);
    setBits(disk, bitmap, bit, 1, 1);
    this.#countInodes(chosen, -1, directory ? 1 : 0);
    return ino;
  }

  freeInode(ino: number, directory: boolean): void {
    const sb = this.#sb;
    const g = Math.floor((ino - 1) / sb.inodesPerGroup);
    const bitmap = sb.inodeBitmap(g) * sb.blockSize;
    const bit = (ino - 1) % sb.inodesPerGroup;
    if (!allSet(this.#disk, bitmap, bit, 1)) corrupt(`inode ${ino}: freed twice (its bit is clear)`);
    setBits(this.#disk, bitmap, bit, 1, 0);
    this.#countInodes(g, 1, directory ? -1 : 0);
  }

  #countBlocks(g: number, delta: number): void {
    const disk = this.#disk;
    const sb = this.#sb;
    const group = disk.get16(sb.addr.groupFreeBlocks(g)) + delta;
    const total = sb.freeBlocks + delta;
    if (group < 0 || group > sb.groupBlocks(g) || total < 0 || total > sb.blocksCount) {
      corrupt(`free block counts out of range (group ${g}: ${group}, total ${total})`);
    }
    disk.set16(sb.addr.groupFreeBlocks(g), group);
    disk.set32(sb.addr.freeBlocks, total);
  }

  #countInodes(g: number, delta: number, directories: number): void {
    const disk = this.#disk;
    const sb = this.#sb;
    const group = disk.get16(sb.addr.groupFreeInodes(g)) + delta;
    const total = sb.freeInodes + delta;
    const dirs = disk.get16(sb.addr.groupUsedDirs(g)) + directories;
    if (
      group < 0 ||
      group > sb.inodesPerGroup ||
      total < 0 ||
      total > sb.inodesCount ||
      dirs < 0 ||
      dirs > sb.inodesPerGroup
    ) {
      corrupt(`inode counts out of range (group ${g}: ${group} free, ${dirs} directories; total ${total})`);
    }
    disk.set16(sb.addr.groupFreeInodes(g), group);
    disk.set32(sb.addr.freeInodes, total);
    if (directories !== 0) disk.set16(sb.addr.groupUsedDirs(g), dirs);
  }
}

// Bitmaps: bit i of a bitmap at byte address `bitmap` is bit (i % 8) of byte i / 8.

/** The first clear bit in [from, end), or -1. Whole 32-bit words of set bits are skipped at once. */
function findClear(disk: UndoLog, bitmap: number, from: number, end: number): number {
  let bit = from;
  while (bit < end) {
    if (bit % 32 === 0 && bit + 32 <= end && disk.get32(bitmap + bit / 8) === 0xffffffff) {
      bit += 32;
      continue;
    }
    const byte = disk.get8(bitmap + (bit >> 3));
    if (byte === 0xff && bit % 8 === 0 && bit + 8 <= end) {
      bit += 8;
      continue;
    }
    if ((byte & (1 << (bit & 7))) === 0) return bit;
    bit++;
  }
  return -1;
}

/** How many bits from `bit` on are clear, up to `max`. */
function clearRunLength(disk: UndoLog, bitmap: number, bit: number, max: number): number {
  let count = 0;
  while (count < max) {
    const at = bit + count;
    if (at % 8 === 0 && count + 8 <= max && disk.get8(bitmap + (at >> 3)) === 0) {
      count += 8;
      continue;
    }
    if ((disk.get8(bitmap + (at >> 3)) & (1 << (at & 7))) !== 0) break;
    count++;
  }
  return count;
}

function allSet(disk: UndoLog, bitmap: number, bit: number, count: number): boolean {
  for (let at = bit; at < bit + count; ) {
    const byte = disk.get8(bitmap + (at >> 3));
    if (at % 8 === 0 && at + 8 <= bit + count) {
      if (byte !== 0xff) return false;
      at += 8;
      continue;
    }
    if ((byte & (1 << (at & 7))) === 0) return false;
    at++;
  }
  return true;
}

/** Sets bits [bit, bit + count) to `value`, one byte store per bitmap byte touched. */
function setBits(disk: UndoLog, bitmap: number, bit: number, count: number, value: 0 | 1): void {
  for (let at = bit; at < bit + count; ) {
    const addr = bitmap + (at >> 3);
    const lo = at & 7;
    const hi = Math.min(8, lo + (bit + count - at));
    const mask = ((1 << hi) - 1) & ~((1 << lo) - 1);
    const byte = disk.get8(addr);
    disk.set8(addr, value === 1 ? byte | mask : byte & ~mask);
    at += hi - lo;
  }
}
