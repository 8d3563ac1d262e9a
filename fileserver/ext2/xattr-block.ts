/**
 * The extended attribute block's format, as Linux's fs/ext2/xattr.h and
 * e2fsprogs' ext2_ext_attr.h define it: a 32-byte header (magic
 * 0xEA020000, reference count, blocks 1, hash of the block), then entries
 * growing down from it, each 16 bytes (name length, name index, value
 * offset, value block 0, value size, hash) and the name, padded to 4 bytes,
 * ended by 4 zero bytes; the values, each padded to 4 bytes, grow up from
 * the block's end. Entries are sorted by name index, name length and name,
 * as Linux keeps them.
 *
 * This module reads such a block into a list of attributes and writes a
 * list back as a whole block: one layout for one list (values in entry
 * order from the end), which is also how identical attribute sets get
 * identical blocks.
 */
import { corrupt } from './assert.ts';
import { xattr as h, xattrMagic } from './format.ts';

const headerSize = h.entries;
const entrySize = 16;
/** An entry's fields, by byte offset. */
const e = { nameLen: 0, nameIndex: 1, valueOffs: 2, valueBlock: 4, valueSize: 8, hash: 12 } as const;

/** One attribute: its name index (the namespace), the name after the namespace's prefix, the value. */
export interface Attribute {
  readonly index: number;
  readonly name: Uint8Array;
  readonly value: Uint8Array;
}

const pad = (n: number): number => (n + 3) & ~3;
/** EXT2_XATTR_LEN: an entry's bytes, name included. */
const entryLength = (nameLen: number): number => pad(entrySize + nameLen);

/** Bytes a block holding `attributes` needs: header, entries, the 4-byte end mark, values. */
export function blockBytes(attributes: readonly Attribute[]): number {
  let n = headerSize + 4;
  for (const a of attributes) n += entryLength(a.name.length) + pad(a.value.length);
  return n;
}

/** Linux's order of entries: by name index, then name length, then the name's bytes. */
export function compareAttributes(
  a: { index: number; name: Uint8Array },
  b: { index: number; name: Uint8Array },
): number {
  if (a.index !== b.index) return a.index - b.index;
  if (a.name.length !== b.name.length) return a.name.length - b.name.length;
  for (let i = 0; i < a.name.length; i++) if (a.name[i] !== b.name[i]) return a.name[i] - b.name[i];
  return 0;
}

/**
 * ext2_xattr_hash_entry: the name's bytes, then the value as little-endian
 * 32-bit words (zero-padded). Name bytes are taken unsigned, as e2fsprogs
 * and ext4 do (Linux's ext2 reads them as `char`, signed on x86, which
 * differs only for bytes over 0x7f; e2fsck accepts either).
 */
export function entryHash(name: Uint8Array, value: Uint8Array): number {
  let hash = 0;
  for (const byte of name) hash = ((hash << 5) ^ (hash >>> 27) ^ byte) >>> 0;
  const padded = new Uint8Array(pad(value.length));
  padded.set(value);
  const words = new DataView(padded.buffer);
  for (let i = 0; i < padded.length; i += 4) hash = ((hash << 16) ^ (hash >>> 16) ^ words.getUint32(i, true)) >>> 0;
  return hash;
}

/** ext2_xattr_rehash: the block's hash from its entries' (0 if one is 0: such a block is never shared). */
function blockHash(hashes: readonly number[]): number {
  let hash = 0;
  for (const entry of hashes) {
    if (entry === 0) return 0;
    hash = ((hash << 16) ^ (hash >>> 16) ^ entry) >>> 0;
  }
  return hash;
}

/** The reference count of an attribute block (checked to be one, and in use). */
export function refcountOf(block: Uint8Array, where: string): number {
  const view = viewOf(block);
  if (view.getUint32(h.magic, true) !== xattrMagic) corrupt(`${where}: not an extended attribute block`);
  const references = view.getUint32(h.refcount, true);
  if (references === 0) corrupt(`${where}: an attribute block in use counts no references`);
  return references;
}

/**
 * The attributes of an attribute block, in their order. Everything is
 * checked against the block's bounds first (what e2fsck checks): a block
 * that breaks them is corruption, never read past.
 */
export function readBlock(block: Uint8Array, where: string): Attribute[] {
  const view = viewOf(block);
  refcountOf(block, where);
  if (view.getUint32(h.blocks, true) !== 1)
    corrupt(`${where}: attribute block spans ${view.getUint32(h.blocks, true)} blocks`);
  const attributes: Attribute[] = [];
  let at: number = headerSize;
  for (;;) {
    if (at + 4 > block.length) corrupt(`${where}: attribute entries run past the block`);
    if (view.getUint32(at, true) === 0) break;
    const nameLen = view.getUint8(at + e.nameLen);
    const next = at + entryLength(nameLen);
    if (next + 4 > block.length) corrupt(`${where}: attribute entries run past the block`);
    const offs = view.getUint16(at + e.valueOffs, true);
    const size = view.getUint32(at + e.valueSize, true);
    if (view.getUint32(at + e.valueBlock, true) !== 0) corrupt(`${where}: an attribute value in another block`);
    if (size > 0 && (offs < next || offs + size > block.length)) corrupt(`${where}: an attribute value out of place`);
    attributes.push({
      index: view.getUint8(at + e.nameIndex),
      name: block.slice(at + entrySize, at + entrySize + nameLen),
      value: block.slice(offs, offs + size),
    });
    at = next;
  }
  return attributes;
}

