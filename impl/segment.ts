/**
 * A deferred segment: a byte-addressed buffer of up to 2^53 bytes whose
 * pages are filled only when touched. `read` binds bytes to a snapshot of a
 * file and returns at once; loads fault pages in from their sources; stores
 * make a page anonymous (dirty); `write` skips what the file already holds.
 *
 * This is the public face: each method validates its arguments (throwing a
 * typed error before anything changes), then runs one mechanism, in the
 * module the spec's action names (read.ts, write.ts, zero.ts, evict.ts,
 * load.ts, store.ts, bytes.ts, copy-out.ts, prefetch.ts, refresh.ts), on
 * the segment's pager.
 *
 * Loads and stores of resident pages take a hit path, here, that is a
 * bounds check, a page-table lookup and a DataView access on the frame
 * pool: for an integer address below 2^32 and a power-of-two page size it
 * needs no division and allocates nothing. Everything else (a fault, a
 * value straddling two pages, a first store to a clean page, any argument
 * the hit path does not vouch for) takes the full path, which validates
 * every argument as before.
 */
import { inspect } from 'node:util';
import { atomically } from './atomic.ts';
import { bytes } from './bytes.ts';
import { copyOut } from './copy-out.ts';
import { type DeferredFile, fileArgument } from './deferred-file.ts';
import { ArgumentError, ClosedError, illegalConstructor, ReadOnlyError } from './errors.ts';
import { evict } from './evict.ts';
import { DETACHED, type FramePool } from './frames.ts';
import { fileLengthMax } from './limits.ts';
import { copyPages, load } from './load.ts';
import type { PageTable } from './page-table.ts';
import type { Pager } from './paging.ts';
import { prefetch } from './prefetch.ts';
import { read } from './read.ts';
import { refresh } from './refresh.ts';
import {
  bigInt64,
  bigUint64,
  float32,
  float64,
  int8,
  int16,
  int32,
  type Scalar,
  uint8,
  uint16,
  uint32,
} from './scalars.ts';
import { commit, type Shared } from './shared.ts';
import { store } from './store.ts';
import { boolean, booleanOr, byteArray, integer, options } from './validate.ts';
import { inPlace, type Sync, type WriteResult, write } from './write.ts';
import { zero } from './zero.ts';

export type { WriteResult } from './write.ts';

export interface WriteOptions {
  /**
   * Afterwards bind the written bytes to a snapshot of what was just written,
   * so the pages become clean and the next write-back of an unchanged region
   * writes nothing. Default false: the segment is left as it was.
   */
  rebind?: boolean;
  /**
   * After the data is written, fsync the file (FileBackend.sync; 'data':
   * fdatasync, FileBackend.datasync), even if nothing needed writing: when
   * the call returns, the file's content over the whole range is durable.
   * Rebinding waits for it: if the fsync fails, the pages stay dirty, so the
   * next write-back writes them again. Default false; with `atomic`, true.
   */
  sync?: boolean | 'data';
  /**
   * Write through a journal beside the file (impl/README.md, "Durability"):
   * after a crash at any point and the recovery on the next open, the file
   * holds exactly its content before the write-back or after it. Implies
   * `sync` (false is refused). Needs a file in a directory (a backend with
   * siblings). Default false.
   */
  atomic?: boolean;
}

export interface BytesOptions {
  /**
   * Detach the page first (every byte of it becomes Anon, as a store of its
   * own values would), so that stores through the view land in a dirty
   * page. Default false: the view must only be read.
   */
  writable?: boolean;
}

// Held by this module alone, so that only newSegment constructs: `new Segment()` anywhere else is refused.
const construct: unique symbol = Symbol('Segment');

export class Segment {
  /** Length in bytes. */
  readonly length: number;
  /** Page size B in bytes (the engine's). */
  readonly pageSize: number;
  /** Number of pages: ceil(length / pageSize). */
  readonly pages: number;
  readonly #shared: Shared;
  readonly #pager: Pager;
  readonly #onClose: (segment: Segment) => void;
  // The hit path's state, held here so that it is one field load away.
  readonly #table: PageTable;
  readonly #pool: FramePool;
  readonly #referenced: Uint8Array;
  readonly #state: Uint8Array;
  // log2(B) and B - 1 when B is a power of two; -1 turns the hit path off (the full path divides).
  readonly #shift: number;
  readonly #mask: number;
  // Scratch for a value straddling two pages.
  readonly #scalar = new DataView(new ArrayBuffer(8));
  readonly #scalarBytes = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((size) => new Uint8Array(this.#scalar.buffer, 0, size));
  #closed = false;

