/**
 * The conventional store, the block cache a file server over deferred I/O
 * should not need: a fixed pool of block frames over pread/pwrite. A load or store finds its
 * block in the pool or reads it in (evicting the least recently used block,
 * written back first if dirty); a store marks its block dirty; sync writes
 * every dirty block, adjacent ones in one pwritev, then fsyncs. Block size
 * = the image's block size; the pool's size is a memory budget, as the
 * engine's is.
 */
import * as fs from 'node:fs';
import type { SyncReport } from './fs.ts';
import { imageBlockSize, readFrom, type Store, StoreError, type StoreOptions } from './store.ts';

export interface CacheStoreOptions extends StoreOptions {
  /** Bytes of block frames (default 64 MiB, the engine's default budget); at least two blocks. */
  memory?: number;
}

const memoryDefault = 64 * 2 ** 20;
/** Buffers per pwritev: Linux's IOV_MAX. */
const iovMax = 1024;

export class CacheStore implements Store {
  readonly length: number;
  readonly readOnly: boolean;
  /** Block size in bytes. */
  readonly blockSize: number;
  readonly #fd: number;
  readonly #path: string;
  readonly #frames: Uint8Array;
  readonly #view: DataView;
  // block -> frame, least recently used first (a Map keeps insertion order; a hit moves the block to the end).
  readonly #resident = new Map<number, number>();
  // frame -> whether it was stored into since it was read or written.
  readonly #dirty: Uint8Array;
  readonly #free: number[] = [];
  // The most recent block, so runs of accesses to one block skip the LRU bookkeeping.
  #lastBlock = -1;
  #lastFrame = -1;
  #closed = false;

  private constructor(path: string, fd: number, length: number, blockSize: number, frames: number, readOnly: boolean) {
    this.#path = path;
    this.#fd = fd;
    this.length = length;
    this.blockSize = blockSize;
    this.readOnly = readOnly;
    this.#frames = new Uint8Array(frames * blockSize);
    this.#view = new DataView(this.#frames.buffer);
    this.#dirty = new Uint8Array(frames);
    for (let frame = frames - 1; frame >= 0; frame--) this.#free.push(frame);
  }

