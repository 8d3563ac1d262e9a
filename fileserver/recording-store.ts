/**
 * A store that passes everything to another and notes which blocks the
 * file system stored into: what a sync must write, neither more nor less.
 * The tests and the benchmark check the other stores' sync reports with it.
 */
import type { SyncReport } from './fs.ts';
import type { Store } from './store.ts';

export class RecordingStore implements Store {
  readonly length: number;
  readonly readOnly: boolean;
  /** Blocks stored into since the last sync. */
  readonly touched = new Set<number>();

  constructor(
    readonly inner: Store,
    readonly blockSize: number,
  ) {
    this.length = inner.length;
    this.readOnly = inner.readOnly;
  }

  getUint8(addr: number): number {
    return this.inner.getUint8(addr);
  }
  getUint16(addr: number): number {
    return this.inner.getUint16(addr);
  }
  getUint32(addr: number): number {
    return this.inner.getUint32(addr);
  }
  setUint8(addr: number, value: number): void {
    this.#touch(addr, 1);
    this.inner.setUint8(addr, value);
  }
  setUint16(addr: number, value: number): void {
    this.#touch(addr, 2);
    this.inner.setUint16(addr, value);
  }
  setUint32(addr: number, value: number): void {
    this.#touch(addr, 4);
    this.inner.setUint32(addr, value);
  }
  copyOut(addr: number, target: Uint8Array): void {
    this.inner.copyOut(addr, target);
  }
  view(addr: number, length: number): Uint8Array {
    return this.inner.view(addr, length);
  }
  copyIn(addr: number, source: Uint8Array): void {
    this.#touch(addr, source.length);
    this.inner.copyIn(addr, source);
  }
  zero(addr: number, length: number): void {
    this.#touch(addr, length);
    this.inner.zero(addr, length);
  }
  sync(): SyncReport {
    const report = this.inner.sync();
    this.touched.clear();
    return report;
  }
  close(): void {
    this.inner.close();
  }
  [Symbol.dispose](): void {
    this.close();
  }

  #touch(addr: number, length: number): void {
    if (length === 0) return;
    const B = this.blockSize;
    for (let block = Math.floor(addr / B); block <= Math.floor((addr + length - 1) / B); block++)
      this.touched.add(block);
  }
}
