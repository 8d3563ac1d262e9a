/**
 * The frame pool: a fixed number of page frames carved out of one buffer
 * sized by the memory budget, recycled with the CLOCK (second chance)
 * algorithm when none is free.
 */
import { assert, AssertionError } from './assert.ts';

/** Whoever holds a frame must be able to give it back on demand. */
export interface FrameOwner {
  /** Pages `page` out (to swap if dirty) and releases its frame. May throw; then nothing changed. */
  evictFrame(page: number): void;
}

export class FramePool {
  /** All frames, back to back: frame f is bytes [f * pageSize, (f + 1) * pageSize). */
  readonly bytes: Uint8Array;
  readonly count: number;
  readonly #owners: (FrameOwner | null)[];
  readonly #pages: number[];
  // CLOCK's reference bits: set on every access, cleared as the hand sweeps past.
  readonly #referenced: Uint8Array;
  readonly #free: number[] = [];
  #hand = 0;
  // A frame the current operation needs to stay resident (readahead must not evict the page it follows).
  #pinned = -1;

  constructor(count: number, pageSize: number) {
    assert(Number.isInteger(count) && count >= 1);
    this.count = count;
    this.bytes = new Uint8Array(count * pageSize);
    this.#owners = new Array<FrameOwner | null>(count).fill(null);
    this.#pages = new Array<number>(count).fill(-1);
    this.#referenced = new Uint8Array(count);
    for (let f = count - 1; f >= 0; f--) this.#free.push(f);
  }

  /** Frames in use. */
  get used(): number {
    return this.count - this.#free.length;
  }

  /** A frame for `owner`'s `page`, evicting another page if none is free. Its content is garbage. */
  acquire(owner: FrameOwner, page: number): number {
    if (this.#free.length === 0) {
      const victim = this.#victim();
      this.#owners[victim]!.evictFrame(this.#pages[victim]);
      assert(this.#owners[victim] === null, 'evicted page kept its frame');
    }
    const frame = this.#free.pop()!;
    assert(this.#owners[frame] === null);
    this.#owners[frame] = owner;
    this.#pages[frame] = page;
    this.#referenced[frame] = 1;
    return frame;
  }

  release(frame: number): void {
    assert(this.#owners[frame] !== null, 'release of a free frame');
    this.#owners[frame] = null;
    this.#pages[frame] = -1;
    this.#free.push(frame);
  }

  touch(frame: number): void {
    this.#referenced[frame] = 1;
  }

  pin(frame: number): void {
    assert(this.#pinned === -1 && this.#owners[frame] !== null);
    this.#pinned = frame;
  }

  unpin(): void {
    this.#pinned = -1;
  }

  #victim(): number {
    // Two sweeps suffice: the first clears every reference bit it passes.
    for (let step = 0; step < 2 * this.count; step++) {
      const frame = this.#hand;
      this.#hand = (this.#hand + 1) % this.count;
      if (frame === this.#pinned) continue;
      if (this.#referenced[frame] === 1) {
        this.#referenced[frame] = 0;
        continue;
      }
      return frame;
    }
    throw new AssertionError('no frame can be evicted: the only frame is pinned');
  }
}
