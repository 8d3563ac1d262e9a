/**
 * The superblock and the group descriptors: the image's geometry, read and
 * checked once at start, and the free counts they hold, kept right on every
 * allocation. An image that is not ext2, that this code cannot serve
 * safely, or whose geometry contradicts itself is refused here with an
 * ImageError naming why; one it can read but not safely change is served
 * read-only, with the reasons listed.
 *
 * What is kept in memory is only what never changes while the image is
 * served (sizes, counts of groups, where each group's bitmaps and inode
 * table lie): the free counts, which do change, are read and written in the
 * image itself.
 */

import type { Store } from '../store.ts';
import {
  compat,
  featureNames,
  gd,
  gdSize,
  goodOldFirstIno,
  goodOldInodeSize,
  incompat,
  magic,
  roCompat,
  sb,
  stateErrors,
  stateValid,
  superblockOffset,
} from './format.ts';

/** Why an image cannot be served at all. */
export type ImageErrorCode = 'ERR_EXT2_NOT_EXT2' | 'ERR_EXT2_UNSUPPORTED' | 'ERR_EXT2_CORRUPT';

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Features the code maintains when it writes (e2fsprogs' default ext2 set, and dir_prealloc, a mere hint). */
const writableCompat = compat.dirPrealloc | compat.extAttr | compat.resizeInode | compat.dirIndex;
const writableRoCompat = roCompat.sparseSuper | roCompat.largeFile;
/** The one incompat feature understood; any other changes the format's meaning and is refused. */
const knownIncompat = incompat.filetype;

/** Block sizes served: ext2's 1, 2 and 4 KiB (Linux's ext2 needs block size <= page size anyway). */
const logBlockSizeMax = 2;

/** What the superblock says of the format: revision, feature masks (all 0 in revision 0, which has none), block size. */
interface Format {
  readonly revision: number;
  readonly compat: number;
  readonly incompat: number;
  readonly roCompat: number;
  readonly blockSize: number;
}

/**
 * Reads the format, refusing an image that is not ext2 (too short, no
 * magic: ERR_EXT2_NOT_EXT2) or is ext2 this code cannot read (a later
 * revision, an incompat feature but filetype, a block size over 4 KiB:
 * ERR_EXT2_UNSUPPORTED).
 */
function readFormat(store: Store): Format {
  if (store.length < superblockOffset + 1024)
    throw new ImageError('ERR_EXT2_NOT_EXT2', `the image is ${store.length} bytes, too short for ext2`);
  const u32 = (field: number): number => store.getUint32(superblockOffset + field);
  const u16 = (field: number): number => store.getUint16(superblockOffset + field);
  if (u16(sb.magic) !== magic) {
    throw new ImageError(
      'ERR_EXT2_NOT_EXT2',
      `not an ext2 image: magic 0x${u16(sb.magic).toString(16)} where 0xef53 belongs`,
    );
  }
  const revision = u32(sb.revLevel);
  if (revision > 1) throw new ImageError('ERR_EXT2_UNSUPPORTED', `revision ${revision} (only 0 and 1 exist)`);
  const features = (field: number): number => (revision === 0 ? 0 : u32(field));
  const incompatMask = features(sb.featureIncompat);
  const refused = featureNames('incompat', incompatMask & ~knownIncompat);
  if (refused.length > 0) {
    throw new ImageError(
      'ERR_EXT2_UNSUPPORTED',
      `incompatible feature${refused.length > 1 ? 's' : ''} not supported: ${refused.join(', ')}`,
    );
  }
  const logBlockSize = u32(sb.logBlockSize);
  if (logBlockSize > logBlockSizeMax) {
    throw new ImageError(
      'ERR_EXT2_UNSUPPORTED',
      `block size 2^${10 + logBlockSize} not supported (1024, 2048 or 4096)`,
    );
  }
  return {
    revision,
    compat: features(sb.featureCompat),
    incompat: incompatMask,
    roCompat: features(sb.featureRoCompat),
    blockSize: 1024 << logBlockSize,
  };
}

/** Why an image this code can read must not be written: features it does not maintain, an unclean state. */
function readOnlyReasons(format: Format, state: number): string[] {
  const reasons: string[] = [];
  const readOnlyCompat = featureNames('compat', format.compat & ~writableCompat);
  const readOnlyRoCompat = featureNames('ro_compat', format.roCompat & ~writableRoCompat);
  if (readOnlyCompat.length + readOnlyRoCompat.length > 0) {
    reasons.push(`features this code does not maintain: ${[...readOnlyCompat, ...readOnlyRoCompat].join(', ')}`);
  }
  if ((state & stateValid) === 0 || (state & stateErrors) !== 0)
    reasons.push('the image was not cleanly unmounted or has errors (run e2fsck)');
  return reasons;
}

function corruptSuperblock(message: string): never {
  throw new ImageError('ERR_EXT2_CORRUPT', `corrupt superblock: ${message}`);
}

/** Where each group's metadata lies: the first block after its superblock and descriptor copies, its bitmaps and inode table. */
interface GroupLayout {
  readonly metaEnd: Float64Array;
  readonly blockBitmap: Float64Array;
  readonly inodeBitmap: Float64Array;
  readonly inodeTable: Float64Array;
}

export class Superblock {
  readonly blockSize: number;
  /** Block numbers held by one block of pointers. */
  readonly pointersPerBlock: number;
  readonly blocksCount: number;
  readonly firstDataBlock: number;
  readonly blocksPerGroup: number;
  readonly inodesPerGroup: number;
  readonly inodesCount: number;
  readonly inodeSize: number;
  readonly firstIno: number;
  readonly groups: number;
  /** Blocks of one group's inode table. */
  readonly inodeTableBlocks: number;
  /** i_extra_isize for new inodes: 32 (up to crtime) when inodes are large, as mke2fs writes them. */
  readonly newExtraIsize: number;
  readonly filetype: boolean;
  readonly sparseSuper: boolean;
  /** Why the image is served read-only whatever was asked (empty: it can be written). */
  readonly readOnlyReasons: readonly string[];
  // Where each group's metadata lies (GroupLayout).
  readonly #metaEnd: Float64Array;
  readonly #blockBitmap: Float64Array;
  readonly #inodeBitmap: Float64Array;
  readonly #inodeTable: Float64Array;
  readonly #store: Store;
  readonly #gdt: number;

  constructor(store: Store) {
    this.#store = store;
    const format = readFormat(store);
    const u32 = (field: number): number => store.getUint32(superblockOffset + field);
    const u16 = (field: number): number => store.getUint16(superblockOffset + field);
    // The geometry as the superblock states it, believed only once #checkGeometry has found it consistent.
    const B = format.blockSize;
    this.blockSize = B;
    this.pointersPerBlock = B / 4;
    this.blocksCount = u32(sb.blocksCount);
    this.firstDataBlock = u32(sb.firstDataBlock);
    this.blocksPerGroup = u32(sb.blocksPerGroup);
    this.inodesPerGroup = u32(sb.inodesPerGroup);
    this.inodesCount = u32(sb.inodesCount);
    this.inodeSize = format.revision === 0 ? goodOldInodeSize : u16(sb.inodeSize);
    this.firstIno = format.revision === 0 ? goodOldFirstIno : u32(sb.firstIno);
    this.groups = Math.ceil((this.blocksCount - this.firstDataBlock) / this.blocksPerGroup);
    this.inodeTableBlocks = Math.ceil((this.inodesPerGroup * this.inodeSize) / B);
    this.filetype = (format.incompat & incompat.filetype) !== 0;
    this.sparseSuper = (format.roCompat & roCompat.sparseSuper) !== 0;
    this.newExtraIsize = this.inodeSize > goodOldInodeSize ? 32 : 0;
    this.#checkGeometry();
    this.readOnlyReasons = readOnlyReasons(format, u16(sb.state));
    // The descriptor table follows the superblock's block; with resize_inode, reserved blocks follow it in each copy.
    this.#gdt = (this.firstDataBlock + 1) * B;
    const reservedGdt = (format.compat & compat.resizeInode) !== 0 ? u16(sb.reservedGdtBlocks) : 0;
    if (reservedGdt > this.pointersPerBlock) corruptSuperblock(`${reservedGdt} reserved descriptor blocks`);
    const layout = this.#readDescriptors(reservedGdt);
    this.#metaEnd = layout.metaEnd;
    this.#blockBitmap = layout.blockBitmap;
    this.#inodeBitmap = layout.inodeBitmap;
    this.#inodeTable = layout.inodeTable;
  }

  /**
   * Refuses (ERR_EXT2_CORRUPT) a geometry that contradicts itself or the
   * image: sizes out of range, counts that do not add up, an image shorter
   * than its block count. Nothing computed from the geometry is used before
   * this has run.
   */
  #checkGeometry(): void {
    const B = this.blockSize;
    const store = this.#store;
    if (this.firstDataBlock !== (B === 1024 ? 1 : 0))
      corruptSuperblock(`first data block ${this.firstDataBlock} with ${B}-byte blocks`);
    if (this.blocksPerGroup === 0 || this.blocksPerGroup > 8 * B || this.blocksPerGroup % 8 !== 0) {
      corruptSuperblock(`${this.blocksPerGroup} blocks per group`);
    }
    if (this.inodesPerGroup === 0 || this.inodesPerGroup > 8 * B || this.inodesPerGroup % 8 !== 0) {
      corruptSuperblock(`${this.inodesPerGroup} inodes per group`);
    }
    if (this.inodeSize < goodOldInodeSize || this.inodeSize > B || (this.inodeSize & (this.inodeSize - 1)) !== 0) {
      corruptSuperblock(`inode size ${this.inodeSize}`);
    }
    if (this.blocksCount <= this.firstDataBlock + 1) corruptSuperblock(`${this.blocksCount} blocks`);
    if (this.blocksCount * B > store.length) {
      throw new ImageError(
        'ERR_EXT2_CORRUPT',
        `the image is ${store.length} bytes, its superblock says ${this.blocksCount * B}: truncated`,
      );
    }
    if (this.inodesCount !== this.groups * this.inodesPerGroup) {
      corruptSuperblock(`${this.inodesCount} inodes in ${this.groups} groups of ${this.inodesPerGroup}`);
    }
    if (this.firstIno <= 2 || this.firstIno >= this.inodesCount) corruptSuperblock(`first inode ${this.firstIno}`);
    if (this.freeBlocks > this.blocksCount) corruptSuperblock(`${this.freeBlocks} free blocks of ${this.blocksCount}`);
    if (this.freeInodes > this.inodesCount) corruptSuperblock(`${this.freeInodes} free inodes of ${this.inodesCount}`);
  }

  /**
   * Reads where each group's bitmaps and inode table lie, refusing
   * (ERR_EXT2_CORRUPT) a descriptor that puts them outside its group's
   * blocks after the superblock and descriptor copies, or on each other, or
   * whose counts exceed its group.
   */
  #readDescriptors(reservedGdt: number): GroupLayout {
    const store = this.#store;
    const gdtBlocks = Math.ceil((this.groups * gdSize) / this.blockSize);
    const layout: GroupLayout = {
      metaEnd: new Float64Array(this.groups),
      blockBitmap: new Float64Array(this.groups),
      inodeBitmap: new Float64Array(this.groups),
      inodeTable: new Float64Array(this.groups),
    };
    for (let g = 0; g < this.groups; g++) {
      const first = this.groupFirst(g);
      const end = first + this.groupBlocks(g);
      const metaEnd = first + (this.hasSuperCopy(g) ? 1 + gdtBlocks + reservedGdt : 0);
      const at = this.#gdt + g * gdSize;
      const blockBitmap = store.getUint32(at + gd.blockBitmap);
      const inodeBitmap = store.getUint32(at + gd.inodeBitmap);
      const inodeTable = store.getUint32(at + gd.inodeTable);
      const bad = (message: string): never => {
        throw new ImageError('ERR_EXT2_CORRUPT', `corrupt group descriptor ${g}: ${message}`);
      };
      const inside = (block: number, count: number): boolean => block >= metaEnd && block + count <= end;
      if (metaEnd > end) bad(`its superblock copy and descriptors (${metaEnd - first} blocks) do not fit`);
      if (!inside(blockBitmap, 1)) bad(`block bitmap at ${blockBitmap}, outside [${metaEnd}, ${end})`);
      if (!inside(inodeBitmap, 1)) bad(`inode bitmap at ${inodeBitmap}, outside [${metaEnd}, ${end})`);
      if (!inside(inodeTable, this.inodeTableBlocks)) bad(`inode table at ${inodeTable}, outside [${metaEnd}, ${end})`);
      if (
        blockBitmap === inodeBitmap ||
        overlaps(blockBitmap, inodeTable, this.inodeTableBlocks) ||
        overlaps(inodeBitmap, inodeTable, this.inodeTableBlocks)
      ) {
        bad('its bitmaps and inode table overlap');
      }
      if (store.getUint16(at + gd.freeBlocksCount) > end - first)
        bad(`${store.getUint16(at + gd.freeBlocksCount)} free blocks`);
      if (store.getUint16(at + gd.freeInodesCount) > this.inodesPerGroup)
        bad(`${store.getUint16(at + gd.freeInodesCount)} free inodes`);
      if (store.getUint16(at + gd.usedDirsCount) > this.inodesPerGroup)
        bad(`${store.getUint16(at + gd.usedDirsCount)} directories`);
      layout.metaEnd[g] = metaEnd;
      layout.blockBitmap[g] = blockBitmap;
      layout.inodeBitmap[g] = inodeBitmap;
      layout.inodeTable[g] = inodeTable;
    }
    return layout;
  }

  /** The first block of group `g`. */
  groupFirst(g: number): number {
    return this.firstDataBlock + g * this.blocksPerGroup;
  }

  /** Blocks in group `g` (the last group may be short). */
  groupBlocks(g: number): number {
    return Math.min(this.blocksPerGroup, this.blocksCount - this.groupFirst(g));
  }

  /** The group holding block `block`. */
  groupOf(block: number): number {
    return Math.floor((block - this.firstDataBlock) / this.blocksPerGroup);
  }

  /** The first block of group `g` that is not a superblock or descriptor copy (where allocation may start). */
  groupDataStart(g: number): number {
    return this.#metaEnd[g];
  }

  /** Whether group `g` holds a copy of the superblock and descriptors (all do, or with sparse_super only 0, 1 and powers of 3, 5 and 7). */
  hasSuperCopy(g: number): boolean {
    if (!this.sparseSuper || g <= 1) return true;
    for (const base of [3, 5, 7]) {
      let power = base;
      while (power < g) power *= base;
      if (power === g) return true;
    }
    return false;
  }

  blockBitmap(g: number): number {
    return this.#blockBitmap[g];
  }

  inodeBitmap(g: number): number {
    return this.#inodeBitmap[g];
  }

  /** The byte address of inode `ino`'s record. */
  inodeAddr(ino: number): number {
    const g = Math.floor((ino - 1) / this.inodesPerGroup);
    return this.#inodeTable[g] * this.blockSize + ((ino - 1) % this.inodesPerGroup) * this.inodeSize;
  }

  /**
   * Whether `block` may hold file data or block pointers: inside the file
   * system and not a superblock or descriptor copy, bitmap or inode table.
   * Every block number read from an inode or an indirect block is checked
   * with this before it is used, so a corrupt image cannot direct a store
   * into the file system's own structures.
   */
  isDataBlock(block: number): boolean {
    if (!(block >= this.firstDataBlock && block < this.blocksCount)) return false;
    const g = this.groupOf(block);
    const table = this.#inodeTable[g];
    return (
      block >= this.#metaEnd[g] &&
      block !== this.#blockBitmap[g] &&
      block !== this.#inodeBitmap[g] &&
      !(block >= table && block < table + this.inodeTableBlocks)
    );
  }

  // The counts that change: in the image, read and written through the store.

  get freeBlocks(): number {
    return this.#store.getUint32(superblockOffset + sb.freeBlocksCount);
  }

  get freeInodes(): number {
    return this.#store.getUint32(superblockOffset + sb.freeInodesCount);
  }

  get reservedBlocks(): number {
    return this.#store.getUint32(superblockOffset + sb.rBlocksCount);
  }

  /** Whether the large_file feature is set (a file of 2 GiB or more exists, or may). */
  get largeFile(): boolean {
    return (this.#store.getUint32(superblockOffset + sb.featureRoCompat) & roCompat.largeFile) !== 0;
  }

  /** Addresses of the fields that change, for stores through the undo log. */
  readonly addr = {
    freeBlocks: superblockOffset + sb.freeBlocksCount,
    freeInodes: superblockOffset + sb.freeInodesCount,
    roCompat: superblockOffset + sb.featureRoCompat,
    lastOrphan: superblockOffset + sb.lastOrphan,
    groupFreeBlocks: (g: number): number => this.#gdt + g * gdSize + gd.freeBlocksCount,
    groupFreeInodes: (g: number): number => this.#gdt + g * gdSize + gd.freeInodesCount,
    groupUsedDirs: (g: number): number => this.#gdt + g * gdSize + gd.usedDirsCount,
  };

  /** The file system id statfs reports: the two halves of the UUID xored, as Linux's ext2 does. */
  get fsid(): bigint {
    const uuid = new Uint8Array(16);
    this.#store.copyOut(superblockOffset + sb.uuid, uuid);
    const view = new DataView(uuid.buffer);
    return view.getBigUint64(0, true) ^ view.getBigUint64(8, true);
  }

  /** Largest file size: what the block tree addresses and 32-bit i_blocks (in 512-byte sectors, metadata included) can count. */
  get maxFileSize(): number {
    return maxFileSize(this.blockSize);
  }
}

function overlaps(block: number, first: number, count: number): boolean {
  return block >= first && block < first + count;
}

/** Linux's ext2_max_size: the largest dense file whose data and indirect blocks fit in 2^32 - 1 sectors and the block tree. */
export function maxFileSize(blockSize: number): number {
  const P = blockSize / 4;
  const sectorsPerBlock = blockSize / 512;
  const treeBlocks = 12 + P + P * P + P * P * P;
  let upper = Math.floor((2 ** 32 - 1) / sectorsPerBlock);
  let meta = 1 + (1 + P) + (1 + P + P * P);
  if (treeBlocks + meta <= upper) return treeBlocks * blockSize;
  let result = upper;
  upper -= 12;
  meta = 1;
  upper -= P;
  if (upper < P * P) {
    meta += 1 + Math.ceil(upper / P);
    return (result - meta) * blockSize;
  }
  meta += 1 + P;
  upper -= P * P;
  meta += 1 + Math.ceil(upper / P) + Math.ceil(upper / (P * P));
  result -= meta;
  return result * blockSize;
}