  static open(path: string, options: CacheStoreOptions = {}): CacheStore {
    const readOnly = options.readOnly ?? false;
    const fd = fs.openSync(path, readOnly ? 'r' : 'r+');
    try {
      const length = fs.fstatSync(fd).size;
      if (length === 0) throw new StoreError(`${path}: the image is empty`, { cause: null });
      const blockSize = imageBlockSize(readFrom(fd));
      const frames = Math.floor((options.memory ?? memoryDefault) / blockSize);
      if (frames < 2) throw new RangeError(`memory: at least two blocks (${2 * blockSize} bytes)`);
      return new CacheStore(path, fd, length, blockSize, Math.min(frames, Math.ceil(length / blockSize)), readOnly);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  /** Blocks resident now. */
  get residentBlocks(): number {
    return this.#resident.size;
  }

  getUint8(addr: number): number {
    this.#check(addr, 1);
    return this.#frames[this.#at(addr)];
  }

  getUint16(addr: number): number {
    this.#check(addr, 2);
    if (this.#within(addr, 2)) return this.#view.getUint16(this.#at(addr), true);
    return this.getUint8(addr) | (this.getUint8(addr + 1) << 8);
  }

  getUint32(addr: number): number {
    this.#check(addr, 4);
    if (this.#within(addr, 4)) return this.#view.getUint32(this.#at(addr), true);
    return (this.getUint16(addr) + this.getUint16(addr + 2) * 0x10000) >>> 0;
  }

  setUint8(addr: number, value: number): void {
    this.#writable(addr, 1);
    this.#frames[this.#at(addr, true)] = value;
  }

  setUint16(addr: number, value: number): void {
    this.#writable(addr, 2);
    if (this.#within(addr, 2)) return this.#view.setUint16(this.#at(addr, true), value, true);
    this.setUint8(addr, value & 0xff);
    this.setUint8(addr + 1, value >>> 8);
  }

  setUint32(addr: number, value: number): void {
    this.#writable(addr, 4);
    if (this.#within(addr, 4)) return this.#view.setUint32(this.#at(addr, true), value, true);
    this.setUint16(addr, value & 0xffff);
    this.setUint16(addr + 2, value >>> 16);
  }

  copyOut(addr: number, target: Uint8Array): void {
    this.#check(addr, target.length);
    this.#blocks(addr, target.length, false, (at, from, count) =>
      target.set(this.#frames.subarray(at, at + count), from),
    );
  }

  view(addr: number, length: number): Uint8Array {
    this.#check(addr, length);
    if (length < 1 || !this.#within(addr, length))
      throw new RangeError(`[${addr}, ${addr + length}) is not inside one block`);
    const at = this.#at(addr);
    return this.#frames.subarray(at, at + length);
  }

  copyIn(addr: number, source: Uint8Array): void {
    this.#writable(addr, source.length);
    this.#blocks(addr, source.length, true, (at, from, count) =>
      this.#frames.set(source.subarray(from, from + count), at),
    );
  }

  zero(addr: number, length: number): void {
    this.#writable(addr, length);
    this.#blocks(addr, length, true, (at, _from, count) => this.#frames.fill(0, at, at + count));
  }

  /** Writes every dirty block (adjacent blocks in one call) and fsyncs. */
  sync(): SyncReport {
    if (this.readOnly) return { written: 0, skipped: this.length };
    const dirty: number[] = [];
    for (const [block, frame] of this.#resident) if (this.#dirty[frame] === 1) dirty.push(block);
    dirty.sort((a, b) => a - b);
    let written = 0;
    for (let i = 0; i < dirty.length; ) {
      let j = i + 1;
      while (j < dirty.length && j - i < iovMax && dirty[j] === dirty[j - 1] + 1) j++;
      written += this.#writeBack(dirty.slice(i, j));
      i = j;
    }
    try {
      this.#io('fsync', () => fs.fsyncSync(this.#fd));
    } catch (error) {
      // After a failed fsync the kernel may have dropped what it could not write: keep the blocks dirty, to write again.
      for (const block of dirty) this.#dirty[this.#resident.get(block)!] = 1;
      throw error;
    }
    return { written, skipped: this.length - written };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    fs.closeSync(this.#fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Whether [addr, addr + size) lies in one block (ext2's fields always do). */
  #within(addr: number, size: number): boolean {
    const B = this.blockSize;
    return addr % B <= B - size;
  }

  /** Where the byte at `addr` is in the frames, reading its block in if needed. */
  #at(addr: number, store = false): number {
    const B = this.blockSize;
    const block = Math.floor(addr / B);
    const frame = this.#frame(block);
    if (store) this.#dirty[frame] = 1;
    return frame * B + (addr - block * B);
  }

  /** Runs `each(frameOffset, rangeOffset, count)` over the blocks of [addr, addr + length), in order. */
  #blocks(addr: number, length: number, store: boolean, each: (at: number, from: number, count: number) => void): void {
    const B = this.blockSize;
    for (let x = addr; x < addr + length; ) {
      const block = Math.floor(x / B);
      const stop = Math.min((block + 1) * B, addr + length);
      // A store over a whole block need not read it first.
      const frame = this.#frame(block, store && x === block * B && stop === Math.min((block + 1) * B, this.length));
      if (store) this.#dirty[frame] = 1;
      each(frame * B + (x - block * B), x - addr, stop - x);
      x = stop;
    }
  }

  /** The frame holding `block`, read in (unless `overwrite`) after evicting the least recently used block if none is free. */
  #frame(block: number, overwrite = false): number {
    if (block === this.#lastBlock) return this.#lastFrame;
    let frame = this.#resident.get(block);
    if (frame !== undefined) {
      this.#resident.delete(block);
      this.#resident.set(block, frame);
    } else {
      frame = this.#free.pop() ?? this.#evict();
      if (!overwrite) this.#readIn(block, frame);
      this.#resident.set(block, frame);
    }
    this.#lastBlock = block;
    this.#lastFrame = frame;
    return frame;
  }

  #evict(): number {
    const [block, frame] = this.#resident.entries().next().value as [number, number];
    if (this.#dirty[frame] === 1) this.#writeBack([block]);
    this.#resident.delete(block);
    if (this.#lastBlock === block) this.#lastBlock = -1;
    return frame;
  }

  #readIn(block: number, frame: number): void {
    const B = this.blockSize;
    const at = frame * B;
    let done = 0;
    const want = Math.min(B, this.length - block * B);
    while (done < want) {
      const count = this.#io('pread', () =>
        fs.readSync(this.#fd, this.#frames, at + done, want - done, block * B + done),
      );
      if (count === 0) break;
      done += count;
    }
    this.#frames.fill(0, at + done, at + B);
    this.#dirty[frame] = 0;
  }

  /** Writes consecutive resident blocks with one pwritev; they become clean. Returns the bytes written. */
  #writeBack(blocks: number[]): number {
    const B = this.blockSize;
    const buffers = blocks.map((block) => {
      const frame = this.#resident.get(block)!;
      this.#dirty[frame] = 0;
      return this.#frames.subarray(frame * B, frame * B + Math.min(B, this.length - block * B));
    });
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    let done = 0;
    while (done < total) {
      const position = blocks[0] * B + done;
      const rest = remaining(buffers, done);
      done += this.#io('pwritev', () => fs.writevSync(this.#fd, rest, position));
    }
    return total;
  }

  #check(addr: number, length: number): void {
    if (this.#closed) throw new StoreError('the cache store is closed', { cause: null });
    if (!(addr >= 0 && addr + length <= this.length))
      throw new RangeError(`[${addr}, ${addr + length}) is outside the image`);
  }

  #writable(addr: number, length: number): void {
    if (this.readOnly) throw new StoreError('the image is open read-only', { cause: { code: 'EROFS' } });
    this.#check(addr, length);
  }

  #io<T>(call: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw new StoreError(`${this.#path}: ${call}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The part of `buffers` after the first `skip` bytes (for a short pwritev). */
function remaining(buffers: Uint8Array[], skip: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  for (const buffer of buffers) {
    if (skip >= buffer.length) skip -= buffer.length;
    else {
      rest.push(buffer.subarray(skip));
      skip = 0;
    }
  }
  return rest;
}
