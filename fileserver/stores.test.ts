/**
 * The store contract, the same for all three stores: random loads, stores,
 * copies, views and zeroings agree with a plain byte array; after sync the file
 * holds exactly that array, and the sync reports as written the blocks
 * stored into since the last one (whole blocks, the last one cut at the
 * end of the file). One refinement for the segment: the engine writes a
 * zeroed byte by itself (zero binds bytes to Zero without making the page
 * dirty, spec/README.md, "Operations", 8), so a block only zeroed in part
 * costs just those bytes. A read-only store refuses stores and writes nothing.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { tempDir } from '../impl/testing/temp.ts';
import { CacheStore } from './cache-store.ts';
import { StoreError } from './store.ts';
import { pattern } from './testing/source-tree.ts';
import { describeEachStore } from './testing/stores.ts';

const B = 4096;
// Not ext2: the stores fall back to 4096-byte blocks. Not a multiple of B, so the last block is short.
const length = 9 * B + 100;

type Op =
  | { kind: 'set'; width: 1 | 2 | 4; addr: number; value: number }
  | { kind: 'get'; width: 1 | 2 | 4; addr: number }
  | { kind: 'copyIn'; addr: number; bytes: Uint8Array }
  | { kind: 'copyOut'; addr: number; length: number }
  | { kind: 'view'; addr: number; length: number }
  | { kind: 'zero'; addr: number; length: number }
  | { kind: 'sync' };

const width = fc.constantFrom(1 as const, 2 as const, 4 as const);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), width, addr: fc.nat(length - 4), value: fc.nat() }),
  fc.record({ kind: fc.constant('get' as const), width, addr: fc.nat(length - 4) }),
  fc.record({
    kind: fc.constant('copyIn' as const),
    addr: fc.nat(length - 3 * B),
    bytes: fc.uint8Array({ maxLength: 3 * B }),
  }),
  fc.record({ kind: fc.constant('copyOut' as const), addr: fc.nat(length - 3 * B), length: fc.nat(3 * B) }),
  // Within one block, as view requires: from addr to at most the block's end (and the file's).
  fc.record({ addr: fc.nat(length - 1), length: fc.integer({ min: 1, max: B }) }).map(({ addr, length: n }) => ({
    kind: 'view' as const,
    addr,
    length: Math.min(n, B - (addr % B), length - addr),
  })),
  fc.record({ kind: fc.constant('zero' as const), addr: fc.nat(length - 3 * B), length: fc.nat(3 * B) }),
  fc.constant({ kind: 'sync' as const }),
);

describeEachStore('the store contract', (kind) => {
  test('loads, stores, copies and syncs agree with a byte array; sync writes the blocks stored into', () => {
    const dir = tempDir();
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.nat(), (ops, seed) => {
        const file = `${dir}/image`;
        const model = Buffer.from(pattern(length, seed + 1));
        fs.writeFileSync(file, model);
        const store = kind.open(file);
        // Blocks stored into, and (for the segment) the bytes zeroed in blocks not otherwise stored into.
        const dirty = new Set<number>();
        const zeroed = new Map<number, Uint8Array>();
        const touch = (addr: number, count: number): void => {
          for (let block = Math.floor(addr / B); block <= Math.floor((addr + count - 1) / B); block++) dirty.add(block);
        };
        const zero = (addr: number, count: number): void => {
          if (kind.name !== 'segment') return touch(addr, count);
          for (let at = addr; at < addr + count; at++) {
            const block = Math.floor(at / B);
            if (!zeroed.has(block)) zeroed.set(block, new Uint8Array(B));
            zeroed.get(block)![at - block * B] = 1;
          }
        };
        const written = (): number => {
          let sum = 0;
          for (const block of dirty) sum += Math.min(B, length - block * B);
          for (const [block, bytes] of zeroed) if (!dirty.has(block)) sum += bytes.reduce((n, b) => n + b, 0);
          return sum;
        };
        try {
          expect(store.length).toBe(length);
          for (const step of ops) {
            if (step.kind === 'set') {
              const value = step.value % 2 ** (8 * step.width);
              if (step.width === 1) {
                store.setUint8(step.addr, value);
                model.writeUInt8(value, step.addr);
              }
              if (step.width === 2) {
                store.setUint16(step.addr, value);
                model.writeUInt16LE(value, step.addr);
              }
              if (step.width === 4) {
                store.setUint32(step.addr, value);
                model.writeUInt32LE(value, step.addr);
              }
              touch(step.addr, step.width);
            } else if (step.kind === 'get') {
              const got =
                step.width === 1
                  ? store.getUint8(step.addr)
                  : step.width === 2
                    ? store.getUint16(step.addr)
                    : store.getUint32(step.addr);
              expect(got).toBe(
                step.width === 1
                  ? model.readUInt8(step.addr)
                  : step.width === 2
                    ? model.readUInt16LE(step.addr)
                    : model.readUInt32LE(step.addr),
              );
            } else if (step.kind === 'copyIn') {
              store.copyIn(step.addr, step.bytes);
              model.set(step.bytes, step.addr);
              if (step.bytes.length > 0) touch(step.addr, step.bytes.length);
            } else if (step.kind === 'copyOut') {
              const out = new Uint8Array(step.length);
              store.copyOut(step.addr, out);
              expect(Buffer.compare(out, model.subarray(step.addr, step.addr + step.length))).toBe(0);
            } else if (step.kind === 'view') {
              const view = store.view(step.addr, step.length);
              expect(Buffer.compare(view, model.subarray(step.addr, step.addr + step.length))).toBe(0);
            } else if (step.kind === 'zero') {
              store.zero(step.addr, step.length);
              model.fill(0, step.addr, step.addr + step.length);
              if (step.length > 0) zero(step.addr, step.length);
            } else {
              expect(store.sync()).toMatchObject({ written: written(), skipped: length - written() });
              dirty.clear();
              zeroed.clear();
            }
          }
          expect(store.sync()).toMatchObject({ written: written(), skipped: length - written() });
        } finally {
          store.close();
        }
        expect(Buffer.compare(fs.readFileSync(file), model)).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  test('read-only: stores are refused, sync writes nothing, the file is untouched', () => {
    const file = `${tempDir()}/image`;
    const content = pattern(length, 7);
    fs.writeFileSync(file, content);
    const store = kind.open(file, { readOnly: true });
    try {
      expect(store.readOnly).toBe(true);
      expect(store.getUint32(B)).toBe(Buffer.from(content).readUInt32LE(B));
      expect(() => store.setUint8(0, 1)).toThrow(StoreError);
      expect(() => store.copyIn(0, new Uint8Array(4))).toThrow(expect.objectContaining({ code: 'EROFS' }));
      expect(() => store.zero(0, 4)).toThrow(StoreError);
      expect(store.sync()).toEqual({ written: 0, skipped: length });
    } finally {
      store.close();
    }
    expect(Buffer.compare(fs.readFileSync(file), content)).toBe(0);
  });
});

test('the cache store writes a dirty block back when it evicts it, and reads it back right', () => {
  const file = `${tempDir()}/image`;
  fs.writeFileSync(file, pattern(length, 3));
  const model = Buffer.from(pattern(length, 3));
  const store = CacheStore.open(file, { memory: 2 * B });
  try {
    for (let block = 0; block < 10; block++) {
      store.setUint32(block * B + 8, block + 1);
      model.writeUInt32LE(block + 1, block * B + 8);
      expect(store.residentBlocks).toBeLessThanOrEqual(2);
    }
    // Eight blocks went back to the file on eviction; the sync writes the two still dirty (the last one short).
    expect(store.sync().written).toBe(B + 100);
    for (let block = 0; block < 10; block++) expect(store.getUint32(block * B + 8)).toBe(block + 1);
  } finally {
    store.close();
  }
  expect(Buffer.compare(fs.readFileSync(file), model)).toBe(0);
});
