/**
 * Extended attributes, stored the ext4 way that e2fsprogs reads and writes
 * (formats in xattr-block.ts): in the spare tail of a large inode (after
 * the 128-byte core and i_extra_isize; what mke2fs -d and debugfs ea_set
 * use for 256-byte inodes), and in one attribute block named by the
 * inode's i_file_acl. Listing and reading take the inode's first, then the
 * block's, as ext4 does. A new or changed attribute goes in the inode when
 * it fits there (ext4's policy), else in the block (leaving wherever it was
 * before); a removal takes it from wherever it is. A 128-byte inode has no
 * tail: everything is in the block, as under Linux's ext2 (which neither
 * reads nor writes in-inode attributes).
 *
 * A block may be shared by several inodes with identical attributes,
 * counted by its h_refcount (Linux's ext2 shares blocks it finds identical
 * through a cache; e2fsprogs and Linux-made images may hold such blocks).
 * A change to a shared block's attributes copies it first (copy on write):
 * the inode gets a block of its own and the shared one's count drops. This
 * code does not look for identical blocks to share when it writes (Linux's
 * cache of them is an optimisation; without one, finding them would mean
 * searching the image).
 *
 * Names: each namespace has a name index (user 1, system.posix_acl_access
 * 2, system.posix_acl_default 3, trusted 4, security 6), and the block
 * stores the index and the rest of the name. Other system.* names, and
 * other prefixes, are not supported (ENOTSUP), as under Linux's ext2.
 */

import { FsError, XATTR_CREATE, XATTR_NAME_MAX, XATTR_REPLACE, XATTR_SIZE_MAX } from '../fs.ts';
import { aclFromDisk, aclToDisk } from './acl.ts';
import type { Allocator } from './alloc.ts';
import { corrupt } from './assert.ts';
import { compat, sb as field, goodOldInodeSize, superblockOffset, xattr } from './format.ts';
import type { Inode } from './inode.ts';
import type { Superblock } from './super.ts';
import type { UndoLog } from './undo.ts';
import {
  type Attribute,
  compareAttributes,
  readBlock,
  readIbody,
  refcountOf,
  writeBlock,
  writeIbody,
} from './xattr-block.ts';

const prefixes: readonly { readonly prefix: string; readonly index: number }[] = [
  { prefix: 'user.', index: 1 },
  { prefix: 'trusted.', index: 4 },
  { prefix: 'security.', index: 6 },
];
/** The ACLs: a whole name each, stored with an empty name. */
const acls: Readonly<Record<string, number>> = { 'system.posix_acl_access': 2, 'system.posix_acl_default': 3 };
const aclNames: Readonly<Record<number, string>> = { 2: 'system.posix_acl_access', 3: 'system.posix_acl_default' };

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** A full attribute name as its name index and stored name; refused as Linux's VFS and ext2 refuse it. */
function parseName(name: string): { index: number; name: Uint8Array } {
  if (typeof name !== 'string') throw new FsError('EINVAL', 'attribute name: not a string');
  const bytes = utf8.encode(name);
  if (bytes.length === 0 || bytes.length > XATTR_NAME_MAX)
    throw new FsError('ERANGE', `attribute name of ${bytes.length} bytes (1 to ${XATTR_NAME_MAX})`);
  const acl = acls[name];
  if (acl !== undefined) return { index: acl, name: new Uint8Array(0) };
  for (const { prefix, index } of prefixes) {
    if (!name.startsWith(prefix)) continue;
    if (name.length === prefix.length)
      throw new FsError('EINVAL', `attribute name ${JSON.stringify(name)} is only a prefix`);
    return { index, name: bytes.subarray(prefix.length) };
  }
  throw new FsError('ENOTSUP', `attribute namespace of ${JSON.stringify(name)}`);
}

/** The full name of a stored attribute, or null for a name index Linux's ext2 does not serve. */
function fullName(a: Attribute): string | null {
  const acl = aclNames[a.index];
  if (acl !== undefined) return a.name.length === 0 ? acl : null;
  const ns = prefixes.find((p) => p.index === a.index);
  return ns === undefined ? null : ns.prefix + fromUtf8.decode(a.name);
}

const isAcl = (index: number): boolean => aclNames[index] !== undefined;

export class Xattrs {
  readonly #disk: UndoLog;
  readonly #sb: Superblock;
  readonly #alloc: Allocator;

