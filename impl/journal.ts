/**
 * The journal of an atomic write-back, format v1: what it holds, how it is
 * encoded, and what a journal found at recovery says. No I/O: atomic.ts
 * writes one, recovery.ts reads one through `scanJournal`.
 *
 * A redo journal of the bytes the write-back writes (never a skipped byte),
 * little-endian, CRC-32 from node:zlib:
 *
 *   header, 64 bytes: magic "DIOJRNL1", version u32 = 1, page size u32,
 *     salt (8 random bytes), the file's dev u64 and ino u64, its length
 *     before u64, zeros, CRC u32 of the 60 bytes before it.
 *   record, one per run (a run longer than recordMax: one per recordMax
 *     bytes of it): magic "RUN1", salt, offset u64, length u32, then per
 *     block the record touches the CRC u32 of the bytes it overwrites there
 *     (its pre-image, read just before journaling), the data, and a CRC u32
 *     of everything after the magic.
 *   commit, 36 bytes, appended once the records are durable: magic "CMT1",
 *     salt, record count u32, data bytes u64, the file's length after u64,
 *     CRC u32 of the header, of each record's header and CRC, and of the
 *     commit's bytes before it.
 *
 * A record or commit whose salt is not the header's belongs to another
 * generation and ends the journal. With no valid commit the journal is
 * uncommitted: the file was not touched yet, and recovery discards it. A
 * committed journal that cannot be trusted (a record's checksum, a version
 * unknown, counts that disagree) is refused, never partly replayed.
 */
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { assert } from './assert.ts';
import { fileLengthMax, pageSizeMax, pageSizeMin } from './limits.ts';

/** The journal of file `name`: the file beside it named after it. */
export function journalName(name: string): string {
  return `${path.basename(name)}.dio-journal`;
}

const journalVersion = 1;
export const headerSize = 64;
/** A record's fixed part: magic, salt, offset, length (its pre-image CRCs follow). */
const recordFixedSize = 24;
const commitSize = 36;
/** Most data bytes in one record: a record is read, checked and replayed whole, in memory. */
export const recordMax = 2 ** 20;
export const saltSize = 8;

const headerMagic = 'DIOJRNL1';
const recordMagic = 'RUN1';
const commitMagic = 'CMT1';

/** What the header says. */
export interface JournalHeader {
  readonly pageSize: number;
  readonly salt: Uint8Array;
  /** The file the journal is for (its fstat's dev and ino), and its length before the write-back. */
  readonly dev: number;
  readonly ino: number;
  readonly lengthBefore: number;
}

/** A record found in a journal: where its data lies, and the CRCs of the bytes it overwrites, block by block. */
export interface JournalRecord {
  readonly offset: number;
  readonly length: number;
  /** Where its data starts in the journal. */
  readonly data: number;
  /** The CRCs of the part of each block it touches: before (read from the file when journaled) and after (its data). */
  readonly preimages: readonly number[];
  readonly postimages: readonly number[];
}

/** What a journal found at recovery says. */
export type JournalScan =
  | { readonly state: 'uncommitted'; readonly reason: string }
  | { readonly state: 'corrupt'; readonly reason: string }
  | {
      readonly state: 'committed';
      readonly header: JournalHeader;
      readonly records: readonly JournalRecord[];
      readonly dataBytes: number;
      readonly lengthAfter: number;
    };

/** Blocks of `pageSize` bytes that file range [offset, offset + length) touches. */
export function blocksOf(offset: number, length: number, pageSize: number): number {
  assert(length > 0, 'blocks of an empty range');
  return Math.floor((offset + length - 1) / pageSize) - Math.floor(offset / pageSize) + 1;
}

/**
 * Calls `visit(i, lo, hi)` for the part [lo, hi) of [offset, offset +
 * length) in each block it touches, i counting from 0, as offsets relative
 * to `offset`.
 */
export function forEachBlock(
  offset: number,
  length: number,
  pageSize: number,
  visit: (i: number, lo: number, hi: number) => void,
): void {
  let i = 0;
  for (let lo = 0; lo < length; i++) {
    const hi = Math.min(length, (Math.floor((offset + lo) / pageSize) + 1) * pageSize - offset);
    visit(i, lo, hi);
    lo = hi;
  }
  assert(i === blocksOf(offset, length, pageSize), 'blocks visited other than touched');
}

