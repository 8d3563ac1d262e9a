/**
 * Segments: the typed loads and stores keep DataView's contract; the hit
 * paths of bytes and copyOut validate and answer as the full paths do, and
 * copyOut of resident pages asks the file nothing; a read copies (and reads
 * from the file) only the fragments of resident, partly covered pages; and a
 * read or rebinding write that would need a snapshot past snapshotsMax is
 * refused before it reads or writes anything; and a read or a write
 * without a position uses and moves the file's.
 */
import { describe, expect, it, vi } from 'vitest';
import { ArgumentError } from './errors.ts';
import type { Segment } from './segment.ts';
import { bytesOf, memoryEngine, memoryFile, sourceOf } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { thrown } from './testing/thrown.ts';

describe('typed loads and stores', () => {
  // [type, size, least, greatest, a value with distinct bytes]
  type Accessor = 'Int8' | 'Int16' | 'Uint16' | 'Int32' | 'Uint32' | 'Float32' | 'Float64' | 'BigInt64' | 'BigUint64';
  const types: [Accessor, number, number | bigint, number | bigint, number | bigint][] = [
    ['Int8', 1, -(2 ** 7), 2 ** 7 - 1, -3],
    ['Int16', 2, -(2 ** 15), 2 ** 15 - 1, -0x1234],
    ['Uint16', 2, 0, 2 ** 16 - 1, 0xfedc],
    ['Int32', 4, -(2 ** 31), 2 ** 31 - 1, -0x12345678],
    ['Uint32', 4, 0, 2 ** 32 - 1, 0xfedcba98],
    ['Float32', 4, -Infinity, Infinity, -1.5],
    ['Float64', 8, -Infinity, Infinity, Math.PI],
    ['BigInt64', 8, -(2n ** 63n), 2n ** 63n - 1n, -0x123456789abcdefn],
    ['BigUint64', 8, 0n, 2n ** 64n - 1n, 0xfedcba9876543210n],
  ];
  const get = (seg: Segment, type: Accessor, addr: number, le?: boolean) =>
    (seg[`get${type}`] as (a: number, le?: boolean) => number | bigint).call(seg, addr, le);
  const set = (seg: Segment, type: Accessor, addr: number, value: unknown, le?: boolean) =>
    (seg[`set${type}`] as (a: number, v: unknown, le?: boolean) => void).call(seg, addr, value, le);

  for (const [type, size, least, greatest, sample] of types) {
    it(`${type}: stores and loads like a DataView, both byte orders, across a page boundary`, () => {
      const engine = memoryEngine(4, 4);
      const seg = engine.segment(16);
      const expected = new DataView(new ArrayBuffer(size));
      const addr = 3; // straddles pages 0 and 1 (and 2, for 8 bytes)
      for (const le of [false, true]) {
        for (const value of [sample, least, greatest]) {
          set(seg, type, addr, value, le);
          (expected[`set${type}`] as (o: number, v: unknown, le: boolean) => void).call(expected, 0, value, le);
          expect(bytesOf(seg, addr, size)).toEqual([...new Uint8Array(expected.buffer)]);
          expect(get(seg, type, addr, le)).toBe(value);
          // The other byte order reads the same bytes reversed.
          expect(get(seg, type, addr, !le)).toEqual(
            (expected[`get${type}`] as (o: number, le: boolean) => unknown).call(expected, 0, !le),
          );
        }
      }
      // Big-endian is the default, as for DataView.
      set(seg, type, 0, sample);
      expect(get(seg, type, 0, false)).toBe(sample);
      expect(get(seg, type, 0)).toBe(sample);
      // The last whole value fits; one byte further does not.
      set(seg, type, 16 - size, sample, true);
      expect(get(seg, type, 16 - size, true)).toBe(sample);
      expect(thrown(() => get(seg, type, 17 - size))).toMatchObject({ name: 'ArgumentError', argument: 'addr' });
      expect(thrown(() => set(seg, type, 17 - size, sample))).toMatchObject({
        name: 'ArgumentError',
        argument: 'addr',
      });
      // Loads and stores are the spec's load and store: a store makes its pages dirty.
      engine.close();
    });

    it(`${type}: refuses values outside its range or of the wrong kind, storing nothing`, () => {
      const engine = memoryEngine(4, 4);
      const seg = engine.segment(16);
      const bad: unknown[] =
        typeof least === 'bigint'
          ? [least - 1n, (greatest as bigint) + 1n, 1, '1']
          : type.startsWith('Float')
            ? ['1', 1n, undefined]
            : [least - 1, (greatest as number) + 1, 0.5, 1n, '1'];
      for (const value of bad) {
        const error = thrown(() => set(seg, type, 0, value));
        expect(error, String(value)).toBeInstanceOf(ArgumentError);
        expect((error as ArgumentError).argument).toBe('value');
      }
      expect(engine.stats().faults).toBe(0);
      expect(bytesOf(seg, 0, 16)).toEqual(new Array(16).fill(0));
      if (type.startsWith('Float')) {
        set(seg, type, 0, Number.NaN);
        expect(get(seg, type, 0)).toBeNaN();
      }
      engine.close();
    });
  }

  it('messages say what a scalar value must be', () => {
    const seg = memoryEngine(4, 4).segment(16);
    expect(thrown(() => seg.setFloat64(0, '1' as never)).message).toBe('value must be a number, got string');
    expect(thrown(() => seg.setBigInt64(0, 1 as never)).message).toBe('value must be a bigint, got number');
    expect(thrown(() => seg.setBigUint64(0, -1n)).message).toBe(`value must be in [0, ${2n ** 64n - 1n}], got -1`);
  });
});

