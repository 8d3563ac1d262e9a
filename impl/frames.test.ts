import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.ts';
import { CLEAN, type FrameOwner, FramePool } from './frames.ts';

/** An owner, registered with the pool, that records evictions and gives frames back. */
function owner(
  pool: FramePool,
): FrameOwner & { id: number; frames: Map<number, number>; evicted: number[]; failing: boolean } {
  const frames = new Map<number, number>();
  const evicted: number[] = [];
  const self = {
    id: -1,
    frames,
    evicted,
    failing: false,
    evictFrame(page: number) {
      if (self.failing) throw new Error('swap full');
      evicted.push(page);
      pool.release(frames.get(page)!);
      frames.delete(page);
    },
  };
  self.id = pool.register(self);
  return self;
}

function load(pool: FramePool, o: ReturnType<typeof owner>, page: number): number {
  const frame = pool.acquire(o.id, page);
  o.frames.set(page, frame);
  return frame;
}

describe('FramePool', () => {
  it('hands out free frames before evicting, in order, clean and referenced', () => {
    const pool = new FramePool(3, 4);
    const o = owner(pool);
    expect([0, 1, 2].map((page) => load(pool, o, page))).toEqual([0, 1, 2]);
    expect(pool.used).toBe(3);
    expect(o.evicted).toEqual([]);
    expect([...pool.page]).toEqual([0, 1, 2]);
    expect([...pool.referenced]).toEqual([1, 1, 1]);
    expect([...pool.state]).toEqual([CLEAN, CLEAN, CLEAN]);
  });

  it('gives a recently touched page a second chance (CLOCK)', () => {
    const pool = new FramePool(3, 4);
    const o = owner(pool);
    for (const page of [0, 1, 2]) load(pool, o, page);
    // All reference bits are set: the first sweep clears them and evicts at the hand.
    load(pool, o, 3);
    expect(o.evicted).toEqual([0]);
    pool.touch(o.frames.get(1)!);
    load(pool, o, 4);
    expect(o.evicted).toEqual([0, 2]);
  });

  it('in a sequential scan, hands out consecutive frames (so a batched fill is one read)', () => {
    const pool = new FramePool(8, 4);
    const o = owner(pool);
    for (let page = 0; page < 8; page++) load(pool, o, page);
    expect([8, 9, 10, 11].map((page) => load(pool, o, page))).toEqual([0, 1, 2, 3]);
  });

  it('never evicts a pinned frame until it is unpinned', () => {
    const pool = new FramePool(2, 4);
    const o = owner(pool);
    const first = load(pool, o, 0);
    load(pool, o, 1);
    pool.pin(first);
    for (const page of [2, 3, 4]) load(pool, o, page);
    expect(o.evicted).not.toContain(0);
    expect(o.frames.has(0)).toBe(true);
    pool.unpin(first);
    load(pool, o, 5);
    load(pool, o, 6);
    expect(o.evicted).toContain(0);
  });

  it('an owner gives its registration back; the next owner takes it', () => {
    const pool = new FramePool(2, 4);
    const a = owner(pool);
    const b = owner(pool);
    expect([a.id, b.id]).toEqual([0, 1]);
    pool.unregister(a.id);
    expect(owner(pool).id).toBe(0);
  });

  it('leaves everything in place when the eviction fails', () => {
    const pool = new FramePool(1, 4);
    const o = owner(pool);
    load(pool, o, 0);
    o.failing = true;
    expect(() => pool.acquire(o.id, 1)).toThrow('swap full');
    expect(pool.used).toBe(1);
    expect(o.frames.get(0)).toBe(0);
  });

  it('refuses to evict when every frame is pinned, after two sweeps', () => {
    const pool = new FramePool(2, 4);
    const o = owner(pool);
    pool.pin(load(pool, o, 0));
    pool.pin(load(pool, o, 1));
    expect(() => pool.acquire(o.id, 2)).toThrow(AssertionError);
    expect(o.evicted).toEqual([]);
  });
});
