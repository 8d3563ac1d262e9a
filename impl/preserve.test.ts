import { describe, expect, it } from 'vitest';
import { memoryEngine, memoryFile, bytesOf } from './testing/engines.ts';
import { project } from './projection.ts';

const content = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

describe('copy-before-write', () => {
  it('preserves a referenced block before another writer changes it, so the snapshot never changes', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(12);
    const { file } = memoryFile(engine, 'f', content);
    seg.read(file, 0, 10, 0);
    file.write(Uint8Array.of(0, 0), 0, 2, 5);
    expect([...project(engine, seg).snaps.get(1)!.preserved.keys()]).toEqual([1]);
    expect(engine.stats()).toMatchObject({ preserves: 1, preservedBlocks: 1 });
    expect(bytesOf(seg, 0, 10)).toEqual(content);
    // The same block changing again is already preserved.
    file.write(Uint8Array.of(1), 0, 1, 4);
    expect(engine.stats().preserves).toBe(1);
  });

  it('does not preserve blocks no snapshot references', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(12);
    const { file } = memoryFile(engine, 'f', content);
    seg.read(file, 0, 4, 0);
    file.write(Uint8Array.of(0, 0, 0, 0), 0, 4, 4);
    expect(engine.stats().preserves).toBe(0);
  });

  it('preserves the blocks a truncation removes and the block a growth extends', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(12);
    const { file } = memoryFile(engine, 'f', content);
    seg.read(file, 0, 10, 0);
    file.truncate(5);
    expect([...project(engine, seg).snaps.get(1)!.preserved.keys()]).toEqual([1, 2]);
    expect(bytesOf(seg, 0, 10)).toEqual(content);

    const other = memoryEngine(4, 16);
    const seg2 = other.segment(12);
    const { file: grown } = memoryFile(other, 'g', content);
    seg2.read(grown, 0, 10, 0);
    grown.truncate(12);
    // Block 2 held the old end (bytes 8 and 9): the growth changes it.
    expect([...project(other, seg2).snaps.get(1)!.preserved.keys()]).toEqual([2]);

    // With the old end on a block boundary, the block holding the last byte counts as changed (the spec's Touched).
    const third = memoryEngine(4, 16);
    const seg3 = third.segment(12);
    const { file: even } = memoryFile(third, 'h', content.slice(0, 8));
    seg3.read(even, 0, 8, 0);
    even.write(Uint8Array.of(1), 0, 1, 9);
    expect([...project(third, seg3).snaps.get(1)!.preserved.keys()]).toEqual([1]);
  });

  it('releases preserved blocks as soon as no byte references them', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(12);
    const { file } = memoryFile(engine, 'f', content);
    seg.read(file, 0, 8, 0);
    file.write(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0), 0, 8, 0);
    expect(engine.stats().preservedBlocks).toBe(2);
    seg.zero(0, 4);
    expect(engine.stats().preservedBlocks).toBe(1);
    seg.setUint8(4, 1);
    expect(engine.stats()).toMatchObject({ preservedBlocks: 0, liveSnapshots: 0 });
  });
});
