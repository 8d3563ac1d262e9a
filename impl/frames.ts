/**
 * The frame pool: a fixed number of page frames carved out of one buffer,
 * and the CLOCK (second chance) algorithm that picks a victim when none is
 * free. The buffer is allocated lazily: 1 MiB of frames at first (the
 * pages a program touches to start: a file system's superblock,
 * descriptors, root), the whole budget when a frame past them is first
 * needed, copying the first ones once. So starting an engine costs the
 * same whatever its budget: a 64 MiB buffer allocated up front made every
 * start pay for a garbage collection (V8 collects when external memory
 * grows by that much), 5 to 10 ms. Growing in one step, not by doubling,
 * touches no page twice: the system backs the whole buffer only as frames
 * are used, and a doubling would copy (and touch) every frame used so far
 * at each step. The first buffer is kept, not freed, so the peak is the
 * budget plus 1 MiB: freeing a chunk of 128 KiB to 32 MiB that glibc's
 * malloc got with mmap raises its mmap threshold to that size and its trim
 * threshold to twice that for the rest of the process, and the malloc
 * arenas of V8's four worker threads then each keep about 1 MiB they would
 * have given back (P5, 1 GiB budget: 4.5 MiB of peak RSS, against the 1 MiB
 * kept). It only picks: paging out the victim's
 * page is its pager's business (fault.ts asks for a victim, has its pager
 * evict it, then takes the frame), as a replacer only picks in a buffer
 * pool manager.
 *
 * Every piece of per-frame bookkeeping is a typed array indexed by frame
 * (owner, page, reference bit, dirtiness, pin), so that taking, touching and
 * giving back a frame allocates nothing and the bookkeeping of a 1 GiB pool
 * (262,144 frames of 4 KiB) is a few MiB of flat memory, not objects.
 */
import { AssertionError, assert } from './assert.ts';

/**
 * What the page in a frame is made of, kept in step with its bindings (the
 * spec's Dirty, per resident page): CLEAN has no Anon byte (eviction drops
 * it), DIRTY has some (eviction swaps it out), DETACHED has only Anon bytes
 * (a store needs no bind: the hit path of a store checks this alone).
 */
export const CLEAN = 0;
export const DIRTY = 1;
export const DETACHED = 2;

/** The buffer's first size: the pages a file system touches to start (superblock, descriptors, root) and more. */
const initialBytes = 2 ** 20;

export class FramePool {
  /**
   * The frames, back to back: frame f is bytes [f * pageSize, (f + 1) *
   * pageSize). At first only the first frames' (initialBytes), replaced by
   * the whole pool's when a frame past them is first taken: read it again
   * after anything that may take a frame.
   */
  bytes: Uint8Array;
  /** A DataView over `bytes`, for the typed loads and stores of resident pages (replaced with it). */
  view: DataView;
  readonly count: number;
  readonly pageSize: number;
  /** The page each frame holds (meaningful while the frame has an owner). */
  readonly page: Float64Array;
  /** CLOCK's reference bits: set on access, cleared as the hand sweeps past. */
  readonly referenced: Uint8Array;
  /** CLEAN, DIRTY or DETACHED: what the page in each frame is made of. */
  readonly state: Uint8Array;
  // Each frame's owner (the number of the pager holding it) + 1; 0: free.
  readonly #owner: Int32Array;
  // Frames never used yet are [#fresh, count), handed out in order. Frames
  // given back are a stack threaded through `page` (a free frame holds no
  // page: its entry is the next free frame, -1 ending the stack). So the
  // free list costs no memory of its own, and a new pool writes nothing: its
  // arrays stay zero pages until frames are used.
  #fresh = 0;
  #freeHead = -1;
  #freeCount: number;
  // Frames the current operation needs to stay resident (the pages of a prefetch's window).
  readonly #pinned: Uint8Array;
  #hand = 0;
  // The first buffer, held for the pool's life (see the top of this file).
  readonly #first: Uint8Array;

