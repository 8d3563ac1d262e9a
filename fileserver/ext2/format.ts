/**
 * The ext2 on-disk format (revision 1, as e2fsprogs' mke2fs writes it):
 * where each field of the superblock, a group descriptor, an inode and a
 * directory entry lies, and what the feature bits mean. Names follow
 * e2fsprogs' ext2_fs.h without their prefixes; every value is little-endian.
 */

/** The superblock: 1024 bytes at byte 1024 of the image, whatever the block size. */
export const superblockOffset = 1024;
export const sb = {
  inodesCount: 0,
  blocksCount: 4,
  rBlocksCount: 8,
  freeBlocksCount: 12,
  freeInodesCount: 16,
  firstDataBlock: 20,
  logBlockSize: 24,
  blocksPerGroup: 32,
  inodesPerGroup: 40,
  magic: 56, // u16
  state: 58, // u16
  revLevel: 76,
  firstIno: 84,
  inodeSize: 88, // u16
  featureCompat: 92,
  featureIncompat: 96,
  featureRoCompat: 100,
  uuid: 104, // 16 bytes
  reservedGdtBlocks: 206, // u16
  lastOrphan: 232, // the first inode of the orphan list (ext3's; 0: none)
} as const;

export const magic = 0xef53;
/** s_state bits: unmounted cleanly, and errors detected. */
export const stateValid = 1;
export const stateErrors = 2;

/** A group descriptor: 32 bytes each, in the blocks after the superblock's. */
export const gdSize = 32;
export const gd = {
  blockBitmap: 0,
  inodeBitmap: 4,
  inodeTable: 8,
  freeBlocksCount: 12, // u16
  freeInodesCount: 14, // u16
  usedDirsCount: 16, // u16
} as const;

/** An inode: the first 128 bytes ("good old" size), then i_extra_isize bytes of extra fields. */
export const goodOldInodeSize = 128;
export const ino = {
  mode: 0, // u16
  uid: 2, // u16, low half
  size: 4, // low 32 bits
  atime: 8,
  ctime: 12,
  mtime: 16,
  dtime: 20,
  gid: 24, // u16, low half
  linksCount: 26, // u16
  blocks: 28, // 512-byte sectors
  flags: 32,
  block: 40, // 15 block numbers
  generation: 100,
  fileAcl: 104, // the extended attribute block
  sizeHigh: 108,
  uidHigh: 120, // u16
  gidHigh: 122, // u16
  // Past 128, present when i_extra_isize covers them:
  extraIsize: 128, // u16
  ctimeExtra: 132,
  mtimeExtra: 136,
  atimeExtra: 140,
  crtime: 144,
  crtimeExtra: 148,
} as const;

/** Block pointers in i_block: 12 direct, then single, double and triple indirect. */
export const directBlocks = 12;
export const indirectSlot = 12;
export const blockSlots = 15;

/** i_flags bits this implementation reads or writes. */
export const flags = {
  index: 0x1000, // hashed-indexed directory (dir_index htree)
  extents: 0x80000, // ext4's
  inlineData: 0x10000000, // ext4's
} as const;

/** Special inodes: 1 bad blocks, 2 root, 7 the resize inode (reserved GDT blocks); ordinary ones start at s_first_ino. */
export const rootIno = 2;
export const goodOldFirstIno = 11;

/** A directory entry: inode, record length, name length, file type, then the name; 4-byte aligned. */
export const de = { inode: 0, recLen: 4, nameLen: 6, fileType: 7, name: 8 } as const;
export const nameMax = 255;

/** Directory entry file types (with the filetype feature). */
export const ft = {
  unknown: 0,
  regular: 1,
  directory: 2,
  chardev: 3,
  blockdev: 4,
  fifo: 5,
  socket: 6,
  symlink: 7,
} as const;

/** The extended attribute block header (32 bytes): magic, reference count, blocks (1), hash; entries follow (xattr-block.ts). */
export const xattrMagic = 0xea020000;
export const xattr = { magic: 0, refcount: 4, blocks: 8, hash: 12, entries: 32 } as const;

/** Links a directory may have: ext2's EXT2_LINK_MAX. */
export const linkMax = 32000;

/** Targets shorter than this live in i_block itself (a fast symlink). */
export const fastSymlinkMax = 60;

/** The feature bits this code handles by name; featureNames names every bit, for refusals. */
export const compat = { dirPrealloc: 0x1, extAttr: 0x8, resizeInode: 0x10, dirIndex: 0x20 } as const;
export const incompat = { filetype: 0x2 } as const;
export const roCompat = { sparseSuper: 0x1, largeFile: 0x2 } as const;

const compatNames: Record<number, string> = {
  0x1: 'dir_prealloc',
  0x2: 'imagic_inodes',
  0x4: 'has_journal',
  0x8: 'ext_attr',
  0x10: 'resize_inode',
  0x20: 'dir_index',
  0x40: 'lazy_bg',
  0x100: 'exclude_bitmap',
  0x200: 'sparse_super2',
  0x400: 'fast_commit',
  0x800: 'stable_inodes',
  0x1000: 'orphan_file',
};
const incompatNames: Record<number, string> = {
  0x1: 'compression',
  0x2: 'filetype',
  0x4: 'needs_recovery',
  0x8: 'journal_dev',
  0x10: 'meta_bg',
  0x40: 'extent',
  0x80: '64bit',
  0x100: 'mmp',
  0x200: 'flex_bg',
  0x400: 'ea_inode',
  0x1000: 'dirdata',
  0x2000: 'metadata_csum_seed',
  0x4000: 'large_dir',
  0x8000: 'inline_data',
  0x10000: 'encrypt',
  0x20000: 'casefold',
};
const roCompatNames: Record<number, string> = {
  0x1: 'sparse_super',
  0x2: 'large_file',
  0x4: 'btree_dir',
  0x8: 'huge_file',
  0x10: 'uninit_bg',
  0x20: 'dir_nlink',
  0x40: 'extra_isize',
  0x80: 'snapshot',
  0x100: 'quota',
  0x200: 'bigalloc',
  0x400: 'metadata_csum',
  0x800: 'replica',
  0x1000: 'read-only',
  0x2000: 'project',
  0x4000: 'shared_blocks',
  0x8000: 'verity',
  0x10000: 'orphan_present',
};

export type FeatureKind = 'compat' | 'incompat' | 'ro_compat';

/** The names of the bits set in `mask`, as e2fsprogs prints them (FEATURE_X12 for a bit it has no name for). */
export function featureNames(kind: FeatureKind, mask: number): string[] {
  const names = kind === 'compat' ? compatNames : kind === 'incompat' ? incompatNames : roCompatNames;
  const letter = kind === 'compat' ? 'C' : kind === 'incompat' ? 'I' : 'R';
  const result: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const value = 2 ** bit;
    if (Math.floor(mask / value) % 2 === 1) result.push(names[value] ?? `FEATURE_${letter}${bit}`);
  }
  return result;
}
