import { describe, expect, it } from 'vitest';
import { bytesOf, extentsOf, memoryEngine, memoryFile, sourceOf } from './testing/engines.ts';

describe('bindings', () => {
  it('adjacent Anon bytes are one extent, as are adjacent bytes of one snapshot at one delta', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(16);
    seg.setUint8(0, 1);
    seg.setUint8(4, 1);
    expect(extentsOf(engine, seg)).toBe(1);
    const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(file, 8, 4, 0);
    seg.read(file, 12, 4, 4);
    expect(extentsOf(engine, seg)).toBe(2);
  });

  it('a page whose first bytes are Zero and the rest Anon is dirty, not all Anon', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(8);
    seg.setUint8(2, 7);
    seg.zero(0, 2);
    expect([sourceOf(engine, seg, 0).kind, sourceOf(engine, seg, 2).kind]).toEqual(['Zero', 'Anon']);
    expect(bytesOf(seg, 0, 4)).toEqual([0, 0, 7, 0]);
  });
});
