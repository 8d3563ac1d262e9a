/**
 * seg.refresh (the spec's Refresh) on in-memory files: which bytes it
 * rebinds (lost ones within the file's current length), which it never
 * touches (resident, preserved, isolated, Anon, Zero, past the end), the
 * snapshot it chooses (as read chooses), and that a refusal changes nothing.
 * impl/outside.test.ts has it on real files changed by other processes.
 */
import { describe, expect, it, vi } from 'vitest';
import { internals } from './internals.ts';
import { MemoryBackend } from './memory-backend.ts';
import { bytesOf, memoryEngine, memoryFile, snapshotIds, sourceOf } from './testing/engines.ts';
import { thrown } from './testing/thrown.ts';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('refresh', () => {
  it('rebinds the lost bytes to the file as it is now, a new snapshot, and faults nothing in', () => {
    const engine = memoryEngine(4, 4);
    const { backend, file } = memoryFile(engine, 'f', range(0, 16));
    const seg = engine.segment(16);
    seg.read(file, 0, 16, 0);
    expect(seg.getUint8(0)).toBe(0);
    backend.write(Uint8Array.from(range(100, 116)), 0, 16, 0);
    expect(thrown(() => seg.getUint8(4))).toMatchObject({ code: 'EFILECHANGED' });
    const { faults } = engine.stats();
    // Page 0 is resident: copied before the change, known. Pages 1 to 3 are lost.
    expect(seg.refresh()).toBe(12);
    expect(engine.stats().faults).toBe(faults);
    expect(sourceOf(engine, seg, 4)).toEqual({ kind: 'Snap', snap: 2, off: 4 });
    expect(bytesOf(seg, 0, 16)).toEqual([...range(0, 4), ...range(104, 116)]);
    // Nothing is lost any more.
    expect(seg.refresh()).toBe(0);
    engine.close();
  });

  it('rebinds the lost bytes of a partial last page, which a read to its end covers whole', () => {
    // The case conformance cannot judge by the model (its pages are whole):
    // the engine's short page is covered, so its frame goes and its bytes
    // are lost after an outside write, where a whole page would stay resident.
    const engine = memoryEngine(4, 4);
    const { backend, file } = memoryFile(engine, 'f', range(0, 3));
    const seg = engine.segment(15);
    expect(seg.getUint8(12)).toBe(0);
    seg.read(file, 12, 3, 0);
    backend.write(Uint8Array.of(9), 0, 1, 0);
    expect(thrown(() => seg.getUint8(12))).toMatchObject({ code: 'EFILECHANGED' });
    expect(seg.refresh(0, 13)).toBe(1);
    expect(thrown(() => seg.getUint8(13))).toMatchObject({ code: 'EFILECHANGED' });
    expect(seg.refresh(13)).toBe(2);
    expect(bytesOf(seg, 12, 3)).toEqual([9, 1, 2]);
    engine.close();
  });

  it('takes a range (whole pages or not), and rebinds nothing outside it', () => {
    const engine = memoryEngine(4, 4);
    const { backend, file } = memoryFile(engine, 'f', range(0, 16));
    const seg = engine.segment(16);
    seg.read(file, 0, 16, 0);
    backend.write(Uint8Array.of(50), 0, 1, 15);
    expect(seg.refresh(6, 0)).toBe(0);
    expect(seg.refresh(6, 4)).toBe(4);
    // Page 1 is half rebound: its bytes 4 and 5 are still lost, so it cannot be filled.
    expect(thrown(() => seg.getUint8(6))).toMatchObject({ code: 'EFILECHANGED' });
    expect(seg.refresh(4)).toBe(8);
    expect(bytesOf(seg, 4, 12)).toEqual([...range(4, 15), 50]);
    expect(seg.refresh(0)).toBe(4);
    engine.close();
  });

  it('never touches a byte the engine knows: resident, preserved, Anon, Zero, or of an isolated file', () => {
    const engine = memoryEngine(4, 4);
    const { backend, file } = memoryFile(engine, 'f', range(0, 20));
    const isolated = new MemoryBackend('i', Uint8Array.from(range(0, 4)));
    const iso = engine.attach(isolated, { isolate: true });
    const seg = engine.segment(24);
    seg.read(file, 0, 20, 0);
    seg.read(iso, 20, 4, 0);
    seg.getUint8(0); // page 0 resident
    file.write(Uint8Array.of(7), 0, 1, 4); // block 1 preserved (its old bytes saved)
    seg.setUint8(8, 9); // page 2 Anon
    seg.zero(12, 4); // page 3 Zero
    backend.write(Uint8Array.from(range(200, 220)), 0, 20, 0);
    isolated.write(Uint8Array.of(1, 1, 1, 1), 0, 4, 0);
    const before = internals(engine, { contents: false }).segments.get(seg)!.bindings;
    // Only page 4 (bytes 16 to 19) is lost.
    expect(seg.refresh()).toBe(4);
    const after = internals(engine, { contents: false }).segments.get(seg)!.bindings;
    expect(after.filter((e) => e.end <= 16)).toEqual(before.filter((e) => e.end <= 16));
    expect(after.filter((e) => e.start >= 20)).toEqual(before.filter((e) => e.start >= 20));
    expect(bytesOf(seg, 0, 24)).toEqual([
      ...range(0, 8),
      9,
      ...range(9, 12),
      0,
      0,
      0,
      0,
      ...range(216, 220),
      ...range(0, 4),
    ]);
    engine.close();
  });

  it('keeps the Anon bytes of a page it rebinds in part, and their swap slot', () => {
    const engine = memoryEngine(4, 4);
    const { backend, file } = memoryFile(engine, 'f', range(0, 4));
    const seg = engine.segment(4);
    seg.setUint8(0, 42);
    // Bytes 2 and 3 bound to the file (the fragment copy), 0 and 1 Anon; evicted, the page is in swap.
    seg.read(file, 2, 2, 0);
    expect(seg.evict(0)).toBe(true);
    backend.write(Uint8Array.of(8, 9), 0, 2, 0);
    expect(seg.refresh()).toBe(2);
    expect(internals(engine).segments.get(seg)!.swap.has(0)).toBe(true);
    expect(sourceOf(engine, seg, 0).kind).toBe('Anon');
    expect(bytesOf(seg, 0, 4)).toEqual([42, 0, 8, 9]);
    engine.close();
  });

  it('leaves a byte past the end of its file lost, and rebinds it once the file has grown back', () => {
    const engine = memoryEngine(4, 4);
    const { backend, file } = memoryFile(engine, 'f', range(0, 16));
    const seg = engine.segment(16);
    seg.read(file, 0, 16, 0);
    backend.write(Uint8Array.from(range(100, 106)), 0, 6, 0);
    backend.truncate(6);
    expect(seg.refresh()).toBe(6);
    expect(bytesOf(seg, 0, 6)).toEqual(range(100, 106));
    // Bytes 6 and 7 share page 1 with rebound ones: the page still cannot be filled.
    for (const addr of [6, 8, 15])
      expect(
        thrown(() => seg.getUint8(addr)),
        `${addr}`,
      ).toMatchObject({ code: 'EFILECHANGED' });
    expect(seg.refresh()).toBe(0);
    // Growing it back is a change too: every byte bound to the file is lost again, and within it.
    backend.truncate(16);
    expect(seg.refresh()).toBe(16);
    expect(bytesOf(seg, 0, 16)).toEqual([...range(100, 106), ...new Array(10).fill(0)]);
    engine.close();
  });

  it('binds as a read of those offsets would: the lowest reusable snapshot, one per file, else a new one', () => {
    const engine = memoryEngine(4, 8);
    const f = memoryFile(engine, 'f', range(0, 8));
    const g = memoryFile(engine, 'g', range(10, 18));
    const seg = engine.segment(16);
    seg.read(f.file, 0, 8, 0);
    seg.read(g.file, 8, 8, 0);
    f.backend.write(Uint8Array.of(1), 0, 1, 7);
    g.backend.write(Uint8Array.of(2), 0, 1, 0);
    // Another segment reads f after the change: snapshot 3, fresh, reusable.
    const other = engine.segment(8);
    other.read(f.file, 0, 8, 0);
    expect(snapshotIds(engine)).toEqual([1, 2, 3]);
    expect(seg.refresh()).toBe(16);
    // f's bytes share snapshot 3; g's take one new snapshot for both its pages, the lowest id free
    // before the call (1 and 2 are released at its end, as the spec's Commit does).
    expect([0, 4].map((a) => sourceOf(engine, seg, a).snap)).toEqual([3, 3]);
    expect([8, 12].map((a) => sourceOf(engine, seg, a).snap)).toEqual([4, 4]);
    expect(snapshotIds(engine)).toEqual([3, 4]);
    expect(bytesOf(seg, 0, 16)).toEqual([...range(0, 7), 1, 2, ...range(11, 18)]);
    engine.close();
  });

  it('does not reuse a snapshot that preserved a block of the offsets it rebinds', () => {
    const engine = memoryEngine(4, 8);
    const { backend, file } = memoryFile(engine, 'f', range(0, 8));
    const seg = engine.segment(8);
    seg.read(file, 0, 8, 0);
    backend.write(Uint8Array.of(5), 0, 1, 0);
    const other = engine.segment(8);
    other.read(file, 0, 8, 0);
    // The engine's own write preserves block 1 of snapshot 2: its bytes there are no longer the file's.
    file.write(Uint8Array.of(6), 0, 1, 4);
    expect(seg.refresh()).toBe(8);
    expect(sourceOf(engine, seg, 0).snap).toBe(3);
    expect(bytesOf(seg, 0, 8)).toEqual([5, 1, 2, 3, 6, 5, 6, 7]);
    engine.close();
  });

  it('rebinds the bytes of a file closed since: its descriptor stays open while bytes are bound to it', () => {
    const engine = memoryEngine(4, 4);
    const { backend, file } = memoryFile(engine, 'f', range(0, 8));
    const seg = engine.segment(8);
    seg.read(file, 0, 8, 0);
    file.close();
    backend.write(Uint8Array.of(9), 0, 1, 0);
    expect(seg.refresh()).toBe(8);
    expect(bytesOf(seg, 0, 8)).toEqual([9, ...range(1, 8)]);
    engine.close();
  });
});

