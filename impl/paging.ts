/**
 * Paging: which of a segment's pages are in frames, faulting them in from
 * their sources (zero, snapshot, swap), paging them out, and computing View
 * (what a load returns) for bytes not in memory without faulting them in.
 */
import type { Context } from './context.ts';
import type { FrameOwner } from './frames.ts';
import type { FileState } from './files.ts';
import type { Binding, Bindings } from './bindings.ts';
import { Swap } from './swap.ts';
import { assert } from './assert.ts';
import { DeferredIOError } from './errors.ts';

export class Pager implements FrameOwner {
  /** page -> frame, for this segment's resident pages. */
  readonly resident = new Map<number, number>();
  readonly swap: Swap;
  readonly #context: Context;
  readonly #bindings: Bindings;
  readonly #length: number;
  readonly #pages: number;
  // The last page faulted in, to recognise sequential access for readahead.
  #lastFault = -2;

  constructor(context: Context, bindings: Bindings, length: number) {
    this.#context = context;
    this.#bindings = bindings;
    this.#length = length;
    this.#pages = Math.ceil(length / context.pageSize);
    this.swap = new Swap(context.swapSpace);
  }

  /** The frame holding `page`, faulting the page in if it is not resident. */
  frame(page: number): number {
    const frame = this.resident.get(page);
    if (frame !== undefined) {
      this.#context.pool.touch(frame);
      return frame;
    }
    const fresh = this.#faultIn(page);
    if (this.#context.readahead > 0) this.#readahead(page, fresh);
    return fresh;
  }

  /** Pages `page` out if resident: a dirty page goes to its swap slot, a clean one is dropped. */
  evict(page: number): boolean {
    if (!this.resident.has(page)) return false;
    this.evictFrame(page);
    return true;
  }

  evictFrame(page: number): void {
    const frame = this.resident.get(page);
    assert(frame !== undefined, 'evicting a page that is not resident');
    const B = this.#context.pageSize;
    if (this.#bindings.hasAnon(page * B, this.#pageEnd(page))) {
      this.swap.write(page, this.#context.pool.bytes, frame * B);
      this.#context.counters.swapOuts++;
    }
    this.resident.delete(page);
    this.#context.pool.release(frame);
  }

  /** Forgets pages [first, end) whose bytes were all rebound: their frames and swap slots go. */
  discard(first: number, end: number): void {
    if (first >= end) return;
    const pool = this.#context.pool;
    // Resident pages are few (bounded by the pool); the range may be huge.
    if (end - first <= this.resident.size) {
      for (let page = first; page < end; page++) {
        const frame = this.resident.get(page);
        if (frame === undefined) continue;
        this.resident.delete(page);
        pool.release(frame);
      }
    } else {
      for (const [page, frame] of this.resident) {
        if (page < first || page >= end) continue;
        this.resident.delete(page);
        pool.release(frame);
      }
    }
    this.swap.drop(first, end);
  }

  /** A page with no Anon byte left needs no swap slot. */
  dropSwapIfClean(page: number): void {
    const B = this.#context.pageSize;
    if (this.swap.has(page) && !this.#bindings.hasAnon(page * B, this.#pageEnd(page))) this.swap.drop(page, page + 1);
  }

  /**
   * Copies View of [lo, hi) into `into[at..]` without faulting anything in:
   * frames for resident pages, else each byte's source. Returns how many
   * bytes came from a zero or snapshot source.
   */
  view(lo: number, hi: number, into: Uint8Array, at: number): number {
    const B = this.#context.pageSize;
    const bytes = this.#context.pool.bytes;
    let filled = 0;
    this.#bindings.map.walk(lo, hi, (start, end, binding) => {
      let x = start;
      while (x < end) {
        const page = Math.floor(x / B);
        const base = page * B;
        const stop = base + Math.min(B, end - base);
        const frame = this.resident.get(page);
        if (frame !== undefined) {
          into.set(bytes.subarray(frame * B + (x - base), frame * B + (stop - base)), at + (x - lo));
          x = stop;
        } else if (binding?.kind === 'anon') {
          this.swap.read(page, x - base, stop - x, into, at + (x - lo));
          x = stop;
        } else {
          // One read for the whole run of pages that are not resident.
          let y = stop;
          while (y < end && !this.resident.has(Math.floor(y / B))) y += Math.min(B, end - y);
          if (binding === undefined) into.fill(0, at + (x - lo), at + (y - lo));
          else this.#context.snapshots.read(binding.snap, x + binding.delta, y - x, into, at + (x - lo));
          filled += y - x;
          x = y;
        }
      }
    });
    return filled;
  }

  /**
   * Throws now if View of some byte of `ranges` could not be computed
   * because its file changed behind the engine's back, so that write-back
   * fails before it changes anything.
   */
  checkView(ranges: readonly (readonly [number, number])[]): void {
    const B = this.#context.pageSize;
    const verified = new Set<FileState>();
    const check = (start: number, end: number, binding: Binding | undefined): void => {
      if (binding?.kind !== 'snap' || binding.snap.copy !== null) return;
      const snapshot = binding.snap;
      if (!verified.has(snapshot.file)) {
        snapshot.file.verify();
        verified.add(snapshot.file);
      }
      if (!snapshot.stale) return;
      // Resident bytes were copied before the change and are still good.
      for (let x = start; x < end; ) {
        const page = Math.floor(x / B);
        const stop = page * B + Math.min(B, end - page * B);
        if (!this.resident.has(page)) this.#context.snapshots.read(snapshot, x + binding.delta, stop - x, null, 0);
        x = stop;
      }
    };
    for (const [lo, hi] of ranges) this.#bindings.map.walk(lo, hi, check);
  }

  #faultIn(page: number): number {
    const context = this.#context;
    const B = context.pageSize;
    const lo = page * B;
    const hi = this.#pageEnd(page);
    const buffer = context.pageBuffer;
    const filled = this.view(lo, hi, buffer, 0);
    buffer.fill(0, hi - lo);
    const swapped = this.swap.has(page);
    assert(swapped === filled < hi - lo, 'a page has a swap slot iff it has Anon bytes');
    const frame = context.pool.acquire(this, page);
    context.pool.bytes.set(buffer, frame * B);
    this.resident.set(page, frame);
    if (swapped) {
      this.swap.drop(page, page + 1);
      context.counters.swapIns++;
    }
    context.counters.faults++;
    if (filled > 0) {
      context.counters.fills++;
      context.counters.bytesFilled += filled;
    }
    return frame;
  }

  #readahead(page: number, frame: number): void {
    const sequential = page === this.#lastFault + 1;
    this.#lastFault = page;
    if (!sequential) return;
    const pool = this.#context.pool;
    pool.pin(frame);
    try {
      const end = Math.min(this.#pages, page + 1 + this.#context.readahead);
      for (let next = page + 1; next < end; next++) {
        if (!this.resident.has(next)) {
          try {
            this.#faultIn(next);
          } catch (error) {
            // Best effort: a page that fails here faults again, and reports why, if it is ever touched.
            if (error instanceof DeferredIOError) return;
            throw error;
          }
        }
        this.#lastFault = next;
      }
    } finally {
      pool.unpin();
    }
  }

  /** The end of `page`: (page + 1) * B, or the segment's end for a short last page (and never past 2^53). */
  #pageEnd(page: number): number {
    const base = page * this.#context.pageSize;
    return base + Math.min(this.#context.pageSize, this.#length - base);
  }
}
