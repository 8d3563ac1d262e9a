/**
 * A segment's page table: page -> frame for its resident pages.
 *
 * The hit path of every load and store looks a page up here, so pages below
 * directPagesMax are an index into an Int32Array (-1: not resident), grown
 * by doubling as higher pages become resident: a small segment has a small
 * table, and a huge one holds a table only as far as its resident pages
 * reach. Pages at or above directPagesMax (beyond 4 GiB of 4 KiB pages) are
 * in a Map, so a segment of 2^53 bytes costs memory in its resident pages
 * only, never in its length.
 */
import { assert } from './assert.ts';
import { directPagesMax } from './limits.ts';

export class PageTable {
  /** Frames of pages [0, direct.length), -1 where not resident. Replaced when it grows: read it afresh. */
  direct: Int32Array;
  readonly #pages: number;
  readonly #far = new Map<number, number>();
  #size = 0;

  constructor(pages: number) {
    this.#pages = pages;
    this.direct = new Int32Array(Math.min(pages, 64)).fill(-1);
  }

  /** Resident pages. */
  get size(): number {
    return this.#size;
  }

  /** The frame holding `page`, or -1. */
  get(page: number): number {
    if (page < this.direct.length) return this.direct[page];
    if (page < directPagesMax) return -1;
    return this.#far.get(page) ?? -1;
  }

  set(page: number, frame: number): void {
    assert(page >= 0 && page < this.#pages && frame >= 0 && this.get(page) === -1, 'mapping a page twice');
    if (page < directPagesMax) {
      if (page >= this.direct.length) this.#grow(page);
      this.direct[page] = frame;
    } else {
      this.#far.set(page, frame);
    }
    this.#size++;
  }

  delete(page: number): void {
    assert(this.get(page) !== -1, 'unmapping a page not resident');
    if (page < directPagesMax) this.direct[page] = -1;
    else this.#far.delete(page);
    this.#size--;
  }

  /**
   * Visits the resident pages of [first, end) in page order. Costs the
   * smaller of the range and the table: a huge range is never walked page
   * by page.
   */
  forEach(first: number, end: number, visit: (page: number, frame: number) => void): void {
    if (this.#size === 0 || first >= end) return;
    const direct = this.direct;
    for (let page = first; page < Math.min(end, direct.length); page++) if (direct[page] >= 0) visit(page, direct[page]);
    if (end <= directPagesMax || this.#far.size === 0) return;
    const far = [...this.#far].filter(([page]) => page >= first && page < end).sort(([a], [b]) => a - b);
    for (const [page, frame] of far) visit(page, frame);
  }

  #grow(page: number): void {
    let length = this.direct.length * 2;
    while (length <= page) length *= 2;
    const grown = new Int32Array(Math.min(length, this.#pages, directPagesMax)).fill(-1);
    grown.set(this.direct);
    this.direct = grown;
  }
}
