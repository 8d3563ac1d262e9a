import { describe, expect, it } from 'vitest';
import { Engine, engineState } from './engine.ts';
import { internals } from './internals.ts';
import { MemoryBackend } from './memory-backend.ts';
import { bytesOf, memoryEngine, memoryFile } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { pattern } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

describe('paging', () => {
  it('faults a page in once, on first touch, filling it from the snapshot', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6]);
    seg.read(file, 1, 6, 0);
    expect(engine.stats().faults).toBe(0);
    expect(seg.getUint8(2)).toBe(2);
    expect(seg.getUint8(3)).toBe(3);
    expect(engine.stats()).toMatchObject({ faults: 1, fills: 1, bytesFilled: 4, residentPages: 1 });
    // copyOut reads the other page from its source, faulting nothing in.
    expect(bytesOf(seg, 0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
    expect(engine.stats()).toMatchObject({ faults: 1, residentPages: 1 });
  });

  it("a segment made before the pool's buffer grows loads and stores through the grown one", () => {
    const engine = memoryEngine(4096, 700);
    const seg = engine.segment(600 * 4096);
    const other = engine.segment(4096);
    other.setUint32(0, 77, true);
    // The buffer holds 256 frames of 4 KiB at first (frame 0 is other's), the whole pool's from frame 256 on: the
    // typed load of page 255 faults into frame 256, so it must take the frame before it reads through the pool's view.
    for (let page = 0; page < 255; page++) seg.setUint32(page * 4096 + 8, page, true);
    expect(seg.getFloat64(255 * 4096, true)).toBe(0);
    for (let page = 256; page < 600; page++) seg.setUint32(page * 4096 + 8, page, true);
    expect(Array.from({ length: 600 }, (_, page) => seg.getUint32(page * 4096 + 8, true))).toEqual(
      Array.from({ length: 600 }, (_, page) => (page === 255 ? 0 : page)),
    );
    expect(other.getUint32(0, true)).toBe(77);
    expect(engine.stats()).toMatchObject({ faults: 601, residentPages: 601 });
  });

  it('sends an evicted dirty page to swap and faults it back from there', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    seg.setUint8(5, 42);
    expect(seg.evict(1)).toBe(true);
    expect(seg.evict(1)).toBe(false);
    expect(engine.stats()).toMatchObject({ swapOuts: 1, swappedPages: 1, residentPages: 0 });
    expect(internals(engine).segments.get(seg)!.swap.get(1)).toEqual(Uint8Array.of(0, 42, 0, 0));
    expect(seg.getUint8(5)).toBe(42);
    // The store's fault zero-filled the page; the swap-in fills nothing.
    expect(engine.stats()).toMatchObject({ swapIns: 1, swappedPages: 0, fills: 1 });
  });

  it('drops an evicted clean page and refills it from its snapshot', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(8);
    const { file } = memoryFile(engine, 'f', [9, 8, 7, 6]);
    seg.read(file, 0, 4, 0);
    seg.getUint8(0);
    seg.evict(0);
    expect(engine.stats()).toMatchObject({ swapOuts: 0, swappedPages: 0 });
    expect(seg.getUint8(1)).toBe(8);
    expect(engine.stats().fills).toBe(2);
  });

  it('keeps a small frame budget by evicting, swapping only dirty pages', () => {
    const engine = memoryEngine(8, 4);
    const pages = 64;
    const seg = engine.segment(pages * 8);
    const content = pattern(pages * 8);
    const { file } = memoryFile(engine, 'f', content);
    seg.read(file, 0, content.length, 0);
    for (let page = 0; page < pages; page += 2) seg.setUint8(page * 8, page);
    expect(engine.stats().residentPages).toBe(4);
    const expected = Uint8Array.from(content);
    for (let page = 0; page < pages; page += 2) expected[page * 8] = page;
    const out = new Uint8Array(content.length);
    seg.copyOut(0, out);
    expect(out).toEqual(expected);
    const stats = engine.stats();
    expect(stats.swapOuts).toBeGreaterThanOrEqual(pages / 2 - 4);
    expect(stats.swappedPages + stats.residentPages).toBeGreaterThanOrEqual(pages / 2 - 4);
  });

  it('neither read nor zero faults anything in', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(2 ** 40);
    const { file } = memoryFile(engine, 'f', pattern(64));
    seg.read(file, 3, 64, 0);
    seg.zero(10, 2 ** 39);
    expect(engine.stats().faults).toBe(0);
    expect(seg.getUint8(2 ** 39)).toBe(0);
    expect(seg.getUint8(9)).toBe(pattern(64)[6]);
  });

  it('reads ahead after sequential faults only, when asked to', () => {
    const run = (readahead: number, touch: number[]) => {
      const engine = memoryEngine(4, 16, { readahead });
      const seg = engine.segment(64);
      seg.read(memoryFile(engine, 'f', pattern(64)).file, 0, 64, 0);
      for (const page of touch) expect(seg.getUint8(page * 4)).toBe(pattern(64)[page * 4]);
      return engine.stats().faults;
    };
    const scan = Array.from({ length: 16 }, (_, page) => page);
    expect(run(0, scan)).toBe(16);
    // A scan with readahead still faults each page once, no more.
    expect(run(3, scan)).toBe(16);
    // The window is the run so far: page 1 follows a run of one page, so page 2 comes with it; page 10 does not follow 2.
    expect(run(3, [0, 1])).toBe(3);
    expect(run(3, [0, 1, 10])).toBe(4);
    // Then it doubles: page 3 follows a run of three (0..2) and brings 4..6.
    expect(run(3, [0, 1, 3])).toBe(7);
  });

  it('fills a run read ahead with one read: a scan of 16 pages, 3 ahead, reads 6 times', () => {
    const engine = memoryEngine(4, 16, { readahead: 3 });
    const seg = engine.segment(64);
    const backend = new FaultyBackend('f', pattern(64));
    seg.read(engine.attach(backend), 0, 64, 0);
    const reads = backend.calls.read;
    for (let page = 0; page < 16; page++) seg.getUint8(page * 4);
    // Page 0 alone, then pages 1..2 (a window of one), 3..6, 7..10, 11..14, and 15 alone.
    expect(backend.calls.read - reads).toBe(6);
    expect(engine.stats()).toMatchObject({ faults: 16, fills: 16, bytesFilled: 64 });
  });
});

