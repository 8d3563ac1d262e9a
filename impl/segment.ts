/**
 * A deferred segment: a byte-addressed buffer of up to 2^53 bytes whose
 * pages are filled only when touched. `read` binds bytes to a snapshot of a
 * file and returns at once; loads fault pages in from their sources; stores
 * make a page anonymous (dirty); `write` skips what the file already holds.
 */
import { inspect } from 'node:util';
import { commit, type Shared } from './shared.ts';
import { ANON, type Binding, type Bindings } from './bindings.ts';
import type { Pager } from './paging.ts';
import { writeBack, type WriteResult } from './writeback.ts';
import { type DeferredFile, fileArgument } from './deferred-file.ts';
import { ArgumentError, ClosedError, ReadOnlyError } from './errors.ts';
import { boolean, bytes, integer, options } from './validate.ts';
import { fileLengthMax } from './limits.ts';
import { assert } from './assert.ts';

export type { WriteResult } from './writeback.ts';

export interface WriteOptions {
  /**
   * Afterwards bind the written bytes to a snapshot of what was just written,
   * so the pages become clean and the next write-back of an unchanged region
   * writes nothing. Default false: the segment is left as it was.
   */
  rebind?: boolean;
  /**
   * After the data is written, fsync the file (FileBackend.sync), even if
   * nothing needed writing: when the call returns, the file's content over
   * the whole range is durable. Rebinding waits for it: if the fsync fails,
   * the pages stay dirty, so the next write-back writes them again. Default
   * false.
   */
  sync?: boolean;
}

/** The typed values a segment loads and stores, DataView-style. */
interface Scalar<T> {
  readonly size: number;
  check(name: string, value: unknown): T;
  get(view: DataView, littleEndian: boolean): T;
  set(view: DataView, value: T, littleEndian: boolean): void;
}

function int(
  size: number,
  min: number,
  max: number,
  get: (view: DataView, littleEndian: boolean) => number,
  set: (view: DataView, value: number, littleEndian: boolean) => void,
): Scalar<number> {
  return { size, check: (name, value) => integer(name, value, min, max), get, set };
}

