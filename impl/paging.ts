/**
 * Paging: which of a segment's pages are in frames (its page table),
 * faulting them in from their sources (zero, snapshot, swap) one at a time
 * or a run at a time (the spec's Prefetch, and readahead), paging them out,
 * and View (what a load returns) for bytes not in memory, without faulting
 * them in (the spec's CopyOut, and write-back).
 *
 * The fault path allocates nothing: the page table and the frame
 * bookkeeping are typed arrays, extents are visited with `next`, and file
 * bytes are read straight into the frame.
 */

import { assert } from './assert.ts';
import { ANON, type Bindings } from './bindings.ts';
import { DeferredIOError } from './errors.ts';
import { CLEAN, DETACHED, DIRTY, type FrameOwner } from './frames.ts';
import { PageTable } from './page-table.ts';
import type { Shared } from './shared.ts';
import { Swap } from './swap.ts';

export class Pager implements FrameOwner {
  /** page -> frame, for this segment's resident pages. */
  readonly table: PageTable;
  readonly swap: Swap;
  /** This pager's registration in the frame pool. */
  readonly id: number;
  readonly #shared: Shared;
  readonly #bindings: Bindings;
  readonly #length: number;
  readonly #pages: number;
  // The last page faulted in on demand (or read ahead), to recognise sequential access, and
  // how many pages the sequential run ending there has: the readahead window grows with it.
  // Stryker disable next-line UnaryOperator: with #run 0 the first fault has a window of 0 and starts a run of 1 whether or not it counts as sequential
  #lastFault = -2;
  #run = 0;