describe('readahead', () => {
  it('a first fault is not sequential, whatever its page', () => {
    const engine = memoryEngine(4, 16, { readahead: 3 });
    const seg = engine.segment(64);
    seg.read(memoryFile(engine, 'f', pattern(64)).file, 0, 64, 0);
    seg.getUint8(3 * 4);
    expect(engine.stats().faults).toBe(1);
  });

  it('a store reads nothing ahead: a copyIn faults exactly its pages, and sequential stores one page each', () => {
    const engine = memoryEngine(4, 16, { readahead: 3 });
    const seg = engine.segment(64);
    seg.read(memoryFile(engine, 'f', pattern(64)).file, 0, 64, 0);
    // Pages 0 and 1 are a sequential run of loads: page 1 brings page 2 with it.
    seg.getUint8(0);
    seg.getUint8(4);
    expect(engine.stats().faults).toBe(3);
    // Pages 3..5 follow it, but a store reads no further than its range.
    seg.copyIn(13, Uint8Array.of(7, 7, 7, 7, 7, 7, 7, 7, 7));
    expect(engine.stats()).toMatchObject({ faults: 6, residentPages: 6 });
    for (let page = 6; page < 10; page++) seg.setUint8(page * 4, page);
    expect(engine.stats()).toMatchObject({ faults: 10, residentPages: 10 });
    expect(bytesOf(seg, 12, 28)).toEqual([
      ...pattern(64).subarray(12, 13),
      ...Array(9).fill(7),
      ...pattern(64).subarray(22, 24),
      6,
      ...pattern(64).subarray(25, 28),
      7,
      ...pattern(64).subarray(29, 32),
      8,
      ...pattern(64).subarray(33, 36),
      9,
      ...pattern(64).subarray(37, 40),
    ]);
  });

  it('a store of more pages than the pool holds stores them all, a pool at a time; a failed fault keeps the pages before it', () => {
    const engine = memoryEngine(4, 3);
    const seg = engine.segment(64);
    const backend = new FaultyBackend('f', pattern(64));
    seg.read(engine.attach(backend), 0, 64, 0);
    seg.copyIn(2, new Uint8Array(40).fill(9));
    expect(bytesOf(seg, 0, 44)).toEqual([
      ...pattern(64).subarray(0, 2),
      ...Array(40).fill(9),
      ...pattern(64).subarray(42, 44),
    ]);
    expect(engine.stats()).toMatchObject({ faults: 11, residentPages: 3 });
    // Pages 9 and 10 are resident, page 11 is filled from the file: its read fails, and 9 and 10 are stored all the same.
    backend.fail('read', 'EIO');
    expect(thrown(() => seg.copyIn(36, new Uint8Array(12).fill(5)))).toMatchObject({ name: 'IOError', code: 'EIO' });
    backend.heal();
    expect(bytesOf(seg, 34, 14)).toEqual([9, 9, ...Array(8).fill(5), ...pattern(64).subarray(44, 48)]);
  });

  it('is on by default: 1 MiB worth of pages, at most the pool less one, reached by doubling', () => {
    const faultsAfterScan = (pageSize: number, frames: number, pages: number) => {
      const engine = new Engine({
        pageSize,
        memory: pageSize * frames,
        createStore: (role) => new MemoryBackend(role),
      });
      const seg = engine.segment(pageSize * 2048);
      for (let page = 0; page < pages; page++) seg.getUint8(page * pageSize);
      return engine.stats().faults;
    };
    // Windows 1, 3, 7, ..., 255 bring pages up to 510; page 511 brings 256 more.
    expect(faultsAfterScan(4096, 1024, 511)).toBe(511);
    expect(faultsAfterScan(4096, 1024, 512)).toBe(512 + 256);
    // 1 MiB pages: one page ahead.
    expect(faultsAfterScan(2 ** 20, 16, 2)).toBe(3);
    expect(faultsAfterScan(2 ** 20, 16, 4)).toBe(5);
    // A pool of 4 frames: at most 3 ahead (windows 1, 3, 3, ...).
    expect(faultsAfterScan(4096, 4, 8)).toBe(11);
  });

  it('is best effort: a run it cannot read is left out, and its pages fault (and fail) only when touched', () => {
    const engine = memoryEngine(4, 16, { readahead: 2 });
    const seg = engine.segment(64);
    const backend = new FaultyBackend('f', pattern(64));
    seg.read(engine.attach(backend), 0, 64, 0);
    seg.getUint8(0);
    // The batched read of pages 1..3 fails; page 1's own fault reads again and succeeds.
    backend.fail('read', 'EIO', { times: 1 });
    expect(seg.getUint8(4)).toBe(pattern(64)[4]);
    expect(engine.stats()).toMatchObject({ faults: 2, residentPages: 2 });
    // Page 2 follows page 1, the last page faulted: it brings 3 and 4 with it.
    expect(seg.getUint8(8)).toBe(pattern(64)[8]);
    expect(engine.stats()).toMatchObject({ faults: 5, residentPages: 5 });
    // A read that keeps failing: the run is left out and the load reports why.
    backend.fail('read', 'EIO');
    expect(thrown(() => seg.getUint8(20))).toMatchObject({ name: 'IOError', code: 'EIO' });
    expect(engine.stats()).toMatchObject({ faults: 5, residentPages: 5 });
    backend.heal();
    expect(seg.getUint8(20)).toBe(pattern(64)[20]);
  });
});