describe('the hit path of bytes, copyIn, copyOut, prefetch and zero', () => {
  it('bytes of a resident page validates its length and options as the full path does, and views exactly the bytes', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(16);
    seg.read(memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]).file, 0, 8, 0);
    expect(seg.getUint8(0)).toBe(1);
    expect([...seg.bytes(1, 2)]).toEqual([2, 3]);
    expect([...seg.bytes(0, 4)]).toEqual([1, 2, 3, 4]);
    for (const length of [0, 1.5, 5]) {
      expect(
        thrown(() => seg.bytes(0, length)),
        String(length),
      ).toMatchObject({
        name: 'ArgumentError',
        argument: 'length',
      });
    }
    expect(thrown(() => seg.bytes(0, 1, { writeable: true } as never))).toMatchObject({ name: 'ArgumentError' });
    expect(sourceOf(engine, seg, 0).kind).toBe('Snap');
    // A writable view detaches the page first, even when it is resident.
    seg.bytes(0, 1, { writable: true })[0] = 7;
    expect(sourceOf(engine, seg, 3).kind).toBe('Anon');
    expect(bytesOf(seg, 0, 4)).toEqual([7, 2, 3, 4]);
    engine.close();
  });

  it('copyOut of resident pages copies their frames and asks the file nothing', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(16);
    const backend = new FaultyBackend(
      'f',
      Uint8Array.from({ length: 16 }, (_, i) => i + 1),
    );
    seg.read(engine.attach(backend), 0, 16, 0);
    seg.getUint8(0);
    seg.getUint8(5);
    const calls = backend.log.length;
    expect(bytesOf(seg, 0, 4)).toEqual([1, 2, 3, 4]);
    expect(bytesOf(seg, 5, 3)).toEqual([6, 7, 8]);
    expect(backend.log.length).toBe(calls);
    // Across pages it is the full path, which checks that the file is unchanged.
    expect(bytesOf(seg, 2, 4)).toEqual([3, 4, 5, 6]);
    expect(backend.log.slice(calls)).toEqual(['identity']);
    engine.close();
  });

  it('copyIn names its source argument', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(16);
    expect(thrown(() => seg.copyIn(0, [1] as never))).toMatchObject({ name: 'ArgumentError', argument: 'source' });
    engine.close();
  });

  it('empty copyOut, prefetch and zero do nothing, even inside a page', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(16);
    seg.read(
      memoryFile(
        engine,
        'f',
        Uint8Array.from({ length: 16 }, (_, i) => i + 1),
      ).file,
      0,
      16,
      0,
    );
    for (const addr of [0, 1, 4, 6, 16]) {
      seg.copyOut(addr, new Uint8Array(0));
      seg.prefetch(addr, 0);
      seg.zero(addr, 0);
    }
    expect(engine.stats()).toMatchObject({ faults: 0, residentPages: 0 });
    seg.setUint8(5, 0);
    seg.getUint8(9);
    for (const addr of [0, 1, 4, 6, 8, 9, 16]) {
      seg.copyOut(addr, new Uint8Array(0));
      seg.prefetch(addr, 0);
      seg.zero(addr, 0);
    }
    expect(engine.stats()).toMatchObject({ faults: 2, residentPages: 2 });
    expect(sourceOf(engine, seg, 4).kind).toBe('Anon');
    expect(sourceOf(engine, seg, 8).kind).toBe('Snap');
    expect(bytesOf(seg, 0, 16)).toEqual([1, 2, 3, 4, 5, 0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    engine.close();
  });
});