  constructor(count: number, pageSize: number) {
    assert(Number.isInteger(count), 'a fractional frame count');
    assert(count >= 1, 'a pool without frames');
    assert(Number.isInteger(pageSize), 'a fractional page size');
    assert(pageSize >= 1, 'an empty page size');
    this.count = count;
    this.pageSize = pageSize;
    this.#first = new Uint8Array(Math.min(count, Math.max(1, Math.floor(initialBytes / pageSize))) * pageSize);
    this.bytes = this.#first;
    this.view = new DataView(this.bytes.buffer);
    this.page = new Float64Array(count);
    this.referenced = new Uint8Array(count);
    this.state = new Uint8Array(count);
    this.#owner = new Int32Array(count);
    this.#freeCount = count;
    this.#pinned = new Uint8Array(count);
  }

  /** Frames in use. */
  get used(): number {
    return this.count - this.#freeCount;
  }

  /** Frames free: when none is, a frame is had by evicting the page of the victim's frame first. */
  get free(): number {
    return this.#freeCount;
  }

  /** The number of the owner of `frame`, which is in use (the number `acquire` was given). */
  owner(frame: number): number {
    assert(this.#owner[frame] !== 0, 'the owner of a free frame');
    return this.#owner[frame] - 1;
  }

  /** A free frame (there must be one) for owner `owner`'s `page`: CLEAN, referenced, its content garbage. */
  acquire(owner: number, page: number): number {
    assert(this.#freeCount > 0, 'acquiring a frame with none free');
    assert(owner >= 0, 'a frame for a negative owner');
    assert(page >= 0, 'a frame for a negative page');
    let frame: number;
    if (this.#freeHead >= 0) {
      frame = this.#freeHead;
      this.#freeHead = this.page[frame];
    } else {
      frame = this.#fresh++;
      if (frame * this.pageSize >= this.bytes.length) this.#grow();
    }
    assert(frame < this.count, 'a free frame past the pool');
    assert((frame + 1) * this.pageSize <= this.bytes.length, 'a frame past the end of the buffer');
    assert(this.#owner[frame] === 0, 'a free frame has an owner');
    this.#freeCount--;
    this.#owner[frame] = owner + 1;
    this.page[frame] = page;
    this.referenced[frame] = 1;
    this.state[frame] = CLEAN;
    return frame;
  }

  /** The whole pool's buffer, in place of the first one, keeping the frames handed out so far. */
  #grow(): void {
    assert(this.bytes === this.#first, 'growing a second time');
    const grown = new Uint8Array(this.count * this.pageSize);
    assert(grown.length > this.bytes.length, 'growing a buffer that holds every frame');
    grown.set(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  release(frame: number): void {
    assert(this.#owner[frame] !== 0, 'release of a free frame');
    assert(this.#pinned[frame] === 0, 'release of a pinned frame');
    this.#owner[frame] = 0;
    this.page[frame] = this.#freeHead;
    this.#freeHead = frame;
    this.#freeCount++;
    assert(this.#freeCount <= this.count, 'more frames free than the pool holds');
  }

  touch(frame: number): void {
    assert(this.#owner[frame] !== 0, 'touching a free frame');
    this.referenced[frame] = 1;
  }

  /** Keeps `frame` from being evicted until unpinned. */
  pin(frame: number): void {
    assert(this.#owner[frame] !== 0, 'pinning a free frame');
    assert(this.#pinned[frame] === 0, 'pinning a frame twice');
    this.#pinned[frame] = 1;
  }

  unpin(frame: number): void {
    assert(this.#owner[frame] !== 0, 'unpinning a free frame');
    assert(this.#pinned[frame] === 1, 'unpinning a frame not pinned');
    this.#pinned[frame] = 0;
  }

  /**
   * CLOCK's choice of a frame to evict, among frames in use and not pinned:
   * the first past the hand whose reference bit is clear, clearing the bits
   * it passes. The frame stays its owner's until its page is evicted.
   */
  victim(): number {
    assert(this.#freeCount === 0, 'choosing a victim with a frame free');
    // Two sweeps suffice: the first clears every reference bit it passes.
    // Stryker disable next-line EqualityOperator
    for (let step = 0; step < 2 * this.count; step++) {
      const frame = this.#hand;
      this.#hand = this.#hand + 1 === this.count ? 0 : this.#hand + 1;
      if (this.#pinned[frame] === 1) continue;
      if (this.referenced[frame] === 1) {
        this.referenced[frame] = 0;
        continue;
      }
      assert(this.#owner[frame] !== 0, 'a victim frame holds no page');
      return frame;
    }
    throw new AssertionError('no frame can be evicted: every frame is pinned');
  }
}
