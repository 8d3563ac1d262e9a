import { describe, expect, it } from 'vitest';
import { readPadded } from './backend.ts';
import { memoryMax } from './limits.ts';
import { MemoryBackend, MemoryDirectory } from './memory-backend.ts';
import { bytesOf, memoryEngine } from './testing/engines.ts';
import { thrown } from './testing/thrown.ts';

describe('MemoryBackend', () => {
  it('MemoryBackend: reads short at its end, grows with zeros however far, and refuses beyond the largest buffer', () => {
    const m = new MemoryBackend('m', Uint8Array.of(1, 2, 3));
    const buffer = new Uint8Array(8).fill(0xee);
    expect(m.read(buffer, 0, 8, 1)).toBe(2);
    expect([...buffer.subarray(0, 3)]).toEqual([2, 3, 0xee]);
    expect(m.read(buffer, 0, 8, 3)).toBe(0);
    expect(m.read(buffer, 0, 8, 100)).toBe(0);
    m.truncate(1);
    m.truncate(40);
    const grown = new Uint8Array(40).fill(0xee);
    expect(m.read(grown, 0, 40, 0)).toBe(40);
    expect([...grown]).toEqual([1, ...new Array(39).fill(0)]);
    m.write(Uint8Array.of(7), 0, 1, 1000);
    const far = new Uint8Array(1001).fill(0xee);
    expect(m.read(far, 0, 1001, 0)).toBe(1001);
    expect(far[0]).toBe(1);
    expect(far.subarray(1, 1000).every((b) => b === 0)).toBe(true);
    expect(far[1000]).toBe(7);
    expect(thrown(() => m.truncate(2 ** 40))).toMatchObject({ code: 'EFBIG' });
    expect(m.size()).toBe(1001);
    // Through the engine, that is an IOError with the code.
    const engine = memoryEngine(4, 4);
    expect(thrown(() => engine.attach(m).write(Uint8Array.of(1), 0, 1, 2 ** 40))).toMatchObject({
      name: 'IOError',
      role: 'file',
      code: 'EFBIG',
    });
  });

  it('MemoryBackend: an empty write changes nothing; every change gives an identity never seen before', () => {
    const m = new MemoryBackend('m', Uint8Array.of(1, 2, 3));
    const seen = [m.identity()];
    m.write(Uint8Array.of(9), 0, 0, 100);
    expect(m.identity()).toEqual(seen[0]);
    // Each change moves the identity to a new one, whichever order they come in.
    for (const change of [
      () => m.write(Uint8Array.of(9), 0, 1, 0),
      () => m.truncate(3),
      () => m.truncate(3),
      () => m.write(Uint8Array.of(8), 0, 1, 0),
    ]) {
      change();
      const now = m.identity();
      for (const before of seen) expect(now).not.toEqual(before);
      seen.push(now);
    }
  });

  it("MemoryBackend: touchMetadata moves ctime alone, a change under 'ctime' only (the spec's OutsideMetadata)", () => {
    for (const changeDetection of ['mtime', 'ctime'] as const) {
      const engine = memoryEngine(4, 2, { changeDetection });
      const m = new MemoryBackend('m', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
      const seg = engine.segment(8);
      seg.read(engine.attach(m), 0, 8, 0);
      const before = m.identity();
      m.touchMetadata();
      expect(m.identity()).toEqual({ ...before, ctimeMs: before.ctimeMs + 1 });
      if (changeDetection === 'mtime') expect(bytesOf(seg, 0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      else expect(thrown(() => seg.getUint8(0))).toMatchObject({ code: 'EFILECHANGED' });
      // A change of content after it moves both times.
      m.write(Uint8Array.of(9), 0, 1, 0);
      expect(m.identity()).toMatchObject({ mtimeMs: before.mtimeMs + 1, ctimeMs: before.ctimeMs + 2 });
    }
  });

  it('MemoryBackend: a copy is named for its original; a file too large says how large it may be', () => {
    const m = new MemoryBackend('m', Uint8Array.of(1));
    expect(m.clone().name).toBe('m (copy)');
    // The largest file there may be: its buffer is allocated, untouched past the first byte.
    const largest = new MemoryBackend('largest', Uint8Array.of(1));
    largest.truncate(memoryMax);
    expect(largest.size()).toBe(memoryMax);
    expect(thrown(() => m.truncate(memoryMax + 1))).toMatchObject({
      code: 'EFBIG',
      message: `in-memory file larger than ${memoryMax} bytes`,
    });
  });
});

describe('readPadded', () => {
  it('reads what the file holds and zeros past its end, touching nothing outside the range', () => {
    const m = new MemoryBackend('m', Uint8Array.of(1, 2, 3));
    for (const [at, position, expected] of [
      [0, 1, [2, 3, 0, 0, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]],
      [2, 0, [0xee, 0xee, 1, 2, 3, 0, 0xee, 0xee, 0xee, 0xee]],
      [3, 3, [0xee, 0xee, 0xee, 0, 0, 0, 0, 0xee, 0xee, 0xee]],
    ] as const) {
      const into = new Uint8Array(10).fill(0xee);
      readPadded(m, 'file', into, at, 4, position);
      expect([...into], `at ${at}, position ${position}`).toEqual(expected);
    }
  });
});

describe('MemoryDirectory', () => {
  it('makes files with inode numbers of their own, never reused, and is their siblings', () => {
    const dir = new MemoryDirectory();
    const a = dir.file('a', Uint8Array.of(1));
    const b = dir.create('b');
    expect(a.siblings).toBe(dir);
    expect([a.identity().ino, b.identity().ino]).toEqual([1, 2]);
    expect(thrown(() => dir.file('a'))).toMatchObject({ code: 'EEXIST', syscall: 'open', path: 'a' });
    expect(dir.open('a')).toBe(a);
    expect(dir.open('c')).toBeNull();
    dir.remove('a');
    dir.sync();
    expect(thrown(() => dir.remove('a'))).toMatchObject({ code: 'ENOENT', syscall: 'unlink' });
    expect(dir.file('a').identity().ino).toBe(3);
    expect(dir.names()).toEqual(['b', 'a']);
    // A file made on its own is in no directory.
    expect(new MemoryBackend('m').siblings).toBeNull();
  });
});
