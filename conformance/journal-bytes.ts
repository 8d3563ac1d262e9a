/**
 * A journal file's bytes (impl/journal.ts, format v1) in the spec's terms
 * (DeferredIO.tla, "The file system under the engine"): its records --
 * header, runs, commit -- where each lies, whether each is whole (its
 * checksum holds), and a record torn as the spec's power cut tears one
 * (Torn: its checksum fails, what it holds is garbage). The engine writes
 * whole records only; a record is torn here only by a crash state built
 * for the spec's choice, so reading a journal needs no more than the
 * layout and the checksums.
 */
import { crc32 } from 'node:zlib';
import { blocksOf, headerSize } from '../impl/journal.ts';

/** A record of the journal: the spec's fields, and where it lies in the file. */
export interface JournalEntry {
  readonly kind: 'header' | 'run' | 'commit';
  /** A run's file offset and data. */
  readonly off: number;
  readonly data: Uint8Array;
  /** The header's length before, the commit's length after. */
  readonly len: number;
  readonly ok: boolean;
  /** [start, end) in the journal. */
  readonly start: number;
  readonly end: number;
  /** Where a run's data starts in the journal. */
  readonly dataAt: number;
}

// The layout impl/journal.ts writes: a run's fixed part (magic, salt, offset u64, length u32) and the commit.
const runFixed = 24;
const commitSize = 36;
const magicOf = (bytes: Uint8Array, at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
const u32 = (bytes: Uint8Array, at: number): number =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
const u64 = (bytes: Uint8Array, at: number): number =>
  Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(at, true));

/** The records of a journal's bytes, in order, until its bytes end or stop being records. */
export function journalEntries(bytes: Uint8Array, pageSize: number): JournalEntry[] {
  if (bytes.length < headerSize) return [];
  const headerOk = u32(bytes, 60) === crc32(bytes.subarray(0, 60));
  const entries: JournalEntry[] = [
    {
      kind: 'header',
      off: 0,
      data: new Uint8Array(0),
      len: headerOk ? u64(bytes, 40) : 0,
      ok: headerOk,
      start: 0,
      end: headerSize,
      dataAt: headerSize,
    },
  ];
  let covered = crc32(bytes.subarray(0, headerSize));
  for (let at = headerSize; at + 4 <= bytes.length; ) {
    const magic = magicOf(bytes, at);
    if (magic === 'CMT1' && at + commitSize <= bytes.length) {
      const ok = u32(bytes, at + 32) === crc32(bytes.subarray(at, at + 32), covered);
      entries.push({
        kind: 'commit',
        off: 0,
        data: new Uint8Array(0),
        len: ok ? u64(bytes, at + 24) : 0,
        ok,
        start: at,
        end: at + commitSize,
        dataAt: at + commitSize,
      });
      return entries;
    }
    if (magic !== 'RUN1' || at + runFixed > bytes.length) return entries;
    const off = u64(bytes, at + 12);
    const length = u32(bytes, at + 20);
    const dataAt = at + runFixed + 4 * blocksOf(off, length, pageSize);
    const end = dataAt + length + 4;
    if (end > bytes.length) return entries;
    const ok = u32(bytes, end - 4) === crc32(bytes.subarray(at + 4, end - 4));
    entries.push({
      kind: 'run',
      off,
      data: ok ? bytes.slice(dataAt, dataAt + length) : new Uint8Array(length),
      len: 0,
      ok,
      start: at,
      end,
      dataAt,
    });
    covered = crc32(bytes.subarray(end - 4, end), crc32(bytes.subarray(at, dataAt), covered));
    at = end;
  }
  return entries;
}

/**
 * The journal's bytes with the entries `which` names (indices from 1, the
 * spec's) torn: the bytes each one's checksum covers garbled -- every bit of
 * a run's data, of the header's checksum, of the commit's checksum -- so
 * that its checksum fails and no other entry's does (a whole commit, whose
 * checksum covers the header, is made to cover a torn header). An entry
 * torn already stays as it is: a tear is never undone.
 */
export function torn(bytes: Uint8Array, pageSize: number, which: (index: number) => boolean): Uint8Array {
  const out = bytes.slice();
  const flip = (lo: number, hi: number) => {
    for (let i = lo; i < hi; i++) out[i] = out[i]! ^ 0xff;
  };
  const entries = journalEntries(bytes, pageSize);
  let covered = 0;
  entries.forEach((e, i) => {
    const tear = e.ok && which(i + 1);
    if (e.kind === 'header') {
      if (tear) flip(e.end - 4, e.end);
      covered = crc32(out.subarray(0, e.end));
    } else if (e.kind === 'run') {
      if (tear) flip(e.dataAt, e.dataAt + e.data.length);
      covered = crc32(out.subarray(e.end - 4, e.end), crc32(out.subarray(e.start, e.dataAt), covered));
    } else if (e.ok) {
      new DataView(out.buffer).setUint32(e.start + 32, crc32(out.subarray(e.start, e.start + 32), covered), true);
      if (tear) flip(e.end - 4, e.end);
    }
  });
  return out;
}