  constructor(disk: UndoLog, superblock: Superblock, alloc: Allocator) {
    this.#disk = disk;
    this.#sb = superblock;
    this.#alloc = alloc;
  }

  /** The full names of `inode`'s attributes: the inode's, then the block's, each in its stored order. */
  list(inode: Inode): string[] {
    const names: string[] = [];
    for (const a of [...this.#readIbody(inode), ...this.#read(inode)]) {
      const name = fullName(a);
      if (name !== null) names.push(name);
    }
    return names;
  }

  /** The value of attribute `name`; ENODATA when `inode` has none. */
  get(inode: Inode, name: string): Uint8Array {
    const key = parseName(name);
    const found = [...this.#readIbody(inode), ...this.#read(inode)].find((a) => compareAttributes(a, key) === 0);
    if (found === undefined)
      throw new FsError('ENODATA', `inode ${inode.ino} has no attribute ${JSON.stringify(name)}`);
    return isAcl(key.index) ? aclFromDisk(found.value, `inode ${inode.ino}'s ${name}`) : found.value;
  }

  /**
   * Sets attribute `name` to `value`, or removes it (`value` null), as
   * setxattr(2) and removexattr(2) do: EEXIST with XATTR_CREATE when it
   * exists, ENODATA with XATTR_REPLACE (or a removal) when it does not;
   * E2BIG for a value over XATTR_SIZE_MAX, ERANGE for one over a block,
   * ENOSPC when neither the inode nor the block has room for it.
   */
  set(inode: Inode, name: string, value: Uint8Array | null, flags: number): void {
    const key = parseName(name);
    if (!Number.isInteger(flags) || (flags & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0)
      throw new FsError('EINVAL', `attribute flags ${flags}`);
    let stored: Uint8Array | null = null;
    if (value !== null) {
      if (!(value instanceof Uint8Array)) throw new FsError('EINVAL', 'attribute value: not bytes');
      if (value.length > XATTR_SIZE_MAX)
        throw new FsError('E2BIG', `attribute value of ${value.length} bytes (at most ${XATTR_SIZE_MAX})`);
      stored = isAcl(key.index) ? aclToDisk(value) : value;
      if (stored.length > this.#sb.blockSize)
        throw new FsError('ERANGE', `attribute value of ${stored.length} bytes exceeds a block`);
    }
    const area = this.#area(inode);
    const inInode = area === null ? [] : this.#readIbody(inode);
    const inBlock = this.#read(inode);
    const same = (a: Attribute): boolean => compareAttributes(a, key) === 0;
    const exists = inInode.some(same) || inBlock.some(same);
    if (exists && flags & XATTR_CREATE) throw new FsError('EEXIST', `attribute ${JSON.stringify(name)} exists`);
    if (!exists && (stored === null || flags & XATTR_REPLACE))
      throw new FsError('ENODATA', `inode ${inode.ino} has no attribute ${JSON.stringify(name)}`);
    const ibody = inInode.filter((a) => !same(a));
    const block = inBlock.filter((a) => !same(a));
    const blockChanged = block.length !== inBlock.length;
    let ibodyBytes: Uint8Array | null = null;
    if (stored !== null && area !== null) {
      ibodyBytes = writeIbody([...ibody, { ...key, value: stored }].sort(compareAttributes), area.size);
    }
    if (ibodyBytes === null && stored !== null) {
      // In the block: written first, so that a block with no room (ENOSPC) leaves everything as it was.
      block.push({ ...key, value: stored });
      block.sort(compareAttributes);
      this.#write(inode, block);
    } else if (blockChanged) this.#write(inode, block);
    if (area !== null && (ibodyBytes !== null || ibody.length !== inInode.length)) {
      this.#writeIbody(inode, area, ibodyBytes ?? (writeIbody(ibody, area.size) as Uint8Array));
    }
  }

  /**
   * Where `inode`'s in-inode attributes live: the image address and size of
   * the area after its extra fields, magic included; null for an inode with
   * none (128 bytes, or extra fields leaving no room for an entry).
   */
  #area(inode: Inode): { addr: number; offset: number; size: number } | null {
    const inodeSize = this.#sb.inodeSize;
    if (inodeSize <= goodOldInodeSize) return null;
    const extra = inode.extraIsize;
    const offset = goodOldInodeSize + extra;
    // e2fsck's bounds for i_extra_isize: 4-byte aligned, leaving room for the magic and an end mark.
    if (extra % 4 !== 0 || offset + 8 > inodeSize) return null;
    return { addr: inode.addr + offset, offset, size: inodeSize - offset };
  }

  #readIbody(inode: Inode): Attribute[] {
    const area = this.#area(inode);
    if (area === null) return [];
    const bytes = new Uint8Array(area.size);
    this.#disk.copyOut(area.addr, bytes);
    // Where the area overlaps the inode's record copy, the copy is the newer.
    const overlap = inode.bytes.subarray(area.offset);
    bytes.set(overlap.subarray(0, Math.min(overlap.length, bytes.length)));
    return readIbody(bytes, `inode ${inode.ino}'s in-inode attributes`);
  }

  #writeIbody(inode: Inode, area: { addr: number; offset: number; size: number }, bytes: Uint8Array): void {
    this.#disk.copyIn(area.addr, bytes);
    // Keep the record copy (stored back at the operation's end) agreeing where they overlap.
    const record = inode.bytes;
    if (area.offset < record.length) record.set(bytes.subarray(0, record.length - area.offset), area.offset);
    // An area with attributes starts with the magic (an emptied one is all zero).
    if (new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) !== 0) this.#markFeature();
  }

