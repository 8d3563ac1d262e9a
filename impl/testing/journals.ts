/**
 * Journals made by hand, as atomic.ts writes them, for tests of what
 * recovery makes of a journal: whole, or in parts to cut, splice or
 * re-encode (journal.ts's encoders, so a tampered part can carry valid
 * checksums).
 */
import { crc32 } from 'node:zlib';
import {
  commitCrc,
  encodeCommit,
  encodeCrc,
  encodeHeader,
  encodeRecordHeader,
  forEachBlock,
  recordCrc,
} from '../journal.ts';

export interface JournalParts {
  readonly salt: Uint8Array;
  readonly header: Uint8Array;
  /** Each record's header (with its pre-image CRCs), data and trailing CRC. */
  readonly records: readonly (readonly [header: Uint8Array, data: Uint8Array, trailer: Uint8Array])[];
  /** The commit's CRC so far: the header's and each record's header's and trailer's. */
  readonly covered: number;
  readonly commit: Uint8Array;
}

/**
 * The journal of a write-back taking a file from `before` to `after` over
 * `runs` (file offsets [lo, hi), one record each), for the file (dev, ino).
 */
export function handMade(journal: {
  pageSize: number;
  dev: number;
  ino: number;
  before: Uint8Array;
  after: Uint8Array;
  runs: readonly (readonly [number, number])[];
  salt?: Uint8Array;
}): JournalParts {
  const { pageSize, before, after, runs } = journal;
  const salt = journal.salt ?? Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  const header = encodeHeader({ pageSize, salt, dev: journal.dev, ino: journal.ino, lengthBefore: before.length });
  let covered = commitCrc(header);
  const records: [Uint8Array, Uint8Array, Uint8Array][] = [];
  for (const [lo, hi] of runs) {
    // Past the end of the file before, its bytes read as zeros.
    const old = new Uint8Array(hi - lo);
    old.set(before.subarray(lo, hi));
    const preimages: number[] = [];
    forEachBlock(lo, hi - lo, pageSize, (_, from, to) => preimages.push(crc32(old.subarray(from, to))));
    const record = encodeRecordHeader(salt, lo, hi - lo, Uint32Array.from(preimages));
    const data = after.slice(lo, hi);
    const trailer = encodeCrc(crc32(data, recordCrc(record)));
    records.push([record, data, trailer]);
    covered = commitCrc(trailer, commitCrc(record, covered));
  }
  const bytes = runs.reduce((sum, [lo, hi]) => sum + hi - lo, 0);
  const commit = encodeCommit(salt, runs.length, bytes, after.length, covered);
  return { salt, header, records, covered, commit };
}

/** The parts back to back: a journal file's bytes. */
export function journalBytes(parts: JournalParts, commit: Uint8Array | null = parts.commit): Uint8Array {
  const all = [parts.header, ...parts.records.flat(), ...(commit === null ? [] : [commit])];
  const out = new Uint8Array(all.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of all) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
