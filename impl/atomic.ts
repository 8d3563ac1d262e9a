/**
 * The atomic write-back (`{ atomic: true }`): after a crash at any point of
 * it and the recovery on the next open (recovery.ts), the file holds
 * exactly its content before it or exactly after it; once it has returned,
 * after. A redo journal (journal.ts) beside the file takes the very runs a
 * plain write-back writes (write.ts's plan: never a skipped byte), then the
 * same runs go in place. The order of the calls is the contract the spec
 * models (DESIGN.md, "Crashes and durability"):
 *
 *   1. create the journal (O_EXCL)      6. append the commit
 *   2. write header and records         7. fsync the journal: committed
 *   3. fsync the journal                8. copy-before-write, the runs in place
 *   4. fsync the directory              9. fsync the file
 *   5. fsync the file                  10. remove the journal
 *                                      11. fsync the directory
 *
 * Step 5 makes the bytes the records will overwrite durable, so that after
 * a power cut each block of the file holds its pre-image or its post-image,
 * and recovery can refuse a journal that holds neither (one brought back
 * after a later change). With no run to write it is one fsync of the file.
 *
 * Costs, over a plain write-back of W bytes in R runs: W more bytes (the
 * journal's data) plus 100 bytes per write-back, 28 per record (one per
 * run, one per recordMax bytes of a longer run) and 4 per block a record
 * touches; W bytes read (the pre-images); 6 fsyncs, not 0 or 1.
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { assert } from './assert.ts';
import type { FileBackend, Siblings } from './backend.ts';
import { io } from './errors.ts';
import type { FileState } from './files.ts';
import {
  blocksOf,
  commitCrc,
  encodeCommit,
  encodeCrc,
  encodeHeader,
  encodeRecordHeader,
  forEachBlock,
  journalName,
  recordCrc,
  recordMax,
  saltSize,
} from './journal.ts';
import type { Pager } from './paging.ts';
import { type Apply, RunWriter, type Sink, type WritePlan, writeRuns } from './write.ts';

/** A journal record to be: segment bytes [lo, hi), to file offset lo + delta. */
interface Planned {
  readonly lo: number;
  readonly hi: number;
  readonly header: Uint8Array;
}

/** The runs of a write-back written through a journal, the file fsynced (`sync`) or fdatasynced ('data'). */
export function atomically(sync: true | 'data'): Apply {
  return (pager, file, plan) => {
    const siblings = file.backend.siblings;
    assert(siblings !== null, 'an atomic write-back to a file with no directory');
    const syncFile = (): void => (sync === 'data' ? file.datasync() : file.sync());
    if (plan.runs.length === 0) {
      syncFile();
      return;
    }
    atomicWriteBack(pager, file, siblings, plan, syncFile);
  };
}

function atomicWriteBack(
  pager: Pager,
  file: FileState,
  siblings: Siblings,
  plan: WritePlan,
  syncFile: () => void,
): void {
  file.refuseIfJournalLeft();
  const name = journalName(file.name);
  const salt = randomBytes(saltSize);
  const records = planRecords(pager, file, plan, salt);
  const identity = file.identity();
  const header = encodeHeader({
    pageSize: pager.shared.pageSize,
    salt,
    dev: identity.dev,
    ino: identity.ino,
    lengthBefore: plan.lengthBefore,
  });
  const journal = io('journal', name, () => siblings.create(name));
  // Until a byte is written in place the file is as it was: a failure removes the journal.
  try {
    const dataBytes = writeJournal(pager, journal, name, salt, header, records, plan.lengthAfter, () => {
      io('journal', name, () => siblings.sync());
      syncFile();
    });
    assert(dataBytes === plan.written, 'a journal of other bytes than the write-back writes');
  } catch (error) {
    removeJournal(siblings, name, file);
    throw error;
  }
  // From the first byte in place on, the journal stays until it is removed or recovered.
  try {
    writeRuns(pager, file, plan);
    syncFile();
    io('journal', name, () => siblings.remove(name));
    io('journal', name, () => siblings.sync());
  } catch (error) {
    file.journalLeft(name);
    throw error;
  }
}

