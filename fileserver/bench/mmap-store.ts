/**
 * The store deferred I/O should do about as well as: the image mapped
 * MAP_SHARED, loads and stores straight into the kernel's page cache,
 * sync = msync(MS_SYNC), then fsync, so that a sync makes as much durable
 * as the other stores' (msync is fdatasync's level: the file's metadata is
 * not committed).
 * It needs the bench's N-API addon (bench/mmap, built by
 * `npm run bench:build`, never by npm ci), and Node's Buffer limit bounds
 * the image to 4 GiB.
 *
 * Loads, stores and copies are those of any store over one byte array
 * (bytes-store.ts); this store's own are the mapping, sync, and what a
 * store means: the kernel knows which pages are dirty but does not say,
 * so the store notes the system pages it stored into, only to report what
 * a sync wrote: msync writes exactly the dirty pages, in units of the
 * system page size.
 */

import { constants } from 'node:buffer';
import * as fs from 'node:fs';
import { loadMmap, type Mapping, type MmapAddon } from '../../bench/mmap/index.ts';
import { BytesStore } from '../bytes-store.ts';
import type { SyncReport } from '../fs.ts';
import { StoreError, type StoreOptions } from '../store.ts';

/** The addon if it is built and loads, else why not (the mmap store is then unavailable). */
export function mmapAddon(): { addon: MmapAddon; reason: null } | { addon: null; reason: string } {
  const load = loadMmap(() => {}, { build: false });
  return load.addon === null ? { addon: null, reason: load.reason } : { addon: load.addon, reason: null };
}

export class MmapStore extends BytesStore {
  readonly readOnly: boolean;
  readonly #addon: MmapAddon;
  readonly #mapping: Mapping;
  // A descriptor for fsync (the mapping has none of its own).
  readonly #fd: number;
  readonly #pageShift: number;
  // One flag per system page stored into since the last sync.
  readonly #dirty: Uint8Array;
  #dirtyPages = 0;
  #closed = false;

  private constructor(addon: MmapAddon, mapping: Mapping, fd: number, readOnly: boolean) {
    super(addon.buffer(mapping));
    this.#addon = addon;
    this.#mapping = mapping;
    this.#fd = fd;
    this.#pageShift = Math.log2(addon.pageSize);
    this.#dirty = new Uint8Array(Math.ceil(this.length / addon.pageSize));
    this.readOnly = readOnly;
  }

  static open(path: string, addon: MmapAddon, options: StoreOptions = {}): MmapStore {
    const readOnly = options.readOnly ?? false;
    const length = fs.statSync(path).size;
    if (length === 0) throw new StoreError(`${path}: the image is empty`, { cause: null });
    if (length > constants.MAX_LENGTH) {
      throw new StoreError(`${path}: ${length} bytes is more than a Buffer can map (${constants.MAX_LENGTH})`, {
        cause: null,
      });
    }
    let mapping: Mapping;
    try {
      mapping = addon.mapShared(path, length, !readOnly);
    } catch (error) {
      throw new StoreError(`${path}: ${(error as Error).message}`, { cause: error });
    }
    return new MmapStore(addon, mapping, fs.openSync(path, 'r'), readOnly);
  }

  sync(): SyncReport {
    if (this.readOnly) return { written: 0, skipped: this.length };
    try {
      this.#addon.sync(this.#mapping);
      fs.fsyncSync(this.#fd);
    } catch (error) {
      throw new StoreError((error as Error).message, { cause: error });
    }
    const page = 1 << this.#pageShift;
    // The last page may be short: count its bytes, not the page size.
    const last = this.#dirty.length - 1;
    const written = this.#dirtyPages * page - (this.#dirty[last] === 1 ? (last + 1) * page - this.length : 0);
    this.#dirty.fill(0);
    this.#dirtyPages = 0;
    return { written, skipped: this.length - written };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#addon.unmap(this.#mapping);
    fs.closeSync(this.#fd);
  }

  protected override check(addr: number, length: number): void {
    if (this.#closed) throw new StoreError('the mmap store is closed', { cause: null });
    super.check(addr, length);
  }

  protected stored(addr: number, length: number): void {
    if (this.readOnly) throw new StoreError('the image is open read-only', { cause: { code: 'EROFS' } });
    this.check(addr, length);
    if (length === 0) return;
    const shift = this.#pageShift;
    for (
      let page = Math.floor(addr / 2 ** shift), end = Math.floor((addr + length - 1) / 2 ** shift);
      page <= end;
      page++
    ) {
      if (this.#dirty[page] === 0) {
        this.#dirty[page] = 1;
        this.#dirtyPages++;
      }
    }
  }
}