describe('refresh and snapshotsMax', () => {
  it('is refused before it rebinds anything when the new snapshots it needs exceed the limit', async () => {
    vi.resetModules();
    vi.doMock('./limits.ts', async (original) => ({ ...(await original<object>()), snapshotsMax: 3 }));
    try {
      const engines = await import('./testing/engines.ts');
      const engine = engines.memoryEngine(4, 4);
      const f = engines.memoryFile(engine, 'f', range(0, 4));
      const g = engines.memoryFile(engine, 'g', range(0, 4));
      const seg = engine.segment(8);
      seg.read(f.file, 0, 4, 0);
      seg.read(g.file, 4, 4, 0);
      f.backend.write(Uint8Array.of(1), 0, 1, 0);
      g.backend.write(Uint8Array.of(1), 0, 1, 0);
      // Two files changed, two new snapshots needed; the limit has room for one.
      const before = (await import('./internals.ts')).internals(engine, { contents: false });
      expect(thrown(() => seg.refresh())).toMatchObject({ name: 'LimitError', limit: 'snapshotsMax' });
      const after = (await import('./internals.ts')).internals(engine, { contents: false });
      expect(after.segments.get(seg)!.bindings).toEqual(before.segments.get(seg)!.bindings);
      expect(engines.snapshotIds(engine)).toEqual([1, 2]);
      // One file at a time fits.
      expect(seg.refresh(0, 4)).toBe(4);
      expect(seg.refresh(4, 4)).toBe(4);
      engine.close();
    } finally {
      vi.doUnmock('./limits.ts');
      vi.resetModules();
    }
  });
});
