/**
 * A segment's swap: which pages have a slot in the engine's swap space (a
 * sparse, unlinked temporary file shared by all segments). Only dirty pages
 * that are not resident have one.
 */

import { assert } from './assert.ts';
import { ExtentMap } from './extents.ts';
import type { SlotStore } from './slots.ts';

export class Swap {
  readonly #store: SlotStore;
  // page -> slot, one extent per page (distinct slots never coalesce).
  readonly #slots = new ExtentMap<number>();

  constructor(store: SlotStore) {
    this.#store = store;
  }

  /** Pages with a slot. */
  get size(): number {
    return this.#slots.extents;
  }

  has(page: number): boolean {
    assert(page >= 0, 'a swap slot of a negative page');
    return this.#slots.at(page) !== null;
  }

  /** Whether some page of [first, end) has a slot. */
  any(first: number, end: number): boolean {
    assert(first < end, 'swap slots of an empty range');
    return this.#slots.overlaps(first, end);
  }

  /** Saves one page of `bytes` from `offset` in a new slot. On failure the page has no slot. */
  write(page: number, bytes: Uint8Array, offset: number): void {
    assert(!this.has(page), 'page already has a swap slot');
    this.#slots.set(page, page + 1, this.#store.put(bytes, offset));
    assert(this.has(page), 'a page swapped out has no slot');
  }

  /** Reads `length` bytes of the page from byte `from` into `into[at..]`. */
  read(page: number, from: number, length: number, into: Uint8Array, at: number): void {
    assert(length > 0, 'reading nothing from a swap slot');
    const extent = this.#slots.at(page);
    assert(extent !== null, 'Anon byte without a swap slot on a page that is not resident');
    this.#store.get(extent.value, from, length, into, at);
  }

  /** Frees the slots of pages [first, end). */
  drop(first: number, end: number): void {
    assert(first <= end, 'dropping the swap slots of an inverted range');
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator
    if (first < end && this.#slots.overlaps(first, end))
      this.#slots.set(first, end, undefined, (_start, _end, slot) => this.#store.free(slot));
    if (first < end) assert(!this.#slots.overlaps(first, end), 'a dropped swap slot is still held');
  }

  /** Every page with a slot, in order. */
  forEach(visit: (page: number, slot: number) => void): void {
    this.#slots.forEach((page, _end, slot) => {
      visit(page, slot);
    });
  }
}
