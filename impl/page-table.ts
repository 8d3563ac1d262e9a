/**
 * A segment's page table: page -> frame for its resident pages.
 *
 * The hit path of every load and store looks a page up here, so pages below
 * directPagesMax are an index into an Int32Array holding frame + 1 (0: not
 * resident). It starts at 1,024 pages (4 KiB) and, the first time a page
 * past them is mapped, grows once to every page below directPagesMax: an
 * array the allocator backs with zero pages until they are written, so
 * its memory is the part used (a 4 GiB segment scanned end to end holds
 * 4 MiB of table; one touched in its first pages, 4 KiB). Growing in one
 * step leaves 4 KiB behind for the collector, where doubling left copies
 * adding up to the table's size (4 MiB more peak RSS in P5's 4 GiB scan).
 * The walks over it (discarding a range, closing) stop at the highest page
 * mapped so far, so they are proportional to how far in the segment was
 * used, not to its length. The hit path reads `direct` at each access, so
 * a page past its end takes the full path. Pages at or above
 * directPagesMax (beyond 4 GiB of 4 KiB pages) are in a Map, so a segment
 * of 2^53 bytes costs memory in its resident pages only, never in its
 * length.
 */
import { assert } from './assert.ts';
import { directPagesMax } from './limits.ts';

export class PageTable {
  /** Frame + 1 of each page in [0, direct.length), 0 where not resident (every page past it is not). */
  direct: Int32Array;
  readonly #pages: number;
  /** How far `direct` may grow: the pages below directPagesMax. */
  readonly #directPages: number;
  readonly #far = new Map<number, number>();
  #size = 0;
  /** One past the highest page of `direct` ever mapped: where the walks start. */
  #reach = 0;

  constructor(pages: number) {
    this.#pages = pages;
    this.#directPages = Math.min(pages, directPagesMax);
    this.direct = new Int32Array(Math.min(this.#directPages, 1024));
  }

  /** Resident pages. */
  get size(): number {
    return this.#size;
  }

  /** The frame holding `page`, or -1. */
  get(page: number): number {
    assert(page >= 0, 'looking up a negative page');
    assert(page < this.#pages, 'looking up a page past the end of the segment');
    if (page < this.direct.length) return this.direct[page] - 1;
    if (page < this.#directPages) return -1;
    return this.#far.get(page) ?? -1;
  }

  set(page: number, frame: number): void {
    assert(frame >= 0, 'mapping a page to a negative frame');
    // get checks that the page is in range.
    assert(this.get(page) === -1, 'mapping a page twice');
    if (page < this.#directPages) {
      if (page >= this.direct.length) this.#grow();
      this.direct[page] = frame + 1;
      if (page >= this.#reach) this.#reach = page + 1;
    } else {
      this.#far.set(page, frame);
    }
    this.#size++;
  }

  /** Grows `direct` to every page below directPagesMax, keeping what it maps. */
  #grow(): void {
    assert(this.direct.length < this.#directPages, 'growing a page table that holds every direct page');
    const grown = new Int32Array(this.#directPages);
    grown.set(this.direct);
    this.direct = grown;
  }

  delete(page: number): void {
    assert(this.get(page) !== -1, 'unmapping a page not resident');
    if (page < this.direct.length) this.direct[page] = 0;
    else this.#far.delete(page);
    this.#size--;
    assert(this.#size >= 0, 'more pages unmapped than mapped');
  }

  /**
   * Visits the resident pages of [first, end), last page first (so that
   * frames released in the visit go back to the pool's free stack in the
   * order a refill in page order takes them): a look at each page of the
   * range's direct part (at most directPagesMax), then the far pages in the
   * range.
   */
  forEach(first: number, end: number, visit: (page: number, frame: number) => void): void {
    assert(first >= 0, 'visiting from a negative page');
    assert(end <= this.#pages, 'visiting past the last page');
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator
    if (this.#size === 0 || first >= end) return;
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator
    if (end > this.#directPages && this.#far.size > 0) {
      const far = [...this.#far].filter(([page]) => page >= first && page < end).sort(([a], [b]) => b - a);
      for (const [page, frame] of far) visit(page, frame);
    }
    const direct = this.direct;
    for (let page = Math.min(end, this.#reach) - 1; page >= first; page--)
      if (direct[page] > 0) visit(page, direct[page] - 1);
  }
}
