import { describe, expect, it } from 'vitest';
import { NOFID } from './codec.ts';
import { FIDS_MAX, type Fid, FidTable } from './fids.ts';

const fid = (ino: number): Fid => ({ ino, generation: 1, parent: 2, name: 'f', uid: 0, open: null, cursor: null });

describe('FidTable', () => {
  it('refuses NOFID, a fid in use, an unknown fid, and more than FIDS_MAX fids', () => {
    const t = new FidTable();
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
});
