/**
 * internals(engine): the read-only description conformance projects onto the
 * spec's variables. What it says of snapshots (stale, fresh) is what the
 * engine would conclude at its next look, and saying it changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { internals } from './internals.ts';
import { bytesOf, memoryEngine, memoryFile } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { thrown } from './testing/thrown.ts';

describe('internals', () => {
  it('describes bindings, frames, swap slots, snapshots and files as copies', () => {
    const engine = memoryEngine(4, 4);
    const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    const seg = engine.segment(12);
    seg.read(file, 2, 6, 0);
    seg.setUint8(8, 9);
    seg.evict(2);
    seg.getUint8(0);
    file.write(Uint8Array.of(0), 0, 1, 4);
    const state = internals(engine);
    expect(state.pageSize).toBe(4);
    const s = state.segments.get(seg)!;
    expect(s).toMatchObject({ length: 12, pages: 3 });
    expect(s.bindings).toEqual([
      { start: 2, end: 8, kind: 'snap', snapshot: 1, delta: -2 },
      { start: 8, end: 12, kind: 'anon', snapshot: 0, delta: 0 },
    ]);
    expect([...s.frames]).toEqual([[0, Uint8Array.of(0, 0, 1, 2)]]);
    expect([...s.swap]).toEqual([[2, Uint8Array.of(9, 0, 0, 0)]]);
    expect(state.snapshots).toEqual([
      {
        id: 1,
        file: 'f',
        stale: false,
        fresh: false,
        copy: null,
        refs: [{ start: 0, end: 6, count: 1 }],
        preserved: new Map([[1, Uint8Array.of(5, 6, 7, 8)]]),
      },
    ]);
    expect(state.files).toEqual([
      { name: 'f', readOnly: false, isolated: false, size: 8, content: Uint8Array.of(1, 2, 3, 4, 0, 6, 7, 8) },
    ]);
    // Copies: changing them changes nothing in the engine.
    s.frames.get(0)!.fill(7);
    expect(seg.getUint8(3)).toBe(2);
    expect(internals(engine, { contents: false }).files[0]).toMatchObject({ size: 8, content: null });
  });

  it("stale: a change behind the engine's back shows at once, though the engine notices it only at its next look", () => {
    const engine = memoryEngine(4, 4);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    const file = engine.attach(backend);
    const seg = engine.segment(4);
    seg.read(file, 0, 4, 0);
    const before = engine.stats();
    backend.inner.write(Uint8Array.of(9), 0, 1, 0);
    expect(internals(engine).snapshots[0]).toMatchObject({ id: 1, stale: true });
    // Looking changed nothing: it still says so, and the engine has counted nothing.
    expect(internals(engine).snapshots[0]).toMatchObject({ stale: true });
    expect(engine.stats()).toEqual(before);
    expect(() => seg.getUint8(0)).toThrow(expect.objectContaining({ name: 'FileChangedError' }));
    expect(internals(engine).snapshots[0]).toMatchObject({ stale: true });
  });

  it("fresh: an isolated snapshot whose private copy is still the file's current one", () => {
    const engine = memoryEngine(4, 4);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(8);
    seg.read(file, 0, 4, 0);
    expect(internals(engine).snapshots[0]).toMatchObject({
      stale: false,
      fresh: true,
      copy: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    });
    // A change through the engine, even to an offset no byte is bound to.
    file.write(Uint8Array.of(0), 0, 1, 6);
    expect(internals(engine).snapshots[0]).toMatchObject({ stale: false, fresh: false });
    seg.read(file, 4, 4, 4);
    expect(internals(engine).snapshots.map((s) => [s.id, s.fresh])).toEqual([
      [1, false],
      [2, true],
    ]);
    // A change behind the engine's back, not yet noticed: no longer fresh, and stale.
    backend.inner.write(Uint8Array.of(0), 0, 1, 0);
    expect(internals(engine).snapshots.map((s) => [s.id, s.stale, s.fresh])).toEqual([
      [1, true, false],
      [2, true, false],
    ]);
    // The private copies still serve the old bytes.
    expect([seg.getUint8(0), seg.getUint8(6)]).toEqual([1, 0]);
  });

  it('looks at each file once, however many snapshots it has', () => {
    const engine = memoryEngine(4, 4);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(8);
    const looks = () => {
      const before = backend.calls.identity;
      internals(engine);
      return backend.calls.identity - before;
    };
    seg.read(file, 0, 8, 0);
    const once = looks();
    // A change through the engine to bound bytes: the next read takes a snapshot of its own.
    file.write(Uint8Array.of(0), 0, 1, 0);
    seg.read(file, 0, 4, 4);
    expect(internals(engine).snapshots).toHaveLength(2);
    expect(looks()).toBe(once);
  });

  it("a failed read of an isolated snapshot's private copy is an IOError of the clone, whichever part it read", () => {
    for (const after of [0, 1]) {
      const engine = memoryEngine(4, 4);
      const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
      const file = engine.attach(backend, { isolate: true });
      const seg = engine.segment(8);
      seg.read(file, 0, 8, 0);
      // Block 0 preserved in the copy itself: internals reads the copy whole, then that block.
      file.write(Uint8Array.of(0), 0, 1, 0);
      expect(internals(engine).snapshots[0].preserved.get(0)).toEqual(Uint8Array.of(1, 2, 3, 4));
      backend.clones[0].fail('read', 'EIO', { after, times: 1 });
      expect(
        thrown(() => internals(engine)),
        `after ${after}`,
      ).toMatchObject({
        name: 'IOError',
        role: 'clone',
        code: 'EIO',
      });
    }
  });

  it("file.size is a public call of its own: a change behind the engine's back just before it is seen", () => {
    const engine = memoryEngine(4, 4);
    const other = engine.attach(new FaultyBackend('other', Uint8Array.of(1, 2, 3, 4)));
    const backend = new FaultyBackend('c', Uint8Array.of(1, 2, 3, 4));
    const c = engine.attach(backend);
    const seg = engine.segment(8);
    expect(c.size).toBe(4);
    backend.inner.write(Uint8Array.of(5, 6, 7, 8), 0, 4, 4);
    expect(other.size).toBe(4);
    seg.read(c, 0, 8, 0);
    expect(bytesOf(seg, 0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
