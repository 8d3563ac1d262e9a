/**
 * The journal format v1 (journal.ts): what a scan finds in a whole journal,
 * and the committed journals it refuses although every checksum holds
 * (counts, lengths and bytes that disagree), each made by hand with valid
 * checksums so that only the fact under test is wrong.
 */
import { describe, expect, it } from 'vitest';
import {
  blocksOf,
  encodeCommit,
  forEachBlock,
  headerSize,
  type JournalScan,
  journalName,
  scanJournal,
} from './journal.ts';
import { handMade, journalBytes } from './testing/journals.ts';

const before = Uint8Array.from({ length: 20 }, (_, i) => i);
const after = Uint8Array.from({ length: 26 }, (_, i) => 100 + i);
const runs: [number, number][] = [
  [2, 9],
  [15, 26],
];
const parts = handMade({ pageSize: 4, dev: 7, ino: 9, before, after, runs });

function scan(bytes: Uint8Array): JournalScan {
  return scanJournal(bytes.length, (position, length) => bytes.slice(position, position + length));
}

describe('journal format v1', () => {
  it('names the journal after the file, beside it', () => {
    expect(journalName('/srv/images/disk.img')).toBe('disk.img.dio-journal');
    expect(journalName('disk.img')).toBe('disk.img.dio-journal');
  });

  it('splits a range into the parts of the blocks it touches', () => {
    const parts: [number, number, number][] = [];
    forEachBlock(2, 9, 4, (i, lo, hi) => parts.push([i, lo, hi]));
    expect(parts).toEqual([
      [0, 0, 2],
      [1, 2, 6],
      [2, 6, 9],
    ]);
    expect(blocksOf(2, 9, 4)).toBe(3);
    expect(blocksOf(4, 4, 4)).toBe(1);
  });

  it('a whole journal: committed, its records with the CRCs of each block before and after', () => {
    const found = scan(journalBytes(parts));
    expect(found.state).toBe('committed');
    if (found.state !== 'committed') return;
    expect(found.header).toMatchObject({ pageSize: 4, dev: 7, ino: 9, lengthBefore: 20 });
    expect(found.records.map((r) => [r.offset, r.length, r.preimages.length, r.postimages.length])).toEqual([
      [2, 7, 3, 3],
      [15, 11, 4, 4],
    ]);
    expect(found).toMatchObject({ dataBytes: 18, lengthAfter: 26 });
    // The first record's data follows the header, its fixed part and its three pre-image CRCs.
    expect(found.records[0].data).toBe(headerSize + 24 + 12);
  });

  it('without its commit: uncommitted', () => {
    expect(scan(journalBytes(parts, null))).toEqual({
      state: 'uncommitted',
      reason: 'it ends after 2 records, with no commit',
    });
  });

  describe('committed, checksums valid, and still refused', () => {
    const recommit = (records: number, dataBytes: number, lengthAfter: number): JournalScan =>
      scan(journalBytes(parts, encodeCommit(parts.salt, records, dataBytes, lengthAfter, parts.covered)));

    it('counts that disagree with the records', () => {
      expect(recommit(3, 18, 26)).toEqual({ state: 'corrupt', reason: 'its commit counts 3 records, not 2' });
      expect(recommit(2, 17, 26)).toEqual({ state: 'corrupt', reason: 'its commit counts 17 data bytes, not 18' });
    });

    it('a length after that is not where the last record or the file ended', () => {
      expect(recommit(2, 18, 30)).toEqual({
        state: 'corrupt',
        reason: 'its length after, 30, is not where its last record or the file ended',
      });
    });

    it('bytes after the commit', () => {
      const bytes = journalBytes(parts);
      const longer = new Uint8Array(bytes.length + 3);
      longer.set(bytes);
      expect(scan(longer)).toEqual({ state: 'corrupt', reason: '3 bytes follow its commit' });
    });
  });

  it('records that overlap, or of no length: torn, so uncommitted', () => {
    const overlapping = handMade({
      pageSize: 4,
      dev: 7,
      ino: 9,
      before,
      after,
      runs: [
        [2, 9],
        [8, 12],
      ],
    });
    expect(scan(journalBytes(overlapping))).toEqual({
      state: 'uncommitted',
      reason: 'its record 2 is torn (it overlaps the one before)',
    });
    const empty = journalBytes(parts);
    new DataView(empty.buffer).setUint32(headerSize + 20, 0, true);
    expect(scan(empty)).toEqual({ state: 'uncommitted', reason: 'its record 1 is torn (offset 2, length 0)' });
  });
});
