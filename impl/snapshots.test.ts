import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { Calls, FileState } from './files.ts';
import { MemoryBackend } from './memory-backend.ts';
import { SlotStore } from './slots.ts';
import { Snapshots } from './snapshots.ts';
import { bytesOf, extentsOf, memoryEngine, memoryFile, snapshotIds, snapshotOf, sourceOf } from './testing/engines.ts';
import { thrown } from './testing/thrown.ts';

describe('snapshots', () => {
  it('allocates ids lowest-free-first and releases a snapshot no byte is bound to', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(64);
    const files = ['a', 'b', 'c', 'd'].map((name, i) => memoryFile(engine, name, [i + 1, i + 1, i + 1, i + 1]).file);
    for (const [i, file] of files.slice(0, 3).entries()) seg.read(file, i * 8, 4, 0);
    expect(snapshotIds(engine)).toEqual([1, 2, 3]);
    seg.zero(8, 4);
    expect(snapshotIds(engine)).toEqual([1, 3]);
    seg.read(files[3], 40, 4, 0);
    expect(snapshotOf(engine, 2).file).toBe('d');
    expect(engine.stats().liveSnapshots).toBe(3);
  });

  it('judges free ids before releasing: reading over a buffer takes a new id, then frees the old one', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(16);
    const a = memoryFile(engine, 'a', [1, 2, 3, 4, 5, 6, 7, 8]).file;
    const b = memoryFile(engine, 'b', [9, 9, 9, 9, 9, 9, 9, 9]).file;
    seg.read(a, 0, 8, 0);
    seg.read(b, 0, 8, 0);
    expect(snapshotIds(engine)).toEqual([2]);
    expect(sourceOf(engine, seg, 0)).toEqual({ kind: 'Snap', snap: 2, off: 0 });
    expect(bytesOf(seg, 0, 8)).toEqual([9, 9, 9, 9, 9, 9, 9, 9]);
  });

  it('reuses the live snapshot of the same file, so adjacent small reads coalesce into one extent', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(32);
    const f = memoryFile(
      engine,
      'f',
      Array.from({ length: 32 }, (_, i) => i),
    ).file;
    for (let pos = 3; pos < 20; pos += 3) seg.read(f, pos, 3, pos);
    expect(engine.stats()).toMatchObject({ liveSnapshots: 1, faults: 0 });
    expect(extentsOf(engine, seg)).toBe(1);
    expect(bytesOf(seg, 3, 18)).toEqual(Array.from({ length: 18 }, (_, i) => i + 3));
  });

  it('does not reuse a snapshot that preserved a block of the range', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(16);
    const { file: f } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(f, 0, 4, 0);
    f.write(Uint8Array.of(0), 0, 1, 0);
    seg.read(f, 4, 4, 0);
    expect(snapshotIds(engine)).toEqual([1, 2]);
    expect(bytesOf(seg, 0, 8)).toEqual([1, 2, 3, 4, 0, 2, 3, 4]);
  });

  it('of two reusable snapshots of a file picks the lowest id, even when it went live last', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(32);
    const { file: a } = memoryFile(engine, 'a', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const { file: b } = memoryFile(engine, 'b', [0, 0, 0, 0]);
    seg.read(b, 0, 4, 0);
    seg.read(a, 8, 8, 0);
    // Id 1 goes free; a change preserves block 0 in snapshot 2, so reading block 0 again takes id 1.
    seg.zero(0, 4);
    a.write(Uint8Array.of(0), 0, 1, 0);
    seg.read(a, 16, 4, 0);
    expect(snapshotIds(engine)).toEqual([1, 2]);
    // Both read block 2 as the file holds it.
    seg.read(a, 24, 4, 8);
    expect(sourceOf(engine, seg, 24)).toEqual({ kind: 'Snap', snap: 1, off: 8 });
  });

  it('closing one of two segments bound to a snapshot keeps it for the other; closing both releases it', () => {
    const engine = memoryEngine(4, 16);
    const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    const one = engine.segment(8);
    const two = engine.segment(8);
    one.read(file, 0, 8, 0);
    two.read(file, 0, 8, 0);
    one.close();
    expect(snapshotIds(engine)).toEqual([1]);
    file.write(new Uint8Array(8), 0, 8, 0);
    expect(engine.stats().preserves).toBe(2);
    expect(bytesOf(two, 0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    two.close();
    expect(engine.stats()).toMatchObject({ liveSnapshots: 0, preservedBlocks: 0 });
  });
});

describe('snapshot ids', () => {
  function* permutations(items: number[]): Generator<number[]> {
    if (items.length <= 1) yield items;
    else
      for (const [i, x] of items.entries())
        for (const rest of permutations(items.filter((_, j) => j !== i))) yield [x, ...rest];
  }

  it('are handed out lowest-free-first whatever order they were released in', () => {
    for (const order of permutations([1, 2, 3, 4, 5])) {
      const engine = memoryEngine(4, 16);
      const seg = engine.segment(40);
      const files = [1, 2, 3, 4, 5].map((i) => memoryFile(engine, `f${i}`, [i, i, i, i]).file);
      for (const [i, file] of files.entries()) seg.read(file, i * 8, 4, 0);
      for (const id of order) seg.zero((id - 1) * 8, 4);
      expect(engine.stats().liveSnapshots).toBe(0);
      // Each read now takes the lowest free id: 1, 2, 3, 4, 5 in the order of the reads.
      for (const [i, file] of files.entries()) seg.read(file, i * 8 + 4, 4, 0);
      expect(
        [0, 1, 2, 3, 4].map((i) => sourceOf(engine, seg, i * 8 + 4).snap),
        order.join(),
      ).toEqual([1, 2, 3, 4, 5]);
      engine.close();
    }
  });
});

describe('the snapshot limit', () => {
  it('refuses a snapshot beyond it, changing nothing; ids stay within it', () => {
    const snapshots = new Snapshots(4, new SlotStore(new MemoryBackend('preserve'), 'preserve', 4), 2);
    const file = new FileState(
      new MemoryBackend('f', Uint8Array.of(1, 2, 3, 4)),
      false,
      false,
      os.tmpdir(),
      new Calls(),
      'mtime',
      () => {},
    );
    const a = snapshots.create(file, null);
    snapshots.reference(a, 0, 4, 1);
    const b = snapshots.create(file, null);
    snapshots.reference(b, 0, 2, 1);
    snapshots.release();
    expect(thrown(() => snapshots.create(file, null))).toMatchObject({ name: 'LimitError', limit: 'snapshotsMax' });
    expect(() => snapshots.checkRoom()).toThrow('more than snapshotsMax (2) would be in use');
    expect(snapshots.values().map((s) => s.id)).toEqual([1, 2]);
    // Once one is released, its id is the one handed out.
    snapshots.reference(a, 0, 4, -1);
    snapshots.release();
    expect(snapshots.create(file, null).id).toBe(1);
  });
});
