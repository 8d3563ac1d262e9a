/**
 * Fixed-size slots in a backing file, allocated and freed one at a time: the
 * swap space holds one page per slot, the preserve store one block.
 *
 * The file is written sparsely and only ever grows to the high-water mark of
 * slots in use at once; freed slots are reused first.
 */

import { assert } from './assert.ts';
import type { FileBackend } from './backend.ts';
import { IOError, type IORole, io, ioError } from './errors.ts';
import { fileLengthMax } from './limits.ts';

export class SlotStore {
  readonly #backend: FileBackend;
  readonly #role: IORole;
  readonly #slotSize: number;
  readonly #slotsMax: number;
  readonly #free: number[] = [];
  #next = 0;
  #used = 0;

  constructor(backend: FileBackend, role: IORole, slotSize: number) {
    assert(Number.isInteger(slotSize), 'a fractional slot size');
    assert(slotSize > 0, 'an empty slot size');
    this.#backend = backend;
    this.#role = role;
    this.#slotSize = slotSize;
    this.#slotsMax = Math.floor(fileLengthMax / slotSize);
  }

  /** Slots holding data now. */
  get used(): number {
    return this.#used;
  }

  /** Writes one slot's worth of `bytes` from `offset` into a new slot. On failure no slot is taken. */
  put(bytes: Uint8Array, offset: number): number {
    assert(offset >= 0, 'a slot put from a negative offset');
    assert(offset + this.#slotSize <= bytes.length, 'a slot put from past the end of its buffer');
    const fresh = this.#free.length === 0;
    if (fresh && this.#next === this.#slotsMax) {
      throw new IOError(
        this.#role,
        this.#backend.name,
        Object.assign(new Error('all slots in use'), { code: 'ENOSPC' }),
      );
    }
    const slot = fresh ? this.#next : this.#free[this.#free.length - 1];
    try {
      this.#backend.write(bytes, offset, this.#slotSize, slot * this.#slotSize);
    } catch (error) {
      throw ioError(this.#role, this.#backend.name, error);
    }
    if (fresh) this.#next++;
    else this.#free.pop();
    this.#used++;
    assert(this.#used === this.#next - this.#free.length, 'a slot neither used nor free');
    return slot;
  }

  /** Reads `length` bytes of `slot` from byte `from` into `buffer[offset..]`. */
  get(slot: number, from: number, length: number, buffer: Uint8Array, offset: number): void {
    assert(slot >= 0, 'reading a negative slot');
    assert(slot < this.#next, 'reading a slot never written');
    assert(from >= 0, 'reading a slot from a negative offset');
    assert(from + length <= this.#slotSize, 'reading past the end of a slot');
    let count: number;
    try {
      count = this.#backend.read(buffer, offset, length, slot * this.#slotSize + from);
    } catch (error) {
      throw ioError(this.#role, this.#backend.name, error);
    }
    if (count !== length) {
      throw new IOError(
        this.#role,
        this.#backend.name,
        Object.assign(new Error(`slot ${slot} read short`), { code: 'EIO' }),
      );
    }
  }

  free(slot: number): void {
    assert(slot >= 0, 'freeing a negative slot');
    assert(slot < this.#next, 'freeing a slot never written');
    assert(this.#used > 0, 'freeing a slot with none used');
    this.#free.push(slot);
    this.#used--;
    assert(this.#used === this.#next - this.#free.length, 'a slot neither used nor free');
  }

  close(): void {
    io(this.#role, this.#backend.name, () => this.#backend.close());
  }
}
