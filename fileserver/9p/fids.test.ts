import { describe, expect, it } from 'vitest';
import { NOFID } from './codec.ts';
import { FIDS_MAX, type Fid, FidTable } from './fids.ts';

const fid = (ino: number): Fid => ({
  ino,
  generation: 1,
  parent: 2,
  name: 'f',
  uid: 0,
  root: 2,
  open: null,
  cursor: null,
});

/** Counts holds by inode, as a file system would. */
function holder(): { held: Map<number, number>; hold(ino: number): void; release(ino: number): void } {
  const held = new Map<number, number>();
  return {
    held,
    hold: (ino) => held.set(ino, (held.get(ino) ?? 0) + 1),
    release: (ino) => {
      const n = held.get(ino) ?? 0;
      expect(n).toBeGreaterThan(0);
      if (n === 1) held.delete(ino);
      else held.set(ino, n - 1);
    },
  };
}

describe('FidTable', () => {
  it('refuses NOFID, a fid in use, an unknown fid, and more than FIDS_MAX fids', () => {
    const t = new FidTable(holder());
    expect(() => t.add(NOFID, fid(2))).toThrow(expect.objectContaining({ code: 'EBADF' }));
    t.add(7, fid(2));
    expect(() => t.add(7, fid(3))).toThrow(expect.objectContaining({ code: 'EBADF', message: 'fid 7 already in use' }));
    expect(t.get(7).ino).toBe(2);
    expect(() => t.get(8)).toThrow(expect.objectContaining({ code: 'EBADF', message: 'unknown fid 8' }));
    expect(t.delete(7).ino).toBe(2);
    expect(() => t.delete(7)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    for (let i = 0; i < FIDS_MAX; i++) t.add(i, fid(i));
    expect(() => t.checkFree(FIDS_MAX)).toThrow(expect.objectContaining({ code: 'EMFILE' }));
    expect(t.drain()).toHaveLength(FIDS_MAX);
    expect(() => t.get(0)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    t.add(FIDS_MAX, fid(1));
  });

  it('holds the inode of each fid from add (or replace) to delete or drain, and only then', () => {
    const h = holder();
    const t = new FidTable(h);
    t.add(1, fid(20));
    t.add(2, fid(20));
    t.add(3, fid(30));
    expect(h.held).toEqual(
      new Map([
        [20, 2],
        [30, 1],
      ]),
    );
    t.replace(t.get(3), fid(40));
    expect(t.get(3).ino).toBe(40);
    expect(h.held).toEqual(
      new Map([
        [20, 2],
        [40, 1],
      ]),
    );
    // A refused add holds nothing.
    expect(() => t.add(1, fid(50))).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(h.held.has(50)).toBe(false);
    t.delete(1);
    expect(h.held).toEqual(
      new Map([
        [20, 1],
        [40, 1],
      ]),
    );
    t.drain();
    expect(h.held.size).toBe(0);
  });
});