describe('read', () => {
  it('fragmentBytes counts exactly the bytes a read refreshes in resident, partly covered pages', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(8);
    seg.read(memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]).file, 0, 8, 0);
    seg.getUint8(0);
    const g = memoryFile(engine, 'g', [9, 9, 9]).file;
    seg.read(g, 1, 2, 0);
    expect(engine.stats()).toMatchObject({ faults: 1, fragmentBytes: 2 });
    seg.getUint8(4);
    seg.read(g, 3, 3, 0);
    expect(engine.stats()).toMatchObject({ faults: 2, fragmentBytes: 5 });
    expect(bytesOf(seg, 0, 8)).toEqual([1, 9, 9, 9, 9, 9, 7, 8]);
  });

  it('reads the file now only for the fragments: not for pages out of memory or wholly covered', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(16);
    const backend = new FaultyBackend(
      'f',
      Uint8Array.from({ length: 16 }, (_, i) => i + 1),
    );
    const file = engine.attach(backend);
    // Nothing resident: a read binds and reads nothing, whichever pages it covers.
    seg.read(file, 1, 14, 0);
    seg.read(file, 2, 1, 0);
    expect(backend.calls.read).toBe(0);
    // Page 1 resident and wholly covered, pages 0 and 2 partly covered but out of memory.
    seg.getUint8(4);
    const reads = backend.calls.read;
    seg.read(file, 3, 6, 0);
    expect(backend.calls.read).toBe(reads);
    expect(engine.stats().fragmentBytes).toBe(0);
    expect(bytesOf(seg, 0, 10)).toEqual([0, 1, 1, 1, 2, 3, 4, 5, 6, 9]);
    engine.close();
  });

  it("position omitted or null: the file's position, as fs.readSync's, advanced by the bytes read and shared with file.write", () => {
    const engine = memoryEngine(4, 4);
    const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6]);
    const seg = engine.segment(16);
    expect(seg.read(file, 0, 2)).toBe(2);
    expect(seg.read(file, 2, 3, null)).toBe(3);
    // An explicit position neither uses nor moves it, as pread(2) does not.
    expect(seg.read(file, 5, 1, 0)).toBe(1);
    // A write at the position moves it on, as a write on the same fd does; a short read advances by what it read.
    expect(file.write(Uint8Array.of(9))).toBe(1);
    expect(seg.read(file, 6, 4)).toBe(0);
    file.write(Uint8Array.of(7, 8), 0, 2, 6);
    expect(seg.read(file, 6, 4, null)).toBe(2);
    expect(seg.read(file, 8, 1)).toBe(0);
    expect(file.write(Uint8Array.of(10))).toBe(1);
    expect(bytesOf(seg, 0, 9)).toEqual([1, 2, 3, 4, 5, 1, 7, 8, 0]);
    expect(seg.read(file, 0, 9, 0)).toBe(9);
    expect(bytesOf(seg, 0, 9)).toEqual([1, 2, 3, 4, 5, 9, 7, 8, 10]);
    engine.close();
  });

  it('a refused read does not move the position; the resolved position is checked as an explicit one', () => {
    const engine = memoryEngine(4, 4);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    const file = engine.attach(backend);
    const seg = engine.segment(8);
    expect(thrown(() => seg.read(file, 0, 2, '0' as never))).toMatchObject({
      argument: 'position',
      code: 'ERR_INVALID_ARG_TYPE',
    });
    backend.fail('identity', 'EIO', { times: 1 });
    expect(thrown(() => seg.read(file, 0, 2))).toMatchObject({ name: 'IOError', code: 'EIO' });
    expect(seg.read(file, 0, 2)).toBe(2);
    expect(seg.read(file, 2, 2)).toBe(2);
    expect(bytesOf(seg, 0, 4)).toEqual([1, 2, 3, 4]);
    engine.close();
  });

  it("a write without a position: the file's, as fs.writeSync's, advanced by the whole length (skipped bytes too) and shared", () => {
    const engine = memoryEngine(4, 4);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    const file = engine.attach(backend);
    const seg = engine.segment(16);
    // Bytes 4 and 5 bound to offsets 2 and 3 at an explicit position: the file's stays 0.
    expect(seg.read(file, 4, 2, 2)).toBe(2);
    expect(seg.read(file, 0, 2)).toBe(2);
    // At 2, where bytes 4 and 5 are bound: skipped, and the position moves past them all the same.
    expect(seg.write(file, 4, 2)).toEqual({ written: 0, skipped: 2 });
    expect(seg.write(file, 4, 2, null)).toEqual({ written: 2, skipped: 0 });
    // An explicit position neither uses nor moves it, as pwrite(2) does not.
    expect(seg.write(file, 0, 2, 0)).toEqual({ written: 0, skipped: 2 });
    // A refused write moves nothing.
    backend.fail('write', 'EIO', { times: 1 });
    expect(thrown(() => seg.write(file, 0, 2))).toMatchObject({ name: 'IOError', code: 'EIO' });
    expect(seg.write(file, 0, 2, undefined, { rebind: true })).toEqual({ written: 2, skipped: 0 });
    // The same position as file.write's and seg.read's.
    expect(file.write(Uint8Array.of(9))).toBe(1);
    expect(seg.read(file, 8, 2)).toBe(0);
    expect([...backend.content()]).toEqual([1, 2, 3, 4, 3, 4, 1, 2, 9]);
    engine.close();
  });
});