  constructor(shared: Shared, bindings: Bindings, length: number) {
    this.#shared = shared;
    this.#bindings = bindings;
    this.#length = length;
    this.#pages = Math.ceil(length / shared.pageSize);
    this.table = new PageTable(this.#pages);
    this.swap = new Swap(shared.swapSpace);
    this.id = shared.pool.register(this);
  }

  /** Leaves the frame pool, holding no frame any more. */
  close(): void {
    assert(this.table.size === 0, 'a closed segment keeps frames');
    this.#shared.pool.unregister(this.id);
  }

  /**
   * The frame holding `page`, faulting it in if it is not resident (the
   * spec's Load, Store and Bytes fault). After a fault on the page that
   * follows the last one faulted, the engine reads ahead: the fault is then
   * the spec's Load followed by Prefetch of the pages after it, done by the
   * same mechanism as `prefetch`, in one read where it can. How far ahead
   * is policy, outside the spec: as many pages as the sequential run has
   * so far, at most `readahead`, so the window doubles from one page (a
   * program touching two adjacent blocks does not pay for a megabyte) and
   * a long scan soon reads `readahead` pages at a time.
   */
  frame(page: number): number {
    const frame = this.table.get(page);
    if (frame >= 0) {
      this.#shared.pool.touch(frame);
      return frame;
    }
    const sequential = page === this.#lastFault + 1;
    this.#lastFault = page;
    const window = Math.min(this.#shared.readahead, this.#run);
    this.#run = sequential ? this.#run + 1 : 1;
    if (sequential && window > 0) {
      const stop = this.prefetch(page, Math.min(this.#pages, page + 1 + window));
      // Stryker disable next-line EqualityOperator: stop === page + 1 sets #lastFault to page (already so) and adds 0 to #run
      if (stop > page + 1) {
        this.#lastFault = stop - 1;
        this.#run += stop - page - 1;
      }
      const fetched = this.table.get(page);
      if (fetched >= 0) return fetched;
    }
    // Not read ahead (or it could not be): its own fault, which reports why.
    return this.#fill(page);
  }

  /**
   * The spec's Prefetch of pages [first, end): each page not resident is
   * faulted in, in order, up to the first that cannot be filled (a byte
   * lost to a change behind the engine's back, or an I/O error: best
   * effort, that page's own fault will report it). A run of pages bound to
   * contiguous offsets of one snapshot is filled with one read per run of
   * consecutive frames (which a sequential scan gets from CLOCK). The pages
   * stay pinned until the end, so that none evicts another; hence at most
   * as many pages as the pool holds. Returns the page where it stopped
   * (`end` if it did not).
   */
  prefetch(first: number, end: number): number {
    const pool = this.#shared.pool;
    let room = pool.count;
    let page = first;
    try {
      while (page < end) {
        if (room === 0) return page;
        const resident = this.table.get(page);
        if (resident >= 0) {
          pool.pin(resident);
          room--;
          page++;
          continue;
        }
        const run = this.#batchable(page, Math.min(end, page + room, page + this.#shared.batch.length));
        // Stryker disable next-line EqualityOperator: #batchable returns page or a run of at least two pages, never page + 1
        if (run > page + 1) {
          if (!this.#fillBatch(page, run)) return page;
          room -= run - page;
          page = run;
          continue;
        }
        try {
          pool.pin(this.#fill(page));
        } catch (error) {
          // Stryker disable next-line ConditionalExpression: #fill raises only DeferredIOError (ioError wraps every backend error) or AssertionError, which no valid state reaches
          if (error instanceof DeferredIOError) return page;
          throw error;
        }
        room--;
        page++;
      }
      return end;
    } finally {
      // Every page of [first, page) is resident and pinned.
      for (let pinned = first; pinned < page; pinned++) pool.unpin(this.table.get(pinned));
    }
  }

  /** Pages `page` out if resident: a dirty page goes to its swap slot, a clean one is dropped. */
  evict(page: number): boolean {
    if (this.table.get(page) < 0) return false;
    this.evictFrame(page);
    return true;
  }

  evictFrame(page: number): void {
    const frame = this.table.get(page);
    assert(frame >= 0, 'evicting a page that is not resident');
    const pool = this.#shared.pool;
    const dirty = pool.state[frame] !== CLEAN;
    if (dirty) {
      // Checked on the dirty path only, which does I/O anyway: the clean path is a fault's hot path.
      assert(
        this.#bindings.dirty(page * this.#shared.pageSize, this.#pageEnd(page)),
        'a page marked dirty has no Anon byte',
      );
      this.swap.write(page, pool.bytes, frame * this.#shared.pageSize);
      this.#shared.counters.swapOuts++;
    }
    this.table.delete(page);
    pool.release(frame);
    assert(!dirty || this.swap.has(page), 'an evicted dirty page has a swap slot');
  }

  /** Forgets pages [first, end) whose bytes were all rebound: their frames and swap slots go. */
  discard(first: number, end: number): void {
    const pool = this.#shared.pool;
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
    const B = this.#shared.pageSize;
    const head = Math.floor(lo / B);
    const tail = Math.floor((hi - 1) / B);
    const headCovered = lo === head * B && this.#pageEnd(head) <= hi;
    // Stryker disable next-line ConditionalExpression: tail * B < lo only when tail === head and head is not covered: then first === end and the tail is not partly rebound either way
    const tailCovered = tail * B >= lo && this.#pageEnd(tail) <= hi;
    const first = headCovered ? head : head + 1;
    const end = tailCovered ? tail + 1 : tail;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with first >= end the keepFrames branch visits no page and drops no slot
    if (first < end && keepFrames) {
      const state = this.#shared.pool.state;
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
    const B = this.#shared.pageSize;
    const lo = page * B;
    const hi = this.#pageEnd(page);
    const frame = this.table.get(page);
    const dirty = this.#bindings.dirty(lo, hi);
    // Stryker disable next-line ConditionalExpression: a typed array ignores a write at index -1, and dirty/allAnon only read
    if (frame >= 0) this.#shared.pool.state[frame] = !dirty ? CLEAN : this.#bindings.allAnon(lo, hi) ? DETACHED : DIRTY;
    if (!dirty && this.swap.has(page)) this.swap.drop(page, page + 1);
  }

  /**
   * Makes every byte of resident page `page` Anon (a store, or a writable
   * view): the spec's detaching of a page, as a store of its own values.
   */
  detach(page: number, frame: number): void {
    const pool = this.#shared.pool;
    // Stryker disable next-line ConditionalExpression: a DETACHED page is all Anon already: binding it Anon again changes nothing
    if (pool.state[frame] === DETACHED) return;
    const B = this.#shared.pageSize;
    this.#bindings.bind(page * B, this.#pageEnd(page), ANON);
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
      this.#sources(lo, hi, into, at);
      return;
    }
    const B = this.#shared.pageSize;
    const bytes = this.#shared.pool.bytes;
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
      this.#sources(x, y, into, at + (x - lo));
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
    const B = this.#shared.pageSize;
    for (let x = lo; x < hi; ) {
      const extent = this.#bindings.map.next(x);
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
        if (this.table.get(page) < 0)
          this.#shared.snapshots.snapByte(binding.snap, y + binding.delta, end - y, null, 0);
        y = end;
      }
    }
  }

  /** Every resident page, in page order. */
  forEachResident(visit: (page: number, frame: number) => void): void {
    const resident: [number, number][] = [];
    this.table.forEach(0, this.#pages, (page, frame) => resident.push([page, frame]));
    for (let i = resident.length - 1; i >= 0; i--) visit(resident[i][0], resident[i][1]);
  }

  /**
   * Brings `page` into a frame: its PageView, read straight into the frame
   * from its sources or its swap slot (which it then leaves). Making room
   * may evict another page; if the fill then fails, the frame goes back and
   * the page stays where it was.
   */
  #fill(page: number): number {
    const shared = this.#shared;
    const pool = shared.pool;
    assert(page >= 0 && page < this.#pages && this.table.get(page) < 0, 'faulting in a page out of range or resident');
    const B = shared.pageSize;
    const lo = page * B;
    const hi = this.#pageEnd(page);
    const frame = pool.acquire(this.id, page);
    let filled: number;
    try {
      filled = this.#sources(lo, hi, pool.bytes, frame * B);
    } catch (error) {
      pool.release(frame);
      throw error;
    }
    if (hi - lo < B) pool.bytes.fill(0, frame * B + (hi - lo), frame * B + B);
    const swapped = filled < hi - lo;
    assert(swapped === this.swap.has(page), 'a page has a swap slot iff it has Anon bytes');
    this.table.set(page, frame);
    if (swapped) {
      this.swap.drop(page, page + 1);
      pool.state[frame] = this.#bindings.allAnon(lo, hi) ? DETACHED : DIRTY;
      shared.counters.swapIns++;
    }
    shared.counters.faults++;
    if (filled > 0) {
      shared.counters.fills++;
      shared.counters.bytesFilled += filled;
    }
    return frame;
  }

  /**
   * The end (exclusive, at most `limit`) of a run of pages from `page` that
   * one read can fill: none resident, all bound to one snapshot extent
   * (contiguous offsets of one file), which serves them from its file or
   * private copy (not stale, no block preserved). `page` when there is no
   * such run of two pages or more.
   */
  #batchable(page: number, limit: number): number {
    const B = this.#shared.pageSize;
    const extent = this.#bindings.map.at(page * B);
    if (extent === null || extent.value.kind !== 'snap') return page;
    let end = page;
    while (end < limit && this.#pageEnd(end) <= extent.end && this.table.get(end) < 0) end++;
    if (end < page + 2) return page;
    const { snap, delta } = extent.value;
    if (snap.copy === null) {
      snap.file.verify();
      const lo = page * B + delta;
      const hi = this.#pageEnd(end - 1) + delta;
      if (snap.stale || snap.preserved.overlaps(Math.floor(lo / B), Math.floor((hi - 1) / B) + 1)) return page;
    }
    return end;
  }

  /**
   * Fills pages [first, end), a run #batchable found, with one read per
   * run of consecutive frames, the frames pinned. All or nothing: if a
   * frame cannot be had or a read fails, every frame taken goes back and
   * it returns false (best effort: the pages fault on their own later).
   */
  #fillBatch(first: number, end: number): boolean {
    const shared = this.#shared;
    const pool = shared.pool;
    const B = shared.pageSize;
    const frames = shared.batch;
    const count = end - first;
    const extent = this.#bindings.map.at(first * B)!;
    assert(extent.value.kind === 'snap' && count <= frames.length, 'a batch not bound to one snapshot');
    const { snap, delta } = extent.value;
    let taken = 0;
    try {
      for (; taken < count; taken++) {
        frames[taken] = pool.acquire(this.id, first + taken);
        pool.pin(frames[taken]);
      }
      for (let i = 0; i < count; ) {
        let j = i + 1;
        while (j < count && frames[j] === frames[j - 1] + 1) j++;
        const lo = (first + i) * B;
        shared.snapshots.snapByte(snap, lo + delta, this.#pageEnd(first + j - 1) - lo, pool.bytes, frames[i] * B);
        i = j;
      }
    } catch (error) {
      for (let i = 0; i < taken; i++) {
        pool.unpin(frames[i]);
        pool.release(frames[i]);
      }
      // Stryker disable next-line ConditionalExpression: reading a batch raises only DeferredIOError (ioError wraps every backend error) or AssertionError, which no valid state reaches
      if (error instanceof DeferredIOError) return false;
      throw error;
    }
    const last = end - 1;
    const tail = this.#pageEnd(last) - last * B;
    if (tail < B) pool.bytes.fill(0, frames[count - 1] * B + tail, frames[count - 1] * B + B);
    for (let i = 0; i < count; i++) this.table.set(first + i, frames[i]);
    const filled = this.#pageEnd(last) - first * B;
    shared.counters.faults += count;
    shared.counters.fills += count;
    shared.counters.bytesFilled += filled;
    return true;
  }

  /**
   * Copies bytes [lo, hi), of pages that are not resident, from their
   * sources into `into[at..]`: zeros, snapshot bytes (one read per extent),
   * swap slots. Returns how many came from a zero or snapshot source.
   * Allocates nothing.
   */
  #sources(lo: number, hi: number, into: Uint8Array, at: number): number {
    const B = this.#shared.pageSize;
    let filled = 0;
    for (let x = lo; x < hi; ) {
      const extent = this.#bindings.map.next(x);
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
        this.#shared.snapshots.snapByte(binding.snap, x + binding.delta, stop - x, into, at + (x - lo));
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
  #pageEnd(page: number): number {
    const base = page * this.#shared.pageSize;
    return base + Math.min(this.#shared.pageSize, this.#length - base);
  }
}
