/**
 * The recording backend (a directory whose files keep the page cache apart
 * from what is durable, and log every change) and the crash states built
 * from its log: what a kill keeps, and each power cut the model allows.
 */
import { describe, expect, test } from 'vitest';
import { type CrashPoint, crashPoints, crashStates, powerCut, powerCuts } from './testing/crash-states.ts';
import { type DirectoryState, durableDirectory, RecordingDirectory } from './testing/recording-backend.ts';
import { thrown } from './testing/thrown.ts';

const B = 4;

/** What each name holds in `state`, as readers see it: `name=bytes` sorted. */
function seen(state: DirectoryState): string[] {
  const directory = new RecordingDirectory(state);
  return directory.names().map((name) => `${name}=${[...directory.content(name)!].join(',')}`);
}

/** The distinct power-cut states at the last point of `directory`'s log from `before`, as `seen` shows them. */
function powerCutsAtEnd(before: DirectoryState, directory: RecordingDirectory, bounds = {}): string[] {
  const last = [...crashPoints(before, directory.log)].at(-1)!;
  return [...powerCuts(last, bounds)].map((state) => seen(state).join(' ')).sort();
}

describe('the recording directory', () => {
  test('logs every call that changes a file or the directory, in order, with a copy of the data', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(1, 2, 3) });
    const directory = new RecordingDirectory(before);
    const a = directory.open('a')!;
    const data = Uint8Array.of(9, 9);
    a.write(data, 0, 2, 1);
    data.fill(0);
    a.read(new Uint8Array(3), 0, 3, 0);
    a.identity();
    const b = directory.create('b');
    b.writev([Uint8Array.of(4), Uint8Array.of(5)], 0);
    b.truncate(1);
    b.datasync();
    a.sync();
    directory.sync();
    directory.rename('b', 'c');
    directory.remove('a');
    expect(directory.log.map((call) => call.op)).toEqual([
      'write',
      'create',
      'writev',
      'truncate',
      'datasync',
      'sync',
      'syncDirectory',
      'rename',
      'remove',
    ]);
    expect(directory.log[0]).toEqual({ op: 'write', file: 1, name: 'a', position: 1, data: Uint8Array.of(9, 9) });
    expect(directory.log[2]).toMatchObject({
      op: 'writev',
      file: 2,
      name: 'b',
      position: 0,
      data: Uint8Array.of(4, 5),
    });
    expect(directory.names()).toEqual(['c']);
    expect([...directory.content('c')!]).toEqual([4]);
  });

  test('keeps what readers see apart from what is durable, until an fsync', () => {
    const directory = new RecordingDirectory(durableDirectory(B, { a: Uint8Array.of(1, 2, 3, 4, 5) }));
    const a = directory.open('a')!;
    a.write(Uint8Array.of(7), 0, 1, 6);
    expect([...directory.content('a')!]).toEqual([1, 2, 3, 4, 5, 0, 7]);
    const { durable, cache, unsynced } = directory.state().files.get(1)!;
    expect([durable.length, cache.length, unsynced.length]).toEqual([5, 7, 1]);
    a.sync();
    const synced = directory.state().files.get(1)!;
    expect([synced.durable.length, synced.unsynced.length]).toEqual([7, 0]);
  });

  test("is a file's Siblings: EEXIST, ENOENT, and a removed file stays open with no link", () => {
    const directory = new RecordingDirectory(durableDirectory(B, { a: Uint8Array.of(1) }));
    const a = directory.open('a')!;
    expect(a.siblings).toBe(directory);
    expect(directory.open('b')).toBeNull();
    expect(thrown(() => directory.create('a'))).toMatchObject({ code: 'EEXIST' });
    expect(thrown(() => directory.remove('b'))).toMatchObject({ code: 'ENOENT' });
    expect(thrown(() => directory.rename('b', 'c'))).toMatchObject({ code: 'ENOENT' });
    expect(a.identity()).toMatchObject({ size: 1, nlink: 1, ino: 1 });
    directory.remove('a');
    expect(a.identity()).toMatchObject({ size: 1, nlink: 0 });
    const out = new Uint8Array(1);
    expect(a.read(out, 0, 1, 0)).toBe(1);
    expect(out[0]).toBe(1);
  });

  test('a dropped sync (the lying-disk fault) is neither applied nor logged', () => {
    const directory = new RecordingDirectory(durableDirectory(B, { a: new Uint8Array(0) }), {
      ignoreSync: (call) => call.op === 'sync',
    });
    const a = directory.open('a')!;
    a.write(Uint8Array.of(1), 0, 1, 0);
    a.sync();
    a.datasync();
    expect(directory.log.map((call) => call.op)).toEqual(['write', 'datasync']);
  });
});