/**
 * Steps 2 to 7: the header and records written and made durable, then
 * `durable` (the journal's name and the file's content before, steps 4 and
 * 5), then the commit appended and made durable. Returns the data bytes
 * journaled. The journal is closed either way.
 */
function writeJournal(
  pager: Pager,
  journal: FileBackend,
  name: string,
  salt: Uint8Array,
  header: Uint8Array,
  records: readonly Planned[],
  lengthAfter: number,
  durable: () => void,
): number {
  let closed = false;
  try {
    const sink = journalSink(journal, name);
    const writer = new RunWriter(pager, sink);
    writer.at(0);
    writer.add(header);
    let covered = commitCrc(header);
    let dataBytes = 0;
    for (const record of records) {
      writer.add(record.header);
      const trailer = encodeCrc(writer.run(record.lo, record.hi, recordCrc(record.header)));
      writer.add(trailer);
      covered = commitCrc(trailer, commitCrc(record.header, covered));
      dataBytes += record.hi - record.lo;
    }
    writer.flush();
    io('journal', name, () => journal.sync());
    durable();
    const commit = encodeCommit(salt, records.length, dataBytes, lengthAfter, covered);
    sink.writeAt(commit, 0, commit.length, writer.position);
    io('journal', name, () => journal.sync());
    closed = true;
    io('journal', name, () => journal.close());
    pager.shared.counters.journaled += writer.position + commit.length;
    return dataBytes;
  } catch (error) {
    if (!closed) closeQuietly(journal);
    throw error;
  }
}

/** Closes a journal after a failure: that failure is the one reported, not a close's after it. */
function closeQuietly(journal: FileBackend): void {
  try {
    journal.close();
  } catch {
    // Reported already: the failure that brought us here.
  }
}

/**
 * The records of a plan: one per run, or per recordMax bytes of a longer
 * one, each with the CRCs of the bytes it will overwrite, block by block,
 * read from the file now (past its end they read as zeros, as they will).
 */
function planRecords(pager: Pager, file: FileState, plan: WritePlan, salt: Uint8Array): Planned[] {
  const B = pager.shared.pageSize;
  // Read a staging buffer at a time (at least two blocks), a block's part never split between two reads.
  const buffer = pager.shared.staging;
  assert(buffer.length >= B, 'a staging buffer smaller than a block');
  const records: Planned[] = [];
  for (const [lo, hi] of plan.runs) {
    for (let x = lo; x < hi; x += recordMax) {
      const end = Math.min(hi, x + recordMax);
      const offset = x + plan.delta;
      const length = end - x;
      const preimages = new Uint32Array(blocksOf(offset, length, B));
      let read = 0;
      let readEnd = 0;
      forEachBlock(offset, length, B, (i, from, to) => {
        if (to > readEnd) {
          read = from;
          readEnd = Math.min(length, from + buffer.length);
          file.readAt(buffer, 0, readEnd - read, offset + read);
        }
        preimages[i] = crc32(buffer.subarray(from - read, to - read));
      });
      records.push({ lo: x, hi: end, header: encodeRecordHeader(salt, offset, length, preimages) });
    }
  }
  assert(records.length >= plan.runs.length, 'fewer records than runs');
  return records;
}

/** Writes to a journal, front to back (each call where the last ended), its failures IOErrors of role 'journal'. */
function journalSink(journal: FileBackend, name: string): Sink {
  let end = 0;
  return {
    writeAt: (from, at, length, position) => {
      assert(position === end, 'a journal written out of order');
      io('journal', name, () => journal.write(from, at, length, position));
      end += length;
    },
    writevAt: (buffers, position) => {
      assert(position === end, 'a journal written out of order');
      io('journal', name, () => journal.writev(buffers, position));
      for (const buffer of buffers) end += buffer.length;
    },
  };
}

/**
 * After a failure before anything was written in place: the journal
 * removed, durably. If that fails too the journal stays, and the file
 * refuses changes until it is opened again and recovered.
 */
function removeJournal(siblings: Siblings, name: string, file: FileState): void {
  try {
    siblings.remove(name);
    siblings.sync();
  } catch {
    file.journalLeft(name);
  }
}
