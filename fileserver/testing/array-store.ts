/**
 * A store over a plain Uint8Array, for tests that need thousands of images
 * (the corrupt-image fuzzer): no file, no sync, and a record of every byte
 * range stored into, so a test can say where the file system wrote.
 */
import type { SyncReport } from '../fs.ts';
import type { Store } from '../store.ts';

export class ArrayStore implements Store {
  readonly length: number;
  readonly readOnly = false;
  /** Every [addr, addr + length) stored into, in order. */
  readonly stores: [number, number][] = [];
  readonly bytes: Uint8Array;
  readonly #view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.length = bytes.length;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    target.set(this.bytes.subarray(addr, addr + target.length));
  }
  copyIn(addr: number, source: Uint8Array): void {
    this.#stored(addr, source.length);
    this.bytes.set(source, addr);
  }
  zero(addr: number, length: number): void {
    this.#stored(addr, length);
    this.bytes.fill(0, addr, addr + length);
  }
  sync(): SyncReport {
    return { written: 0, skipped: this.length };
  }
  close(): void {}
  [Symbol.dispose](): void {}

  #check(addr: number, length: number): void {
    if (!(Number.isSafeInteger(addr) && addr >= 0 && addr + length <= this.length)) {
      throw new RangeError(`[${addr}, ${addr + length}) is outside the image`);
    }
  }

  #stored(addr: number, length: number): void {
    this.#check(addr, length);
    this.stores.push([addr, length]);
  }
}
