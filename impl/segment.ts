/**
 * A deferred segment: a byte-addressed buffer of up to 2^53 bytes whose
 * pages are filled only when touched. `read` binds bytes to a snapshot of a
 * file and returns at once; loads fault pages in from their sources; stores
 * make a page anonymous (dirty); `write` skips what the file already holds.
 *
 * Loads and stores of resident pages take a hit path that is a bounds
 * check, a page-table lookup and a DataView access on the frame pool: for
 * an integer address below 2^32 and a power-of-two page size it needs no
 * division and allocates nothing. Everything else (a fault, a value
 * straddling two pages, a first store to a clean page, any argument the hit
 * path does not vouch for) takes the full path, which validates every
 * argument as before.
 */
import { inspect } from 'node:util';
import { assert } from './assert.ts';
import type { Bindings } from './bindings.ts';
import { type DeferredFile, fileArgument } from './deferred-file.ts';
import { ArgumentError, ClosedError, ReadOnlyError } from './errors.ts';
import type { FileState } from './files.ts';
import { DETACHED, type FramePool } from './frames.ts';
import { fileLengthMax } from './limits.ts';
import type { PageTable } from './page-table.ts';
import type { Pager } from './paging.ts';
import { commit, type Shared } from './shared.ts';
import { boolean, bytes, integer, options } from './validate.ts';
import { rebindWritten, type WriteResult, writeBack } from './writeback.ts';

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

export interface BytesOptions {
  /**
   * Detach the page first (every byte of it becomes Anon, as a store of its
   * own values would), so that stores through the view land in a dirty
   * page. Default false: the view must only be read.
   */
  writable?: boolean;
}

/** The typed values a segment loads and stores, DataView-style, at byte `at` of a DataView. */
interface Scalar<T> {
  readonly size: number;
  check(name: string, value: unknown): T;
  get(view: DataView, at: number, littleEndian: boolean): T;
  set(view: DataView, at: number, value: T, littleEndian: boolean): void;
}

function int(
  size: number,
  min: number,
  max: number,
  get: (view: DataView, at: number, littleEndian: boolean) => number,
  set: (view: DataView, at: number, value: number, littleEndian: boolean) => void,
): Scalar<number> {
  return { size, check: (name, value) => integer(name, value, min, max), get, set };
}

