import { describe, expect, it } from 'vitest';
import { memoryEngine, memoryFile, bytesOf } from './testing/engines.ts';
import { project } from './projection.ts';
import { segmentParts } from './segment.ts';

describe('snapshots', () => {
  it('allocates ids lowest-free-first and releases a snapshot no byte is bound to', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(64);
    const files = ['a', 'b', 'c', 'd'].map((name, i) => memoryFile(engine, name, [i + 1, i + 1, i + 1, i + 1]).file);
    for (const [i, file] of files.slice(0, 3).entries()) seg.read(file, i * 8, 4, 0);
    expect([...project(engine, seg).snaps.keys()]).toEqual([1, 2, 3]);
    seg.zero(8, 4);
    expect([...project(engine, seg).snaps.keys()]).toEqual([1, 3]);
    seg.read(files[3], 40, 4, 0);
    const snaps = project(engine, seg).snaps;
    expect(snaps.get(2)?.file).toBe('d');
    expect(engine.stats().liveSnapshots).toBe(3);
  });

  it('judges free ids before releasing: reading over a buffer takes a new id, then frees the old one', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(16);
    const a = memoryFile(engine, 'a', [1, 2, 3, 4, 5, 6, 7, 8]).file;
    const b = memoryFile(engine, 'b', [9, 9, 9, 9, 9, 9, 9, 9]).file;
    seg.read(a, 0, 8, 0);
    seg.read(b, 0, 8, 0);
    const p = project(engine, seg);
    expect([...p.snaps.keys()]).toEqual([2]);
    expect(p.src[0]).toEqual({ kind: 'Snap', snap: 2, off: 0 });
    expect(bytesOf(seg, 0, 8)).toEqual([9, 9, 9, 9, 9, 9, 9, 9]);
  });

  it('reuses the live snapshot of the same file, so adjacent small reads coalesce into one extent', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(32);
    const f = memoryFile(engine, 'f', Array.from({ length: 32 }, (_, i) => i)).file;
    for (let pos = 3; pos < 20; pos += 3) seg.read(f, pos, 3, pos);
    expect(engine.stats()).toMatchObject({ liveSnapshots: 1, faults: 0 });
    expect(segmentParts(seg).bindings.map.extents).toBe(1);
    expect(bytesOf(seg, 3, 18)).toEqual(Array.from({ length: 18 }, (_, i) => i + 3));
  });

  it('does not reuse a snapshot that preserved a block of the range', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(16);
    const { file: f } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(f, 0, 4, 0);
    f.write(Uint8Array.of(0), 0, 1, 0);
    seg.read(f, 4, 4, 0);
    const p = project(engine, seg);
    expect([...p.snaps.keys()]).toEqual([1, 2]);
    expect(bytesOf(seg, 0, 8)).toEqual([1, 2, 3, 4, 0, 2, 3, 4]);
  });
});
