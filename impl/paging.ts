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
import { ANON, type Bindings } from './bindings.ts';
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
    // Stryker disable next-line ConditionalExpression: assigning at index length appends, as push does
    if (id === this.#pagers.length) this.#pagers.push(pager);
    else this.#pagers[id] = pager;
    return id;
  }

  /** A pager that holds no frame any more leaves the registry. */
  unregister(id: number): void {
    assert(this.#pagers[id] !== null && this.#pagers[id] !== undefined, 'unregistering an unknown owner');
    this.#pagers[id] = null;
    this.#free.push(id);
  }

  /** The pager registered as `id`. */
  get(id: number): Pager {
    return this.#pagers[id]!;
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
  // Stryker disable next-line UnaryOperator: with #run 0 the first fault has a window of 0 and starts a run of 1 whether or not it counts as sequential
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
    const pool = this.shared.pool;
    // Released last page first: the free frames are a stack, so pages filled
    // again in order get their frames back in order (one read for a batch).
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: both branches release the resident pages of [first, end) last page first; they differ in cost only
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
    const B = this.shared.pageSize;
    const head = Math.floor(lo / B);
    const tail = Math.floor((hi - 1) / B);
    const headCovered = lo === head * B && this.pageEnd(head) <= hi;
    // Stryker disable next-line ConditionalExpression: tail * B < lo only when tail === head and head is not covered: then first === end and the tail is not partly rebound either way
    const tailCovered = tail * B >= lo && this.pageEnd(tail) <= hi;
    const first = headCovered ? head : head + 1;
    const end = tailCovered ? tail + 1 : tail;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with first >= end the keepFrames branch visits no page and drops no slot
    if (first < end && keepFrames) {
      const state = this.shared.pool.state;
      // Resident pages are few (bounded by the pool); the range may be huge.
      // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: both branches mark the resident pages of [first, end) CLEAN; they differ in cost only
      if (end - first <= this.table.size) {
        for (let page = first; page < end; page++) {
          const frame = this.table.get(page);
          // Stryker disable next-line ConditionalExpression: a typed array ignores a write at index -1
          if (frame >= 0) state[frame] = CLEAN;
        }
      } else {
        this.table.forEach(first, end, (_page, frame) => {
          state[frame] = CLEAN;
        });
      }
      this.swap.drop(first, end);
      // Stryker disable next-line ConditionalExpression,EqualityOperator: discarding an empty range releases no frame and drops no slot
    } else if (first < end) {
      this.discard(first, end);
    }
    // Stryker disable next-line ConditionalExpression: a covered page has no dirty byte left: #partlyRebound finds its frame CLEAN already and its slot dropped
    if (!headCovered) this.#partlyRebound(head);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: #partlyRebound is idempotent and changes nothing on a covered page (see above)
    if (!tailCovered && tail !== head) this.#partlyRebound(tail);
  }

  #partlyRebound(page: number): void {
    const B = this.shared.pageSize;
    const lo = page * B;
    const hi = this.pageEnd(page);
    const frame = this.table.get(page);
    const dirty = this.bindings.dirty(lo, hi);
    // Stryker disable next-line ConditionalExpression: a typed array ignores a write at index -1, and dirty/allAnon only read
    if (frame >= 0) this.shared.pool.state[frame] = !dirty ? CLEAN : this.bindings.allAnon(lo, hi) ? DETACHED : DIRTY;
    if (!dirty && this.swap.has(page)) this.swap.drop(page, page + 1);
  }

  /**
   * Makes every byte of resident page `page` Anon (a store, or a writable
   * view): the spec's detaching of a page, as a store of its own values.
   */
  detach(page: number, frame: number): void {
    const pool = this.shared.pool;
    // Stryker disable next-line ConditionalExpression: a DETACHED page is all Anon already: binding it Anon again changes nothing
    if (pool.state[frame] === DETACHED) return;
    const B = this.shared.pageSize;
    this.bindings.bind(page * B, this.pageEnd(page), ANON);
    pool.state[frame] = DETACHED;
  }

  /**
   * The spec's View of [lo, hi), into `into[at..]`, without faulting
   * anything in: frames for resident pages, else each byte's source
   * (zeros, snapshot or preserved bytes, swap slots), a run of pages that
   * are not resident at a time (one read per snapshot extent).
   */
  view(lo: number, hi: number, into: Uint8Array, at: number): void {
    // Stryker disable next-line ConditionalExpression,BlockStatement: with no resident page the loop below makes the same single #sources call
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
    const B = this.shared.pageSize;
    for (let x = lo; x < hi; ) {
      const extent = this.bindings.map.next(x);
      if (extent === null || extent.start >= hi) return;
      const start = Math.max(x, extent.start);
      const stop = Math.min(extent.end, hi);
      x = stop;
      const binding = extent.value;
      if (binding.kind !== 'snap' || binding.snap.copy !== null) continue;
      binding.snap.file.verify();
      // Stryker disable next-line ConditionalExpression: snapByte with into null on a snapshot that is not stale cannot fail (the file was verified in this call)
      if (!binding.snap.stale) continue;
      // Resident bytes were copied before the change and are still good.
      for (let y = start; y < stop; ) {
        const page = Math.floor(y / B);
        const end = page * B + Math.min(B, stop - page * B);
        if (this.table.get(page) < 0) this.shared.snapshots.snapByte(binding.snap, y + binding.delta, end - y, null, 0);
        y = end;
      }
    }
  }

  /** Every resident page, in page order. */
  forEachResident(visit: (page: number, frame: number) => void): void {
    const resident: [number, number][] = [];
    this.table.forEach(0, this.pages, (page, frame) => resident.push([page, frame]));
    for (let i = resident.length - 1; i >= 0; i--) visit(resident[i][0], resident[i][1]);
  }

  /**
   * Copies bytes [lo, hi), of pages that are not resident, from their
   * sources into `into[at..]`: zeros, snapshot bytes (one read per extent),
   * swap slots. Returns how many came from a zero or snapshot source.
   * Allocates nothing.
   */
  sources(lo: number, hi: number, into: Uint8Array, at: number): number {
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
    return filled;
  }

  /** The end of `page`: (page + 1) * B, or the segment's end for a short last page (and never past 2^53). */
  pageEnd(page: number): number {
    const base = page * this.shared.pageSize;
    return base + Math.min(this.shared.pageSize, this.length - base);
  }
}
