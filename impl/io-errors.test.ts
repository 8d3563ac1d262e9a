/**
 * I/O failures, injected: each raises a typed IOError and leaves the segment,
 * the files and the engine's bookkeeping consistent (and, where the call made
 * no change before failing, exactly as they were).
 */
import * as fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { Engine } from './engine.ts';
import { IOError } from './errors.ts';
import { internals } from './internals.ts';
import { MemoryBackend } from './memory-backend.ts';
import { NodeFileBackend } from './node-backend.ts';
import { bytesOf, memoryEngine } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

// Short writes, as a signal or a filling disk makes them: while `short` is on,
// write(2) writes half the bytes (rounded up) and writev(2) one byte less
// than half the first buffer. Off, node:fs is itself.
const short = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    writeSync: (fd: number, buffer: Uint8Array, offset: number, length: number, position: number) =>
      real.writeSync(fd, buffer, offset, short.on ? Math.ceil(length / 2) : length, position),
    writevSync: (fd: number, buffers: Uint8Array[], position: number) =>
      short.on
        ? real.writeSync(fd, buffers[0], 0, Math.max(0, buffers[0].length / 2 - 1), position)
        : real.writevSync(fd, buffers, position),
  };
});

const content = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

function setup(frames = 8) {
  const stores = { swap: new FaultyBackend('swap'), preserve: new FaultyBackend('preserve') };
  // Readahead off: each test makes the faults it means to.
  const engine = new Engine({ pageSize: 4, memory: 4 * frames, readahead: 0, createStore: (role) => stores[role] });
  const backend = new FaultyBackend('f', content);
  const file = engine.attach(backend);
  const seg = engine.segment(16);
  seg.read(file, 0, 16, 0);
  return { engine, stores, backend, file, seg };
}

function caught(call: () => unknown): IOError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(IOError);
    return error as IOError;
  }
  throw new Error('expected an IOError');
}

