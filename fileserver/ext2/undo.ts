/**
 * Every file system operation either completes or changes nothing (the
 * FileSystem contract): an operation that fails part way (ENOSPC when the
 * last bitmap is full, a corrupt pointer met while freeing) must leave the
 * image as it found it. The file system therefore stores metadata only
 * through this undo log, which saves the old bytes before each store; a
 * failed operation rolls them back in reverse order, a completed one
 * forgets them. The log lives for one operation only: it holds old values,
 * never a copy of the image to read from.
 *
 * Two kinds of store are not logged, on purpose: zeroing a block the
 * operation itself allocated (its old content belonged to no one), and
 * copying file data into blocks already mapped, which a write does only
 * after every allocation it needs has succeeded (so only an I/O error can
 * follow it, and then, as with write(2) returning EIO, the data may have
 * reached the file while the metadata is rolled back).
 */

import type { Store } from '../store.ts';
import { assert } from './assert.ts';

export class UndoLog {
  readonly store: Store;
  // One entry per logged store: its address, and the old value (a number for 1, 2 and 4 bytes, else the bytes).
  readonly #addrs: number[] = [];
  readonly #widths: number[] = [];
  readonly #olds: (number | Uint8Array)[] = [];
  #active = false;

  constructor(store: Store) {
    this.store = store;
  }

  /** Starts an operation: the log must be empty. */
  begin(): void {
    assert(!this.#active && this.#addrs.length === 0, 'an operation began inside another');
    this.#active = true;
  }

  /** The operation completed: its stores stand. */
  commit(): void {
    this.#clear();
  }

  /** The operation failed: undoes its logged stores, newest first. */
  rollback(): void {
    const store = this.store;
    for (let i = this.#addrs.length - 1; i >= 0; i--) {
      const addr = this.#addrs[i];
      const old = this.#olds[i];
      if (typeof old !== 'number') store.copyIn(addr, old);
      else if (this.#widths[i] === 1) store.setUint8(addr, old);
      else if (this.#widths[i] === 2) store.setUint16(addr, old);
      else store.setUint32(addr, old);
    }
    this.#clear();
  }

  get8(addr: number): number {
    return this.store.getUint8(addr);
  }

  get16(addr: number): number {
    return this.store.getUint16(addr);
  }

  get32(addr: number): number {
    return this.store.getUint32(addr);
  }

  copyOut(addr: number, target: Uint8Array): void {
    this.store.copyOut(addr, target);
  }

  view(addr: number, length: number): Uint8Array {
    return this.store.view(addr, length);
  }

  set8(addr: number, value: number): void {
    this.#log(addr, 1, this.store.getUint8(addr));
    this.store.setUint8(addr, value);
  }

  set16(addr: number, value: number): void {
    this.#log(addr, 2, this.store.getUint16(addr));
    this.store.setUint16(addr, value);
  }

  set32(addr: number, value: number): void {
    this.#log(addr, 4, this.store.getUint32(addr));
    this.store.setUint32(addr, value);
  }

  /** Stores a metadata record (a directory entry's name, an inode), logging the bytes it replaces. */
  copyIn(addr: number, source: Uint8Array): void {
    const old = new Uint8Array(source.length);
    this.store.copyOut(addr, old);
    this.#log(addr, source.length, old);
    this.store.copyIn(addr, source);
  }

  /**
   * Zeroes bytes no undo needs, not logged: a block or inode this operation
   * allocated (a free block's content is no one's), or file data (see above).
   */
  zeroUnlogged(addr: number, length: number): void {
    assert(this.#active, 'a store outside an operation');
    this.store.zero(addr, length);
  }

  /** Stores file data: not logged (see above). */
  writeData(addr: number, source: Uint8Array): void {
    assert(this.#active, 'a store outside an operation');
    this.store.copyIn(addr, source);
  }

  #log(addr: number, width: number, old: number | Uint8Array): void {
    assert(this.#active, 'a store outside an operation');
    this.#addrs.push(addr);
    this.#widths.push(width);
    this.#olds.push(old);
  }

  #clear(): void {
    this.#addrs.length = 0;
    this.#widths.length = 0;
    this.#olds.length = 0;
    this.#active = false;
  }
}
