/**
 * The frame pool: a fixed number of page frames carved out of one buffer
 * sized by the memory budget, recycled with the CLOCK (second chance)
 * algorithm when none is free.
 *
 * Every piece of per-frame bookkeeping is a typed array indexed by frame
 * (owner, page, reference bit, dirtiness, pin), so that taking, touching and
 * giving back a frame allocates nothing and the bookkeeping of a 1 GiB pool
 * (262,144 frames of 4 KiB) is a few MiB of flat memory, not objects.
 */
import { assert, AssertionError } from './assert.ts';

/** Whoever holds a frame must be able to give it back on demand. */
export interface FrameOwner {
  /** Pages `page` out (to swap if dirty) and releases its frame. May throw; then nothing changed. */
  evictFrame(page: number): void;
}

/**
 * What the page in a frame is made of, kept in step with its bindings (the
 * spec's Dirty, per resident page): CLEAN has no Anon byte (eviction drops
 * it), DIRTY has some (eviction swaps it out), DETACHED has only Anon bytes
 * (a store needs no bind: the hit path of a store checks this alone).
 */
export const CLEAN = 0;
export const DIRTY = 1;
export const DETACHED = 2;

export class FramePool {
  /** All frames, back to back: frame f is bytes [f * pageSize, (f + 1) * pageSize). */
  readonly bytes: Uint8Array;
  /** A DataView over all frames, for the typed loads and stores of resident pages. */
  readonly view: DataView;
  readonly count: number;
  readonly pageSize: number;
  /** The page each frame holds (meaningful while the frame has an owner). */
  readonly page: Float64Array;
  /** CLOCK's reference bits: set on access, cleared as the hand sweeps past. */
  readonly referenced: Uint8Array;
  /** CLEAN, DIRTY or DETACHED: what the page in each frame is made of. */
  readonly state: Uint8Array;
  // Each frame's owner, by registration number (-1: free), and the owners registered.
  readonly #owner: Int32Array;
  readonly #owners: (FrameOwner | null)[] = [];
  readonly #freeOwners: number[] = [];
  // Free frames, a stack: a fresh pool hands out frames 0, 1, 2, ... in order.
  readonly #free: Int32Array;
  #freeCount: number;
  // Frames the current operation needs to stay resident (the pages a fault or prefetch is filling).
  readonly #pinned: Uint8Array;
  readonly #pins: Int32Array;
  #pinCount = 0;
  #hand = 0;

  constructor(count: number, pageSize: number) {
    assert(Number.isInteger(count) && count >= 1 && Number.isInteger(pageSize) && pageSize >= 1);
    this.count = count;
    this.pageSize = pageSize;
    this.bytes = new Uint8Array(count * pageSize);
    this.view = new DataView(this.bytes.buffer);
    this.page = new Float64Array(count);
    this.referenced = new Uint8Array(count);
    this.state = new Uint8Array(count);
    this.#owner = new Int32Array(count).fill(-1);
    this.#free = new Int32Array(count);
    for (let i = 0; i < count; i++) this.#free[i] = count - 1 - i;
    this.#freeCount = count;
    this.#pinned = new Uint8Array(count);
    this.#pins = new Int32Array(count);
  }

  /** Frames in use. */
  get used(): number {
    return this.count - this.#freeCount;
  }

  /** Registers an owner; frames name it by the number returned. */
  register(owner: FrameOwner): number {
    const id = this.#freeOwners.length > 0 ? this.#freeOwners.pop()! : this.#owners.length;
    if (id === this.#owners.length) this.#owners.push(owner);
    else this.#owners[id] = owner;
    return id;
  }

  /** An owner that holds no frame any more leaves the registry. */
  unregister(id: number): void {
    assert(this.#owners[id] !== null && this.#owners[id] !== undefined, 'unregistering an unknown owner');
    this.#owners[id] = null;
    this.#freeOwners.push(id);
  }

  /**
   * A frame for owner `owner`'s `page`, evicting another page if none is
   * free; CLEAN, referenced, its content garbage. If the eviction fails,
   * nothing changed.
   */
  acquire(owner: number, page: number): number {
    if (this.#freeCount === 0) {
      const victim = this.#victim();
      this.#owners[this.#owner[victim]]!.evictFrame(this.page[victim]);
      assert(this.#owner[victim] === -1, 'evicted page kept its frame');
    }
    const frame = this.#free[--this.#freeCount];
    assert(this.#owner[frame] === -1, 'a free frame has an owner');
    this.#owner[frame] = owner;
    this.page[frame] = page;
    this.referenced[frame] = 1;
    this.state[frame] = CLEAN;
    return frame;
  }

  release(frame: number): void {
    assert(this.#owner[frame] !== -1 && this.#pinned[frame] === 0, 'release of a free or pinned frame');
    this.#owner[frame] = -1;
    this.#free[this.#freeCount++] = frame;
  }

  touch(frame: number): void {
    this.referenced[frame] = 1;
  }

  /** Keeps `frame` from being evicted until unpinAll. */
  pin(frame: number): void {
    assert(this.#owner[frame] !== -1 && this.#pinned[frame] === 0, 'pinning a free frame, or twice');
    this.#pinned[frame] = 1;
    this.#pins[this.#pinCount++] = frame;
  }

  unpin(frame: number): void {
    assert(this.#pinned[frame] === 1, 'unpinning a frame not pinned');
    this.#pinned[frame] = 0;
    for (let i = this.#pinCount - 1; i >= 0; i--) {
      if (this.#pins[i] !== frame) continue;
      this.#pins[i] = this.#pins[--this.#pinCount];
      return;
    }
  }

  unpinAll(): void {
    while (this.#pinCount > 0) this.#pinned[this.#pins[--this.#pinCount]] = 0;
  }

  #victim(): number {
    // Two sweeps suffice: the first clears every reference bit it passes.
    for (let step = 0; step < 2 * this.count; step++) {
      const frame = this.#hand;
      this.#hand = this.#hand + 1 === this.count ? 0 : this.#hand + 1;
      if (this.#pinned[frame] === 1) continue;
      if (this.referenced[frame] === 1) {
        this.referenced[frame] = 0;
        continue;
      }
      return frame;
    }
    throw new AssertionError('no frame can be evicted: every frame is pinned');
  }
}