describe('I/O errors', () => {
  it('EIO while faulting a page in from its file: nothing changes, a retry works', () => {
    const { engine, backend, seg } = setup();
    const before = internals(engine);
    const stats = engine.stats();
    backend.fail('read', 'EIO');
    expect(caught(() => seg.getUint8(5))).toMatchObject({ role: 'file', code: 'EIO' });
    backend.heal();
    expect(internals(engine)).toEqual(before);
    expect(engine.stats()).toEqual(stats);
    expect(seg.getUint8(5)).toBe(6);
  });

  it('a file deleted underneath (ENOENT) fails the fault, not the segment', () => {
    const { backend, seg } = setup();
    backend.fail('read', 'ENOENT');
    expect(caught(() => seg.copyOut(0, new Uint8Array(4)))).toMatchObject({ code: 'ENOENT' });
    seg.zero(0, 4);
    expect(seg.getUint8(0)).toBe(0);
  });

  it('ENOSPC on swap while the pool makes room: the load fails, every page stays where it was', () => {
    const { engine, stores, seg } = setup(2);
    seg.setUint8(0, 100);
    seg.setUint8(4, 101);
    const before = internals(engine);
    stores.swap.fail('write', 'ENOSPC');
    expect(caught(() => seg.getUint8(8))).toMatchObject({ role: 'swap', code: 'ENOSPC' });
    expect(caught(() => seg.evict(0))).toMatchObject({ role: 'swap', code: 'ENOSPC' });
    stores.swap.heal();
    expect(internals(engine)).toEqual(before);
    // Healed, the load makes room by swapping a dirty page out.
    expect(seg.getUint8(8)).toBe(9);
    expect(engine.stats().swapOuts).toBeGreaterThan(0);
    expect(bytesOf(seg, 0, 12)).toEqual([100, 2, 3, 4, 101, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('EIO reading a swap slot back: the page stays in swap', () => {
    const { engine, stores, seg } = setup();
    seg.setUint8(0, 100);
    seg.evict(0);
    stores.swap.fail('read', 'EIO');
    expect(caught(() => seg.getUint8(0))).toMatchObject({ role: 'swap', code: 'EIO' });
    stores.swap.heal();
    expect(engine.stats().swappedPages).toBe(1);
    expect(seg.getUint8(0)).toBe(100);
  });

  it("ENOSPC on the preserve store: the other writer's write fails before the file changes", () => {
    const { engine, stores, backend, file, seg } = setup();
    const before = internals(engine);
    stores.preserve.fail('write', 'ENOSPC', { after: 1 });
    expect(caught(() => file.write(new Uint8Array(12), 0, 12, 0))).toMatchObject({ role: 'preserve', code: 'ENOSPC' });
    expect(caught(() => file.truncate(0))).toMatchObject({ role: 'preserve', code: 'ENOSPC' });
    stores.preserve.heal();
    // The first block preserved was released again: all or nothing.
    expect(internals(engine)).toEqual(before);
    expect(engine.stats()).toMatchObject({ preserves: 0, preservedBlocks: 0 });
    expect(backend.inner.size()).toBe(16);
    expect(bytesOf(seg, 0, 16)).toEqual([...content]);
  });

  it('EIO half way through a write-back: the segment is untouched and snapshots still read the old bytes', () => {
    const { engine, backend, file, seg } = setup();
    const reader = engine.segment(16);
    reader.read(file, 0, 16, 0);
    // Two dirty runs, so the second write fails after the first succeeded.
    seg.setUint8(0, 200);
    seg.setUint8(8, 202);
    const before = internals(engine).segments.get(seg)!.bindings;
    backend.fail('write', 'EIO', { after: 1 });
    expect(caught(() => seg.write(file, 0, 16, 0, { rebind: true }))).toMatchObject({ role: 'file', code: 'EIO' });
    backend.heal();
    expect(internals(engine).segments.get(seg)!.bindings).toEqual(before);
    expect(bytesOf(reader, 0, 16)).toEqual([...content]);
    const half = new Uint8Array(16);
    backend.inner.read(half, 0, 16, 0);
    expect([half[0], half[8]]).toEqual([200, 9]);
    // A retry completes the job, still skipping the clean pages.
    expect(seg.write(file, 0, 16, 0)).toEqual({ written: 8, skipped: 8 });
    const expected = [...content];
    expected[0] = 200;
    expected[8] = 202;
    expect(bytesOf(seg, 0, 16)).toEqual(expected);
    const out = new Uint8Array(16);
    backend.inner.read(out, 0, 16, 0);
    expect([...out]).toEqual(expected);
    expect(bytesOf(reader, 0, 16)).toEqual([...content]);
  });

  it('EIO on stat (identity) fails the read before it binds anything', () => {
    const { engine, backend, file, seg } = setup();
    const before = internals(engine);
    backend.fail('identity', 'EIO');
    expect(caught(() => seg.read(file, 0, 4, 8))).toMatchObject({ role: 'file', code: 'EIO' });
    backend.heal();
    expect(internals(engine)).toEqual(before);
  });

  it('EIO on the fragment copy of a read leaves the bindings as they were', () => {
    const { engine, backend, file, seg } = setup();
    seg.getUint8(0);
    const before = internals(engine);
    backend.fail('read', 'EIO');
    expect(caught(() => seg.read(file, 1, 2, 8))).toMatchObject({ code: 'EIO' });
    backend.heal();
    expect(internals(engine)).toEqual(before);
  });

  it('a failed isolation copy binds nothing', () => {
    const engine = new Engine({ pageSize: 4, memory: 64, createStore: () => new FaultyBackend('store') });
    const backend = new FaultyBackend('f', content).fail('clone', 'ENOSPC');
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(16);
    expect(caught(() => seg.read(file, 0, 16, 0))).toMatchObject({ role: 'clone', code: 'ENOSPC' });
    expect(engine.stats().liveSnapshots).toBe(0);
    expect(seg.getUint8(3)).toBe(0);
  });
});

describe('I/O errors name the role of what failed', () => {
  it('the file itself, whichever call fails', () => {
    const engine = memoryEngine(4, 8);
    const failing = (call: Parameters<FaultyBackend['fail']>[0], after = 0) => {
      const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
      const file = engine.attach(backend);
      backend.fail(call, 'EIO', { after });
      return file;
    };
    const expectFileError = (call: () => unknown) =>
      expect(thrown(call)).toMatchObject({ name: 'IOError', role: 'file', target: 'f', code: 'EIO' });
    expectFileError(() => engine.attach(new FaultyBackend('f').fail('identity', 'EIO')));
    // The length comes from the identity (an fstat), checked once per call.
    const sized = failing('identity');
    expectFileError(() => sized.size);
    const truncated = failing('truncate');
    expectFileError(() => truncated.truncate(0));
    const closed = failing('close');
    expectFileError(() => closed.close());
    // The identity taken after the engine's own change (the first call is the check before it).
    const written = failing('identity', 1);
    expectFileError(() => written.write(Uint8Array.of(0), 0, 1, 0));
    // The identity check after taking an isolation copy.
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    const isolated = engine.attach(backend, { isolate: true });
    backend.fail('identity', 'EIO', { after: 1 });
    expectFileError(() => engine.segment(4).read(isolated, 0, 4, 0));
  });

  it('the isolation copy, when reading from or closing it fails', () => {
    const engine = memoryEngine(4, 8);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(8);
    seg.read(file, 0, 4, 0);
    const copy = backend.clones[0]!;
    copy.fail('read', 'EIO');
    expect(thrown(() => seg.getUint8(0))).toMatchObject({ name: 'IOError', role: 'clone', target: 'f copy 0' });
    copy.heal();
    expect(seg.getUint8(0)).toBe(1);
    seg.read(file, 4, 4, 0);
    file.write(Uint8Array.of(9), 0, 1, 0);
    copy.fail('close', 'EIO');
    // Releasing the last snapshot closes the copy: that fails, after everything is released.
    expect(thrown(() => seg.zero(0, 8))).toMatchObject({ name: 'IOError', role: 'clone', target: 'f copy 0' });
    expect(engine.stats().liveSnapshots).toBe(0);
  });

  it('a closed file whose close fails when its last snapshots go: all released, then the error', () => {
    const engine = memoryEngine(4, 8);
    const a = new FaultyBackend('a', Uint8Array.of(1, 2, 3, 4));
    const b = new FaultyBackend('b', Uint8Array.of(5, 6, 7, 8));
    const seg = engine.segment(8);
    for (const [i, backend] of [a, b].entries()) {
      const file = engine.attach(backend);
      seg.read(file, i * 4, 4, 0);
      file.close();
      backend.fail('close', 'EIO');
    }
    expect(thrown(() => seg.zero(0, 8))).toMatchObject({ name: 'IOError', role: 'file', code: 'EIO' });
    expect(engine.stats().liveSnapshots).toBe(0);
    expect(bytesOf(seg, 0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('a swap slot that reads back short is an EIO, not garbage', () => {
    const stores: MemoryBackend[] = [];
    const engine = new Engine({
      pageSize: 4,
      memory: 8,
      createStore: (role) => {
        const store = new MemoryBackend(role);
        stores.push(store);
        return store;
      },
    });
    const seg = engine.segment(8);
    seg.setUint8(0, 7);
    expect(seg.evict(0)).toBe(true);
    stores[0]!.truncate(0);
    expect(thrown(() => seg.getUint8(0))).toMatchObject({ name: 'IOError', role: 'swap', code: 'EIO' });
  });
});

describe('short writes to a file on disk', () => {
  it('write and writev write the rest until every byte is where it belongs', () => {
    const dir = tempDir();
    const path = tempFile(dir, 'f', new Uint8Array(24).fill(0xee));
    const backend = NodeFileBackend.open(path, 'r+');
    const buffers = [Uint8Array.of(1, 2, 3, 4, 5, 6), Uint8Array.of(7, 8), Uint8Array.of(9, 10, 11)];
    short.on = true;
    try {
      backend.write(Uint8Array.of(0, 1, 2, 3, 4, 5), 2, 4, 1);
      backend.writev(buffers, 8);
    } finally {
      short.on = false;
    }
    backend.close();
    const expected = new Uint8Array(24).fill(0xee);
    expected.set([2, 3, 4, 5], 1);
    expected.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 8);
    expect([...fs.readFileSync(path)]).toEqual([...expected]);
  });
});
