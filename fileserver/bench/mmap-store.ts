/**
 * The mmap variant of the seed's claim: the image mapped MAP_SHARED, loads
 * and stores straight into the kernel's page cache, sync = msync(MS_SYNC),
 * then fsync, so that a sync makes as much durable as the other stores'
 * (msync is fdatasync's level: the file's metadata is not committed).
 * It needs the bench's N-API addon (bench/mmap, built by
 * `npm run bench:build`, never by npm ci), and Node's Buffer limit bounds
 * the image to 4 GiB.
 *
 * The kernel knows which pages are dirty but does not say, so the store
 * keeps its own map of the system pages it stored into, only to report
 * what a sync wrote: msync writes exactly the dirty pages, in units of the
 * system page size.
 */
import * as fs from 'node:fs';
import { constants } from 'node:buffer';
import { loadMmap, type Mapping, type MmapAddon } from '../../bench/mmap/index.ts';
import type { SyncReport } from '../fs.ts';
import { type Store, StoreError, type StoreOptions } from '../store.ts';

/** The addon if it is built and loads, else why not (the mmap store is then unavailable). */
export function mmapAddon(): { addon: MmapAddon; reason: null } | { addon: null; reason: string } {
  const load = loadMmap(() => {}, { build: false });
  return load.addon === null ? { addon: null, reason: load.reason } : { addon: load.addon, reason: null };
}

export class MmapStore implements Store {
  readonly length: number;
  readonly readOnly: boolean;
  readonly #addon: MmapAddon;
  readonly #mapping: Mapping;
  // A descriptor for fsync (the mapping has none of its own).
  readonly #fd: number;
  readonly #bytes: Buffer;
  readonly #view: DataView;
  readonly #pageShift: number;
  // One flag per system page stored into since the last sync.
  readonly #dirty: Uint8Array;
  #dirtyPages = 0;
  #closed = false;

  private constructor(addon: MmapAddon, mapping: Mapping, fd: number, length: number, readOnly: boolean) {
    this.#addon = addon;
    this.#mapping = mapping;
    this.#fd = fd;
    this.#bytes = addon.buffer(mapping);
    this.#view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.byteLength);
    this.#pageShift = Math.log2(addon.pageSize);
    this.#dirty = new Uint8Array(Math.ceil(length / addon.pageSize));
    this.length = length;
    this.readOnly = readOnly;
  }

  static open(path: string, addon: MmapAddon, options: StoreOptions = {}): MmapStore {
    const readOnly = options.readOnly ?? false;
    const length = fs.statSync(path).size;
    if (length === 0) throw new StoreError(`${path}: the image is empty`, { cause: null });
    if (length > constants.MAX_LENGTH) {
      throw new StoreError(`${path}: ${length} bytes is more than a Buffer can map (${constants.MAX_LENGTH})`, { cause: null });
    }
    let mapping: Mapping;
    try {
      mapping = addon.mapShared(path, length, !readOnly);
    } catch (error) {
      throw new StoreError(`${path}: ${(error as Error).message}`, { cause: error });
    }
    return new MmapStore(addon, mapping, fs.openSync(path, 'r'), length, readOnly);
  }

  getUint8(addr: number): number {
    this.#check(addr, 1);
    return this.#view.getUint8(addr);
  }

  getUint16(addr: number): number {
    this.#check(addr, 2);
    return this.#view.getUint16(addr, true);
  }

  getUint32(addr: number): number {
    this.#check(addr, 4);
    return this.#view.getUint32(addr, true);
  }

  setUint8(addr: number, value: number): void {
    this.#stored(addr, 1);
    this.#view.setUint8(addr, value);
  }

  setUint16(addr: number, value: number): void {
    this.#stored(addr, 2);
    this.#view.setUint16(addr, value, true);
  }

  setUint32(addr: number, value: number): void {
    this.#stored(addr, 4);
    this.#view.setUint32(addr, value, true);
  }

  copyOut(addr: number, target: Uint8Array): void {
    this.#check(addr, target.length);
    this.#bytes.copy(target, 0, addr, addr + target.length);
  }

  copyIn(addr: number, source: Uint8Array): void {
    this.#stored(addr, source.length);
    this.#bytes.set(source, addr);
  }

  zero(addr: number, length: number): void {
    this.#stored(addr, length);
    this.#bytes.fill(0, addr, addr + length);
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

  [Symbol.dispose](): void {
    this.close();
  }

  #check(addr: number, length: number): void {
    if (this.#closed) throw new StoreError('the mmap store is closed', { cause: null });
    if (!(addr >= 0 && addr + length <= this.length)) throw new RangeError(`[${addr}, ${addr + length}) is outside the image`);
  }

  #stored(addr: number, length: number): void {
    if (this.readOnly) throw new StoreError('the image is open read-only', { cause: { code: 'EROFS' } });
    this.#check(addr, length);
    if (length === 0) return;
    const shift = this.#pageShift;
    for (let page = Math.floor(addr / 2 ** shift), end = Math.floor((addr + length - 1) / 2 ** shift); page <= end; page++) {
      if (this.#dirty[page] === 0) {
        this.#dirty[page] = 1;
        this.#dirtyPages++;
      }
    }
  }
}
