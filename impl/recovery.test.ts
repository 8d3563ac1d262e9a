/**
 * Recovery at open of a journal an atomic write-back left: a committed one
 * replayed, an uncommitted one discarded, an untrusted one refused, never
 * partly replayed; the calls it makes; idempotent under a crash of its own;
 * and the read-only and on-disk opens.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import type { DeferredFile } from './index.ts';
import { crashPoints, crashStates } from './testing/crash-states.ts';
import { memoryEngine } from './testing/engines.ts';
import { handMade, journalBytes } from './testing/journals.ts';
import { durableDirectory, type RecordedCall, RecordingDirectory } from './testing/recording-backend.ts';
import { tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

const B = 4;
const image = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const journal = 'img.dio-journal';

/**
 * A committed journal of an atomic write-back of `stores` (address, value)
 * on `content`: the journal as the kill after its commit's fsync leaves
 * it, and the file before and after the write-back.
 */
function committed(stores: [number, number][], content: Uint8Array = image) {
  const before = durableDirectory(B, { img: content });
  const dir = new RecordingDirectory(before);
  const engine = memoryEngine(B, 8);
  const file = engine.attach(dir.open('img')!);
  const seg = engine.segment(content.length + 8);
  seg.read(file, 0, content.length, 0);
  for (const [addr, value] of stores) seg.setUint8(addr, value);
  seg.write(file, 0, seg.length, 0, { atomic: true });
  const syncs = dir.log.flatMap((call, i) => (call.op === 'sync' && call.name === journal ? [i] : []));
  const point = [...crashPoints(before, dir.log)][syncs[1] + 1];
  const bytes = new RecordingDirectory(point.state).content(journal)!;
  return { journal: bytes, before: content, after: dir.content('img')! };
}

/** Opens file `img` holding `file`, beside journal `bytes`, on a fresh engine: what recovery made of it. */
function recoverFrom(file: Uint8Array, bytes: Uint8Array, others: Record<string, Uint8Array> = {}) {
  const dir = new RecordingDirectory(durableDirectory(B, { ...others, img: file, [journal]: bytes }));
  let opened: DeferredFile | null = null;
  let error: unknown = null;
  try {
    opened = memoryEngine(B, 4).attach(dir.open('img')!);
  } catch (caught) {
    error = caught;
  }
  return { dir, recovery: opened?.recovery ?? null, error, content: dir.content('img')!, calls: calls(dir.log) };
}

function calls(log: readonly RecordedCall[]): string[] {
  return log.map((call) => (call.op === 'syncDirectory' ? 'syncDirectory' : `${call.op} ${call.name}`));
}

const one = committed([
  [1, 101],
  [14, 114],
  [35, 135],
]);

describe('a committed journal', () => {
  it('is replayed: the journal fsynced, one write per record, the file fsynced, the journal removed, the directory fsynced', () => {
    const { recovery, content, calls, dir } = recoverFrom(one.before, one.journal);
    expect(recovery).toEqual({
      outcome: 'replayed',
      records: 3,
      bytes: 16,
      reason: 'it was committed: the write-back was cut short after its commit',
    });
    expect(content).toEqual(one.after);
    // The journal's fsync first: the commit acted on may be in the page cache only (a kill after step 6).
    expect(calls).toEqual([
      `sync ${journal}`,
      'write img',
      'write img',
      'write img',
      'sync img',
      `remove ${journal}`,
      'syncDirectory',
    ]);
    expect(dir.names()).toEqual(['img']);
  });

  it('over a file written in part, block by block, or whole: the same file after', () => {
    // Each block the records touch, old or new in every combination (a power cut keeps any subset).
    const blocks = [0, 3, 8];
    for (let mask = 0; mask < 2 ** blocks.length; mask++) {
      const torn = new Uint8Array(mask & 4 ? one.after.length : one.before.length);
      torn.set(one.before);
      blocks.forEach((block, i) => {
        if (mask & (1 << i)) torn.set(one.after.subarray(block * B, (block + 1) * B), block * B);
      });
      const { recovery, content } = recoverFrom(torn, one.journal);
      expect(recovery?.outcome).toBe('replayed');
      expect(content).toEqual(one.after);
    }
  });

  it('over a block the file ends in, written but cut back to the length before (a power cut kept the write, not the length)', () => {
    const short = Uint8Array.from({ length: 33 }, (_, i) => i + 1);
    const grown = committed(
      [
        [32, 132],
        [33, 133],
      ],
      short,
    );
    const torn = Uint8Array.from(short);
    torn[32] = 132;
    const { recovery, content } = recoverFrom(torn, grown.journal);
    expect(recovery?.outcome).toBe('replayed');
    expect(content).toEqual(grown.after);
  });

  it('a crash at any point of recovery, then recovery again, gives what recovery gives', () => {
    const before = durableDirectory(B, { img: one.before, [journal]: one.journal });
    const dir = new RecordingDirectory(before);
    memoryEngine(B, 4).attach(dir.open('img')!);
    let states = 0;
    for (const crash of crashStates(before, dir.log, { exhaustive: 8 })) {
      const again = new RecordingDirectory(crash.state);
      memoryEngine(B, 4).attach(again.open('img')!);
      expect(again.content('img'), `${crash.kind} after call ${crash.after}`).toEqual(one.after);
      expect(again.names()).toEqual(['img']);
      states++;
    }
    expect(states).toBeGreaterThan(dir.log.length);
  });
});

