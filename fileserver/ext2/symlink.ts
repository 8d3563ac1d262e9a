/**
 * Symbolic links: a target shorter than 60 bytes lives in i_block itself
 * (a fast symlink, no block at all); a longer one, up to a block less one
 * byte, in one data block (a slow symlink). Which one an inode is follows
 * Linux's test: a fast symlink holds no block but, perhaps, its extended
 * attribute block. Targets are written as e2fsprogs and Linux write them:
 * fast iff shorter than 60 bytes, without a terminating NUL.
 */

import { FsError } from '../fs.ts';
import { corrupt } from './assert.ts';
import type { BlockMap } from './blockmap.ts';
import { fastSymlinkMax } from './format.ts';
import type { Inode } from './inode.ts';
import type { Superblock } from './super.ts';
import type { UndoLog } from './undo.ts';

/** Whether a symlink keeps its target in i_block (Linux's ext2_inode_is_fast_symlink). */
export function isFastSymlink(sb: Superblock, inode: Inode): boolean {
  const attributeSectors = inode.fileAcl !== 0 ? sb.blockSize / 512 : 0;
  return inode.sectors - attributeSectors === 0;
}

/** The longest target: a block less its terminating byte, and no longer than a path (PATH_MAX - 1). */
export function targetMax(sb: Superblock): number {
  return Math.min(sb.blockSize - 1, 4095);
}

export function readTarget(disk: UndoLog, sb: Superblock, map: BlockMap, inode: Inode): Uint8Array {
  const size = inode.size;
  if (isFastSymlink(sb, inode)) {
    if (size >= fastSymlinkMax) corrupt(`symlink ${inode.ino}: ${size} bytes cannot be inline`);
    return inode.inlineBytes.slice(0, size);
  }
  if (size > targetMax(sb)) corrupt(`symlink ${inode.ino}: ${size} bytes`);
  const block = map.lookup(inode, 0);
  if (block === 0) corrupt(`symlink ${inode.ino} has no block`);
  const target = new Uint8Array(size);
  disk.copyOut(block * sb.blockSize, target);
  return target;
}

/** Refuses a target Linux would refuse: empty (ENOENT), too long (ENAMETOOLONG), holding NUL (EINVAL). */
export function checkTarget(sb: Superblock, target: Uint8Array): void {
  if (target.length === 0) throw new FsError('ENOENT', 'empty symlink target');
  if (target.length > targetMax(sb))
    throw new FsError('ENAMETOOLONG', `symlink target of ${target.length} bytes (at most ${targetMax(sb)})`);
  if (target.includes(0)) throw new FsError('EINVAL', 'symlink target holds NUL');
}

/** Stores `target` (checked) in a new symlink inode, inline or in a new (zeroed) block. */
export function writeTarget(disk: UndoLog, sb: Superblock, map: BlockMap, inode: Inode, target: Uint8Array): void {
  if (target.length < fastSymlinkMax) inode.setInlineBytes(target);
  else {
    map.allocate(inode, 0, 1);
    disk.writeData(map.lookup(inode, 0) * sb.blockSize, target);
  }
  inode.size = target.length;
}
