/**
 * ext3's orphan list, as an ext2 image may carry it (Linux's ext3 and
 * ext4 drivers keep it on a file system without a journal too, and a crash
 * leaves it behind): the superblock's s_last_orphan names the first inode,
 * each inode's i_dtime the next, 0 ends it. An inode on it with no links
 * was open when its last name went and must be freed; one with links was
 * being truncated and keeps only the blocks its size covers. e2fsck does
 * this at its start (release_orphan_inodes), and so does opening an image
 * writable here: afterwards the list is empty.
 *
 * This code never puts an inode on the list. An open-unlinked file lives
 * in memory only (ext2.ts, holds) and a sync writes it as freed: a crash
 * then leaves nothing behind, and the image on disk is always one e2fsck
 * -n finds clean (with -n e2fsck does not release a list, and reports each
 * inode on it as deleted with zero dtime and its blocks as leaked).
 */

import { corrupt } from './assert.ts';
import type { Inode, Inodes } from './inode.ts';
import type { Superblock } from './super.ts';
import type { UndoLog } from './undo.ts';

/** The inodes on the orphan list, in its order; the list is emptied (s_last_orphan 0, each i_dtime 0). */
export function takeOrphans(disk: UndoLog, sb: Superblock, inodes: Inodes): Inode[] {
  const taken: Inode[] = [];
  // Nothing stored when there is no list: opening an image must not make a sync write its superblock.
  if (disk.get32(sb.addr.lastOrphan) === 0) return taken;
  const seen = new Set<number>();
  for (let ino = disk.get32(sb.addr.lastOrphan); ino !== 0; ) {
    if (ino < sb.firstIno || ino > sb.inodesCount) corrupt(`orphan list: inode ${ino} out of range`);
    if (seen.has(ino)) corrupt(`orphan list: inode ${ino} twice (a loop)`);
    seen.add(ino);
    const inode = inodes.get(ino, true);
    taken.push(inode);
    ino = inode.dtime;
    inode.dtime = 0;
  }
  disk.set32(sb.addr.lastOrphan, 0);
  return taken;
}
