/**
 * A journal the engine wrote, read in the spec's terms, and torn as the
 * spec's power cut tears a record: each tear makes exactly its record fail
 * its checksum, and the engine's own reading of the torn journal
 * (impl/journal.ts, scanJournal) is what the spec's Outcome says of it --
 * a torn header or commit, not committed; a run torn before a whole
 * commit, corrupt.
 */
import { expect, test } from 'vitest';
import { Engine } from '../impl/engine.ts';
import { journalName, scanJournal } from '../impl/journal.ts';
import { MemoryBackend } from '../impl/memory-backend.ts';
import { crashPoints } from '../impl/testing/crash-states.ts';
import { durableDirectory, RecordingDirectory } from '../impl/testing/recording-backend.ts';
import { journalEntries, torn } from './journal-bytes.ts';

/** The journal of an atomic write-back of 3 bytes at 1 over a 4-byte file (page size 2), as it is once committed. */
function committedJournal(): Uint8Array {
  const before = durableDirectory(2, { f: Uint8Array.of(1, 2, 3, 4) });
  const dir = new RecordingDirectory(before);
  const engine = new Engine({ pageSize: 2, memory: 8, createStore: (role: string) => new MemoryBackend(role) });
  try {
    const file = engine.attach(dir.open('f')!);
    const seg = engine.segment(4);
    for (const a of [1, 2, 3]) seg.setUint8(a, 9);
    seg.write(file, 1, 3, 1, { atomic: true });
  } finally {
    engine.close();
  }
  // After the commit's fsync (step 7), before the in-place writes.
  const at = [...crashPoints(before, dir.log)][7]!.state;
  return new RecordingDirectory(at).content(journalName('f'))!;
}

const outcome = (bytes: Uint8Array) =>
  scanJournal(bytes.length, (position, length) => bytes.slice(position, position + length)).state;

test("the engine's journal in the spec's terms: a header, one record per run, a commit, all whole", () => {
  const bytes = committedJournal();
  const entries = journalEntries(bytes, 2);
  expect(entries.map((e) => [e.kind, e.off, Array.from(e.data), e.len, e.ok])).toEqual([
    ['header', 0, [], 4, true],
    ['run', 1, [9, 9, 9], 0, true],
    ['commit', 0, [], 4, true],
  ]);
  expect(outcome(bytes)).toBe('committed');
});

test('a tear fails exactly its record, and the engine reads the torn journal as the spec does', () => {
  const bytes = committedJournal();
  const whole = (b: Uint8Array) => journalEntries(b, 2).map((e) => e.ok);
  // Records from 1, as the spec numbers them: the header, the run, the commit.
  expect(whole(torn(bytes, 2, (i) => i === 1))).toEqual([false, true, true]);
  expect(outcome(torn(bytes, 2, (i) => i === 1))).toBe('uncommitted');
  expect(whole(torn(bytes, 2, (i) => i === 2))).toEqual([true, false, true]);
  expect(outcome(torn(bytes, 2, (i) => i === 2))).toBe('corrupt');
  expect(whole(torn(bytes, 2, (i) => i === 3))).toEqual([true, true, false]);
  expect(outcome(torn(bytes, 2, (i) => i === 3))).toBe('uncommitted');
  expect(torn(bytes, 2, () => false)).toEqual(bytes);
  // A second power cut keeps what the first tore torn.
  const once = torn(bytes, 2, (i) => i === 3);
  expect(whole(torn(once, 2, () => false))).toEqual([true, true, false]);
  expect(
    whole(
      torn(
        torn(bytes, 2, (i) => i === 2),
        2,
        (i) => i === 2,
      ),
    ),
  ).toEqual([true, false, true]);
});
