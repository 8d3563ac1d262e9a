import { describe, expect, it } from 'vitest';
import { AssertionError } from './assert.ts';
import { CLEAN, FramePool } from './frames.ts';

/**
 * A frame for `page`, as a buffer pool manager takes one: a free frame, else
 * the pool's victim, whose page (recorded in `evicted`) is given up first.
 */
function take(pool: FramePool, page: number, evicted: number[] = [], owner = 0): number {
  if (pool.free === 0) {
    const victim = pool.victim();
    evicted.push(pool.page[victim]);
    pool.release(victim);
  }
  return pool.acquire(owner, page);
}

describe('FramePool', () => {
  it('hands out free frames in order, clean and referenced, each naming its owner', () => {
    const pool = new FramePool(3, 4);
    expect([0, 1, 2].map((page) => pool.acquire(page + 5, page))).toEqual([0, 1, 2]);
    expect([pool.used, pool.free]).toEqual([3, 0]);
    expect([...pool.page]).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((frame) => pool.owner(frame))).toEqual([5, 6, 7]);
    expect([...pool.referenced]).toEqual([1, 1, 1]);
    expect([...pool.state]).toEqual([CLEAN, CLEAN, CLEAN]);
  });

  it("holds 1 MiB of frames at first, the whole pool's (keeping their bytes) once a frame past them is taken", () => {
    const pageSize = 2 ** 16;
    const pool = new FramePool(40, pageSize);
    expect(pool.bytes.length).toBe(16 * pageSize);
    for (let page = 0; page < 16; page++) pool.bytes[pool.acquire(0, page) * pageSize] = page + 1;
    // A frame given back is taken again without growing.
    pool.release(3);
    expect(pool.acquire(0, 3)).toBe(3);
    expect(pool.bytes.length).toBe(16 * pageSize);
    expect(pool.acquire(0, 16)).toBe(16);
    expect(pool.bytes.length).toBe(40 * pageSize);
    expect(pool.view.byteLength).toBe(40 * pageSize);
    expect(Array.from({ length: 16 }, (_, frame) => pool.bytes[frame * pageSize])).toEqual(
      Array.from({ length: 16 }, (_, page) => page + 1),
    );
    expect(new FramePool(3, pageSize).bytes.length).toBe(3 * pageSize);
  });

  it('picks a victim and nothing more: the frame stays in use until released', () => {
    const pool = new FramePool(2, 4);
    take(pool, 0);
    take(pool, 1);
    const victim = pool.victim();
    expect([pool.used, pool.page[victim]]).toEqual([2, 0]);
    pool.release(victim);
    expect(pool.acquire(0, 2)).toBe(victim);
  });

  it('gives a recently touched page a second chance (CLOCK)', () => {
    const pool = new FramePool(3, 4);
    const evicted: number[] = [];
    for (const page of [0, 1, 2]) take(pool, page, evicted);
    // All reference bits are set: the first sweep clears them and picks the frame at the hand.
    take(pool, 3, evicted);
    expect(evicted).toEqual([0]);
    pool.touch(1);
    take(pool, 4, evicted);
    expect(evicted).toEqual([0, 2]);
  });

  it('in a sequential scan, hands out consecutive frames (so a batched fill is one read)', () => {
    const pool = new FramePool(8, 4);
    for (let page = 0; page < 8; page++) take(pool, page);
    expect([8, 9, 10, 11].map((page) => take(pool, page))).toEqual([0, 1, 2, 3]);
  });

  it('never picks a pinned frame until it is unpinned', () => {
    const pool = new FramePool(2, 4);
    const evicted: number[] = [];
    const first = take(pool, 0, evicted);
    take(pool, 1, evicted);
    pool.pin(first);
    for (const page of [2, 3, 4]) take(pool, page, evicted);
    expect(evicted).toEqual([1, 2, 3]);
    expect(pool.page[first]).toBe(0);
    pool.unpin(first);
    take(pool, 5, evicted);
    take(pool, 6, evicted);
    expect(evicted).toContain(0);
  });

  it('refuses to pick a victim when every frame is pinned, after two sweeps', () => {
    const pool = new FramePool(2, 4);
    pool.pin(take(pool, 0));
    pool.pin(take(pool, 1));
    expect(() => pool.victim()).toThrow(AssertionError);
    expect(pool.used).toBe(2);
  });
});
