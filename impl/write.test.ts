import { describe, expect, it } from 'vitest';
import { FileChangedError } from './errors.ts';
import { iovMax } from './limits.ts';
import { bytesOf, extentsOf, memoryEngine, memoryFile, snapshotIds, snapshotOf, sourceOf } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';

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
    expect([...backend.content()]).toEqual(expected);
  });

  it('writes back the blocks another writer changed, restoring them', () => {
    const { backend, file, seg } = setup();
    file.write(Uint8Array.of(0, 0), 0, 2, 9);
    expect(seg.write(file, 0, 32, 0)).toEqual({ written: B, skipped: 32 - B });
    expect([...backend.content()]).toEqual(image);
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
    expect(sourceOf(engine, seg, 0)).toEqual({ kind: 'Snap', snap: 1, off: 0 });
    expect(seg.write(file, 0, 32, 0, { rebind: true })).toEqual({ written: 0, skipped: 32 });
    expect(engine.stats().liveSnapshots).toBe(1);
  });

  it('grows the file, the gap reading as zero', () => {
    const { backend, file, seg } = setup();
    expect(seg.write(file, 0, 4, 40)).toEqual({ written: 4, skipped: 0 });
    expect([...backend.content()]).toEqual([...image, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  });

  it('skips bytes read from another offset of the file when written back there', () => {
    const { file, seg } = setup();
    // Addresses 16..24 now read offsets 0..8.
    seg.read(file, 16, 8, 0);
    expect(seg.write(file, 16, 8, 0)).toEqual({ written: 0, skipped: 8 });
  });

  it('with rebind moves skipped bytes of another snapshot to the chosen one, also where they touch its own', () => {
    const { engine, file, seg } = setup();
    // Reading block 0 again after a change takes snapshot 2; snapshot 1 lets its preserved block 0 go.
    file.write(Uint8Array.of(0), 0, 1, 0);
    seg.read(file, 0, 4, 0);
    expect([sourceOf(engine, seg, 0).snap, sourceOf(engine, seg, 4).snap]).toEqual([2, 1]);
    expect(seg.write(file, 0, 8, 0, { rebind: true })).toEqual({ written: 0, skipped: 8 });
    expect([sourceOf(engine, seg, 0), sourceOf(engine, seg, 4)]).toEqual([
      { kind: 'Snap', snap: 1, off: 0 },
      { kind: 'Snap', snap: 1, off: 4 },
    ]);
    expect(engine.stats().liveSnapshots).toBe(1);
  });

  it('a rebind to a snapshot whose every byte it skipped leaves one binding and one count, the other snapshot gone', () => {
    const { engine, file, seg } = setup();
    // Reading block 0 again after a change takes snapshot 2; snapshot 1 lets its preserved block 0 go.
    file.write(Uint8Array.of(0), 0, 1, 0);
    seg.read(file, 0, 4, 0);
    // Snapshot 1 keeps bytes 4..8 only, all of them skipped; it is the one chosen, and snapshot 2 goes.
    seg.zero(8, 24);
    expect(seg.write(file, 0, 8, 0, { rebind: true })).toEqual({ written: 0, skipped: 8 });
    expect(snapshotIds(engine)).toEqual([1]);
    expect(snapshotOf(engine, 1).refs).toEqual([{ start: 0, end: 8, count: 1 }]);
    expect(extentsOf(engine, seg)).toBe(1);
    expect(bytesOf(seg, 0, 8)).toEqual([0, ...image.slice(1, 8)]);
    // Shared with another segment, at offsets the write leaves alone: the general path, and nothing preserved.
    const other = engine.segment(8);
    other.read(file, 4, 4, 4);
    seg.setUint8(0, 7);
    expect(seg.write(file, 0, 8, 0, { rebind: true })).toEqual({ written: B, skipped: 8 - B });
    expect(snapshotOf(engine, 1).refs).toEqual([
      { start: 0, end: 4, count: 1 },
      { start: 4, end: 8, count: 2 },
    ]);
    expect(engine.stats().preserves).toBe(1);
    expect(bytesOf(other, 4, 4)).toEqual(image.slice(4, 8));
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

describe('write-back: rebinding, empty writes, lost and stale bytes', () => {
  it('a rebinding write-back to other offsets unbinds the old ones, also of two addresses bound to one offset', () => {
    const { engine, backend, file, seg } = setup();
    // Addresses 8..16 now read offsets 0..8, as addresses 0..8 do.
    seg.read(file, 8, 8, 0);
    expect(seg.write(file, 0, 16, 16, { rebind: true })).toEqual({ written: 16, skipped: 0 });
    const head = image.slice(0, 8);
    expect([...backend.content()]).toEqual([...image.slice(0, 16), ...head, ...head]);
    expect(sourceOf(engine, seg, 8)).toEqual({ kind: 'Snap', snap: 2, off: 24 });
    expect(seg.write(file, 0, 32, 16, { rebind: true })).toEqual({ written: 16, skipped: 16 });
    // Snapshot 1 lost every byte bound to it, so it and its preserved blocks are gone.
    expect(engine.stats()).toMatchObject({ liveSnapshots: 1, preservedBlocks: 0 });
  });

  it('write without rebind leaves the segment as it was: dirty pages are written again next time', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(8);
    const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(file, 0, 8, 0);
    seg.setUint8(0, 9);
    expect(seg.write(file, 0, 8, 0)).toEqual({ written: 4, skipped: 4 });
    expect(seg.write(file, 0, 8, 0)).toEqual({ written: 4, skipped: 4 });
    expect(seg.write(file, 0, 8, 0, {})).toEqual({ written: 4, skipped: 4 });
    expect(seg.write(file, 0, 8, 0, { rebind: true })).toEqual({ written: 4, skipped: 4 });
    expect(seg.write(file, 0, 8, 0)).toEqual({ written: 0, skipped: 8 });
  });

  it('empty writes change nothing: a zero-length write-back (even with rebind), a zero-length file write past the end', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(8);
    const { backend, file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(file, 0, 8, 0);
    const stats = engine.stats();
    expect(seg.write(file, 4, 0, 4, { rebind: true })).toEqual({ written: 0, skipped: 0 });
    expect(file.write(Uint8Array.of(1), 0, 0, 20)).toBe(0);
    expect(backend.size()).toBe(8);
    expect(engine.stats()).toEqual(stats);
  });

  it('a write-back whose later bytes are lost writes nothing at all, not even its first chunk', () => {
    // 16 bytes of frames: write-back moves data in 16-byte chunks.
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(32);
    const f = memoryFile(
      engine,
      'f',
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    const t = memoryFile(engine, 't', []);
    seg.read(f.file, 16, 16, 0);
    f.backend.write(new Uint8Array(16), 0, 16, 0);
    expect(() => seg.write(t.file, 0, 32, 0)).toThrow(FileChangedError);
    expect(t.backend.size()).toBe(0);
  });

  it('a stale snapshot still serves the bytes it kept: resident pages and preserved blocks', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    const f = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    const t = memoryFile(engine, 't', []);
    // Segment [4, 12) holds file bytes [0, 8).
    seg.read(f.file, 4, 8, 0);
    seg.getUint8(8);
    f.file.write(Uint8Array.of(0), 0, 1, 0);
    f.backend.write(new Uint8Array(8).fill(9), 0, 8, 0);
    // Block 0 is preserved, block 1 resident (page 2): nothing was lost.
    expect(seg.write(t.file, 4, 8, 0)).toEqual({ written: 8, skipped: 0 });
    const out = new Uint8Array(8);
    t.backend.read(out, 0, 8, 0);
    expect([...out]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(bytesOf(seg, 4, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a stale snapshot is never given blocks saved after the change: they were not its bytes', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(8);
    const f = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(f.file, 0, 8, 0);
    f.backend.write(new Uint8Array(8).fill(9), 0, 8, 0);
    f.file.write(Uint8Array.of(5), 0, 1, 4);
    expect(engine.stats()).toMatchObject({ preserves: 0, preservedBlocks: 0 });
    expect(() => seg.getUint8(4)).toThrow(FileChangedError);
    expect(() => seg.getUint8(0)).toThrow(FileChangedError);
  });
});

describe('write-back calls: one per run, more only for iovMax pieces or a full staging buffer', () => {
  // 4096 frames of 4 bytes: a staging buffer of 16 KiB, so only the piece limit splits the runs below.
  const pages = (n: number) => Uint8Array.from({ length: n * B }, (_, i) => (i * 7 + 3) & 0xff);

  it('a run alternating resident and non-resident pages: a writev per iovMax pieces, none empty', () => {
    const engine = memoryEngine(B, 4096);
    const content = pages(2 * iovMax + 1);
    const { file } = memoryFile(engine, 'source', content);
    const seg = engine.segment(content.length);
    seg.read(file, 0, content.length, 0);
    // Even pages resident (page 0 first, in frame 0), odd ones read from the file into the staging buffer.
    for (let page = 0; page < 2 * iovMax + 1; page += 2) seg.getUint8(page * B);
    for (const n of [2 * iovMax, 2 * iovMax + 1]) {
      const target = new FaultyBackend('target');
      expect(seg.write(engine.attach(target), 0, n * B, 0)).toEqual({ written: n * B, skipped: 0 });
      expect([target.calls.write, [...target.content()]]).toEqual([
        Math.ceil(n / iovMax),
        [...content.subarray(0, n * B)],
      ]);
    }
  });

  it('a first piece grows like any other: iovMax pieces after merging are one writev', () => {
    const engine = memoryEngine(B, 4096);
    const content = pages(iovMax + 1);
    const { file } = memoryFile(engine, 'source', content);
    const seg = engine.segment(content.length);
    seg.read(file, 0, content.length, 0);
    // Pages 0 and 1 are one staged piece; from page 2 on resident and staged pages alternate.
    for (let page = 2; page < iovMax + 1; page += 2) seg.getUint8(page * B);
    const target = new FaultyBackend('target');
    seg.write(engine.attach(target), 0, content.length, 0);
    expect([target.calls.write, [...target.content()]]).toEqual([1, [...content]]);
  });

  it('a run of non-resident pages filling the staging buffer exactly: one write', () => {
    const engine = memoryEngine(B, 4096);
    const content = pages(4096);
    const { file } = memoryFile(engine, 'source', content);
    const seg = engine.segment(content.length);
    seg.read(file, 0, content.length, 0);
    const target = new FaultyBackend('target');
    expect(seg.write(engine.attach(target), 0, content.length, 0)).toEqual({ written: content.length, skipped: 0 });
    expect([target.calls.write, [...target.content()]]).toEqual([1, [...content]]);
  });
});
