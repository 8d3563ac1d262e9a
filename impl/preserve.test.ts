import { describe, expect, it } from 'vitest';
import { bytesOf, memoryEngine, memoryFile, snapshotIds, snapshotOf } from './testing/engines.ts';

const content = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];

describe('copy-before-write', () => {
  it('preserves a referenced block before another writer changes it, so the snapshot never changes', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(12);
    const { file } = memoryFile(engine, 'f', content);
    seg.read(file, 0, 10, 0);
    file.write(Uint8Array.of(0, 0), 0, 2, 5);
    expect([...snapshotOf(engine, 1).preserved.keys()]).toEqual([1]);
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

  it('preserves the blocks of the offsets a truncation cuts, and nothing for growth', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(12);
    const { file } = memoryFile(engine, 'f', content);
    seg.read(file, 0, 10, 0);
    file.truncate(5);
    expect([...snapshotOf(engine, 1).preserved.keys()]).toEqual([1, 2]);
    expect(bytesOf(seg, 0, 10)).toEqual(content);

    // Growth writes no existing offset: whether by truncate or by a write past the end, it preserves nothing.
    const other = memoryEngine(4, 16);
    const seg2 = other.segment(12);
    const { file: grown } = memoryFile(other, 'g', content);
    seg2.read(grown, 0, 10, 0);
    grown.truncate(12);
    grown.write(Uint8Array.of(1), 0, 1, 14);
    expect(other.stats()).toMatchObject({ preserves: 0, preservedBlocks: 0 });
    expect(bytesOf(seg2, 0, 10)).toEqual(content);
    expect(seg2.write(grown, 0, 10, 0)).toEqual({ written: 0, skipped: 10 });
  });

  it('preserves nothing for a change to an unreferenced offset of a referenced block; its neighbours stay skippable', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(12);
    const { backend, file } = memoryFile(engine, 'f', content);
    // Offsets 0..5 are bound: all of block 0, half of block 1.
    seg.read(file, 0, 6, 0);
    file.write(Uint8Array.of(0, 0), 0, 2, 6);
    expect(engine.stats()).toMatchObject({ preserves: 0, preservedBlocks: 0 });
    expect(bytesOf(seg, 0, 6)).toEqual(content.slice(0, 6));
    expect(seg.write(file, 0, 6, 0)).toEqual({ written: 0, skipped: 6 });
    // One offset more, and the block is preserved.
    file.write(Uint8Array.of(0), 0, 1, 5);
    expect(engine.stats()).toMatchObject({ preserves: 1, preservedBlocks: 1 });
    expect(seg.write(file, 0, 6, 0)).toEqual({ written: 2, skipped: 4 });
    const out = new Uint8Array(8);
    backend.read(out, 0, 8, 0);
    expect([...out]).toEqual([...content.slice(0, 6), 0, 0]);
  });

  it('an image read at an unaligned address: writing back a dirty page preserves nothing for the offsets it no longer binds', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(16);
    const { file } = memoryFile(engine, 'f', content);
    // Segment address 2 holds offset 0: page 1 (addresses 4..7) holds offsets 2..5, across blocks 0 and 1.
    seg.read(file, 2, 10, 0);
    seg.setUint8(4, 99);
    // The write changes offsets 2..5, which no byte is bound to any more (page 1 is Anon).
    expect(seg.write(file, 2, 10, 0)).toEqual({ written: 4, skipped: 6 });
    expect(engine.stats()).toMatchObject({ preserves: 0 });
    // So offsets 0, 1 and 6, 7 of blocks 0 and 1 are still provable: only the dirty page is written again.
    expect(seg.write(file, 2, 10, 0)).toEqual({ written: 4, skipped: 6 });
  });

  it('counts exactly the blocks it preserves, per snapshot', () => {
    const engine = memoryEngine(4, 16);
    const a = engine.segment(8);
    const b = engine.segment(8);
    const { file } = memoryFile(engine, 'f', content);
    a.read(file, 0, 8, 0);
    file.write(Uint8Array.of(0), 0, 1, 0);
    expect(engine.stats()).toMatchObject({ preserves: 1, preservedBlocks: 1 });
    // Snapshot 1 preserved block 0, so this read takes snapshot 2.
    b.read(file, 0, 8, 0);
    expect(snapshotIds(engine)).toEqual([1, 2]);
    // Offsets 3 and 4: snapshot 1 saves block 1 (block 0 is saved already), snapshot 2 saves blocks 0 and 1.
    file.write(Uint8Array.of(7, 7), 0, 2, 3);
    expect(engine.stats()).toMatchObject({ preserves: 4, preservedBlocks: 4 });
    // Cutting offsets 6..9: both snapshots bind 6 and 7, but block 1 is saved in both; 8 and 9 are bound by none.
    file.truncate(6);
    expect(engine.stats()).toMatchObject({ preserves: 4, preservedBlocks: 4 });
    // A truncate to the current length cuts nothing.
    file.truncate(6);
    expect(engine.stats()).toMatchObject({ preserves: 4, preservedBlocks: 4 });
    expect(bytesOf(a, 0, 8)).toEqual(content.slice(0, 8));
    expect(bytesOf(b, 0, 8)).toEqual([0, ...content.slice(1, 8)]);
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