describe('an uncommitted journal is discarded, the file untouched', () => {
  it('cut short anywhere: no header, a torn header, torn records, no commit, a torn commit', () => {
    const reasons = new Set<string>();
    for (let length = 0; length < one.journal.length; length++) {
      const { recovery, content, calls } = recoverFrom(one.before, one.journal.subarray(0, length));
      expect(recovery?.outcome, `cut at ${length}`).toBe('discarded');
      expect(content).toEqual(one.before);
      expect(calls).toEqual([`remove ${journal}`, 'syncDirectory']);
      reasons.add(recovery!.reason.replace(/\d+/g, 'N'));
    }
    expect([...reasons].sort()).toEqual([
      'it ends after N records, with no commit',
      'its commit is torn',
      'its header is torn (N of N bytes)',
      'its record N is torn',
      'its record N is torn (cut short)',
    ]);
  });

  it("a header whose checksum is wrong, or that is not a journal's", () => {
    const bad = Uint8Array.from(one.journal);
    bad[20] ^= 1;
    expect(recoverFrom(one.before, bad).recovery).toMatchObject({
      outcome: 'discarded',
      reason: "its header's checksum is wrong",
    });
    expect(recoverFrom(one.before, new Uint8Array(200)).recovery).toMatchObject({
      outcome: 'discarded',
      reason: 'it has no journal header',
    });
  });

  it("another generation's record or commit ends it (an older journal's, spliced in)", () => {
    const other = committed([[1, 201]]);
    const commitAt = one.journal.length - 36;
    // This journal's header, then the other's record.
    const record = concat(one.journal.subarray(0, 64), other.journal.subarray(64));
    expect(recoverFrom(one.before, record).recovery).toMatchObject({
      outcome: 'discarded',
      reason: 'its record 1 is of another generation',
    });
    // This journal's records, then the other's commit.
    const commit = concat(one.journal.subarray(0, commitAt), other.journal.subarray(other.journal.length - 36));
    const { recovery, content } = recoverFrom(one.before, commit);
    expect(recovery).toMatchObject({ outcome: 'discarded', reason: 'its commit is of another generation' });
    expect(content).toEqual(one.before);
  });
});

