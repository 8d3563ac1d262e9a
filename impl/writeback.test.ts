import { describe, expect, it } from 'vitest';
import { memoryEngine, bytesOf } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { project } from './projection.ts';

const B = 4;
const image = Array.from({ length: 32 }, (_, i) => i + 1);

function setup() {
  const engine = memoryEngine(B, 16);
  const backend = new FaultyBackend('image', Uint8Array.from(image));
  const file = engine.attach(backend);
  const seg = engine.segment(32);
  seg.read(file, 0, 32, 0);
  return { engine, backend, file, seg };
}

function contents(backend: FaultyBackend): number[] {
  const out = new Uint8Array(backend.inner.size());
  backend.inner.read(out, 0, out.length, 0);
  return [...out];
}

describe('write-back', () => {
  it('writes nothing back to the place an unchanged buffer was read from', () => {
    const { backend, file, seg } = setup();
    const writes = backend.calls.write;
    expect(seg.write(file, 0, 32, 0)).toEqual({ written: 0, skipped: 32 });
    expect(backend.calls.write).toBe(writes);
  });

  it('writes exactly the dirty pages', () => {
    const { engine, backend, file, seg } = setup();
    seg.setUint8(5, 100);
    seg.setUint8(21, 101);
    expect(seg.write(file, 0, 32, 0)).toEqual({ written: 2 * B, skipped: 32 - 2 * B });
    expect(engine.stats()).toMatchObject({ written: 8, skipped: 24 });
    const expected = [...image];
    expected[5] = 100;
    expected[21] = 101;
    expect(contents(backend)).toEqual(expected);
  });

  it('writes back the blocks another writer changed, restoring them', () => {
    const { backend, file, seg } = setup();
    file.write(Uint8Array.of(0, 0), 0, 2, 9);
    expect(seg.write(file, 0, 32, 0)).toEqual({ written: B, skipped: 32 - B });
    expect(contents(backend)).toEqual(image);
  });

  it('skips nothing when writing elsewhere or to another file', () => {
    const { engine, file, seg } = setup();
    expect(seg.write(file, 0, 16, 16)).toEqual({ written: 16, skipped: 0 });
    const other = engine.attach(new FaultyBackend('other'));
    expect(seg.write(other, 0, 16, 0)).toEqual({ written: 16, skipped: 0 });
  });

  it('with rebind makes written pages clean, so the next sync writes nothing', () => {
    const { engine, file, seg } = setup();
    seg.setUint8(0, 7);
    expect(seg.write(file, 0, 32, 0, { rebind: true })).toEqual({ written: B, skipped: 32 - B });
    expect(project(engine, seg).src[0]).toEqual({ kind: 'Snap', snap: 1, off: 0 });
    expect(seg.write(file, 0, 32, 0, { rebind: true })).toEqual({ written: 0, skipped: 32 });
    expect(engine.stats().liveSnapshots).toBe(1);
  });

  it('grows the file, the gap reading as zero', () => {
    const { backend, file, seg } = setup();
    expect(seg.write(file, 0, 4, 40)).toEqual({ written: 4, skipped: 0 });
    expect(contents(backend)).toEqual([...image, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('preserves the block of skipped bytes in their own snapshot when other bytes of that block are written', () => {
    const { engine, file, seg } = setup();
    // Rebind bytes 0..1 elsewhere: block 0 is now written partly (bytes 0, 1) and skipped partly (2, 3).
    seg.read(file, 0, 2, 8);
    const other = engine.segment(8);
    other.read(file, 0, 4, 0);
    expect(seg.write(file, 0, 4, 0)).toEqual({ written: 2, skipped: 2 });
    expect(bytesOf(other, 0, 4)).toEqual([1, 2, 3, 4]);
    expect(bytesOf(seg, 0, 4)).toEqual([9, 10, 3, 4]);
  });
});