/**
 * An attribute block holding `attributes` (sorted, as compareAttributes
 * orders them) with reference count `refcount`; null when they do not fit
 * in `blockSize` bytes.
 */
export function writeBlock(attributes: readonly Attribute[], blockSize: number, refcount: number): Uint8Array | null {
  if (blockBytes(attributes) > blockSize) return null;
  const block = new Uint8Array(blockSize);
  const view = viewOf(block);
  view.setUint32(h.magic, xattrMagic, true);
  view.setUint32(h.refcount, refcount, true);
  view.setUint32(h.blocks, 1, true);
  const hashes: number[] = [];
  let at: number = headerSize;
  let end = blockSize;
  for (const a of attributes) {
    const hash = entryHash(a.name, a.value);
    hashes.push(hash);
    view.setUint8(at + e.nameLen, a.name.length);
    view.setUint8(at + e.nameIndex, a.index);
    // An empty value has no place (offset 0), as Linux leaves it.
    if (a.value.length > 0) {
      end -= pad(a.value.length);
      block.set(a.value, end);
      view.setUint16(at + e.valueOffs, end, true);
    }
    view.setUint32(at + e.valueSize, a.value.length, true);
    view.setUint32(at + e.hash, hash, true);
    block.set(a.name, at + entrySize);
    at += entryLength(a.name.length);
  }
  view.setUint32(h.hash, blockHash(hashes), true);
  return block;
}

function viewOf(block: Uint8Array): DataView {
  return new DataView(block.buffer, block.byteOffset, block.byteLength);
}

/**
 * The in-inode area's layout (ext4's "ibody", which e2fsprogs reads and
 * writes the same way): the bytes of a large inode after the 128-byte core
 * and i_extra_isize, starting with the magic 0xEA020000, then entries as in
 * a block (unsorted in general; this code writes them sorted), ended by 4
 * zero bytes; values, each padded to 4 bytes, from the area's end, their
 * offsets counted from the first entry (just after the magic).
 */
const ibodyHeader = 4;

/** Bytes an in-inode area holding `attributes` needs: magic, entries, the end mark, values. */
export function ibodyBytes(attributes: readonly Attribute[]): number {
  return blockBytes(attributes) - headerSize + ibodyHeader;
}

/** The attributes of an in-inode area (`area`: all of it, magic first); none when it has no magic. */
export function readIbody(area: Uint8Array, where: string): Attribute[] {
  if (area.length < ibodyHeader + 4) return [];
  const view = viewOf(area);
  if (view.getUint32(0, true) !== xattrMagic) return [];
  const attributes: Attribute[] = [];
  const base = ibodyHeader;
  let at = base;
  for (;;) {
    if (at + 4 > area.length) corrupt(`${where}: in-inode attribute entries run past the inode`);
    if (view.getUint32(at, true) === 0) break;
    const nameLen = view.getUint8(at + e.nameLen);
    const next = at + entryLength(nameLen);
    if (next + 4 > area.length) corrupt(`${where}: in-inode attribute entries run past the inode`);
    const offs = view.getUint16(at + e.valueOffs, true);
    const size = view.getUint32(at + e.valueSize, true);
    if (view.getUint32(at + e.valueBlock, true) !== 0) corrupt(`${where}: an in-inode attribute value in an inode`);
    if (size > 0 && (base + offs < next || base + offs + size > area.length))
      corrupt(`${where}: an in-inode attribute value out of place`);
    attributes.push({
      index: view.getUint8(at + e.nameIndex),
      name: area.slice(at + entrySize, at + entrySize + nameLen),
      value: area.slice(base + offs, base + offs + size),
    });
    at = next;
  }
  return attributes;
}

/**
 * An in-inode area of `size` bytes holding `attributes` (sorted); all zero
 * (no magic) for none, as ext4 leaves an inode whose last one went; null
 * when they do not fit.
 */
export function writeIbody(attributes: readonly Attribute[], size: number): Uint8Array | null {
  const area = new Uint8Array(size);
  if (attributes.length === 0) return area;
  if (ibodyBytes(attributes) > size) return null;
  const view = viewOf(area);
  view.setUint32(0, xattrMagic, true);
  const base = ibodyHeader;
  let at = base;
  let end = size;
  for (const a of attributes) {
    view.setUint8(at + e.nameLen, a.name.length);
    view.setUint8(at + e.nameIndex, a.index);
    if (a.value.length > 0) {
      end -= pad(a.value.length);
      area.set(a.value, end);
      view.setUint16(at + e.valueOffs, end - base, true);
    }
    view.setUint32(at + e.valueSize, a.value.length, true);
    view.setUint32(at + e.hash, entryHash(a.name, a.value), true);
    area.set(a.name, at + entrySize);
    at += entryLength(a.name.length);
  }
  return area;
}
