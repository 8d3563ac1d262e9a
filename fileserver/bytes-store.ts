/**
 * A store over one byte array in memory that is the whole image, byte for
 * byte at its addresses: loads and stores through a DataView, copies and
 * views as subarrays. Two stores are exactly this and differ only in what
 * a store into the array means and in what sync does: the mmap store
 * (bench/mmap-store.ts: the array is the kernel's shared mapping of the
 * image) and the tests' array store (testing/array-store.ts: a plain
 * Uint8Array that records where the file system stored). Each says what a
 * store means in `stored`, called before any byte changes, which refuses
 * the store or notes it. Not shipped: the served image goes through the
 * engine's segment (segment-store.ts).
 */
import type { SyncReport } from './fs.ts';
import type { Store } from './store.ts';

export abstract class BytesStore implements Store {
  readonly length: number;
  abstract readonly readOnly: boolean;
  protected readonly bytes: Uint8Array;
  readonly #view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.length = bytes.length;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  getUint8(addr: number): number {
    this.check(addr, 1);
    return this.#view.getUint8(addr);
  }

  getUint16(addr: number): number {
    this.check(addr, 2);
    return this.#view.getUint16(addr, true);
  }

  getUint32(addr: number): number {
    this.check(addr, 4);
    return this.#view.getUint32(addr, true);
  }

  setUint8(addr: number, value: number): void {
    this.stored(addr, 1);
    this.#view.setUint8(addr, value);
  }

  setUint16(addr: number, value: number): void {
    this.stored(addr, 2);
    this.#view.setUint16(addr, value, true);
  }

  setUint32(addr: number, value: number): void {
    this.stored(addr, 4);
    this.#view.setUint32(addr, value, true);
  }

  copyOut(addr: number, target: Uint8Array): void {
    this.check(addr, target.length);
    target.set(this.bytes.subarray(addr, addr + target.length));
  }

  view(addr: number, length: number): Uint8Array {
    this.check(addr, length);
    return this.bytes.subarray(addr, addr + length);
  }

  copyIn(addr: number, source: Uint8Array): void {
    this.stored(addr, source.length);
    this.bytes.set(source, addr);
  }

  zero(addr: number, length: number): void {
    this.stored(addr, length);
    this.bytes.fill(0, addr, addr + length);
  }

  abstract sync(): SyncReport;
  abstract close(): void;

  [Symbol.dispose](): void {
    this.close();
  }

  /** Refuses [addr, addr + length) outside the image: a bug in the caller. */
  protected check(addr: number, length: number): void {
    if (!(Number.isSafeInteger(addr) && addr >= 0 && addr + length <= this.length)) {
      throw new RangeError(`[${addr}, ${addr + length}) is outside the image`);
    }
  }

  /** Bytes [addr, addr + length) are about to be stored into: refuses the store (check, read-only) or notes it. */
  protected abstract stored(addr: number, length: number): void;
}
