import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
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