describe('batched fills', () => {
  it('pages filled again in order after a read dropped them get their frames back in order: one read', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(32);
    const backend = new FaultyBackend('f', pattern(32));
    const file = engine.attach(backend);
    seg.read(file, 0, 32, 0);
    seg.prefetch(0, 32);
    seg.read(file, 0, 32, 0);
    const reads = backend.calls.read;
    seg.prefetch(0, 32);
    expect(backend.calls.read - reads).toBe(1);
    expect(bytesOf(seg, 0, 32)).toEqual([...pattern(32)]);
  });
});

describe('paging details', () => {
  it("a closed segment gives its pager number (its frames' owner in the pool) back, for the next segment to take", () => {
    const engine = memoryEngine(4, 8);
    const a = engine.segment(8);
    const id = engineState(engine).segments.get(a)!.pager.id;
    a.close();
    const b = engine.segment(8);
    expect(engineState(engine).segments.get(b)!.pager.id).toBe(id);
  });

  it("a fault that needs the frame of another segment's page has that segment's pager evict it, to its own swap", () => {
    const engine = memoryEngine(4, 1);
    const a = engine.segment(8);
    const b = engine.segment(8);
    a.setUint8(5, 42);
    expect(b.getUint8(1)).toBe(0);
    const state = internals(engine);
    expect([...state.segments.get(a)!.swap.keys()]).toEqual([1]);
    expect([...state.segments.get(a)!.frames.keys()]).toEqual([]);
    expect([...state.segments.get(b)!.frames.keys()]).toEqual([0]);
    expect(engine.stats()).toMatchObject({ swapOuts: 1, residentPages: 1, swappedPages: 1 });
    expect(a.getUint8(5)).toBe(42);
    expect(engine.stats()).toMatchObject({ swapIns: 1, swappedPages: 0 });
  });

  it('without readahead a sequential fault is its own fault: a failed read is reported, not tried twice', () => {
    const engine = memoryEngine(4, 16);
    const seg = engine.segment(64);
    const backend = new FaultyBackend('f', pattern(64));
    seg.read(engine.attach(backend), 0, 64, 0);
    seg.getUint8(0);
    backend.fail('read', 'EIO', { times: 1 });
    expect(thrown(() => seg.getUint8(4))).toMatchObject({ name: 'IOError', code: 'EIO' });
    expect(seg.getUint8(4)).toBe(pattern(64)[4]);
  });

  it('a view reads the pages that are not resident, beside a resident one, with one read per extent', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(32);
    const backend = new FaultyBackend('f', pattern(32));
    seg.read(engine.attach(backend), 0, 32, 0);
    seg.getUint8(0);
    const reads = backend.calls.read;
    expect(bytesOf(seg, 0, 32)).toEqual([...pattern(32)]);
    expect(backend.calls.read - reads).toBe(1);
  });

  it('a fault zeroes its frame past the end of a short last page, whatever the frame held', () => {
    const engine = memoryEngine(4, 2);
    const a = engine.segment(8);
    for (let addr = 0; addr < 8; addr++) a.setUint8(addr, 0xff);
    a.close();
    const b = engine.segment(6);
    expect(b.getUint8(0)).toBe(0);
    // Page 1 gets frame 1 (not frame 0, where frame * B and frame / B agree).
    expect(b.getUint8(4)).toBe(0);
    expect([...internals(engine).segments.get(b)!.frames.get(1)!]).toEqual([0, 0, 0, 0]);
  });

  it('a batched fill zeroes its last frame past the end of a short last page, whatever the frame held', () => {
    const engine = memoryEngine(4, 4);
    const a = engine.segment(16);
    for (let addr = 0; addr < 16; addr++) a.setUint8(addr, 0xff);
    a.close();
    const b = engine.segment(10);
    const backend = new FaultyBackend('f', pattern(10));
    b.read(engine.attach(backend), 0, 10, 0);
    const reads = backend.calls.read;
    const { faults, fills, bytesFilled } = engine.stats();
    b.prefetch(0, 10);
    expect(backend.calls.read - reads).toBe(1);
    const frames = internals(engine).segments.get(b)!.frames;
    expect([...frames.get(0)!, ...frames.get(1)!, ...frames.get(2)!]).toEqual([...pattern(10), 0, 0]);
    expect(engine.stats()).toMatchObject({ faults: faults + 3, fills: fills + 3, bytesFilled: bytesFilled + 10 });
  });

  it('a run batched from a page past the first of its extent is one read', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    const backend = new FaultyBackend('f', pattern(12));
    seg.read(engine.attach(backend), 4, 12, 0);
    const reads = backend.calls.read;
    seg.prefetch(4, 12);
    expect(backend.calls.read - reads).toBe(1);
    expect(bytesOf(seg, 0, 16)).toEqual([0, 0, 0, 0, ...pattern(12)]);
  });

  it('prefetches swapped-out pages one at a time (a run bound to Anon is no batch)', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    for (let addr = 0; addr < 12; addr++) seg.setUint8(addr, addr + 1);
    for (const page of [0, 1, 2]) seg.evict(page);
    seg.prefetch(0, 12);
    expect(engine.stats()).toMatchObject({ swapIns: 3, residentPages: 3, swappedPages: 0 });
    expect(bytesOf(seg, 0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it("a batch reads into its own frames only, and records each frame's page for CLOCK", () => {
    const engine = memoryEngine(4, 4);
    const x = engine.segment(16);
    x.read(memoryFile(engine, 'x', pattern(16)).file, 0, 16, 0);
    // Pages 0..3 in frames 0..3, one batch: the scratch holds frames 0, 1, 2, 3.
    x.prefetch(0, 16);
    x.evict(1);
    x.evict(0);
    const y = engine.segment(16);
    y.read(
      memoryFile(
        engine,
        'y',
        pattern(16).map((b) => b ^ 0xff),
      ).file,
      0,
      8,
      0,
    );
    // Pages 0..1 of y, bound to 8 bytes of its file, in frames 0 and 1: a batch of two that leaves x's frames 2 and 3 alone.
    y.prefetch(0, 8);
    expect(bytesOf(x, 8, 8)).toEqual([...pattern(16).slice(8)]);
    expect(bytesOf(y, 0, 8)).toEqual([
      ...pattern(16)
        .slice(0, 8)
        .map((b) => b ^ 0xff),
    ]);
    // CLOCK evicts y's pages by the pages the batch recorded for its frames.
    for (const page of [2, 3]) expect(y.getUint8(page * 4)).toBe(0);
    expect(engine.stats().residentPages).toBe(4);
    expect(bytesOf(x, 0, 16)).toEqual([...pattern(16)]);
    expect(bytesOf(y, 0, 8)).toEqual([
      ...pattern(16)
        .slice(0, 8)
        .map((b) => b ^ 0xff),
    ]);
  });

  it('a batch from a page past the first reads its own pages only, not into the next frame', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(32);
    seg.getUint8(0);
    for (const page of [5, 6, 7]) seg.setUint8(page * 4, page);
    seg.evict(6);
    seg.evict(5);
    // Pages 1..2, bound to bytes 0..8 of the file, go to frames 1 and 2; page 7 keeps frame 3.
    seg.read(memoryFile(engine, 'f', pattern(16)).file, 4, 8, 0);
    seg.prefetch(4, 8);
    expect(engine.stats().residentPages).toBe(4);
    expect(bytesOf(seg, 0, 32)).toEqual([
      0,
      0,
      0,
      0,
      ...pattern(8),
      ...new Array(8).fill(0),
      5,
      0,
      0,
      0,
      6,
      0,
      0,
      0,
      7,
      0,
      0,
      0,
    ]);
  });

  it("checks for a change behind the engine's back only the files the copied bytes are bound to", () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    const backend = new FaultyBackend('f', pattern(8));
    seg.read(engine.attach(backend), 8, 8, 0);
    backend.inner.write(Uint8Array.of(1), 0, 1, 0);
    const looks = backend.calls.identity;
    // Bytes 0..8 are Zero; the file's extent starts at 8.
    expect(bytesOf(seg, 0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(backend.calls.identity).toBe(looks);
  });

  it('a changed file fails a copy only of its lost bytes, not of those before the copy in the same extent', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(12);
    const { backend, file } = memoryFile(engine, 'f', pattern(12));
    seg.read(file, 0, 12, 0);
    seg.getUint8(4);
    seg.getUint8(8);
    backend.write(Uint8Array.of(1), 0, 1, 0);
    // Pages 1 and 2 were copied before the change; page 0 is lost but not copied.
    expect(bytesOf(seg, 4, 8)).toEqual([...pattern(12).slice(4)]);
    expect(thrown(() => bytesOf(seg, 0, 4))).toMatchObject({ name: 'FileChangedError' });
  });

  it('batches a run of a snapshot only where no block of it is preserved: the reads of the file tell', () => {
    // Segment pages 0..5 are bound to file blocks 1..6 (delta 4); the engine's own writes preserve blocks.
    const reads = (preserve: number[], page: number, pages: number) => {
      const engine = memoryEngine(4, 16);
      const seg = engine.segment(24);
      const backend = new FaultyBackend('f', pattern(32));
      const file = engine.attach(backend);
      seg.read(file, 0, 24, 4);
      for (const block of preserve) file.write(Uint8Array.of(0), 0, 1, block * 4);
      const before = backend.calls.read;
      seg.prefetch(page * 4, pages * 4);
      const count = backend.calls.read - before;
      expect(bytesOf(seg, 0, 24)).toEqual([...pattern(32).slice(4, 28)]);
      return count;
    };
    // Pages 2..3 (blocks 3 and 4), between preserved blocks 2 and 5: one read.
    expect(reads([2, 5], 2, 2)).toBe(1);
    // Pages 1..2 (blocks 2 and 3), before preserved block 4 (page 3): a read each, since the run reaches block 4.
    expect(reads([4], 1, 3)).toBe(2);
  });

  it("serves bytes bound to an isolated file's private copy without looking at the file", () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    const backend = new FaultyBackend('f', pattern(16));
    seg.read(engine.attach(backend, { isolate: true }), 0, 16, 0);
    const looks = backend.calls.identity;
    const reads = backend.calls.read;
    expect(bytesOf(seg, 0, 16)).toEqual([...pattern(16)]);
    seg.prefetch(0, 16);
    expect(engine.stats().residentPages).toBe(4);
    expect([backend.calls.identity - looks, backend.calls.read - reads]).toEqual([0, 0]);
  });

  it('a changed file fails a copy that ends mid-page only if the bytes copied are lost, not those after them', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    const { backend, file } = memoryFile(engine, 'f', pattern(16));
    // Page 1 (bytes 4..8) is bound to file bytes 6..10: the end of block 1, the start of block 2.
    seg.read(file, 4, 8, 6);
    file.write(Uint8Array.of(0), 0, 1, 6);
    backend.write(Uint8Array.of(1), 0, 1, 15);
    // Block 1 was preserved before the change; block 2 is lost.
    expect(bytesOf(seg, 4, 2)).toEqual([...pattern(16).slice(6, 8)]);
    expect(thrown(() => bytesOf(seg, 6, 2))).toMatchObject({ name: 'FileChangedError' });
  });

  it('a prefetch of a single page is best effort even when looking at its file fails', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(4);
    const backend = new FaultyBackend('f', pattern(4));
    seg.read(engine.attach(backend), 0, 4, 0);
    backend.fail('identity', 'EIO');
    seg.prefetch(0, 4);
    expect(engine.stats().residentPages).toBe(0);
    expect(thrown(() => seg.getUint8(0))).toMatchObject({ name: 'IOError', code: 'EIO' });
  });
});