export function encodeHeader(header: JournalHeader): Uint8Array {
  assert(header.salt.length === saltSize, 'a salt of another size');
  assert(header.pageSize >= pageSizeMin, 'a page size below the least');
  assert(header.pageSize <= pageSizeMax, 'a page size above the most');
  assert(header.lengthBefore <= fileLengthMax, 'a file longer than the engine writes');
  const bytes = new Uint8Array(headerSize);
  const view = viewOf(bytes);
  ascii(bytes, 0, headerMagic);
  view.setUint32(8, journalVersion, true);
  view.setUint32(12, header.pageSize, true);
  bytes.set(header.salt, 16);
  view.setBigUint64(24, BigInt(header.dev), true);
  view.setBigUint64(32, BigInt(header.ino), true);
  view.setBigUint64(40, BigInt(header.lengthBefore), true);
  view.setUint32(60, crc32(bytes.subarray(0, 60)), true);
  return bytes;
}

/** A record's header: fixed part and pre-image CRCs. Its CRC starts as `recordCrc(header)`, then runs over the data. */
export function encodeRecordHeader(
  salt: Uint8Array,
  offset: number,
  length: number,
  preimages: Uint32Array,
): Uint8Array {
  assert(length > 0, 'a record of no length');
  assert(length <= recordMax, 'a record longer than a journal holds');
  assert(offset + length <= fileLengthMax, 'a record past the largest file');
  const bytes = new Uint8Array(recordFixedSize + 4 * preimages.length);
  const view = viewOf(bytes);
  ascii(bytes, 0, recordMagic);
  bytes.set(salt, 4);
  view.setBigUint64(12, BigInt(offset), true);
  view.setUint32(20, length, true);
  for (let i = 0; i < preimages.length; i++) view.setUint32(recordFixedSize + 4 * i, preimages[i], true);
  return bytes;
}

/** The CRC a record's trailer continues over its data: of its header after the magic. */
export function recordCrc(recordHeader: Uint8Array): number {
  assert(recordHeader.length >= recordFixedSize + 4, 'a record header with no pre-image');
  return crc32(recordHeader.subarray(4));
}

/** A record's trailer: its CRC. */
export function encodeCrc(crc: number): Uint8Array {
  assert(crc >>> 0 === crc, 'a CRC that is not an unsigned 32-bit integer');
  const bytes = new Uint8Array(4);
  viewOf(bytes).setUint32(0, crc, true);
  return bytes;
}

/**
 * The commit: `covered` is the CRC so far of the header and each record's
 * header and trailer (`commitCrc`), continued here over the commit's own
 * bytes.
 */
export function encodeCommit(
  salt: Uint8Array,
  records: number,
  dataBytes: number,
  lengthAfter: number,
  covered: number,
): Uint8Array {
  // A journal is written only for a write-back that writes something.
  assert(records > 0, 'a commit of no record');
  assert(dataBytes >= records, 'records of no bytes');
  const bytes = new Uint8Array(commitSize);
  const view = viewOf(bytes);
  ascii(bytes, 0, commitMagic);
  bytes.set(salt, 4);
  view.setUint32(12, records, true);
  view.setBigUint64(16, BigInt(dataBytes), true);
  view.setBigUint64(24, BigInt(lengthAfter), true);
  view.setUint32(32, crc32(bytes.subarray(0, 32), covered), true);
  return bytes;
}

/** Continues the commit's CRC over `bytes` (the header, or a record's header, or its trailer). */
export function commitCrc(bytes: Uint8Array, covered = 0): number {
  return crc32(bytes, covered);
}

/**
 * Reads a journal of `size` bytes through `read(position, length)` (which
 * returns exactly those bytes) and says what it holds. Every record is read
 * whole and checked, so a committed journal is trusted entirely or refused.
 */