  /** @internal Segments are made by Engine.segment, which owns their pager: called by hand, this throws ERR_ILLEGAL_CONSTRUCTOR. */
  constructor(token: typeof construct, pager: Pager, onClose: (segment: Segment) => void) {
    if (token !== construct) throw illegalConstructor('a Segment is made by Engine.segment');
    const shared = pager.shared;
    this.length = pager.length;
    this.pageSize = shared.pageSize;
    this.pages = pager.pages;
    this.#shared = shared;
    this.#pager = pager;
    this.#onClose = onClose;
    this.#table = pager.table;
    this.#pool = shared.pool;
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
   * With `position` omitted or null it reads at the file's position and
   * advances it by the bytes read, as fs.readSync does (the position
   * `file.write` uses too); an explicit position neither uses nor moves it.
   */
  read(file: DeferredFile, addr: number, length: number, position?: number | null): number {
    this.#open();
    const state = fileArgument(file, this.#shared);
    this.#range(addr, length);
    const at = position === undefined || position === null ? state.position : position;
    integer('position', at, 0, fileLengthMax - length);
    const count = commit(this.#shared, () => read(this.#pager, state, addr, length, at));
    if (position === undefined || position === null) state.position = at + count;
    return count;
  }

  /**
   * Writes `length` bytes of the segment from `addr` to `file` at
   * `position`, like fs.writeSync; the file grows as needed. Bytes the file
   * provably holds already are skipped, not written. With `position`
   * omitted or null it writes at the file's position and advances it by
   * `length` (written and skipped alike: the file holds them all), as
   * fs.writeSync does; an explicit position neither uses nor moves it.
   */
  write(
    file: DeferredFile,
    addr: number,
    length: number,
    position?: number | null,
    options?: WriteOptions,
  ): WriteResult {
    this.#open();
    const state = fileArgument(file, this.#shared);
    this.#range(addr, length);
    const at = position === undefined || position === null ? state.position : position;
    integer('position', at, 0, fileLengthMax - length);
    const { rebind, sync, atomic } = writeOptions(options);
    if (atomic && state.backend.siblings === null)
      throw new ArgumentError(
        'options.atomic',
        `needs a file in a directory: ${state.name} has none`,
        'ERR_INVALID_ARG_VALUE',
      );
    if (state.readOnly) throw new ReadOnlyError(state.name);
    const apply = atomic ? atomically(sync === 'data' ? 'data' : true) : inPlace(sync);
    const result = commit(this.#shared, () => write(this.#pager, state, addr, length, at, rebind, apply));
    if (position === undefined || position === null) state.position = at + length;
    return result;
  }

  /**
   * Accepts the files' current bytes for what was lost (the spec's
   * Refresh): every lost byte of [addr, addr + length) -- not resident,
   * bound to a snapshot of a file changed behind the engine's back, at an
   * offset neither preserved nor isolated -- whose offset is below its
   * file's current length is bound to the file's current content there, as
   * a conventional re-read of those ranges would read it. Returns how many
   * bytes it rebound. A byte the engine still knows is left alone; a byte
   * past the end of its file stays lost (a load still refuses it). Copies
   * nothing, like `read`.
   */
  refresh(addr = 0, length: number = this.length - addr): number {
    this.#open();
    this.#range(addr, length);
    return commit(this.#shared, () => refresh(this.#pager, addr, length));
  }

  /** Zeroes `length` bytes from `addr` without loading them (the "memset syscall"). */
  zero(addr: number, length: number): void {
    this.#open();
    this.#range(addr, length);
    commit(this.#shared, () => zero(this.#pager, addr, length));
  }

  /**
   * Pages `page` out of memory: to swap if dirty, else simply dropped.
   * Returns whether it was resident.
   */
  evict(page: number): boolean {
    this.#open();
    integer('page', page, 0, this.pages - 1);
    return evict(this.#pager, page);
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
    // Stryker disable next-line StringLiteral,BlockStatement
    if (options === undefined && typeof length === 'number' && length >>> 0 === length && length > 0) {
      // Stryker disable next-line BooleanLiteral
      const at = this.#resident(addr, length, false);
      if (at >= 0) return this.#pool.bytes.subarray(at, at + length);
    }
    this.#open();
    integer('addr', addr, 0, this.length - 1);
    integer('length', length, 1, this.#pager.pageEnd(Math.floor(addr / this.pageSize)) - addr);
    const writable = viewOptions(options);
    return commit(this.#shared, () => bytes(this.#pager, addr, length, writable));
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
    byteArray('target', target);
    integer('addr', addr, 0, this.length - target.length);
    if (target.length === 0) return;
    this.#shared.calls.current++;
    copyOut(this.#pager, addr, target);
  }

  /**
   * Copies `source` into the segment at `addr`; the pages written become
   * anonymous. Like a memcpy that faults, an I/O error part way leaves the
   * pages before it stored.
   */
  copyIn(addr: number, source: Uint8Array): void {
    this.#open();
    byteArray('source', source);
    integer('addr', addr, 0, this.length - source.length);
    commit(this.#shared, () => store(this.#pager, addr, source));
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
    prefetch(this.#pager, Math.floor(addr / B), Math.floor((addr + length - 1) / B) + 1);
  }

  /** The byte at `addr` (the spec's load). */
  getUint8(addr: number): number {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 1, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (at >= 0) return this.#pool.bytes[at];
    // Stryker disable next-line BooleanLiteral
    return this.#get(addr, uint8, false);
  }

  /** Sets the byte at `addr` (the spec's store): its whole page becomes anonymous. */
  setUint8(addr: number, value: number): void {
    const at = this.#resident(addr, 1, true);
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (at >= 0 && (value & 0xff) === value) this.#pool.bytes[at] = value;
    // Stryker disable next-line BooleanLiteral
    else this.#set(addr, uint8, value, false);
  }

  getInt8(addr: number): number {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 1, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (at >= 0) return this.#pool.view.getInt8(at);
    // Stryker disable next-line BooleanLiteral
    return this.#get(addr, int8, false);
  }
  setInt8(addr: number, value: number): void {
    const at = this.#resident(addr, 1, true);
    if (at >= 0 && (value << 24) >> 24 === value) this.#pool.view.setInt8(at, value);
    // Stryker disable next-line BooleanLiteral
    else this.#set(addr, int8, value, false);
  }
  getInt16(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 2, false);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#pool.view.getInt16(at, littleEndian);
    return this.#get(addr, int16, littleEndian);
  }
  setInt16(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 2, true);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && (value << 16) >> 16 === value && typeof littleEndian === 'boolean')
      this.#pool.view.setInt16(at, value, littleEndian);
    else this.#set(addr, int16, value, littleEndian);
  }
  getUint16(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 2, false);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#pool.view.getUint16(at, littleEndian);
    return this.#get(addr, uint16, littleEndian);
  }
  setUint16(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 2, true);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && (value & 0xffff) === value && typeof littleEndian === 'boolean')
      this.#pool.view.setUint16(at, value, littleEndian);
    else this.#set(addr, uint16, value, littleEndian);
  }
  getInt32(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 4, false);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#pool.view.getInt32(at, littleEndian);
    return this.#get(addr, int32, littleEndian);
  }
  setInt32(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 4, true);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && (value | 0) === value && typeof littleEndian === 'boolean')
      this.#pool.view.setInt32(at, value, littleEndian);
    else this.#set(addr, int32, value, littleEndian);
  }
  getUint32(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 4, false);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#pool.view.getUint32(at, littleEndian);
    return this.#get(addr, uint32, littleEndian);
  }
  setUint32(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 4, true);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && value >>> 0 === value && typeof littleEndian === 'boolean')
      this.#pool.view.setUint32(at, value, littleEndian);
    else this.#set(addr, uint32, value, littleEndian);
  }
  getFloat32(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 4, false);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#pool.view.getFloat32(at, littleEndian);
    return this.#get(addr, float32, littleEndian);
  }
  setFloat32(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 4, true);
    // Stryker disable next-line StringLiteral
    if (at >= 0 && typeof value === 'number' && typeof littleEndian === 'boolean')
      this.#pool.view.setFloat32(at, value, littleEndian);
    else this.#set(addr, float32, value, littleEndian);
  }
  getFloat64(addr: number, littleEndian = false): number {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 8, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#pool.view.getFloat64(at, littleEndian);
    return this.#get(addr, float64, littleEndian);
  }
  setFloat64(addr: number, value: number, littleEndian = false): void {
    const at = this.#resident(addr, 8, true);
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (at >= 0 && typeof value === 'number' && typeof littleEndian === 'boolean')
      this.#pool.view.setFloat64(at, value, littleEndian);
    else this.#set(addr, float64, value, littleEndian);
  }
  getBigInt64(addr: number, littleEndian = false): bigint {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 8, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#pool.view.getBigInt64(at, littleEndian);
    return this.#get(addr, bigInt64, littleEndian);
  }
  setBigInt64(addr: number, value: bigint, littleEndian = false): void {
    // BigInt range checks are not cheap enough for a hit path: the full path checks.
    this.#set(addr, bigInt64, value, littleEndian);
  }
  getBigUint64(addr: number, littleEndian = false): bigint {
    // Stryker disable next-line BooleanLiteral
    const at = this.#resident(addr, 8, false);
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (at >= 0 && typeof littleEndian === 'boolean') return this.#pool.view.getBigUint64(at, littleEndian);
    return this.#get(addr, bigUint64, littleEndian);
  }
  setBigUint64(addr: number, value: bigint, littleEndian = false): void {
    this.#set(addr, bigUint64, value, littleEndian);
  }

  /** Releases every page, swap slot and snapshot binding. Idempotent. */
  close(): void {
    if (this.#closed) return;
    commit(this.#shared, () => {
      this.#pager.bindings.unbindAll();
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
      this.#pager.bindings.map.forEach((start, end, binding) => {
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
  // Stryker disable next-line BlockStatement
  #resident(addr: number, size: number, store: boolean): number {
    // Stryker disable next-line EqualityOperator,StringLiteral
    if (this.#closed || typeof addr !== 'number' || addr >>> 0 !== addr || addr > this.length - size || this.#shift < 0)
      return -1;
    const offset = addr & this.#mask;
    const page = addr >>> this.#shift;
    const direct = this.#table.direct;
    // Stryker disable next-line EqualityOperator
    if (offset + size > this.pageSize || page >= direct.length) return -1;
    const frame = direct[page] - 1;
    // Stryker disable next-line EqualityOperator,LogicalOperator
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
    // Stryker disable next-line ArithmeticOperator
    const offset = addr - page * B;
    // The offset in the page first: frame * B + addr can exceed 2^53 and round.
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (offset + scalar.size <= B) {
      // The fault first: taking a frame may grow the pool, and with it its view.
      const at = load(this.#pager, page) * B + offset;
      return scalar.get(this.#pool.view, at, le);
    }
    copyPages(this.#pager, addr, this.#scalarBytes[scalar.size]);
    return scalar.get(this.#scalar, 0, le);
  }

  /** The full path of a store: validates, faults the page in, detaches it, writes across a page boundary. */
  #set<T>(addr: number, scalar: Scalar<T>, value: unknown, littleEndian: unknown): void {
    this.#open();
    integer('addr', addr, 0, this.length - scalar.size);
    const checked = scalar.check('value', value);
    const le = boolean('littleEndian', littleEndian);
    scalar.set(this.#scalar, 0, checked, le);
    commit(this.#shared, () => store(this.#pager, addr, this.#scalarBytes[scalar.size]));
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

function writeOptions(value: unknown): { rebind: boolean; sync: Sync; atomic: boolean } {
  const given = options('options', value, ['rebind', 'sync', 'atomic']);
  const atomic = given.atomic === undefined ? false : boolean('options.atomic', given.atomic);
  const sync = given.sync === undefined ? atomic : booleanOr('options.sync', given.sync, 'data');
  if (atomic && sync === false)
    throw new ArgumentError(
      'options.sync',
      'must not be false with atomic: an atomic write-back syncs',
      'ERR_INVALID_ARG_VALUE',
    );
  return {
    rebind: given.rebind === undefined ? false : boolean('options.rebind', given.rebind),
    sync,
    atomic,
  };
}

/** bytes()'s options: whether the view is writable. */
function viewOptions(value: unknown): boolean {
  const given = options('options', value, ['writable']);
  return given.writable === undefined ? false : boolean('options.writable', given.writable);
}

/** A new Segment over `pager` (for Engine.segment); `onClose` is told once, when it closes. */
export function newSegment(pager: Pager, onClose: (segment: Segment) => void): Segment {
  return new Segment(construct, pager, onClose);
}
