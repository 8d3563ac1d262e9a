import { describe, expect, it } from 'vitest';
import { memoryEngine, memoryFile, bytesOf } from './testing/engines.ts';
import { internals } from './internals.ts';
import { pattern } from './testing/temp.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
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
    expect(bytesOf(seg, 0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
    expect(engine.stats().faults).toBe(2);
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
      const { file } = memoryFile(engine, 'f', pattern(64));
      seg.read(file, 0, 64, 0);
      for (const page of touch) seg.getUint8(page * 4);
      expect(bytesOf(seg, 0, 64)).toEqual([...pattern(64)]);
      return engine.stats().faults;
    };
    expect(run(0, [0, 1, 2])).toBe(16);
    // After pages 0, 1 (sequential), pages 2..4 come in ahead: the scan still faults all 16, no more.
    expect(run(3, [0, 1])).toBe(16);
    const engine = memoryEngine(4, 16, { readahead: 3 });
    const seg = engine.segment(64);
    seg.read(memoryFile(engine, 'f', pattern(64)).file, 0, 64, 0);
    seg.getUint8(0);
    seg.getUint8(4);
    expect(engine.stats().faults).toBe(5);
    seg.getUint8(40);
    expect(engine.stats().faults).toBe(6);
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

  it('is best effort: a page it cannot fetch is left out, and faults (and fails) only when touched', () => {
    const engine = memoryEngine(4, 16, { readahead: 2 });
    const seg = engine.segment(64);
    const backend = new FaultyBackend('f', pattern(64));
    seg.read(engine.attach(backend), 0, 64, 0);
    seg.getUint8(0);
    backend.fail('read', 'EIO', { after: 1 });
    expect(seg.getUint8(4)).toBe(pattern(64)[4]);
    expect(engine.stats()).toMatchObject({ faults: 2, residentPages: 2 });
    expect(thrown(() => seg.getUint8(8))).toMatchObject({ name: 'IOError', code: 'EIO' });
    backend.heal();
    // Page 2 follows page 1, the last page faulted: it is sequential and brings 3 and 4 with it.
    expect(seg.getUint8(8)).toBe(pattern(64)[8]);
    expect(engine.stats()).toMatchObject({ faults: 5, residentPages: 5 });
  });
});
