/**
 * Paging: which of a segment's pages are in frames, faulting them in from
 * their sources (zero, snapshot, swap), paging them out, and computing View
 * (what a load returns) for bytes not in memory without faulting them in.
 */
import type { Shared } from './shared.ts';
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
  readonly #shared: Shared;
  readonly #bindings: Bindings;
  readonly #length: number;
  readonly #pages: number;
  // The last page faulted in, to recognise sequential access for readahead.
  #lastFault = -2;

  constructor(shared: Shared, bindings: Bindings, length: number) {
    this.#shared = shared;
    this.#bindings = bindings;
    this.#length = length;
    this.#pages = Math.ceil(length / shared.pageSize);
    this.swap = new Swap(shared.swapSpace);
  }

  /** The frame holding `page`, faulting the page in if it is not resident. */
  frame(page: number): number {
    const frame = this.resident.get(page);
    if (frame !== undefined) {
      this.#shared.pool.touch(frame);
      return frame;
    }
    const fresh = this.#fault(page);
    if (this.#shared.readahead > 0) this.#readahead(page, fresh);
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
    const B = this.#shared.pageSize;
    const dirty = this.#bindings.dirty(page * B, this.#pageEnd(page));
    if (dirty) {
      this.swap.write(page, this.#shared.pool.bytes, frame * B);
      this.#shared.counters.swapOuts++;
    }
    this.resident.delete(page);
    this.#shared.pool.release(frame);
    // Checked on the dirty path only, which does I/O anyway: the clean path is a fault's hot path.
    assert(!dirty || this.swap.has(page), 'an evicted dirty page has a swap slot');
  }

  /** Forgets pages [first, end) whose bytes were all rebound: their frames and swap slots go. */
  discard(first: number, end: number): void {
    if (first >= end) return;
    const pool = this.#shared.pool;
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

  /** The spec's SwapKept for one page: a page with no Anon byte left needs no swap slot. */
  swapKept(page: number): void {
    const B = this.#shared.pageSize;
    if (this.swap.has(page) && !this.#bindings.dirty(page * B, this.#pageEnd(page))) this.swap.drop(page, page + 1);
  }

  /**
   * The spec's View of [lo, hi), into `into[at..]`, without faulting
   * anything in: frames for resident pages, else each byte's source. Returns
   * how many bytes came from a zero or snapshot source.
   */
  view(lo: number, hi: number, into: Uint8Array, at: number): number {
    const B = this.#shared.pageSize;
    const bytes = this.#shared.pool.bytes;
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
          else this.#shared.snapshots.snapByte(binding.snap, x + binding.delta, y - x, into, at + (x - lo));
          filled += y - x;
          x = y;
        }
      }
    });
    return filled;
  }

  /**
   * The spec's PageView: the B bytes page `page` holds, into `into[0..B)`
   * (a short last page is padded with zeros). Returns how many came from a
   * zero or snapshot source.
   */
  pageView(page: number, into: Uint8Array): number {
    const B = this.#shared.pageSize;
    const lo = page * B;
    const hi = this.#pageEnd(page);
    const filled = this.view(lo, hi, into, 0);
    into.fill(0, hi - lo, B);
    return filled;
  }

  /**
   * The spec's Known, over `ranges`: throws FileChangedError now if some
   * byte's View could not be computed because its file changed behind the
   * engine's back, so that write-back fails before it changes anything.
   */
  checkKnown(ranges: readonly (readonly [number, number])[]): void {
    const B = this.#shared.pageSize;
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
        if (!this.resident.has(page)) this.#shared.snapshots.snapByte(snapshot, x + binding.delta, stop - x, null, 0);
        x = stop;
      }
    };
    for (const [lo, hi] of ranges) this.#bindings.map.walk(lo, hi, check);
  }

  /** Brings `page` into a frame: its PageView, from its sources or its swap slot (which it then leaves). */
  #fault(page: number): number {
    const shared = this.#shared;
    assert(page >= 0 && page < this.#pages && !this.resident.has(page), 'faulting in a page out of range or resident');
    const B = shared.pageSize;
    const buffer = shared.pageBuffer;
    const filled = this.pageView(page, buffer);
    const swapped = this.swap.has(page);
    assert(swapped === filled < this.#pageEnd(page) - page * B, 'a page has a swap slot iff it has Anon bytes');
    const frame = shared.pool.acquire(this, page);
    shared.pool.bytes.set(buffer, frame * B);
    this.resident.set(page, frame);
    if (swapped) {
      this.swap.drop(page, page + 1);
      shared.counters.swapIns++;
    }
    shared.counters.faults++;
    if (filled > 0) {
      shared.counters.fills++;
      shared.counters.bytesFilled += filled;
    }
    assert(this.resident.get(page) === frame && (!swapped || !this.swap.has(page)), 'a faulted page is resident and has no swap slot');
    return frame;
  }

  #readahead(page: number, frame: number): void {
    const sequential = page === this.#lastFault + 1;
    this.#lastFault = page;
    if (!sequential) return;
    const pool = this.#shared.pool;
    pool.pin(frame);
    try {
      const end = Math.min(this.#pages, page + 1 + this.#shared.readahead);
      for (let next = page + 1; next < end; next++) {
        if (!this.resident.has(next)) {
          try {
            this.#fault(next);
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
    const base = page * this.#shared.pageSize;
    return base + Math.min(this.#shared.pageSize, this.#length - base);
  }
}
