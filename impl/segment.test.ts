/**
 * Segments: the typed loads and stores keep DataView's contract, and a read
 * copies only the fragments of resident, partly covered pages.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from './errors.ts';
import type { Segment } from './segment.ts';
import { bytesOf, memoryEngine, memoryFile } from './testing/engines.ts';
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
});
