/**
 * A segment's pager: which of its pages are in frames (its page table) and
 * which have a swap slot, and what needs no fault: View (what a load
 * returns) of bytes not in memory, read from their sources (zero, snapshot,
 * swap), Known, and how frames and swap slots follow a rebinding
 * (SwapKept). The mechanisms that move pages in and out work on it: a
 * fault and the frame it takes (fault.ts), Load with readahead (load.ts),
 * Prefetch (prefetch.ts), Evict (evict.ts).
 *
 * And the engine's pagers by number (Pagers): a frame in the pool records
 * the number of the pager whose page it holds, so that the pager of a
 * victim frame can evict it.
 */

import { assert } from './assert.ts';
import { ANON, type Binding, type Bindings } from './bindings.ts';
import { CLEAN, DETACHED, DIRTY } from './frames.ts';
import { PageTable } from './page-table.ts';
import type { Shared } from './shared.ts';
import { Swap } from './swap.ts';

/** The pagers of one engine, by the number each frame of the pool names its owner with. */
export class Pagers {
  readonly #pagers: (Pager | null)[] = [];
  readonly #free: number[] = [];

  /** Registers a pager; frames name it by the number returned. */
  register(pager: Pager): number {
    const id = this.#free.length > 0 ? this.#free.pop()! : this.#pagers.length;
    // Stryker disable next-line ConditionalExpression
    if (id === this.#pagers.length) this.#pagers.push(pager);
    else this.#pagers[id] = pager;
    return id;
  }

  /** A pager that holds no frame any more leaves the registry. */
  unregister(id: number): void {
    assert((this.#pagers[id] ?? null) !== null, 'unregistering an unknown owner');
    this.#pagers[id] = null;
    this.#free.push(id);
  }

  /** The pager registered as `id`. */
  get(id: number): Pager {
    const pager = this.#pagers[id] ?? null;
    assert(pager !== null, 'a frame owned by no pager');
    return pager;
  }
}

export class Pager {
  /** page -> frame, for this segment's resident pages. */
  readonly table: PageTable;
  readonly swap: Swap;
  /** This pager's number among the engine's pagers: its frames' owner in the pool. */
  readonly id: number;
  readonly shared: Shared;
  readonly pagers: Pagers;
  readonly bindings: Bindings;
  /** The segment's length in bytes, and its pages. */
  readonly length: number;
  readonly pages: number;
  // The last page faulted in on demand (or read ahead), to recognise sequential access, and
  // how many pages the sequential run ending there has: load.ts's readahead window grows with it.
  // Stryker disable next-line UnaryOperator
  lastFault = -2;
  run = 0;

  constructor(shared: Shared, pagers: Pagers, bindings: Bindings, length: number) {
    this.shared = shared;
    this.pagers = pagers;
    this.bindings = bindings;
    this.length = length;
    this.pages = Math.ceil(length / shared.pageSize);
    this.table = new PageTable(this.pages);
    this.swap = new Swap(shared.swapSpace);
    this.id = pagers.register(this);
  }

  /** Leaves the engine's pagers, holding no frame any more. */
  close(): void {
    assert(this.table.size === 0, 'a closed segment keeps frames');
    this.pagers.unregister(this.id);
  }

  /** Forgets pages [first, end) whose bytes were all rebound: their frames and swap slots go. */
  discard(first: number, end: number): void {
    assert(first <= end, 'discarding an inverted range');
    assert(end <= this.pages, 'discarding past the last page');
    const pool = this.shared.pool;
    // Released last page first: the free frames are a stack, so pages filled
    // again in order get their frames back in order (one read for a batch).
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator
    if (end - first <= this.table.size) {
      for (let page = end - 1; page >= first; page--) {
        const frame = this.table.get(page);
        if (frame < 0) continue;
        this.table.delete(page);
        pool.release(frame);
      }
    } else {
      this.table.forEach(first, end, (page, frame) => {
        this.table.delete(page);
        pool.release(frame);
      });
    }
    this.swap.drop(first, end);
  }

  /**
   * Bytes [lo, hi) were just rebound (to a snapshot, or to Zero). Pages
   * they cover entirely lose their swap slot, and their frame too unless
   * `keepFrames` (a write-back's rebind: the frame holds what the file now
   * holds, and is clean). A page covered only partly keeps both, its
   * frame's state following its bindings, and with no Anon byte left it
   * needs no swap slot (the spec's SwapKept).
   */
  rebound(lo: number, hi: number, keepFrames: boolean): void {
    assert(lo < hi, 'rebinding an empty range');
    assert(hi <= this.length, 'rebinding past the end of the segment');
    // The range was just bound to one source: a snapshot or Zero, never Anon (one lookup).
    assert(!this.bindings.dirty(lo, hi), 'rebound bytes are still Anon');
    const B = this.shared.pageSize;
    const head = Math.floor(lo / B);
    const tail = Math.floor((hi - 1) / B);
    const headCovered = lo === head * B && this.pageEnd(head) <= hi;
    // Stryker disable next-line ConditionalExpression
    const tailCovered = tail * B >= lo && this.pageEnd(tail) <= hi;
    const first = headCovered ? head : head + 1;
    const end = tailCovered ? tail + 1 : tail;
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (first < end && keepFrames) {
      const state = this.shared.pool.state;
      // Resident pages are few (bounded by the pool); the range may be huge.
      // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator
      if (end - first <= this.table.size) {
        for (let page = first; page < end; page++) {
          const frame = this.table.get(page);
          // Stryker disable next-line ConditionalExpression
          if (frame >= 0) state[frame] = CLEAN;
        }
      } else {
        this.table.forEach(first, end, (_page, frame) => {
          state[frame] = CLEAN;
        });
      }
      this.swap.drop(first, end);
      // Stryker disable next-line ConditionalExpression,EqualityOperator
    } else if (first < end) {
      this.discard(first, end);
    }
    // Stryker disable next-line ConditionalExpression
    if (!headCovered) this.#partlyRebound(head);
    // Stryker disable next-line ConditionalExpression,LogicalOperator
    if (!tailCovered && tail !== head) this.#partlyRebound(tail);
    // SwapKept: a page covered entirely has no Anon byte left, so no swap slot.
    if (first < end) assert(!this.swap.any(first, end), 'a rebound page keeps its swap slot');
  }

  #partlyRebound(page: number): void {
    const B = this.shared.pageSize;
    const lo = page * B;
    const hi = this.pageEnd(page);
    const frame = this.table.get(page);
    const dirty = this.bindings.dirty(lo, hi);
    // Stryker disable next-line ConditionalExpression
    if (frame >= 0) this.shared.pool.state[frame] = !dirty ? CLEAN : this.bindings.allAnon(lo, hi) ? DETACHED : DIRTY;
    if (!dirty && this.swap.has(page)) this.swap.drop(page, page + 1);
    // SwapKept, and the spec's pair: a page not resident has a swap slot iff it has an Anon byte; a resident one has none.
    if (!dirty) assert(!this.swap.has(page), 'a page with no Anon byte keeps a swap slot');
    if (frame >= 0) assert(!this.swap.has(page), 'a resident page has a swap slot');
    else if (dirty) assert(this.swap.has(page), 'an Anon byte with neither a frame nor a swap slot');
  }

  /**
   * Makes every byte of resident page `page` Anon (a store, or a writable
   * view): the spec's detaching of a page, as a store of its own values.
   */
  detach(page: number, frame: number): void {
    const pool = this.shared.pool;
    const B = this.shared.pageSize;
    assert(this.table.get(page) === frame, 'detaching a frame of another page');
    assert(!this.swap.has(page), 'a resident page has a swap slot');
    // Stryker disable next-line ConditionalExpression
    if (pool.state[frame] !== DETACHED) {
      this.bindings.bind(page * B, this.pageEnd(page), ANON);
      pool.state[frame] = DETACHED;
    }
    // The DETACHED half of the frame state's pair with the bindings: every byte of the page is Anon (one lookup).
    assert(this.bindings.allAnon(page * B, this.pageEnd(page)), 'a detached page has a byte that is not Anon');
  }

  /**
   * The spec's View of [lo, hi), into `into[at..]`, without faulting
   * anything in: frames for resident pages, else each byte's source
   * (zeros, snapshot or preserved bytes, swap slots), a run of pages that
   * are not resident at a time (one read per snapshot extent).
   */
  view(lo: number, hi: number, into: Uint8Array, at: number): void {
    assert(lo < hi, 'viewing an empty range');
    assert(hi <= this.length, 'viewing past the end of the segment');
    assert(at + (hi - lo) <= into.length, 'viewing into past the end of the target');
    // Stryker disable next-line ConditionalExpression,BlockStatement
    if (this.table.size === 0) {
      this.sources(lo, hi, into, at);
      return;
    }
    const B = this.shared.pageSize;
    const bytes = this.shared.pool.bytes;
    for (let x = lo; x < hi; ) {
      const page = Math.floor(x / B);
      const base = page * B;
      const stop = base + Math.min(B, hi - base);
      const frame = this.table.get(page);
      if (frame >= 0) {
        into.set(bytes.subarray(frame * B + (x - base), frame * B + (stop - base)), at + (x - lo));
        x = stop;
        continue;
      }
      let y = stop;
      while (y < hi && this.table.get(y / B) < 0) y += Math.min(B, hi - y);
      this.sources(x, y, into, at + (x - lo));
      x = y;
    }
  }

  /**
   * The spec's Known over [lo, hi): throws FileChangedError now if some
   * byte's View could not be computed because its file changed behind the
   * engine's back, so that copyOut and write-back fail before they change
   * anything. Costs a lookup per extent; per page only for a stale snapshot.
   */
  checkKnown(lo: number, hi: number): void {
    assert(lo >= 0, 'checking a negative address');
    assert(lo < hi, 'checking an empty range');
    assert(hi <= this.length, 'checking past the end of the segment');
    for (let x = lo; x < hi; ) {
      const extent = this.bindings.map.next(x);
      if (extent === null || extent.start >= hi) return;
      const stop = Math.min(extent.end, hi);
      this.checkKnownBound(Math.max(x, extent.start), stop, extent.value);
      x = stop;
    }
  }

  /**
   * checkKnown over [lo, hi), every byte of it bound to `binding` (undefined:
   * Zero): for a caller already walking the bindings (a write-back's plan).
   */
  checkKnownBound(lo: number, hi: number, binding: Binding | undefined): void {
    assert(lo < hi, 'checking an empty range');
    assert(hi <= this.length, 'checking past the end of the segment');
    if (binding === undefined || binding.kind !== 'snap' || binding.snap.copy !== null) return;
    binding.snap.file.verify();
    // Stryker disable next-line ConditionalExpression
    if (!binding.snap.stale) return;
    const B = this.shared.pageSize;
    // Resident bytes were copied before the change and are still good.
    for (let y = lo; y < hi; ) {
      const page = Math.floor(y / B);
      const end = page * B + Math.min(B, hi - page * B);
      if (this.table.get(page) < 0) this.shared.snapshots.snapByte(binding.snap, y + binding.delta, end - y, null, 0);
      y = end;
    }
  }

  /** Every resident page, in page order. */
  forEachResident(visit: (page: number, frame: number) => void): void {
    const resident: [number, number][] = [];
    this.table.forEach(0, this.pages, (page, frame) => resident.push([page, frame]));
    assert(resident.length === this.table.size, 'a resident page not found in the table');
    for (let i = resident.length - 1; i >= 0; i--) visit(resident[i][0], resident[i][1]);
  }

  /**
   * Copies bytes [lo, hi), of pages that are not resident, from their
   * sources into `into[at..]`: zeros, snapshot bytes (one read per extent),
   * swap slots. Returns how many came from a zero or snapshot source.
   * Allocates nothing.
   */
  sources(lo: number, hi: number, into: Uint8Array, at: number): number {
    assert(lo < hi, 'reading the sources of an empty range');
    assert(at + (hi - lo) <= into.length, 'reading sources into past the end of the target');
    const B = this.shared.pageSize;
    let filled = 0;
    for (let x = lo; x < hi; ) {
      const extent = this.bindings.map.next(x);
      const start = extent === null ? hi : Math.min(extent.start, hi);
      if (x < start) {
        into.fill(0, at + (x - lo), at + (start - lo));
        filled += start - x;
        x = start;
        continue;
      }
      const binding = extent!.value;
      const stop = Math.min(extent!.end, hi);
      if (binding.kind === 'snap') {
        this.shared.snapshots.snapByte(binding.snap, x + binding.delta, stop - x, into, at + (x - lo));
        filled += stop - x;
      } else {
        for (let y = x; y < stop; ) {
          const page = Math.floor(y / B);
          const end = page * B + Math.min(B, stop - page * B);
          this.swap.read(page, y - page * B, end - y, into, at + (y - lo));
          y = end;
        }
      }
      x = stop;
    }
    assert(filled <= hi - lo, 'more bytes filled than read');
    return filled;
  }

  /** The end of `page`: (page + 1) * B, or the segment's end for a short last page (and never past 2^53). */
  pageEnd(page: number): number {
    assert(page >= 0, 'the end of a negative page');
    assert(page < this.pages, 'the end of a page past the end of the segment');
    const base = page * this.shared.pageSize;
    return base + Math.min(this.shared.pageSize, this.length - base);
  }
}