function float(
  size: number,
  get: (view: DataView, at: number, littleEndian: boolean) => number,
  set: (view: DataView, at: number, value: number, littleEndian: boolean) => void,
): Scalar<number> {
  const check = (name: string, value: unknown): number => {
    if (typeof value !== 'number')
      throw new ArgumentError(name, `must be a number, got ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
    return value;
  };
  return { size, check, get, set };
}

function big(
  min: bigint,
  max: bigint,
  get: (view: DataView, at: number, littleEndian: boolean) => bigint,
  set: (view: DataView, at: number, value: bigint, littleEndian: boolean) => void,
): Scalar<bigint> {
  const check = (name: string, value: unknown): bigint => {
    if (typeof value !== 'bigint')
      throw new ArgumentError(name, `must be a bigint, got ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
    if (value < min || value > max)
      throw new ArgumentError(name, `must be in [${min}, ${max}], got ${value}`, 'ERR_OUT_OF_RANGE');
    return value;
  };
  return { size: 8, check, get, set };
}

const uint8 = int(
  1,
  0,
  2 ** 8 - 1,
  (v, at) => v.getUint8(at),
  (v, at, x) => v.setUint8(at, x),
);
const int8 = int(
  1,
  -(2 ** 7),
  2 ** 7 - 1,
  (v, at) => v.getInt8(at),
  (v, at, x) => v.setInt8(at, x),
);
const int16 = int(
  2,
  -(2 ** 15),
  2 ** 15 - 1,
  (v, at, le) => v.getInt16(at, le),
  (v, at, x, le) => v.setInt16(at, x, le),
);
const uint16 = int(
  2,
  0,
  2 ** 16 - 1,
  (v, at, le) => v.getUint16(at, le),
  (v, at, x, le) => v.setUint16(at, x, le),
);
const int32 = int(
  4,
  -(2 ** 31),
  2 ** 31 - 1,
  (v, at, le) => v.getInt32(at, le),
  (v, at, x, le) => v.setInt32(at, x, le),
);
const uint32 = int(
  4,
  0,
  2 ** 32 - 1,
  (v, at, le) => v.getUint32(at, le),
  (v, at, x, le) => v.setUint32(at, x, le),
);
const float32 = float(
  4,
  (v, at, le) => v.getFloat32(at, le),
  (v, at, x, le) => v.setFloat32(at, x, le),
);
const float64 = float(
  8,
  (v, at, le) => v.getFloat64(at, le),
  (v, at, x, le) => v.setFloat64(at, x, le),
);
const bigInt64 = big(
  -(2n ** 63n),
  2n ** 63n - 1n,
  (v, at, le) => v.getBigInt64(at, le),
  (v, at, x, le) => v.setBigInt64(at, x, le),
);
const bigUint64 = big(
  0n,
  2n ** 64n - 1n,
  (v, at, le) => v.getBigUint64(at, le),
  (v, at, x, le) => v.setBigUint64(at, x, le),
);

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
  // The hit path's state, held here so that it is one field load away.
  readonly #table: PageTable;
  readonly #pool: FramePool;
  readonly #view: DataView;
  readonly #referenced: Uint8Array;
  readonly #state: Uint8Array;
  // log2(B) and B - 1 when B is a power of two; -1 turns the hit path off (the full path divides).
  readonly #shift: number;
  readonly #mask: number;
  // Scratch for a value straddling two pages.
  readonly #scalar = new DataView(new ArrayBuffer(8));
  readonly #scalarBytes = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((size) => new Uint8Array(this.#scalar.buffer, 0, size));
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
    this.#table = pager.table;
    this.#pool = shared.pool;
    this.#view = shared.pool.view;
    this.#referenced = shared.pool.referenced;
    this.#state = shared.pool.state;
    const B = shared.pageSize;
    this.#shift = (B & (B - 1)) === 0 ? Math.log2(B) : -1;
    this.#mask = B - 1;
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
      // At or past the end of the file a read returns 0 and changes nothing.
      const count = Math.min(length, Math.max(0, state.size() - position));
      if (count === 0) return 0;
      const lo = addr;
      const hi = addr + count;
      const reused = shared.snapshots.reusable(state, position, position + count);
      if (reused === null) shared.snapshots.checkRoom();
      const copy = reused === null ? state.copyForSnapshot() : null;
      // The fragment copy: the covered bytes of the resident pages the read
      // covers only partly (its first and last) are refreshed from the file,
      // read now, before anything changes, one page of the staging buffer each.
      const B = this.pageSize;
      const head = Math.floor(lo / B);
      const tail = Math.floor((hi - 1) / B);
      const fragment = (page: number): boolean =>
        this.#table.get(page) >= 0 && !(lo <= page * B && this.#pageEnd(page) <= hi);
      // Stryker disable next-line ArithmeticOperator: fragments is only tested bit by bit, and 1 - 2 = -1, 0 - 2 = -2 have bits 0 and 1 as 1 + 2 = 3, 0 + 2 = 2 do.
      const fragments = (fragment(head) ? 1 : 0) + (tail !== head && fragment(tail) ? 2 : 0);
      if (fragments & 1) this.#readFragment(state, head, lo, hi, addr, position, 0);
      if (fragments & 2) this.#readFragment(state, tail, lo, hi, addr, position, B);
      const snap = reused ?? shared.snapshots.create(state, copy);
      assert(snap.file === state, 'a read binds to a snapshot of the file it reads');
      this.#bindings.bind(lo, hi, { kind: 'snap', snap, delta: position - addr });
      this.#pager.rebound(lo, hi, false);
      if (fragments & 1) this.#copyFragment(head, lo, hi, 0);
      if (fragments & 2) this.#copyFragment(tail, lo, hi, B);
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
      const plan = writeBack(shared, this.#bindings, this.#pager, state, addr, length, position);
      assert(plan.written + plan.skipped === length, 'a write-back writes or skips every byte once');
      if (sync) state.sync();
      if (rebind && length > 0) {
        const snap =
          shared.snapshots.reusable(state, position, position + length) ??
          shared.snapshots.create(state, state.copyForSnapshot());
        rebindWritten(this.#bindings, this.#pager, snap, position - addr, plan);
      }
      return { written: plan.written, skipped: plan.skipped };
    });
  }

  /** Zeroes `length` bytes from `addr` without loading them (the "memset syscall"). */
  zero(addr: number, length: number): void {
    this.#open();
    this.#range(addr, length);
    commit(this.#shared, () => {
      if (length === 0) return;
      const B = this.pageSize;
      const hi = addr + length;
      this.#bindings.bind(addr, hi, undefined);
      this.#pager.rebound(addr, hi, false);
      // The partly covered pages still resident get zeros where they were covered.
      for (const page of [Math.floor(addr / B), Math.floor((hi - 1) / B)]) {
        const frame = this.#table.get(page);
        if (frame < 0) continue;
        const base = page * B;
        this.#pool.bytes.fill(0, frame * B + (Math.max(addr, base) - base), frame * B + Math.min(B, hi - base));
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

  /**
   * A direct view of segment bytes [addr, addr + length), which must lie in
   * one page: a subarray of the frame pool, no copy. The page is faulted in
   * as by a load (and refused with FileChangedError as a load is); with
   * `writable` it is first detached, as a store of its own values would, so
   * that stores through the view land in a dirty page.
   *
   * The view is valid only until the next call into the engine: any call
   * may evict the page and give its frame to another page, after which the
   * view shows (and stores into) that page. Stores through a view that is
   * not writable are not seen by write-back and are lost on eviction.
   * Neither can be checked: JavaScript has no read-only or revocable typed
   * array.
   */
  bytes(addr: number, length: number, options?: BytesOptions): Uint8Array {
    // Stryker disable next-line StringLiteral,BlockStatement: without the hit path the full path returns the same view after the same validation, touches the frame as the hit path does and calls no backend (no counter changes).
    if (options === undefined && typeof length === 'number' && length >>> 0 === length && length > 0) {
      // Stryker disable next-line BooleanLiteral: a page not yet detached then takes the full path, which for a view that is not writable returns the same subarray, touches the frame as the hit path does and calls no backend.
      const at = this.#resident(addr, length, false);
      if (at >= 0) return this.#pool.bytes.subarray(at, at + length);
    }
    this.#open();
    integer('addr', addr, 0, this.length - 1);
    const B = this.pageSize;
    const page = Math.floor(addr / B);
    const offset = addr - page * B;
    integer('length', length, 1, this.#pageEnd(page) - addr);
    const writable = viewOptions(options);
    const frame = commit(this.#shared, () => {
      const frame = this.#pager.frame(page);
      if (writable) this.#pager.detach(page, frame);
      return frame;
    });
    return this.#pool.bytes.subarray(frame * B + offset, frame * B + offset + length);
  }

  /**
   * Copies `target.length` bytes from `addr` into `target`, without
   * faulting anything in (the spec's CopyOut): resident pages are copied
   * from their frames, the rest straight from their sources (zeros, the
   * file or its preserved blocks, swap), like write-back. Refused with
   * FileChangedError, copying nothing, if a byte of the range is lost.
   */
  copyOut(addr: number, target: Uint8Array): void {
    const at = this.#resident(addr, target.length, false);
    if (at >= 0 && target instanceof Uint8Array) {
      target.set(this.#pool.bytes.subarray(at, at + target.length));
      return;
    }
    this.#open();
    bytes('target', target);
    integer('addr', addr, 0, this.length - target.length);
    if (target.length === 0) return;
    this.#shared.calls.current++;
    this.#pager.checkKnown(addr, addr + target.length);
    this.#pager.view(addr, addr + target.length, target, 0);
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

  /**
   * Faults in, in order, the pages covering [addr, addr + length) that are
   * not resident, up to the first that cannot be filled: that page and the
   * rest are left alone, with no error (best effort, as madvise(WILLNEED);
   * the spec's Prefetch). Pages whose sources are contiguous in one file
   * are filled with one read. At most as many pages as the frame pool
   * holds.
   */
  prefetch(addr: number, length: number): void {
    this.#open();
    this.#range(addr, length);
    if (length === 0) return;
    this.#shared.calls.current++;
    const B = this.pageSize;
    this.#pager.prefetch(Math.floor(addr / B), Math.floor((addr + length - 1) / B) + 1);
  }

  /** The byte at `addr` (the spec's load). */
  getUint8(addr: number): number {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 1, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: off the hit path, the full path loads the same bytes from the same resident frame and marks it referenced alike
    if (at >= 0) return this.#pool.bytes[at];
    // Stryker disable next-line BooleanLiteral: one byte has no byte order
    return this.#get(addr, uint8, false);
  }

  /** Sets the byte at `addr` (the spec's store): its whole page becomes anonymous. */
  setUint8(addr: number, value: number): void {
    const at = this.#resident(addr, 1, true);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: off the hit path, the full path stores the same bytes in the same detached frame (detach and commit change nothing)
    if (at >= 0 && (value & 0xff) === value) this.#pool.bytes[at] = value;
    // Stryker disable next-line BooleanLiteral: one byte has no byte order
    else this.#set(addr, uint8, value, false);
  }

  getInt8(addr: number): number {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 1, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: off the hit path, the full path loads the same bytes from the same resident frame and marks it referenced alike
    if (at >= 0) return this.#view.getInt8(at);
    // Stryker disable next-line BooleanLiteral: one byte has no byte order
    return this.#get(addr, int8, false);
  }
  setInt8(addr: number, value: number): void {
    const at = this.#resident(addr, 1, true);
    if (at >= 0 && (value << 24) >> 24 === value) this.#view.setInt8(at, value);
    // Stryker disable next-line BooleanLiteral: one byte has no byte order
    else this.#set(addr, int8, value, false);
  }
  getInt16(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 2, false);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#view.getInt16(at, littleEndian);
    return this.#get(addr, int16, littleEndian);
  }
  setInt16(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 2, true);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && (value << 16) >> 16 === value && typeof littleEndian === 'boolean')
      this.#view.setInt16(at, value, littleEndian);
    else this.#set(addr, int16, value, littleEndian);
  }
  getUint16(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 2, false);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#view.getUint16(at, littleEndian);
    return this.#get(addr, uint16, littleEndian);
  }
  setUint16(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 2, true);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && (value & 0xffff) === value && typeof littleEndian === 'boolean')
      this.#view.setUint16(at, value, littleEndian);
    else this.#set(addr, uint16, value, littleEndian);
  }
  getInt32(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 4, false);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#view.getInt32(at, littleEndian);
    return this.#get(addr, int32, littleEndian);
  }
  setInt32(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 4, true);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && (value | 0) === value && typeof littleEndian === 'boolean')
      this.#view.setInt32(at, value, littleEndian);
    else this.#set(addr, int32, value, littleEndian);
  }
  getUint32(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 4, false);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#view.getUint32(at, littleEndian);
    return this.#get(addr, uint32, littleEndian);
  }
  setUint32(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 4, true);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && value >>> 0 === value && typeof littleEndian === 'boolean')
      this.#view.setUint32(at, value, littleEndian);
    else this.#set(addr, uint32, value, littleEndian);
  }
  getFloat32(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 4, false);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#view.getFloat32(at, littleEndian);
    return this.#get(addr, float32, littleEndian);
  }
  setFloat32(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 4, true);
    // Stryker disable next-line StringLiteral: an empty type name fails the check: the full path, which validates alike, gives the same result
    if (at >= 0 && typeof value === 'number' && typeof littleEndian === 'boolean')
      this.#view.setFloat32(at, value, littleEndian);
    else this.#set(addr, float32, value, littleEndian);
  }
  getFloat64(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 8, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: off the hit path, the full path loads the same bytes from the same resident frame and marks it referenced alike
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#view.getFloat64(at, littleEndian);
    return this.#get(addr, float64, littleEndian);
  }
  setFloat64(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 8, true);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: off the hit path, the full path stores the same bytes in the same detached frame (detach and commit change nothing)
    if (at >= 0 && typeof value === 'number' && typeof littleEndian === 'boolean')
      this.#view.setFloat64(at, value, littleEndian);
    else this.#set(addr, float64, value, littleEndian);
  }
  getBigInt64(addr: number, littleEndian = false): bigint {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 8, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: off the hit path, the full path loads the same bytes from the same resident frame and marks it referenced alike
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#view.getBigInt64(at, littleEndian);
    return this.#get(addr, bigInt64, littleEndian);
  }
  setBigInt64(addr: number, value: bigint, littleEndian = false): void {
    // BigInt range checks are not cheap enough for a hit path: the full path checks.
    this.#set(addr, bigInt64, value, littleEndian);
  }
  getBigUint64(addr: number, littleEndian = false): bigint {
    // Stryker disable next-line BooleanLiteral: a load asking for a detached page only takes the full path more often, with the same result
    const at = this.#resident(addr, 8, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: off the hit path, the full path loads the same bytes from the same resident frame and marks it referenced alike
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#view.getBigUint64(at, littleEndian);
    return this.#get(addr, bigUint64, littleEndian);
  }
  setBigUint64(addr: number, value: bigint, littleEndian = false): void {
    this.#set(addr, bigUint64, value, littleEndian);
  }

  /** Releases every page, swap slot and snapshot binding. Idempotent. */
  close(): void {
    if (this.#closed) return;
    commit(this.#shared, () => {
      this.#bindings.unbindAll();
      this.#pager.discard(0, this.pages);
    });
    this.#pager.close();
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
      Object.assign(shown, { resident: this.#table.size, swapped: this.#pager.swap.size, dirty });
    }
    return `Segment ${inspect(shown, options)}`;
  }

  /**
   * The hit path: the frame pool offset of segment bytes [addr, addr + size)
   * if the segment is open, `addr` is an integer below 2^32 (so shifts and
   * masks are exact), B is a power of two, the bytes lie in one resident
   * page and, for a store, that page is already detached (every byte Anon,
   * so a store changes no binding). Else -1: the full path decides. Marks
   * the frame referenced for CLOCK (only when it is not already: a store
   * per hit costs more than the check).
   */
  // Stryker disable next-line BlockStatement: undefined is no offset (undefined >= 0 is false): every call takes the full path, with the same result
  #resident(addr: number, size: number, store: boolean): number {
    // Stryker disable next-line EqualityOperator,StringLiteral: returning -1 for more calls only sends them to the full path, with the same result
    if (this.#closed || typeof addr !== 'number' || addr >>> 0 !== addr || addr > this.length - size || this.#shift < 0)
      return -1;
    const offset = addr & this.#mask;
    const page = addr >>> this.#shift;
    const direct = this.#table.direct;
    // Stryker disable next-line EqualityOperator: a page past the direct table reads NaN (no offset) as a -1 does; more -1s only send calls to the full path
    if (offset + size > this.pageSize || page >= direct.length) return -1;
    const frame = direct[page] - 1;
    // Stryker disable next-line EqualityOperator,LogicalOperator: frame 0, loads of pages not detached, or a page not resident (a negative offset) only take the full path
    if (frame < 0 || (store && this.#state[frame] !== DETACHED)) return -1;
    const referenced = this.#referenced;
    if (referenced[frame] === 0) referenced[frame] = 1;
    return frame * this.pageSize + offset;
  }

  /** The full path of a load: validates, faults the page in, reads across a page boundary. */
  #get<T>(addr: number, scalar: Scalar<T>, littleEndian: unknown): T {
    this.#open();
    integer('addr', addr, 0, this.length - scalar.size);
    const le = boolean('littleEndian', littleEndian);
    this.#shared.calls.current++;
    const B = this.pageSize;
    const page = Math.floor(addr / B);
    // Stryker disable next-line ArithmeticOperator: for page > 0 the wrong offset exceeds B, so the gather loop reads the same value from the same frame
    const offset = addr - page * B;
    // The offset in the page first: frame * B + addr can exceed 2^53 and round.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the gather loop reads a value inside one page from the same frame, with the same result
    if (offset + scalar.size <= B) return scalar.get(this.#view, this.#pager.frame(page) * B + offset, le);
    const into = this.#scalarBytes[scalar.size];
    for (let done = 0; done < into.length; ) {
      const x = addr + done;
      const p = Math.floor(x / B);
      const count = Math.min(B - (x - p * B), into.length - done);
      const at = this.#pager.frame(p) * B + (x - p * B);
      into.set(this.#pool.bytes.subarray(at, at + count), done);
      done += count;
    }
    return scalar.get(this.#scalar, 0, le);
  }

  /** The full path of a store: validates, faults the page in, detaches it, writes across a page boundary. */
  #set<T>(addr: number, scalar: Scalar<T>, value: unknown, littleEndian: unknown): void {
    this.#open();
    integer('addr', addr, 0, this.length - scalar.size);
    const checked = scalar.check('value', value);
    const le = boolean('littleEndian', littleEndian);
    scalar.set(this.#scalar, 0, checked, le);
    this.#store(addr, this.#scalarBytes[scalar.size]);
  }

  /** Stores `from` at addr page by page: each page is faulted in, detached (wholly Anon), then written. */
  #store(addr: number, from: Uint8Array): void {
    const B = this.pageSize;
    const pool = this.#pool.bytes;
    commit(this.#shared, () => {
      for (let done = 0; done < from.length; ) {
        const x = addr + done;
        const page = Math.floor(x / B);
        const offset = x - page * B;
        // Stryker disable next-line ArithmeticOperator: count overshoots only on the last piece, which subarray clips at from.length
        const count = Math.min(B - offset, from.length - done);
        const frame = this.#pager.frame(page);
        this.#pager.detach(page, frame);
        pool.set(from.subarray(done, done + count), frame * B + offset);
        done += count;
      }
    });
  }

  /** Reads the part of [lo, hi) in resident page `page` from the file into staging[at..], for the fragment copy. */
  #readFragment(
    state: FileState,
    page: number,
    lo: number,
    hi: number,
    addr: number,
    position: number,
    at: number,
  ): void {
    const [from, to] = this.#clip(page, lo, hi);
    assert(from < to && to - from <= this.pageSize, 'a fragment lies inside its page');
    assert(at + this.pageSize <= this.#shared.staging.length, 'each fragment has a page of the staging buffer');
    state.readAt(this.#shared.staging, at, to - from, position + (from - addr));
  }

  /** Copies the fragment read into staging[at..] into page `page`'s frame. */
  #copyFragment(page: number, lo: number, hi: number, at: number): void {
    const B = this.pageSize;
    const [from, to] = this.#clip(page, lo, hi);
    const frame = this.#table.get(page);
    assert(frame >= 0, 'a fragment page stays resident from its read to its copy');
    this.#pool.bytes.set(this.#shared.staging.subarray(at, at + to - from), frame * B + (from - page * B));
    this.#shared.counters.fragmentBytes += to - from;
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

/** bytes()'s options: whether the view is writable. */
function viewOptions(value: unknown): boolean {
  const given = options('options', value, ['writable']);
  return given.writable === undefined ? false : boolean('options.writable', given.writable);
}