describe('crash states', () => {
  test('a crash point after every call; a kill keeps the page cache whole', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(1, 2) });
    const directory = new RecordingDirectory(before);
    const a = directory.open('a')!;
    a.write(Uint8Array.of(3), 0, 1, 0);
    a.write(Uint8Array.of(4), 0, 1, 1);
    const points = [...crashPoints(before, directory.log)];
    expect(points.map((at) => at.after)).toEqual([0, 1, 2]);
    expect(points.map((at) => seen(at.state).join())).toEqual(['a=1,2', 'a=3,2', 'a=3,4']);
  });

  test('after an fsync a power cut keeps exactly the file', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(1, 2) });
    const directory = new RecordingDirectory(before);
    const a = directory.open('a')!;
    a.write(Uint8Array.of(3, 4, 5, 6, 7), 0, 5, 0);
    a.sync();
    expect(powerCutsAtEnd(before, directory)).toEqual(['a=3,4,5,6,7']);
  });

  test('a power cut keeps any subset of the blocks written since, and the durable length or the current one', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(1, 1, 1, 1, 1, 1) });
    const directory = new RecordingDirectory(before);
    const a = directory.open('a')!;
    a.write(Uint8Array.of(2, 2, 2, 2), 0, 4, 2); // blocks 0 and 1
    a.write(Uint8Array.of(3), 0, 1, 8); // block 2, the file grows to 9
    expect(powerCutsAtEnd(before, directory)).toEqual([
      'a=1,1,1,1,1,1',
      'a=1,1,1,1,1,1,0,0,0',
      'a=1,1,1,1,1,1,0,0,3',
      'a=1,1,1,1,2,2',
      'a=1,1,1,1,2,2,0,0,0',
      'a=1,1,1,1,2,2,0,0,3',
      'a=1,1,2,2,1,1',
      'a=1,1,2,2,1,1,0,0,0',
      'a=1,1,2,2,1,1,0,0,3',
      'a=1,1,2,2,2,2',
      'a=1,1,2,2,2,2,0,0,0',
      'a=1,1,2,2,2,2,0,0,3',
    ]);
  });

  test('a block written twice keeps its durable content or its content after either write', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(0, 0, 0, 0) });
    const directory = new RecordingDirectory(before);
    const a = directory.open('a')!;
    a.write(Uint8Array.of(1), 0, 1, 0);
    a.write(Uint8Array.of(2), 0, 1, 1);
    // Never 0,2: a block reaches the disk as the page cache held it.
    expect(powerCutsAtEnd(before, directory)).toEqual(['a=0,0,0,0', 'a=1,0,0,0', 'a=1,2,0,0']);
  });

  test('a truncate is kept or lost like a write', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(1, 2, 3, 4, 5, 6) });
    const directory = new RecordingDirectory(before);
    directory.open('a')!.truncate(2);
    expect(powerCutsAtEnd(before, directory)).toEqual(['a=1,2', 'a=1,2,0,0,0,0', 'a=1,2,3,4,5,6']);
  });

  test('a creation not made durable may vanish; a removal may be undone, the file back with its durable content', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(1) });
    const directory = new RecordingDirectory(before);
    directory.create('j').write(Uint8Array.of(7), 0, 1, 0);
    const a = directory.open('a')!;
    a.write(Uint8Array.of(2), 0, 1, 0);
    directory.remove('a');
    expect(powerCutsAtEnd(before, directory)).toEqual([
      '',
      'a=1',
      'a=1 j=',
      'a=1 j=0',
      'a=1 j=7',
      'a=2',
      'a=2 j=',
      'a=2 j=0',
      'a=2 j=7',
      'j=',
      'j=0',
      'j=7',
    ]);
    // Once the directory is synced, the creation and the removal hold.
    directory.sync();
    expect(powerCutsAtEnd(before, directory)).toEqual(['j=', 'j=0', 'j=7']);
  });

  test('a rename not made durable leaves the old name or the new one, never both', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(1), b: Uint8Array.of(2) });
    const directory = new RecordingDirectory(before);
    directory.rename('a', 'b');
    expect(powerCutsAtEnd(before, directory)).toEqual(['a=1 b=2', 'b=1']);
  });

  test('past the bound, the prefixes in log order and seeded samples: deterministic, and fewer', () => {
    const before = durableDirectory(B, { a: new Uint8Array(0) });
    const directory = new RecordingDirectory(before);
    const a = directory.open('a')!;
    for (let i = 0; i < 12; i++) a.write(Uint8Array.of(i + 1), 0, 1, i * B);
    const last: CrashPoint = [...crashPoints(before, directory.log)].at(-1)!;
    expect(last.choices.length).toBe(13); // 12 blocks and the length
    const bounds = { exhaustive: 10, samples: 20, seed: 7 };
    const once = powerCutsAtEnd(before, directory, bounds);
    expect(once).toEqual(powerCutsAtEnd(before, directory, bounds));
    // The 13 prefixes with the length the writes made, the empty file, and samples.
    expect(once.length).toBeGreaterThan(14);
    expect(once.length).toBeLessThanOrEqual(14 + 20);
    expect(powerCutsAtEnd(before, directory, { ...bounds, seed: 8 })).not.toEqual(once);
    // Every prefix is there: the writes reaching the disk in order, with the length they made.
    for (let k = 0; k <= 12; k++)
      expect(once).toContain(
        seen(
          powerCut(
            last,
            Array.from({ length: 13 }, (_, i) => i < k || i === 12),
          ),
        ).join(' '),
      );
  });

  test('crashStates: at each point the kill, then the distinct power cuts', () => {
    const before = durableDirectory(B, { a: Uint8Array.of(1) });
    const directory = new RecordingDirectory(before);
    const a = directory.open('a')!;
    a.write(Uint8Array.of(2), 0, 1, 0);
    a.sync();
    const states = [...crashStates(before, directory.log)];
    expect(states.map(({ after, kind, state }) => `${after} ${kind} ${seen(state).join()}`)).toEqual([
      '0 kill a=1',
      '0 power a=1',
      '1 kill a=2',
      '1 power a=1',
      '1 power a=2',
      '2 kill a=2',
      '2 power a=2',
    ]);
  });
});
