/**
 * A store over a plain Uint8Array, for tests that need thousands of images
 * (the corrupt-image fuzzer): no file, no sync, and a record of every byte
 * range stored into, so a test can say where the file system wrote.
 */

import { BytesStore } from '../bytes-store.ts';
import type { SyncReport } from '../fs.ts';

export class ArrayStore extends BytesStore {
  readonly readOnly = false;
  /** Every [addr, addr + length) stored into, in order. */
  readonly stores: [number, number][] = [];

  sync(): SyncReport {
    return { written: 0, skipped: this.length };
  }

  close(): void {}

  protected stored(addr: number, length: number): void {
    this.check(addr, length);
    this.stores.push([addr, length]);
  }
}
