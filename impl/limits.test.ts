/**
 * The promise of limits.ts: every address of a segment of up to 2^53 bytes
 * and every file position up to 2^53 is exact. Arithmetic that adds a frame's
 * base to an address, or a buffer index to a file offset, before subtracting
 * the page's base rounds above 2^53 and lands on another frame's byte; these
 * tests touch the top of the largest segment and the largest file position
 * through every accessor and every bulk copy, with other frames resident so
 * that a rounded index reads or writes a byte that is not its own.
 */
import { describe, expect, it } from 'vitest';
import { fileLengthMax, segmentLengthMax } from './limits.ts';
import type { Segment } from './segment.ts';
import { memoryEngine, memoryFile } from './testing/engines.ts';
import { SparseBackend } from './testing/sparse-backend.ts';

const B = 16;
const top = segmentLengthMax;

/**
 * A 2^53-byte segment `a` and a one-page segment `b`, with a's first page
 * in frame 0, a's last page in frame 1 and b's page in frame 2: an index
 * into frame 1 that rounds up by a page lands in b.
 */
function setup() {
  const engine = memoryEngine(B, 4);
  const a = engine.segment(top);
  const b = engine.segment(B);
  a.setUint8(0, 1);
  a.setUint8(top - 1, 9);
  b.copyIn(0, new Uint8Array(B).fill(0x42));
  return { engine, a, b };
}

/** a's untouched neighbours: its first page and the whole of b keep their bytes. */
function expectNeighboursIntact(a: Segment, b: Segment): void {
  expect(a.getUint8(0)).toBe(1);
  const out = new Uint8Array(B);
  b.copyOut(0, out);
  expect([...out]).toEqual(new Array(B).fill(0x42));
}

function bytes(segment: Segment, addr: number, length: number): number[] {
  const out = new Uint8Array(length);
  segment.copyOut(addr, out);
  return [...out];
}

function run(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i * 7) & 0xff);
}

type Accessor =
  | 'Int8'
  | 'Uint8'
  | 'Int16'
  | 'Uint16'
  | 'Int32'
  | 'Uint32'
  | 'Float32'
  | 'Float64'
  | 'BigInt64'
  | 'BigUint64';
const accessors: [Accessor, number, number | bigint][] = [
  ['Int8', 1, -3],
  ['Uint8', 1, 0xa5],
  ['Int16', 2, -0x1234],
  ['Uint16', 2, 0xfedc],
  ['Int32', 4, -0x12345678],
  ['Uint32', 4, 0xfedcba98],
  ['Float32', 4, -1.5],
  ['Float64', 8, Math.PI],
  ['BigInt64', 8, -0x123456789abcdefn],
  ['BigUint64', 8, 0xfedcba9876543210n],
];

describe('the top of the largest segment (2^53 bytes)', () => {
  it("the reported case: the last byte is its own, not another frame's", () => {
    const { a, b } = setup();
    b.setUint8(0, 0x42);
    expect(a.getUint8(top - 1)).toBe(9);
    expect(bytes(a, top - 1, 1)).toEqual([9]);
  });

  for (const [type, size, sample] of accessors) {
    for (const littleEndian of [false, true]) {
      it(`${type}, ${littleEndian ? 'little' : 'big'}-endian, at the last ${size} bytes and across the last page boundary`, () => {
        const { a, b } = setup();
        const expected = new DataView(new ArrayBuffer(size));
        (expected[`set${type}`] as (o: number, v: unknown, le: boolean) => void).call(
          expected,
          0,
          sample,
          littleEndian,
        );
        const get = a[`get${type}`] as (addr: number, le?: boolean) => unknown;
        const set = a[`set${type}`] as (addr: number, value: unknown, le?: boolean) => void;
        // The last whole value, and (for wider types) one straddling the last two pages.
        for (const addr of size === 1 ? [top - 1] : [top - size, top - B - size / 2]) {
          set.call(a, addr, sample, littleEndian);
          expect(get.call(a, addr, littleEndian)).toBe(sample);
          expect(bytes(a, addr, size)).toEqual([...new Uint8Array(expected.buffer)]);
        }
        expectNeighboursIntact(a, b);
      });
    }
  }

  it('copyIn and copyOut over the last two pages', () => {
    const { a, b } = setup();
    const data = run(24, 3);
    a.copyIn(top - 24, data);
    expect(bytes(a, top - 24, 24)).toEqual([...data]);
    expect(a.getUint8(top - 1)).toBe(data[23]);
    expectNeighboursIntact(a, b);
  });

  it('read into a resident, partly covered last page (the fragment copy), then load it', () => {
    const { engine, a, b } = setup();
    const { file } = memoryFile(engine, 'f', run(32, 5));
    // The last page is resident (it holds the 9): only its last 6 bytes are refreshed.
    expect(a.read(file, top - 6, 6, 10)).toBe(6);
    expect(engine.stats().fragmentBytes).toBe(6);
    expect(a.getUint8(top - 7)).toBe(0);
    expect(bytes(a, top - 6, 6)).toEqual([...run(32, 5).subarray(10, 16)]);
    expect(a.getUint8(top - 1)).toBe(run(32, 5)[15]);
    expectNeighboursIntact(a, b);
  });

  it('write back the resident last pages, and zero part of a resident last page', () => {
    const { engine, a, b } = setup();
    const { backend, file } = memoryFile(engine, 'f', []);
    const data = run(24, 11);
    a.copyIn(top - 24, data);
    expect(a.write(file, top - 24, 24, 0)).toEqual({ written: 24, skipped: 0 });
    const out = new Uint8Array(24);
    backend.read(out, 0, 24, 0);
    expect([...out]).toEqual([...data]);
    a.zero(top - 5, 3);
    expect(bytes(a, top - 6, 6)).toEqual([data[18], 0, 0, 0, data[22], data[23]]);
    expectNeighboursIntact(a, b);
  });
});