export function scanJournal(size: number, read: (position: number, length: number) => Uint8Array): JournalScan {
  if (size < headerSize) return uncommitted(`its header is torn (${size} of ${headerSize} bytes)`);
  const head = read(0, headerSize);
  const view = viewOf(head);
  if (!hasMagic(head, 0, headerMagic)) return uncommitted('it has no journal header');
  if (view.getUint32(60, true) !== crc32(head.subarray(0, 60))) return uncommitted("its header's checksum is wrong");
  const version = view.getUint32(8, true);
  if (version !== journalVersion) return corrupt(`its version is ${version}, not ${journalVersion}`);
  const pageSize = view.getUint32(12, true);
  if (pageSize < 1 || pageSize > pageSizeMax) return corrupt(`its page size is ${pageSize}`);
  const salt = head.slice(16, 24);
  const header: JournalHeader = {
    pageSize,
    salt,
    dev: Number(view.getBigUint64(24, true)),
    ino: Number(view.getBigUint64(32, true)),
    lengthBefore: Number(view.getBigUint64(40, true)),
  };
  if (header.lengthBefore > fileLengthMax) return corrupt(`its length before is ${header.lengthBefore}`);
  const records: JournalRecord[] = [];
  let covered = commitCrc(head);
  let dataBytes = 0;
  let torn: string | null = null;
  for (let at = headerSize; ; ) {
    const n = records.length + 1;
    if (size - at < 4) return uncommitted(`it ends after ${records.length} records, with no commit`);
    const magic = read(at, 4);
    if (hasMagic(magic, 0, commitMagic)) {
      if (size - at < commitSize) return uncommitted('its commit is torn');
      const commit = read(at, commitSize);
      const fields = viewOf(commit);
      if (!sameSalt(commit, salt)) return uncommitted('its commit is of another generation');
      if (fields.getUint32(32, true) !== crc32(commit.subarray(0, 32), covered))
        return uncommitted("its commit's checksum is wrong");
      // Committed: from here on, whatever is wrong is corruption, not a write cut short.
      if (torn !== null) return corrupt(torn);
      if (at + commitSize !== size) return corrupt(`${size - at - commitSize} bytes follow its commit`);
      if (fields.getUint32(12, true) !== records.length)
        return corrupt(`its commit counts ${fields.getUint32(12, true)} records, not ${records.length}`);
      if (Number(fields.getBigUint64(16, true)) !== dataBytes)
        return corrupt(`its commit counts ${fields.getBigUint64(16, true)} data bytes, not ${dataBytes}`);
      const lengthAfter = Number(fields.getBigUint64(24, true));
      const last = records.at(-1);
      const end = last === undefined ? 0 : last.offset + last.length;
      if (lengthAfter !== Math.max(header.lengthBefore, end))
        return corrupt(`its length after, ${lengthAfter}, is not where its last record or the file ended`);
      return { state: 'committed', header, records, dataBytes, lengthAfter };
    }
    if (!hasMagic(magic, 0, recordMagic)) return uncommitted(`it ends at byte ${at}, with no commit`);
    if (size - at < recordFixedSize) return uncommitted(`its record ${n} is torn`);
    const fixed = read(at, recordFixedSize);
    if (!sameSalt(fixed, salt)) return uncommitted(`its record ${n} is of another generation`);
    const offset = Number(viewOf(fixed).getBigUint64(12, true));
    const length = viewOf(fixed).getUint32(20, true);
    const last = records.at(-1);
    if (length === 0 || length > recordMax || offset + length > fileLengthMax)
      return uncommitted(`its record ${n} is torn (offset ${offset}, length ${length})`);
    if (last !== undefined && offset < last.offset + last.length)
      return uncommitted(`its record ${n} is torn (it overlaps the one before)`);
    const blocks = blocksOf(offset, length, pageSize);
    const whole = recordFixedSize + 4 * blocks + length + 4;
    if (size - at < whole) return uncommitted(`its record ${n} is torn (cut short)`);
    const record = read(at, whole);
    const fields = viewOf(record);
    const headerEnd = recordFixedSize + 4 * blocks;
    const crc = fields.getUint32(whole - 4, true);
    // Checked once the commit is found: a record torn before it makes the journal uncommitted, after it corrupt.
    if (torn === null && crc !== crc32(record.subarray(4, whole - 4))) torn = `its record ${n}'s checksum is wrong`;
    covered = commitCrc(record.subarray(whole - 4), commitCrc(record.subarray(0, headerEnd), covered));
    const preimages: number[] = [];
    const postimages: number[] = [];
    forEachBlock(offset, length, pageSize, (i, lo, hi) => {
      preimages.push(fields.getUint32(recordFixedSize + 4 * i, true));
      postimages.push(crc32(record.subarray(headerEnd + lo, headerEnd + hi)));
    });
    records.push({ offset, length, data: at + headerEnd, preimages, postimages });
    dataBytes += length;
    at += whole;
    assert(at <= size, 'a record walked past the end of the journal');
  }
}

function uncommitted(reason: string): JournalScan {
  return { state: 'uncommitted', reason };
}

function corrupt(reason: string): JournalScan {
  return { state: 'corrupt', reason };
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function ascii(bytes: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
}

function hasMagic(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

function sameSalt(entry: Uint8Array, salt: Uint8Array): boolean {
  for (let i = 0; i < saltSize; i++) if (entry[4 + i] !== salt[i]) return false;
  return true;
}