  #read(inode: Inode): Attribute[] {
    const block = inode.fileAcl;
    if (block === 0) return [];
    return readBlock(this.#copy(inode, block), `inode ${inode.ino}'s attribute block ${block}`);
  }

  /** Block `block` of `inode`'s attributes, copied out, after checking it can be one. */
  #copy(inode: Inode, block: number): Uint8Array {
    if (!this.#sb.isDataBlock(block)) corrupt(`inode ${inode.ino}: attribute block ${block} is not a data block`);
    const bytes = new Uint8Array(this.#sb.blockSize);
    this.#disk.copyOut(block * this.#sb.blockSize, bytes);
    return bytes;
  }

  /** Stores `attributes` as `inode`'s: in its own block in place, else in a new block (the old one, shared, keeps the others'). */
  #write(inode: Inode, attributes: readonly Attribute[]): void {
    const sb = this.#sb;
    const B = sb.blockSize;
    const old = inode.fileAcl;
    if (attributes.length === 0) {
      releaseAttributes(this.#disk, sb, this.#alloc, inode);
      return;
    }
    const bytes = writeBlock(attributes, B, 1);
    if (bytes === null) throw new FsError('ENOSPC', `inode ${inode.ino}'s attributes do not fit in a block`);
    const references = old === 0 ? 0 : refcountOf(this.#copy(inode, old), `inode ${inode.ino}'s attribute block`);
    if (references === 1) {
      this.#disk.copyIn(old * B, bytes);
      return;
    }
    // Linux's goal: the first block of the inode's group.
    const group = Math.floor((inode.ino - 1) / sb.inodesPerGroup);
    const { start } = this.#alloc.allocateBlocks(sb.groupFirst(group), 1);
    this.#disk.copyIn(start * B, bytes);
    if (old === 0) inode.sectors += B / 512;
    else this.#disk.set32(old * B + xattr.refcount, references - 1);
    inode.fileAcl = start;
    this.#markFeature();
  }

  /** As Linux's ext2 does on its first attribute block (and ext4 on any attribute): the image now has ext_attr. */
  #markFeature(): void {
    const features = superblockOffset + field.featureCompat;
    const mask = this.#disk.get32(features);
    if ((mask & compat.extAttr) === 0) this.#disk.set32(features, (mask | compat.extAttr) >>> 0);
  }
}

/** Drops `inode`'s reference to its attribute block, freeing the block with its last reference. */
export function releaseAttributes(disk: UndoLog, sb: Superblock, alloc: Allocator, inode: Inode): void {
  const block = inode.fileAcl;
  if (block === 0) return;
  if (!sb.isDataBlock(block)) corrupt(`inode ${inode.ino}: attribute block ${block} is not a data block`);
  const addr = block * sb.blockSize;
  const header = new Uint8Array(xattr.entries);
  disk.copyOut(addr, header);
  const references = refcountOf(header, `inode ${inode.ino}'s attribute block ${block}`);
  if (references > 1) disk.set32(addr + xattr.refcount, references - 1);
  else alloc.freeBlocks(block, 1);
  inode.sectors = Math.max(0, inode.sectors - sb.blockSize / 512);
  inode.fileAcl = 0;
}