function float(
  size: number,
  get: (view: DataView, littleEndian: boolean) => number,
  set: (view: DataView, value: number, littleEndian: boolean) => void,
): Scalar<number> {
  const check = (name: string, value: unknown): number => {
    if (typeof value !== 'number') throw new ArgumentError(name, `must be a number, got ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
    return value;
  };
  return { size, check, get, set };
}

function big(
  min: bigint,
  max: bigint,
  get: (view: DataView, littleEndian: boolean) => bigint,
  set: (view: DataView, value: bigint, littleEndian: boolean) => void,
): Scalar<bigint> {
  const check = (name: string, value: unknown): bigint => {
    if (typeof value !== 'bigint') throw new ArgumentError(name, `must be a bigint, got ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
    if (value < min || value > max) throw new ArgumentError(name, `must be in [${min}, ${max}], got ${value}`, 'ERR_OUT_OF_RANGE');
    return value;
  };
  return { size: 8, check, get, set };
}

const int8 = int(1, -(2 ** 7), 2 ** 7 - 1, (v) => v.getInt8(0), (v, x) => v.setInt8(0, x));
const int16 = int(2, -(2 ** 15), 2 ** 15 - 1, (v, le) => v.getInt16(0, le), (v, x, le) => v.setInt16(0, x, le));
const uint16 = int(2, 0, 2 ** 16 - 1, (v, le) => v.getUint16(0, le), (v, x, le) => v.setUint16(0, x, le));
const int32 = int(4, -(2 ** 31), 2 ** 31 - 1, (v, le) => v.getInt32(0, le), (v, x, le) => v.setInt32(0, x, le));
const uint32 = int(4, 0, 2 ** 32 - 1, (v, le) => v.getUint32(0, le), (v, x, le) => v.setUint32(0, x, le));
const float32 = float(4, (v, le) => v.getFloat32(0, le), (v, x, le) => v.setFloat32(0, x, le));
const float64 = float(8, (v, le) => v.getFloat64(0, le), (v, x, le) => v.setFloat64(0, x, le));
const bigInt64 = big(-(2n ** 63n), 2n ** 63n - 1n, (v, le) => v.getBigInt64(0, le), (v, x, le) => v.setBigInt64(0, x, le));
const bigUint64 = big(0n, 2n ** 64n - 1n, (v, le) => v.getBigUint64(0, le), (v, x, le) => v.setBigUint64(0, x, le));

/** Which pages a range [lo, hi) covers entirely ([first, end)) and which only partly. */
interface Coverage {
  first: number;
  end: number;
  partial: number[];
}

export class Segment {
  /** Length in bytes. */
  readonly length: number;
  /** Page size B in bytes (the engine's). */
  readonly pageSize: number;
  /** Number of pages: ceil(length / pageSize). */
  readonly pages: number;
  readonly #shared: Shared;
  readonly #bindings: Bindings;
  readonly #pager: Pager;
  readonly #onClose: (segment: Segment) => void;
  readonly #scalar = new DataView(new ArrayBuffer(8));
  // The scalar buffer's first 1, 2, 4 and 8 bytes, made once: loads and stores are hot.
  readonly #scalarBytes = new Map([1, 2, 4, 8].map((size) => [size, new Uint8Array(this.#scalar.buffer, 0, size)]));
  #closed = false;

  /** @internal Segments are made by Engine.segment, which owns their bindings and pager. */
  constructor(shared: Shared, length: number, bindings: Bindings, pager: Pager, onClose: (segment: Segment) => void) {
    this.length = length;
    this.pageSize = shared.pageSize;
    this.pages = Math.ceil(length / shared.pageSize);
    this.#shared = shared;
    this.#bindings = bindings;
    this.#pager = pager;
    this.#onClose = onClose;
  }

  /**
   * Reads `length` bytes of `file` from `position` into the segment at
   * `addr`, like fs.readSync, and returns how many it read (short at end of
   * file). Completes at once whatever the length: the bytes are bound to a
   * snapshot of the file and copied only when their page is first touched.
   */
  read(file: DeferredFile, addr: number, length: number, position: number): number {
    this.#open();
    const state = fileArgument(file, this.#shared);
    this.#range(addr, length);
    integer('position', position, 0, fileLengthMax - length);
    const shared = this.#shared;
    return commit(shared, () => {
      state.verify();
      // At or past the end of the file a read returns 0 and changes nothing.
      const count = Math.min(length, Math.max(0, state.size() - position));
      if (count === 0) return 0;
      const lo = addr;
      const hi = addr + count;
      const reused = shared.snapshots.reusable(state, position, position + count);
      if (reused === null) shared.snapshots.checkRoom();
      const copy = reused === null ? state.copyForSnapshot() : null;
      const { partial } = this.#coverage(lo, hi);
      // The fragment copy: the covered bytes of resident, partly covered pages
      // are refreshed from the file (read now, before anything changes), one
      // page of the staging buffer each.
      const B = this.pageSize;
      const staging = shared.staging;
      const fragments = partial.filter((page) => this.#pager.resident.has(page));
      assert(fragments.length * B <= staging.length, 'the staging buffer holds the two fragment pages');
      for (const [i, page] of fragments.entries()) {
        const [from, to] = this.#clip(page, lo, hi);
        state.readAt(staging, i * B, to - from, position + (from - addr));
      }
      const snap = reused ?? shared.snapshots.create(state, copy);
      this.#rebind(lo, hi, { kind: 'snap', snap, delta: position - addr }, false);
      for (const [i, page] of fragments.entries()) {
        const [from, to] = this.#clip(page, lo, hi);
        const frame = this.#pager.resident.get(page)!;
        shared.pool.bytes.set(staging.subarray(i * B, i * B + to - from), frame * B + (from - page * B));
        shared.counters.fragmentBytes += to - from;
      }
      return count;
    });
  }

  /**
   * Writes `length` bytes of the segment from `addr` to `file` at
   * `position`, like fs.writeSync; the file grows as needed. Bytes the file
   * provably holds already are skipped, not written.
   */
  write(file: DeferredFile, addr: number, length: number, position: number, options?: WriteOptions): WriteResult {
    this.#open();
    const state = fileArgument(file, this.#shared);
    this.#range(addr, length);
    integer('position', position, 0, fileLengthMax - length);
    const { rebind, sync } = writeOptions(options);
    if (state.readOnly) throw new ReadOnlyError(state.name);
    const shared = this.#shared;
    return commit(shared, () => {
      // Refused before the file changes if rebinding might need a snapshot beyond the limit.
      if (rebind && length > 0) shared.snapshots.checkRoom();
      const result = writeBack(shared, this.#bindings, this.#pager, state, addr, length, position);
      if (sync) state.sync();
      if (rebind && length > 0) {
        const snap =
          shared.snapshots.reusable(state, position, position + length) ??
          shared.snapshots.create(state, state.copyForSnapshot());
        // Frames stay: they hold exactly what the file now holds.
        this.#rebind(addr, addr + length, { kind: 'snap', snap, delta: position - addr }, true);
      }
      return result;
    });
  }

  /** Zeroes `length` bytes from `addr` without loading them (the "memset syscall"). */
  zero(addr: number, length: number): void {
    this.#open();
    this.#range(addr, length);
    const shared = this.#shared;
    commit(shared, () => {
      if (length === 0) return;
      const B = this.pageSize;
      for (const page of this.#rebind(addr, addr + length, undefined, false)) {
        const frame = this.#pager.resident.get(page);
        if (frame === undefined) continue;
        const [from, to] = this.#clip(page, addr, addr + length);
        shared.pool.bytes.fill(0, frame * B + (from - page * B), frame * B + (to - page * B));
      }
    });
  }

  /**
   * Pages `page` out of memory: to swap if dirty, else simply dropped.
   * Returns whether it was resident.
   */
  evict(page: number): boolean {
    this.#open();
    integer('page', page, 0, this.pages - 1);
    return this.#pager.evict(page);
  }

  /** The byte at `addr` (the spec's load). */
  getUint8(addr: number): number {
    this.#open();
    integer('addr', addr, 0, this.length - 1);
    const B = this.pageSize;
    const page = Math.floor(addr / B);
    // The offset in the page first: frame * B + addr can exceed 2^53 and round.
    return this.#shared.pool.bytes[this.#pager.frame(page) * B + (addr - page * B)];
  }

  /** Sets the byte at `addr` (the spec's store): its whole page becomes anonymous. */
  setUint8(addr: number, value: number): void {
    this.#open();
    integer('addr', addr, 0, this.length - 1);
    integer('value', value, 0, 255);
    this.#scalar.setUint8(0, value);
    this.#store(addr, this.#scalarBytes.get(1)!);
  }

  /** Copies `target.length` bytes from `addr` into `target`. */
  copyOut(addr: number, target: Uint8Array): void {
    this.#open();
    bytes('target', target);
    integer('addr', addr, 0, this.length - target.length);
    this.#load(addr, target);
  }

  /**
   * Copies `source` into the segment at `addr`; the pages written become
   * anonymous. Like a memcpy that faults, an I/O error part way leaves the
   * pages before it stored.
   */
  copyIn(addr: number, source: Uint8Array): void {
    this.#open();
    bytes('source', source);
    integer('addr', addr, 0, this.length - source.length);
    this.#store(addr, source);
  }

  getInt8(addr: number): number {
    return this.#get(addr, int8, false);
  }
  setInt8(addr: number, value: number): void {
    this.#set(addr, int8, value, false);
  }
  getInt16(addr: number, littleEndian = false): number {
    return this.#get(addr, int16, littleEndian);
  }
  setInt16(addr: number, value: number, littleEndian = false): void {
    this.#set(addr, int16, value, littleEndian);
  }
  getUint16(addr: number, littleEndian = false): number {
    return this.#get(addr, uint16, littleEndian);
  }
  setUint16(addr: number, value: number, littleEndian = false): void {
    this.#set(addr, uint16, value, littleEndian);
  }
  getInt32(addr: number, littleEndian = false): number {
    return this.#get(addr, int32, littleEndian);
  }
  setInt32(addr: number, value: number, littleEndian = false): void {
    this.#set(addr, int32, value, littleEndian);
  }
  getUint32(addr: number, littleEndian = false): number {
    return this.#get(addr, uint32, littleEndian);
  }
  setUint32(addr: number, value: number, littleEndian = false): void {
    this.#set(addr, uint32, value, littleEndian);
  }
  getFloat32(addr: number, littleEndian = false): number {
    return this.#get(addr, float32, littleEndian);
  }
  setFloat32(addr: number, value: number, littleEndian = false): void {
    this.#set(addr, float32, value, littleEndian);
  }
  getFloat64(addr: number, littleEndian = false): number {
    return this.#get(addr, float64, littleEndian);
  }
  setFloat64(addr: number, value: number, littleEndian = false): void {
    this.#set(addr, float64, value, littleEndian);
  }
  getBigInt64(addr: number, littleEndian = false): bigint {
    return this.#get(addr, bigInt64, littleEndian);
  }
  setBigInt64(addr: number, value: bigint, littleEndian = false): void {
    this.#set(addr, bigInt64, value, littleEndian);
  }
  getBigUint64(addr: number, littleEndian = false): bigint {
    return this.#get(addr, bigUint64, littleEndian);
  }
  setBigUint64(addr: number, value: bigint, littleEndian = false): void {
    this.#set(addr, bigUint64, value, littleEndian);
  }

  /** Releases every page, swap slot and snapshot binding. Idempotent. */
  close(): void {
    if (this.#closed) return;
    commit(this.#shared, () => {
      this.#bindings.bind(0, this.length, undefined);
      this.#pager.discard(0, this.pages);
    });
    this.#closed = true;
    this.#onClose(this);
  }

  /** Closes the segment when a `using` declaration goes out of scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  [inspect.custom](_depth: number, options: object): string {
    const shown: Record<string, unknown> = { length: this.length, pageSize: this.pageSize, pages: this.pages };
    if (this.#closed || this.#shared.closed) shown.closed = true;
    else {
      // Dirty: pages with an Anon byte, resident or swapped out.
      const B = this.pageSize;
      let dirty = 0;
      let last = -1;
      this.#bindings.map.forEach((start, end, binding) => {
        if (binding.kind !== 'anon') return;
        const first = Math.max(Math.floor(start / B), last + 1);
        last = Math.floor((end - 1) / B);
        dirty += last - first + 1;
      });
      Object.assign(shown, { resident: this.#pager.resident.size, swapped: this.#pager.swap.size, dirty });
    }
    return `Segment ${inspect(shown, options)}`;
  }

  #get<T>(addr: number, scalar: Scalar<T>, littleEndian: unknown): T {
    this.#open();
    integer('addr', addr, 0, this.length - scalar.size);
    const le = boolean('littleEndian', littleEndian);
    this.#load(addr, this.#scalarBytes.get(scalar.size)!);
    return scalar.get(this.#scalar, le);
  }

  #set<T>(addr: number, scalar: Scalar<T>, value: unknown, littleEndian: unknown): void {
    this.#open();
    integer('addr', addr, 0, this.length - scalar.size);
    const checked = scalar.check('value', value);
    const le = boolean('littleEndian', littleEndian);
    scalar.set(this.#scalar, checked, le);
    this.#store(addr, this.#scalarBytes.get(scalar.size)!);
  }

  /** Loads segment bytes [addr, addr + into.length) page by page, faulting pages in. */
  #load(addr: number, into: Uint8Array): void {
    const B = this.pageSize;
    const pool = this.#shared.pool.bytes;
    for (let done = 0; done < into.length; ) {
      const x = addr + done;
      const page = Math.floor(x / B);
      const offset = x - page * B;
      const count = Math.min(B - offset, into.length - done);
      const base = this.#pager.frame(page) * B + offset;
      into.set(pool.subarray(base, base + count), done);
      done += count;
    }
  }

  /** Stores `from` at addr page by page: each page is faulted in, then becomes wholly Anon. */
  #store(addr: number, from: Uint8Array): void {
    const B = this.pageSize;
    const pool = this.#shared.pool.bytes;
    commit(this.#shared, () => {
      for (let done = 0; done < from.length; ) {
        const x = addr + done;
        const page = Math.floor(x / B);
        const offset = x - page * B;
        const count = Math.min(B - offset, from.length - done);
        pool.set(from.subarray(done, done + count), this.#pager.frame(page) * B + offset);
        const pageEnd = this.#pageEnd(page);
        if (!this.#bindings.allAnon(page * B, pageEnd)) this.#bindings.bind(page * B, pageEnd, ANON);
        done += count;
      }
    });
  }

  /**
   * Binds [lo, hi) to `binding` (undefined: Zero). Pages covered entirely
   * lose their swap slot and, unless `keepFrames`, their frame: their old
   * bytes are gone. Returns the partly covered pages, whose swap slot goes
   * only if they have no Anon byte left.
   */
  #rebind(lo: number, hi: number, binding: Binding | undefined, keepFrames: boolean): number[] {
    const { first, end, partial } = this.#coverage(lo, hi);
    this.#bindings.bind(lo, hi, binding);
    if (keepFrames) this.#pager.swap.drop(first, end);
    else this.#pager.discard(first, end);
    for (const page of partial) this.#pager.swapKept(page);
    return partial;
  }

  #coverage(lo: number, hi: number): Coverage {
    const B = this.pageSize;
    const covered = (page: number): boolean => lo <= page * B && this.#pageEnd(page) <= hi;
    const head = Math.floor(lo / B);
    const tail = Math.floor((hi - 1) / B);
    const partial: number[] = [];
    if (!covered(head)) partial.push(head);
    if (tail !== head && !covered(tail)) partial.push(tail);
    const coverage = { first: covered(head) ? head : head + 1, end: covered(tail) ? tail + 1 : tail, partial };
    assert(lo < hi && coverage.first <= coverage.end + 1 && partial.length <= 2, 'coverage of an empty range');
    return coverage;
  }

  /** The part of [lo, hi) inside `page`. */
  #clip(page: number, lo: number, hi: number): [number, number] {
    const base = page * this.pageSize;
    return [Math.max(lo, base), base + Math.min(this.pageSize, hi - base)];
  }

  /** The end of `page`: (page + 1) * B, or the segment's end for a short last page (and never past 2^53). */
  #pageEnd(page: number): number {
    const base = page * this.pageSize;
    return base + Math.min(this.pageSize, this.length - base);
  }

  #range(addr: number, length: number): void {
    integer('addr', addr, 0, this.length);
    integer('length', length, 0, this.length - addr);
  }

  #open(): void {
    if (this.#shared.closed) throw new ClosedError('engine');
    if (this.#closed) throw new ClosedError('segment');
  }
}

function writeOptions(value: unknown): { rebind: boolean; sync: boolean } {
  const given = options('options', value, ['rebind', 'sync']);
  return {
    rebind: given.rebind === undefined ? false : boolean('options.rebind', given.rebind),
    sync: given.sync === undefined ? false : boolean('options.sync', given.sync),
  };
}