describe('snapshotsMax', () => {
  // The real limit (2^24 - 1 snapshots) is out of a unit test's reach: the
  // engine is loaded afresh with a limit of 2.
  async function limited() {
    vi.resetModules();
    vi.doMock('./limits.ts', async (original) => ({ ...(await original<object>()), snapshotsMax: 2 }));
    try {
      const { memoryEngine, memoryFile } = await import('./testing/engines.ts');
      const engine = memoryEngine(4, 4);
      const seg = engine.segment(16);
      // Two files, one snapshot each: the limit is reached.
      const f = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
      const g = memoryFile(engine, 'g', [9, 9, 9, 9]);
      seg.read(f.file, 0, 8, 0);
      seg.read(g.file, 8, 4, 0);
      return { engine, seg, f, g };
    } finally {
      vi.doUnmock('./limits.ts');
      vi.resetModules();
    }
  }

  it('a read that reuses a snapshot needs no room; one that needs a new one is refused before it reads', async () => {
    const { engine, seg, f } = await limited();
    seg.read(f.file, 12, 4, 4);
    expect(bytesOf(seg, 12, 4)).toEqual([5, 6, 7, 8]);
    // f changes: its snapshot is stale, a read of it needs a third.
    seg.write(f.file, 12, 1, 0);
    seg.getUint8(0);
    const before = bytesOf(seg, 0, 16);
    // Page 0 is resident and partly covered: its fragment would be read from f.
    const reads = vi.spyOn(f.backend, 'read');
    expect(thrown(() => seg.read(f.file, 1, 2, 0))).toMatchObject({ name: 'LimitError', limit: 'snapshotsMax' });
    expect(reads).not.toHaveBeenCalled();
    expect(engine.stats().fragmentBytes).toBe(0);
    expect(bytesOf(seg, 0, 16)).toEqual(before);
    engine.close();
  });

  it('a write needs room only to rebind some bytes, and is refused before the file changes', async () => {
    const { engine, seg, f, g } = await limited();
    seg.setUint8(12, 42);
    // No rebinding, or nothing to rebind: no snapshot needed.
    expect(seg.write(f.file, 12, 4, 0)).toEqual({ written: 4, skipped: 0 });
    expect(seg.write(g.file, 12, 0, 0, { rebind: true })).toEqual({ written: 0, skipped: 0 });
    // f's snapshot is stale now: rebinding would need a third.
    const content = () => {
      const out = new Uint8Array(f.backend.size());
      f.backend.read(out, 0, out.length, 0);
      return [...out];
    };
    const before = content();
    expect(thrown(() => seg.write(f.file, 12, 2, 4, { rebind: true }))).toMatchObject({
      name: 'LimitError',
      limit: 'snapshotsMax',
    });
    expect(content()).toEqual(before);
    engine.close();
  });
});