describe('the largest file position (2^53)', () => {
  /** A sparse file of fileLengthMax bytes whose last 32 bytes are a known run. */
  function bigFile() {
    const backend = new SparseBackend('big', fileLengthMax);
    backend.write(run(32, 13), 0, 32, fileLengthMax - 32);
    return backend;
  }

  function content(backend: SparseBackend, position: number, length: number): number[] {
    const out = new Uint8Array(length);
    backend.read(out, 0, length, position);
    return [...out];
  }

  it('read binds the last bytes of the file to the bottom and to the top of the segment; loads return them', () => {
    const { engine, a, b } = setup();
    const backend = bigFile();
    const file = engine.attach(backend);
    expect(a.read(file, 32, 32, fileLengthMax - 32)).toBe(32);
    expect(a.read(file, top - 32, 32, fileLengthMax - 32)).toBe(32);
    expect(a.read(file, 64, 0, fileLengthMax)).toBe(0);
    expect(bytes(a, 32, 32)).toEqual([...run(32, 13)]);
    expect(bytes(a, top - 32, 32)).toEqual([...run(32, 13)]);
    expect(a.getUint8(top - 1)).toBe(run(32, 13)[31]);
    expectNeighboursIntact(a, b);
  });

  it('write-back at the largest position skips exactly what the file holds and writes the rest there', () => {
    const { engine, a, b } = setup();
    const backend = bigFile();
    const file = engine.attach(backend);
    a.read(file, top - 32, 32, fileLengthMax - 32);
    expect(a.write(file, top - 32, 32, fileLengthMax - 32)).toEqual({ written: 0, skipped: 32 });
    a.setUint8(top - 1, 0xee);
    expect(a.write(file, top - 32, 32, fileLengthMax - 32, { rebind: true })).toEqual({ written: B, skipped: 32 - B });
    const expected = [...run(32, 13)];
    expected[31] = 0xee;
    expect(content(backend, fileLengthMax - 32, 32)).toEqual(expected);
    // The same bytes written from the bottom of the segment to the top of the file.
    a.copyIn(0, Uint8Array.from(expected));
    expect(a.write(file, 0, 32, fileLengthMax - 32)).toEqual({ written: 32, skipped: 0 });
    expect(content(backend, fileLengthMax - 32, 32)).toEqual(expected);
    // That write changed offsets the top's snapshot holds: it preserved their blocks, which are no longer provable.
    expect(a.write(file, top - 32, 32, fileLengthMax - 32)).toEqual({ written: 32, skipped: 0 });
    b.copyIn(0, new Uint8Array(B).fill(0x42));
    expect(a.getUint8(top - 1)).toBe(0xee);
  });

  it('the other writer at the largest position preserves the last block; truncation at the end preserves what it cuts', () => {
    const { engine, a, b } = setup();
    const backend = bigFile();
    const file = engine.attach(backend);
    a.read(file, top - 32, 32, fileLengthMax - 32);
    file.write(new Uint8Array(4).fill(0x77), 0, 4, fileLengthMax - 4);
    expect(engine.stats().preserves).toBe(1);
    expect(content(backend, fileLengthMax - 4, 4)).toEqual([0x77, 0x77, 0x77, 0x77]);
    file.truncate(fileLengthMax - 20);
    expect(engine.stats().preserves).toBe(2);
    expect(bytes(a, top - 32, 32)).toEqual([...run(32, 13)]);
    // Neither block is the file's any more: write-back restores both.
    expect(a.write(file, top - 32, 32, fileLengthMax - 32)).toEqual({ written: 32, skipped: 0 });
    expect(content(backend, fileLengthMax - 32, 32)).toEqual([...run(32, 13)]);
    expectNeighboursIntact(a, b);
  });
});
