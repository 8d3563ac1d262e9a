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
    return this.#slots.at(page) !== null;
  }

  /** Saves one page of `bytes` from `offset` in a new slot. On failure the page has no slot. */
  write(page: number, bytes: Uint8Array, offset: number): void {
    assert(!this.has(page), 'page already has a swap slot');
    this.#slots.set(page, page + 1, this.#store.put(bytes, offset));
  }

  /** Reads `length` bytes of the page from byte `from` into `into[at..]`. */
  read(page: number, from: number, length: number, into: Uint8Array, at: number): void {
    const extent = this.#slots.at(page);
    assert(extent !== null, 'Anon byte without a swap slot on a page that is not resident');
    this.#store.get(extent.value, from, length, into, at);
  }

  /** Frees the slots of pages [first, end). */
  drop(first: number, end: number): void {
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: a shortcut only: one-page slots never overlap an empty or reversed range, and freeing a range without slots frees nothing
    if (first < end && this.#slots.overlaps(first, end))
      this.#slots.set(first, end, undefined, (_start, _end, slot) => this.#store.free(slot));
  }

  /** Every page with a slot, in order. */
  forEach(visit: (page: number, slot: number) => void): void {
    this.#slots.forEach((page, _end, slot) => {
      visit(page, slot);
    });
  }
}
