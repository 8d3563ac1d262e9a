/**
 * Recovery at open: a journal beside the file means an atomic write-back
 * (atomic.ts) was cut short. Before anything else reads the file, a
 * journal that was committed is replayed (the journal fsynced, its records
 * written in place, the file fsynced) and one that was not is discarded (the file was not
 * touched yet); either way it is then removed and the directory fsynced.
 * A crash during recovery leaves the journal, and recovering again gives
 * the same file: replaying writes the same bytes at the same offsets.
 *
 * A committed journal is replayed only if it is this file's and current:
 * its header names the file's device and inode, the file's length lies
 * between its lengths before and after, and every block it touches holds
 * the bytes it overwrote there or the bytes it wrote (what a crash part
 * way through its in-place writes leaves, each block old or new). Anything
 * else means the file changed since: an old journal brought back over
 * later changes is refused, never replayed over them.
 */
import { crc32 } from 'node:zlib';
import { assert } from './assert.ts';
import type { FileBackend } from './backend.ts';
import { readPadded } from './backend.ts';
import { io, JournalError } from './errors.ts';
import {
  forEachBlock,
  type JournalHeader,
  type JournalRecord,
  journalName,
  recordMax,
  scanJournal,
} from './journal.ts';

/** What recovering a file's journal at open did (DeferredFile.recovery). */
export interface Recovery {
  /** Replayed: the write-back was committed, the file now holds all of it. Discarded: it was not, the file is as before it. */
  readonly outcome: 'replayed' | 'discarded';
  /** Records replayed, and their bytes (0 when discarded). */
  readonly records: number;
  readonly bytes: number;
  /** Why, in words: what the journal held. */
  readonly reason: string;
}

/** Refuses to open `backend`'s file read-only while it has a journal (JournalError, EJOURNALPENDING). */
export function refusePending(backend: FileBackend): void {
  const siblings = backend.siblings;
  if (siblings === null) return;
  const name = journalName(backend.name);
  const journal = io('journal', name, () => siblings.open(name));
  if (journal === null) return;
  io('journal', name, () => journal.close());
  throw new JournalError(backend.name, name, 'EJOURNALPENDING');
}

/** Recovers the journal of `backend`'s file, if it has one; null if it has none. */
export function recover(backend: FileBackend): Recovery | null {
  const siblings = backend.siblings;
  if (siblings === null) return null;
  const name = journalName(backend.name);
  const journal = io('journal', name, () => siblings.open(name));
  if (journal === null) {
    // A removal of the journal a crash cut short of its directory fsync would be undone by a power cut later.
    io('journal', name, () => siblings.sync());
    return null;
  }
  let recovery: Recovery;
  try {
    const size = io('journal', name, () => journal.identity().size);
    const read = (position: number, length: number): Uint8Array => {
      assert(position + length <= size, 'reading past the end of the journal');
      const bytes = new Uint8Array(length);
      readPadded(journal, 'journal', bytes, 0, length, position);
      return bytes;
    };
    const scan = scanJournal(size, read);
    if (scan.state === 'corrupt') throw new JournalError(backend.name, name, 'EJOURNALCORRUPT', scan.reason);
    if (scan.state === 'uncommitted') {
      recovery = { outcome: 'discarded', records: 0, bytes: 0, reason: scan.reason };
    } else {
      const changed = changedSince(backend, scan.header, scan.records, scan.lengthAfter, read);
      if (changed !== null) throw new JournalError(backend.name, name, 'EJOURNALCORRUPT', changed);
      // The commit acted on may be in the page cache only (a kill after step 6): durable before the file changes,
      // or a power cut during the replay could lose it, and the next recovery discard a journal half replayed.
      io('journal', name, () => journal.sync());
      // Trusted whole: now, and only now, written.
      for (const record of scan.records) {
        const data = read(record.data, record.length);
        io('file', backend.name, () => backend.write(data, 0, data.length, record.offset));
      }
      const length = io('file', backend.name, () => backend.identity().size);
      assert(length === scan.lengthAfter, 'a replay left the file another length than its commit says');
      io('file', backend.name, () => backend.sync());
      recovery = {
        outcome: 'replayed',
        records: scan.records.length,
        bytes: scan.dataBytes,
        reason: 'it was committed: the write-back was cut short after its commit',
      };
    }
  } finally {
    io('journal', name, () => journal.close());
  }
  io('journal', name, () => siblings.remove(name));
  io('journal', name, () => siblings.sync());
  if (recovery.outcome === 'discarded') assert(recovery.bytes === 0, 'a journal discarded with bytes replayed');
  return recovery;
}

/**
 * Why a committed journal is not the current one of `backend`'s file, or
 * null if it is: the file's identity, its length, and each block the
 * records touch (by CRC): its pre-image, its post-image, or, past the
 * length before, its post-image up to some length and zeros from there (a
 * power cut that kept a write there but not the length it grew the file
 * to). `read` reads the journal.
 */
function changedSince(
  backend: FileBackend,
  header: JournalHeader,
  records: readonly JournalRecord[],
  lengthAfter: number,
  read: (position: number, length: number) => Uint8Array,
): string | null {
  const identity = io('file', backend.name, () => backend.identity());
  if (identity.dev !== header.dev || identity.ino !== header.ino)
    return `it is for another file (device ${header.dev}, inode ${header.ino}; this one is ${identity.dev}, ${identity.ino})`;
  if (identity.size < header.lengthBefore || identity.size > lengthAfter)
    return `the file changed since the journal was written: its length is ${identity.size}, not between ${header.lengthBefore} and ${lengthAfter}`;
  let longest = 0;
  for (const record of records) longest = Math.max(longest, record.length);
  assert(longest <= recordMax, 'a record longer than a journal holds');
  const bytes = new Uint8Array(longest);
  for (const record of records) {
    readPadded(backend, 'file', bytes, 0, record.length, record.offset);
    let block = -1;
    const grown = header.lengthBefore - record.offset;
    forEachBlock(record.offset, record.length, header.pageSize, (i, lo, hi) => {
      const now = crc32(bytes.subarray(lo, hi));
      if (block >= 0 || now === record.preimages[i] || now === record.postimages[i]) return;
      // A power cut can keep a write past the old end but not the length it grew to, at any length the file
      // had since: the post-image up to some m >= the length before, zeros from m on.
      const data = read(record.data + lo, hi - lo);
      let same = 0;
      while (same < hi - lo && bytes[lo + same] === data[same]) same++;
      let zeros = hi - lo;
      while (zeros > 0 && bytes[lo + zeros - 1] === 0) zeros--;
      if (Math.max(zeros, grown - lo) <= same) return;
      block = Math.floor((record.offset + lo) / header.pageSize);
    });
    if (block >= 0)
      return `the file changed since the journal was written: block ${block} holds neither the bytes before the write-back nor after`;
  }
  return null;
}