describe('a committed journal that cannot be trusted is refused: nothing written, the journal left', () => {
  function refused(file: Uint8Array, bytes: Uint8Array, others?: Record<string, Uint8Array>): string {
    const { error, content, calls, dir } = recoverFrom(file, bytes, others);
    expect(error).toMatchObject({ name: 'JournalError', code: 'EJOURNALCORRUPT', file: 'img', journal });
    expect(calls).toEqual([]);
    expect(content).toEqual(file);
    expect(dir.names()).toContain(journal);
    return (error as { reason: string }).reason;
  }

  it("a record's checksum wrong, with its commit intact", () => {
    const bad = Uint8Array.from(one.journal);
    bad[64 + 24 + 4] ^= 0xff; // the first record's first data byte
    expect(refused(one.before, bad)).toBe("its record 1's checksum is wrong");
  });

  it('flip any byte: discarded or refused, never replayed', () => {
    for (let at = 0; at < one.journal.length; at++) {
      const bad = Uint8Array.from(one.journal);
      bad[at] ^= 0x10;
      const { recovery, error, content } = recoverFrom(one.before, bad);
      expect(recovery === null ? (error as { code: string }).code : recovery.outcome, `byte ${at}`).toMatch(
        /^(discarded|EJOURNALCORRUPT)$/,
      );
      expect(content).toEqual(one.before);
    }
  });

  it('an unknown version', () => {
    const future = Uint8Array.from(one.journal);
    const view = new DataView(future.buffer);
    view.setUint32(8, 2, true);
    view.setUint32(60, crc32(future.subarray(0, 60)), true);
    expect(refused(one.before, future)).toBe('its version is 2, not 1');
  });

  it("another file's: the journal names the file by device and inode", () => {
    // Made before img, the other file takes img's inode number: img is another file than the journal's.
    expect(refused(one.before, one.journal, { older: image })).toBe(
      'it is for another file (device 1, inode 1; this one is 1, 2)',
    );
  });

  it('an old journal brought back after a later change is refused where the change shows, replayed where it cannot', () => {
    // A later change to a block the journal wrote: neither its bytes before nor after.
    const later = Uint8Array.from(one.after);
    later[2] = 77;
    expect(refused(later, one.journal)).toBe(
      'the file changed since the journal was written: block 0 holds neither the bytes before the write-back nor after',
    );
    // The file grown past the write-back's end, or cut below where it began.
    const grown = concat(one.after, Uint8Array.of(9));
    expect(refused(grown, one.journal)).toBe(
      'the file changed since the journal was written: its length is 41, not between 32 and 40',
    );
    expect(refused(one.after.subarray(0, 20), one.journal)).toMatch(/its length is 20, not between 32 and 40/);
    // A later change elsewhere: every block the journal touches holds its bytes after, so replaying changes nothing.
    const elsewhere = Uint8Array.from(one.after);
    elsewhere[21] = 77;
    const { recovery, content } = recoverFrom(elsewhere, one.journal);
    expect(recovery?.outcome).toBe('replayed');
    expect(content).toEqual(elsewhere);
  });

  it('an old journal never committed is discarded, whatever the file holds now', () => {
    const later = Uint8Array.from(one.after);
    later[2] = 77;
    const { recovery, content } = recoverFrom(later, one.journal.subarray(0, one.journal.length - 1));
    expect(recovery?.outcome).toBe('discarded');
    expect(content).toEqual(later);
  });
});

describe('opening a file with a journal', () => {
  it('read-only is refused (EJOURNALPENDING) and changes nothing', () => {
    const dir = new RecordingDirectory(durableDirectory(B, { img: one.before, [journal]: one.journal }));
    expect(thrown(() => memoryEngine(B, 4).attach(dir.open('img')!, { readOnly: true }))).toMatchObject({
      name: 'JournalError',
      code: 'EJOURNALPENDING',
      message: `file img has a journal, ${journal}, of an atomic write-back that did not finish: open it 'r+' to recover`,
    });
    expect(dir.log).toEqual([]);
    expect(dir.names()).toEqual(['img', journal]);
  });

  it("on disk: 'r' refused, 'r+' replays, 'w+' replays and then truncates", () => {
    const dir = tempDir();
    const name = tempFile(dir, 'img', one.before);
    const { dev, ino } = fs.statSync(name);
    const onDisk = journalBytes(
      handMade({
        pageSize: B,
        dev,
        ino,
        before: one.before,
        after: one.after,
        runs: [
          [0, 4],
          [12, 16],
          [32, 40],
        ],
      }),
    );
    const engine = new Engine({ pageSize: B, memory: 4 * B, swapDir: dir });
    fs.writeFileSync(path.join(dir, journal), onDisk);
    expect(thrown(() => engine.open(name, 'r'))).toMatchObject({ code: 'EJOURNALPENDING' });
    const file = engine.open(name, 'r+');
    expect(file.recovery).toMatchObject({ outcome: 'replayed', records: 3, bytes: 16 });
    expect(new Uint8Array(fs.readFileSync(name))).toEqual(one.after);
    expect(fs.readdirSync(dir)).toEqual(['img']);
    expect(engine.open(name, 'r').recovery).toBeNull();
    fs.writeFileSync(name, one.before);
    fs.writeFileSync(path.join(dir, journal), onDisk);
    const truncated = engine.open(name, 'w+');
    expect(truncated.recovery).toMatchObject({ outcome: 'replayed' });
    expect(truncated.size).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['img']);
    engine.close();
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
