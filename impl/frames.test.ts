import { describe, expect, it } from 'vitest';
import { FramePool, type FrameOwner } from './frames.ts';

/** An owner that records evictions and gives frames back. */
function owner(pool: () => FramePool): FrameOwner & { frames: Map<number, number>; evicted: number[]; failing: boolean } {
  const frames = new Map<number, number>();
  const evicted: number[] = [];
  const self = {
    frames,
    evicted,
    failing: false,
    evictFrame(page: number) {
      if (self.failing) throw new Error('swap full');
      evicted.push(page);
      pool().release(frames.get(page)!);
      frames.delete(page);
    },
  };
  return self;
}

function load(pool: FramePool, o: ReturnType<typeof owner>, page: number): number {
  const frame = pool.acquire(o, page);
  o.frames.set(page, frame);
  return frame;
}

describe('FramePool', () => {
  it('hands out free frames before evicting', () => {
    const pool = new FramePool(3, 4);
    const o = owner(() => pool);
    for (const page of [0, 1, 2]) load(pool, o, page);
    expect(pool.used).toBe(3);
    expect(o.evicted).toEqual([]);
  });

  it('gives a recently touched page a second chance (CLOCK)', () => {
    const pool = new FramePool(3, 4);
    const o = owner(() => pool);
    for (const page of [0, 1, 2]) load(pool, o, page);
    // All reference bits are set: the first sweep clears them and evicts at the hand.
    load(pool, o, 3);
    expect(o.evicted).toEqual([0]);
    pool.touch(o.frames.get(1)!);
    load(pool, o, 4);
    expect(o.evicted).toEqual([0, 2]);
  });

  it('never evicts the pinned frame', () => {
    const pool = new FramePool(2, 4);
    const o = owner(() => pool);
    const first = load(pool, o, 0);
    load(pool, o, 1);
    pool.pin(first);
    for (const page of [2, 3, 4]) load(pool, o, page);
    pool.unpin();
    expect(o.evicted).not.toContain(0);
    expect(o.frames.has(0)).toBe(true);
  });

  it('leaves everything in place when the eviction fails', () => {
    const pool = new FramePool(1, 4);
    const o = owner(() => pool);
    load(pool, o, 0);
    o.failing = true;
    expect(() => pool.acquire(o, 1)).toThrow('swap full');
    expect(pool.used).toBe(1);
    expect(o.frames.get(0)).toBe(0);
  });
});
