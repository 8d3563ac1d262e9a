/**
 * The deferred-I/O store: the whole image read into one deferred segment
 * in one gulp, page size = the image's block size. The read returns at once and
 * copies nothing; a page is filled from the image when the file system
 * first touches it, and memory stays within the engine's frame budget
 * (clean pages are dropped, dirty ones go to the engine's swap file).
 * Loads, stores and views of one block fault its page in and keep it (the
 * file system comes back to its metadata); a copy out of several pages
 * (file data) is copied from the pages' sources without faulting them in,
 * and a copy in of several pages is prefetched first (copyIn). Sync
 * writes the whole segment back with rebind: the engine skips every page
 * still bound to the image, so only the pages changed since the last sync
 * reach the disk, and they become clean again. With `sync: true` the
 * engine fsyncs the image before it rebinds: if the fsync fails, the pages
 * stay dirty and the next sync writes them again.
 */
import * as fs from 'node:fs';
import { type DeferredFile, Engine, FileChangedError, IOError, type Segment, type Stats } from '../impl/index.ts';
import type { SyncReport } from './fs.ts';
import { imageBlockSize, type Store, StoreError, type StoreOptions } from './store.ts';

export interface SegmentStoreOptions extends StoreOptions {
  /** The engine's frame budget in bytes (default: the engine's, 64 MiB). */
  memory?: number;
  /** Where the engine keeps its swap file and preserve store (default: the OS temp dir). */
  swapDir?: string;
}

export class SegmentStore implements Store {
  readonly length: number;
  readonly readOnly: boolean;
  readonly #engine: Engine;
  readonly #file: DeferredFile;
  readonly #segment: Segment;
  #closed = false;

  private constructor(engine: Engine, file: DeferredFile, segment: Segment, readOnly: boolean) {
    this.#engine = engine;
    this.#file = file;
    this.#segment = segment;
    this.length = segment.length;
    this.readOnly = readOnly;
  }

  /** Opens the image at `path` and reads all of it into one segment (instant: nothing is copied yet). */
  static open(path: string, options: SegmentStoreOptions = {}): SegmentStore {
    const readOnly = options.readOnly ?? false;
    const fd = fs.openSync(path, 'r');
    let pageSize: number;
    try {
      pageSize = imageBlockSize(fd);
    } finally {
      fs.closeSync(fd);
    }
    const engine = new Engine({ pageSize, memory: options.memory, swapDir: options.swapDir });
    try {
      const file = engine.open(path, readOnly ? 'r' : 'r+');
      if (file.size === 0) throw new StoreError(`${path}: the image is empty`, { cause: null });
      const segment = engine.segment(file.size);
      const count = segment.read(file, 0, file.size, 0);
      if (count !== file.size) throw new StoreError(`${path}: read ${count} of ${file.size} bytes`, { cause: null });
      return new SegmentStore(engine, file, segment, readOnly);
    } catch (error) {
      engine.close();
      throw error instanceof IOError ? new StoreError(error.message, { cause: error }) : error;
    }
  }

  /** The engine's counters and occupancy (faults, bytes written and skipped, resident pages, ...). */
  stats(): Stats {
    return this.#engine.stats();
  }

  /** The engine's frame budget in bytes. */
  get memory(): number {
    return this.#engine.frames * this.#engine.pageSize;
  }

  getUint8(addr: number): number {
    try {
      return this.#segment.getUint8(addr);
    } catch (error) {
      throw failure(error);
    }
  }

  getUint16(addr: number): number {
    try {
      return this.#segment.getUint16(addr, true);
    } catch (error) {
      throw failure(error);
    }
  }

  getUint32(addr: number): number {
    try {
      return this.#segment.getUint32(addr, true);
    } catch (error) {
      throw failure(error);
    }
  }

  setUint8(addr: number, value: number): void {
    this.#writable();
    try {
      this.#segment.setUint8(addr, value);
    } catch (error) {
      throw failure(error);
    }
  }

  setUint16(addr: number, value: number): void {
    this.#writable();
    try {
      this.#segment.setUint16(addr, value, true);
    } catch (error) {
      throw failure(error);
    }
  }

  setUint32(addr: number, value: number): void {
    this.#writable();
    try {
      this.#segment.setUint32(addr, value, true);
    } catch (error) {
      throw failure(error);
    }
  }

  copyOut(addr: number, target: Uint8Array): void {
    try {
      // Within one block (an inode, a directory block, a block of a file): through a view of
      // the page, which faults it in and keeps it, as the file system reads its metadata again
      // and again. Longer ranges are copied straight from their sources: the engine's copyOut
      // faults nothing in.
      const B = this.#segment.pageSize;
      if (target.length > 0 && Math.floor(addr / B) === Math.floor((addr + target.length - 1) / B)) {
        target.set(this.#segment.bytes(addr, target.length));
      } else {
        this.#segment.copyOut(addr, target);
      }
    } catch (error) {
      throw failure(error);
    }
  }

  view(addr: number, length: number): Uint8Array {
    try {
      return this.#segment.bytes(addr, length);
    } catch (error) {
      throw failure(error);
    }
  }

  copyIn(addr: number, source: Uint8Array): void {
    this.#writable();
    try {
      // A copy over several pages (file data) is a sequential run of stores: each would fault
      // its page in, and the engine would read ahead past the copy's end, pages the next write
      // zeroes again (new blocks) or never wanted. Prefetching exactly the range first fills it
      // at once (zeroed new blocks without a read, the rest in one read per run), so the stores
      // fault nothing in.
      if (source.length > this.#segment.pageSize) this.#segment.prefetch(addr, source.length);
      this.#segment.copyIn(addr, source);
    } catch (error) {
      throw failure(error);
    }
  }

  zero(addr: number, length: number): void {
    this.#writable();
    try {
      this.#segment.zero(addr, length);
    } catch (error) {
      throw failure(error);
    }
  }

  /** Writes the whole segment back and fsyncs; the engine writes only the pages changed since the last sync. */
  sync(): SyncReport {
    if (this.readOnly) return { written: 0, skipped: this.length };
    try {
      const result = this.#segment.write(this.#file, 0, this.length, 0, { rebind: true, sync: true });
      return { written: result.written, skipped: result.skipped };
    } catch (error) {
      throw failure(error);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#engine.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #writable(): void {
    if (this.readOnly) throw new StoreError('the image is open read-only', { cause: { code: 'EROFS' } });
  }
}

/** I/O failures become StoreErrors; anything else (an address out of range, a closed segment) is a bug and stays itself. */
function failure(error: unknown): unknown {
  if (error instanceof IOError || error instanceof FileChangedError)
    return new StoreError(error.message, { cause: error });
  if (error instanceof Error && 'syscall' in error) return new StoreError(error.message, { cause: error });
  return error;
}
