/**
 * Extended attribute blocks (ext_attr): an inode's i_file_acl names a
 * block of attributes that several inodes may share, counted by the
 * block's h_refcount. This code neither reads nor changes attributes (the
 * interface has none) and leaves them intact; it only keeps the sharing
 * right when an inode goes away: the count drops, and the block is freed
 * with its last user. Attributes stored inside large inodes go with the
 * inode and need nothing.
 */

import type { Allocator } from './alloc.ts';
import { corrupt } from './assert.ts';
import { xattr, xattrMagic } from './format.ts';
import type { Inode } from './inode.ts';
import type { Superblock } from './super.ts';
import type { UndoLog } from './undo.ts';

/** Drops `inode`'s reference to its attribute block, freeing the block with its last reference. */
export function releaseAttributes(disk: UndoLog, sb: Superblock, alloc: Allocator, inode: Inode): void {
  const block = inode.fileAcl;
  if (block === 0) return;
  if (!sb.isDataBlock(block)) corrupt(`inode ${inode.ino}: attribute block ${block} is not a data block`);
  const addr = block * sb.blockSize;
  if (disk.get32(addr + xattr.magic) !== xattrMagic)
    corrupt(`inode ${inode.ino}: block ${block} is not an attribute block`);
  const references = disk.get32(addr + xattr.refcount);
  if (references > 1) disk.set32(addr + xattr.refcount, references - 1);
  else alloc.freeBlocks(block, 1);
  inode.sectors = Math.max(0, inode.sectors - sb.blockSize / 512);
}
