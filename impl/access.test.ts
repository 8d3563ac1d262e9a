/**
 * The three ways at a segment's bytes besides loads and stores -- a direct
 * view of resident memory (bytes), a copy that faults nothing in (copyOut)
 * and a batched fill (prefetch) -- against what a conventional program
 * would hold: a plain buffer filled by eager readSync copies, on real files.
 */
import * as fs from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { FileChangedError } from './errors.ts';
import { internals } from './internals.ts';
import { bytesOf, memoryEngine, memoryFile } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { pattern, tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

const B = 8;

/** An engine of B-byte pages on disk, a file `f` of `content`, a segment of `length` bytes read from it at 0. */
function onDisk(content: Uint8Array, length: number, options: { frames?: number; readahead?: number } = {}) {
  const dir = tempDir();
  const engine = new Engine({
    pageSize: B,
    memory: B * (options.frames ?? 16),
    readahead: options.readahead ?? 0,
    swapDir: dir,
  });
  const image = tempFile(dir, 'f', content);
  const file = engine.open(image, 'r+');
  const seg = engine.segment(length);
  seg.read(file, 0, Math.min(length, content.length), 0);
  return { dir, engine, image, file, seg };
}

/** Another process writes `data` at `position`, dating the change so that detection cannot miss it. */
function changeBehind(image: string, data: Uint8Array, position: number): void {
  const fd = fs.openSync(image, 'r+');
  fs.writeSync(fd, data, 0, data.length, position);
  fs.closeSync(fd);
  const { atime, mtimeMs } = fs.statSync(image);
  fs.utimesSync(image, atime, new Date(mtimeMs + 60_000));
}

describe('bytes', () => {
  it('is the resident frame itself, faulted in exactly as a load would be', () => {
    const content = pattern(32);
    const { engine, seg } = onDisk(content, 32);
    const view = seg.bytes(9, 5);
    expect([...view]).toEqual([...content.subarray(9, 14)]);
    expect(engine.stats()).toMatchObject({ faults: 1, fills: 1, bytesFilled: B, residentPages: 1 });
    // No copy: a second view of the page sees what a store put there.
    seg.setUint8(10, 0xab);
    expect(seg.bytes(9, 5)[1]).toBe(0xab);
    expect(engine.stats().faults).toBe(1);
  });

  it('writable: the page is detached first, so stores through the view are written back', () => {
    const content = pattern(32);
    const { engine, image, file, seg } = onDisk(content, 32);
    const view = seg.bytes(16, 8, { writable: true });
    view.fill(7, 2, 5);
    expect(engine.stats().faults).toBe(1);
    expect(seg.write(file, 0, 32, 0, { rebind: true })).toEqual({ written: 8, skipped: 24 });
    const expected = Uint8Array.from(content);
    expected.fill(7, 18, 21);
    expect(new Uint8Array(fs.readFileSync(image))).toEqual(expected);
    // Clean again: a read-only view leaves it clean.
    seg.bytes(16, 8);
    seg.bytes(16, 8, {});
    expect(seg.write(file, 0, 32, 0)).toEqual({ written: 0, skipped: 32 });
  });

  it('a writable view of a dirty page swapped out brings it back from swap', () => {
    const { engine, seg } = onDisk(pattern(32), 32, { frames: 1 });
    seg.bytes(0, 8, { writable: true })[0] = 0x11;
    seg.getUint8(8);
    expect(engine.stats()).toMatchObject({ swapOuts: 1, swappedPages: 1 });
    expect(seg.bytes(0, 8, { writable: true })[0]).toBe(0x11);
    expect(engine.stats()).toMatchObject({ swapIns: 1, swappedPages: 0 });
  });

  it('is refused with FileChangedError, as a load is, when a byte of the page is lost', () => {
    const { image, seg } = onDisk(pattern(32), 32);
    changeBehind(image, Uint8Array.of(1), 20);
    expect(thrown(() => seg.bytes(16, 1))).toBeInstanceOf(FileChangedError);
    expect(thrown(() => seg.getUint8(16))).toBeInstanceOf(FileChangedError);
  });

  it('stays inside one page; length at least 1; options checked', () => {
    const { seg } = onDisk(pattern(32), 30);
    expect(thrown(() => seg.bytes(5, 4))).toMatchObject({
      name: 'ArgumentError',
      argument: 'length',
      code: 'ERR_OUT_OF_RANGE',
    });
    expect(thrown(() => seg.bytes(5, 0))).toMatchObject({ argument: 'length', code: 'ERR_OUT_OF_RANGE' });
    expect(thrown(() => seg.bytes(30, 1))).toMatchObject({ argument: 'addr', code: 'ERR_OUT_OF_RANGE' });
    // The short last page ends with the segment.
    expect(thrown(() => seg.bytes(24, 7))).toMatchObject({ argument: 'length' });
    expect(seg.bytes(24, 6)).toHaveLength(6);
    expect(thrown(() => seg.bytes(0, 1, { writable: 1 } as never))).toMatchObject({ argument: 'options.writable' });
    expect(thrown(() => seg.bytes(0, 1, { readOnly: true } as never))).toMatchObject({ argument: 'options.readOnly' });
  });
});

describe('copyOut', () => {
  it('faults nothing in: resident pages from their frames, the rest from file, swap and zeros', () => {
    const content = pattern(24);
    const { engine, seg } = onDisk(content, 48, { frames: 2 });
    seg.setUint8(3, 0xee);
    seg.setUint8(12, 0xdd);
    seg.getUint8(20);
    // Page 0 went to swap to make room; page 1 is resident and dirty, page 2 resident and clean.
    const before = engine.stats();
    expect(before).toMatchObject({ residentPages: 2, swappedPages: 1 });
    const out = new Uint8Array(44);
    seg.copyOut(2, out);
    const expected = new Uint8Array(48);
    expected.set(content);
    expected[3] = 0xee;
    expected[12] = 0xdd;
    expect(out).toEqual(expected.subarray(2, 46));
    expect(engine.stats()).toEqual(before);
  });

  it("serves a stale snapshot's resident bytes, and refuses (copying nothing) when one is lost", () => {
    const content = pattern(32);
    const { engine, image, seg } = onDisk(content, 32);
    seg.getUint8(0);
    changeBehind(image, new Uint8Array(32).fill(9), 0);
    const head = new Uint8Array(8);
    seg.copyOut(0, head);
    expect(head).toEqual(content.subarray(0, 8));
    const all = new Uint8Array(32).fill(0x55);
    expect(thrown(() => seg.copyOut(0, all))).toBeInstanceOf(FileChangedError);
    expect(all).toEqual(new Uint8Array(32).fill(0x55));
    expect(engine.stats()).toMatchObject({ faults: 1, residentPages: 1 });
  });
});

describe('prefetch', () => {
  it('faults in the pages not resident, with one read for a run of contiguous sources', () => {
    const engine = memoryEngine(4, 16);
    const backend = new FaultyBackend('f', pattern(64));
    const seg = engine.segment(64);
    seg.read(engine.attach(backend), 0, 64, 0);
    seg.getUint8(8);
    const reads = backend.calls.read;
    // Pages 1..5: 2 is resident; 1 alone, then 3..5 in one read.
    seg.prefetch(5, 17);
    expect(backend.calls.read - reads).toBe(2);
    expect(engine.stats()).toMatchObject({ faults: 5, residentPages: 5 });
    expect(internals(engine, { contents: false }).segments.get(seg)!.frames.get(4)).toEqual(
      pattern(64).subarray(16, 20),
    );
  });

  it('stops at the first page it cannot fill, leaving it and the rest alone, with no error', () => {
    const content = pattern(32);
    const { engine, image, file, seg } = onDisk(content, 32);
    seg.getUint8(8);
    changeBehind(image, Uint8Array.of(0), 0);
    // Page 1 is resident (skipped), page 0 lost: nothing is filled.
    seg.prefetch(0, 32);
    expect(engine.stats()).toMatchObject({ faults: 1, residentPages: 1 });
    // Read again past page 0 (which drops page 1's frame): pages 1..3 are fillable from the new snapshot.
    seg.read(file, 8, 24, 8);
    seg.prefetch(0, 32);
    expect(engine.stats()).toMatchObject({ faults: 1, residentPages: 0 });
    seg.prefetch(8, 24);
    expect(engine.stats()).toMatchObject({ faults: 4, residentPages: 3 });
    expect(thrown(() => seg.getUint8(0))).toBeInstanceOf(FileChangedError);
  });

  it('is bounded by the frame pool: never more pages than it holds, none evicting another', () => {
    const { engine, seg } = onDisk(pattern(64), 64, { frames: 3 });
    seg.prefetch(0, 64);
    expect(engine.stats()).toMatchObject({ faults: 3, residentPages: 3 });
    expect([...internals(engine, { contents: false }).segments.get(seg)!.frames.keys()]).toEqual([0, 1, 2]);
  });

  it('never evicts a page of its own range to make room for another: one fault per page missing', () => {
    const { engine, seg } = onDisk(pattern(64), 64, { frames: 2 });
    // Page 1 in frame 0, page 5 in frame 1, both referenced: CLOCK's next victim is frame 0.
    seg.getUint8(8);
    seg.getUint8(40);
    seg.prefetch(0, 16);
    expect(engine.stats()).toMatchObject({ faults: 3, residentPages: 2 });
    expect([...internals(engine, { contents: false }).segments.get(seg)!.frames.keys()].sort()).toEqual([0, 1]);
  });
});

describe('against a conventional program (eager readSync copies into a plain buffer)', () => {
  const L = 48;
  // Page boundaries are where the engine's bookkeeping is subtle: aligned addresses and short lengths are drawn often.
  const addr = fc.oneof(
    fc.nat(L - 1),
    fc.nat(L / B - 1).map((page) => page * B),
  );
  const start = fc.oneof(
    fc.nat(L),
    fc.nat(L / B).map((page) => page * B),
  );
  const count = fc.oneof(
    fc.nat(L),
    fc.nat(2 * B),
    fc.nat(L / B).map((pages) => pages * B),
  );
  const range = fc.tuple(start, count).map(([a, n]) => [a, Math.min(n, L - a)] as const);
  const which = fc.constantFrom(0, 1);
  const byte = fc.nat(255);
  const op = fc.oneof(
    fc.record({ op: fc.constant('read' as const), file: which, range, pos: fc.nat(48) }),
    fc.record({ op: fc.constant('load' as const), addr }),
    fc.record({ op: fc.constant('store' as const), addr, val: byte }),
    fc.record({
      op: fc.constant('bytes' as const),
      addr,
      len: fc.integer({ min: 1, max: B }),
      writable: fc.boolean(),
      writes: fc.array(fc.tuple(fc.nat(B - 1), byte), { maxLength: 3 }),
    }),
    fc.record({ op: fc.constant('copyOut' as const), range }),
    fc.record({ op: fc.constant('prefetch' as const), range }),
    fc.record({ op: fc.constant('write' as const), file: which, range, pos: fc.nat(48), rebind: fc.boolean() }),
    fc.record({ op: fc.constant('zero' as const), range }),
    fc.record({ op: fc.constant('evict' as const), page: fc.nat(L / B - 1) }),
    fc.record({
      op: fc.constant('fileWrite' as const),
      file: which,
      pos: fc.nat(48),
      data: fc.uint8Array({ minLength: 1, maxLength: 12 }),
    }),
  );
  const setup = fc.record({
    frames: fc.integer({ min: 1, max: 4 }),
    readahead: fc.nat(3),
    contents: fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 })),
  });

  it('every load, view and copy returns the conventional bytes; files end up the same; copyOut and read fault nothing in', () => {
    fc.assert(
      fc.property(setup, fc.array(op, { maxLength: 30 }), ({ frames, readahead, contents }, ops) => {
        const dir = tempDir();
        const engine = new Engine({
          pageSize: B,
          memory: B * frames,
          readahead: Math.min(readahead, frames - 1),
          swapDir: dir,
        });
        try {
          const paths = contents.map((content, i) => tempFile(dir, `f${i}`, content));
          const files = paths.map((p) => engine.open(p, 'r+'));
          const seg = engine.segment(L);
          // The conventional program: its memory and its files.
          const mem = new Uint8Array(L);
          const disk = contents.map((content) => [...content]);
          const put = (f: number, pos: number, bytes: ArrayLike<number>) => {
            while (disk[f].length < pos) disk[f].push(0);
            for (let i = 0; i < bytes.length; i++) disk[f][pos + i] = bytes[i];
          };
          for (const o of ops) {
            const faults = engine.stats().faults;
            switch (o.op) {
              case 'read': {
                const [a, n] = o.range;
                const k = Math.min(n, Math.max(0, disk[o.file].length - o.pos));
                expect(seg.read(files[o.file], a, n, o.pos)).toBe(k);
                mem.set(disk[o.file].slice(o.pos, o.pos + k), a);
                expect(engine.stats().faults).toBe(faults);
                break;
              }
              case 'load':
                expect(seg.getUint8(o.addr)).toBe(mem[o.addr]);
                break;
              case 'store':
                seg.setUint8(o.addr, o.val);
                mem[o.addr] = o.val;
                break;
              case 'bytes': {
                const n = Math.min(o.len, B - (o.addr % B));
                const view = seg.bytes(o.addr, n, { writable: o.writable });
                expect([...view]).toEqual([...mem.subarray(o.addr, o.addr + n)]);
                if (o.writable) {
                  for (const [i, v] of o.writes) {
                    if (i >= n) continue;
                    view[i] = v;
                    mem[o.addr + i] = v;
                  }
                }
                break;
              }
              case 'copyOut': {
                const [a, n] = o.range;
                const out = new Uint8Array(n);
                seg.copyOut(a, out);
                expect([...out]).toEqual([...mem.subarray(a, a + n)]);
                expect(engine.stats().faults).toBe(faults);
                break;
              }
              case 'prefetch': {
                // At most one fault per page of the range not resident: none it evicted to be filled again.
                const [a, n] = o.range;
                const resident = internals(engine, { contents: false }).segments.get(seg)!.frames;
                let missing = 0;
                for (let page = Math.floor(a / B); n > 0 && page <= Math.floor((a + n - 1) / B); page++)
                  if (!resident.has(page)) missing++;
                seg.prefetch(a, n);
                expect(engine.stats().faults - faults).toBeLessThanOrEqual(missing);
                break;
              }
              case 'write': {
                const [a, n] = o.range;
                const { written, skipped } = seg.write(files[o.file], a, n, o.pos, { rebind: o.rebind });
                expect(written + skipped).toBe(n);
                if (n > 0) put(o.file, o.pos, mem.subarray(a, a + n));
                break;
              }
              case 'zero':
                seg.zero(...o.range);
                mem.fill(0, o.range[0], o.range[0] + o.range[1]);
                expect(engine.stats().faults).toBe(faults);
                break;
              case 'evict':
                seg.evict(o.page);
                break;
              case 'fileWrite':
                files[o.file].write(o.data, 0, o.data.length, o.pos);
                put(o.file, o.pos, o.data);
                break;
            }
            // Frame states agree with the bindings (internals checks it).
            internals(engine, { contents: false });
          }
          const all = new Uint8Array(L);
          seg.copyOut(0, all);
          expect([...all]).toEqual([...mem]);
          paths.forEach((p, f) => {
            expect([...fs.readFileSync(p)]).toEqual(disk[f]);
          });
        } finally {
          engine.close();
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('loads and stores on the hit path (a resident page, a power-of-two B)', () => {
  type Call = [method: string, ...args: unknown[]];
  const call = (seg: object, [method, ...args]: Call) =>
    (seg as Record<string, (...a: unknown[]) => unknown>)[method](...args);
  /** Every call the hit path would take but for one bad argument: the full path's error is the contract. */
  const refused: Call[] = [
    ['setInt8', 0, 128],
    ['setInt8', 0, -129],
    ['setInt8', 0, 1.5],
    ['setInt16', 0, 2 ** 15],
    ['setInt16', 0, 0.5],
    ['setInt16', 0, 1, 1],
    ['setUint16', 0, -1],
    ['setUint16', 0, 2 ** 16],
    ['setUint16', 0, 1, 1],
    ['setInt32', 0, 2 ** 31],
    ['setInt32', 0, 0.5],
    ['setInt32', 0, 1, 1],
    ['setUint32', 0, -1],
    ['setUint32', 0, 2 ** 32],
    ['setUint32', 0, 1, 1],
    ['setFloat32', 0, '1'],
    ['setFloat32', 0, 1, 1],
    ['getInt16', 0, 1],
    ['getUint16', 0, 1],
    ['getInt32', 0, 1],
    ['getUint32', 0, 1],
    ['getFloat32', 0, 1],
  ];

  it('refuses exactly what the full path refuses, storing nothing', () => {
    const engine = memoryEngine(B, 4);
    const cold = engine.segment(B);
    const hot = engine.segment(B);
    hot.setUint8(0, 0x5a); // resident and detached: a store may take the hit path
    for (const args of refused) {
      const expected = thrown(() => call(cold, args));
      expect(expected.name, args.join()).toBe('ArgumentError');
      expect(
        thrown(() => call(hot, args)),
        args.join(),
      ).toEqual(expected);
      expect(bytesOf(hot, 0, B), args.join()).toEqual([0x5a, 0, 0, 0, 0, 0, 0, 0]);
    }
    expect(engine.stats().faults).toBe(1);
    // The error names the argument at fault.
    for (const args of [
      ['getInt16', 0, 1],
      ['setInt16', 0, 1, 1],
    ] as Call[])
      expect(thrown(() => call(cold, args))).toMatchObject({ argument: 'littleEndian', code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('a store to a page not yet detached detaches it, so that write-back writes it', () => {
    const stores: [string, number][] = [
      ['setInt8', -2],
      ['setInt16', -2],
      ['setUint16', 0xfffe],
      ['setInt32', -2],
      ['setUint32', 0xfffffffe],
      ['setFloat32', -1.5],
      ['setFloat64', -1.5],
    ];
    const engine = memoryEngine(B, stores.length);
    const content = new Uint8Array(B * stores.length);
    const { backend, file } = memoryFile(engine, 'f', content);
    const seg = engine.segment(content.length);
    seg.read(file, 0, content.length, 0);
    const expected = new DataView(new ArrayBuffer(content.length));
    stores.forEach(([method, value], page) => {
      seg.getUint8(page * B); // resident, still bound to the file
      call(seg, [method, page * B, value]);
      call(expected, [method, page * B, value]);
    });
    expect(engine.stats().faults).toBe(stores.length);
    expect(seg.write(file, 0, content.length, 0)).toEqual({ written: content.length, skipped: 0 });
    const after = new Uint8Array(content.length);
    backend.read(after, 0, after.length, 0);
    expect([...after]).toEqual([...new Uint8Array(expected.buffer)]);
  });

  it('a load marks its page referenced, so that CLOCK evicts another', () => {
    const engine = memoryEngine(B, 3);
    const seg = engine.segment(4 * B);
    for (const page of [0, 1, 2, 3]) seg.getUint8(page * B);
    // Page 3 took page 0's frame; the sweep cleared pages 1 and 2's reference bits.
    seg.getUint8(B);
    seg.getUint8(0); // evicts page 2, the one not referenced since
    expect(engine.stats().faults).toBe(5);
    seg.getUint8(B);
    expect(engine.stats().faults).toBe(5);
    seg.getUint8(2 * B);
    expect(engine.stats().faults).toBe(6);
  });

  it('a value across a page boundary is gathered from both frames, in whichever order they were faulted in', () => {
    const engine = memoryEngine(B, 2);
    const content = pattern(2 * B);
    const { file } = memoryFile(engine, 'f', content);
    const seg = engine.segment(2 * B);
    seg.read(file, 0, 2 * B, 0);
    seg.getUint8(B); // page 1 in frame 0, page 0 in frame 1
    seg.getUint8(0);
    const expected = new DataView(content.buffer);
    expect(seg.getUint16(B - 1, true)).toBe(expected.getUint16(B - 1, true));
    expect(seg.getInt32(B - 2)).toBe(expected.getInt32(B - 2));
    expect(seg.getBigUint64(B - 3)).toBe(expected.getBigUint64(B - 3));
    expect(engine.stats().faults).toBe(2);
  });

  it('inspect counts a page once however many Anon extents it has', () => {
    const engine = memoryEngine(B, 2);
    const { file } = memoryFile(engine, 'f', pattern(B));
    const seg = engine.segment(B);
    seg.read(file, 0, B, 0);
    seg.setUint8(0, 1);
    // Writing back the middle of the page rebinds it: Anon [0, 2), the file [2, 4), Anon [4, B).
    seg.write(file, 2, 2, 2, { rebind: true });
    expect(inspect(seg, { breakLength: Infinity })).toBe(
      `Segment { length: ${B}, pageSize: ${B}, pages: 1, resident: 1, swapped: 0, dirty: 1 }`,
    );
  });
});
