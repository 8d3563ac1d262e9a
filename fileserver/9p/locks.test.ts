/**
 * The lock table against the plainest model of POSIX record locks: for
 * each owner, the kind of lock it holds on each byte. Ranges start below
 * 13 and finite ones end by 17, so bytes 17..19 stand for every byte
 * beyond (a lock "to the end" covers them, no finite one does).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOCKS_MAX, type Lock, type LockKind, LockTable, type Owner, sameOwner } from './locks.ts';

const BYTES = 20;
const connA = {};
const connB = {};
const owners: Owner[] = [
  { connection: connA, clientId: 'guest', procId: 1 },
  { connection: connA, clientId: 'guest', procId: 2 },
  { connection: connB, clientId: 'guest', procId: 1 },
];
const INO = 12;

type Held = (LockKind | null)[][];

/** Bytes [start, end) clipped to the model's; Infinity reaches its last byte. */
function bytesOf(start: number, end: number): number[] {
  const out: number[] = [];
  for (let b = start; b < Math.min(end, BYTES); b++) out.push(b);
  return out;
}

/** Per owner, per byte: what `locks` hold. */
function render(locks: readonly Lock[]): Held {
  const held: Held = owners.map(() => new Array<LockKind | null>(BYTES).fill(null));
  for (const lock of locks) {
    const o = owners.findIndex((x) => sameOwner(x, lock.owner));
    for (const b of bytesOf(lock.start, lock.end)) {
      expect(held[o][b], 'one owner holds two locks on a byte').toBeNull();
      held[o][b] = lock.kind;
    }
  }
  return held;
}

function modelConflict(held: Held, o: number, kind: LockKind, start: number, end: number): boolean {
  return held.some(
    (bytes, other) =>
      other !== o && bytesOf(start, end).some((b) => bytes[b] === 'write' || (bytes[b] === 'read' && kind === 'write')),
  );
}

const range = fc
  .tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 4 }))
  .map(([start, length]) => ({ start, end: length === 0 ? Number.POSITIVE_INFINITY : start + length }));
const op = fc.record({
  owner: fc.integer({ min: 0, max: owners.length - 1 }),
  kind: fc.constantFrom<LockKind | 'unlock' | 'test-read' | 'test-write'>(
    'read',
    'write',
    'unlock',
    'test-read',
    'test-write',
  ),
  range,
});

describe('LockTable', () => {
  it('agrees with a per-byte model of POSIX locks, and keeps each owner’s locks apart and merged', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const table = new LockTable();
        const held: Held = owners.map(() => new Array<LockKind | null>(BYTES).fill(null));
        for (const { owner: o, kind, range: r } of ops) {
          const owner = owners[o];
          if (kind === 'test-read' || kind === 'test-write') {
            const k = kind === 'test-read' ? 'read' : 'write';
            const found = table.test(INO, owner, k, r.start, r.end);
            expect(found !== null).toBe(modelConflict(held, o, k, r.start, r.end));
            if (found !== null) expectConflicting(found, owner, k, r.start, r.end, table);
            continue;
          }
          const conflict = table.set(INO, 1, owner, kind, r.start, r.end);
          const expected = kind !== 'unlock' && modelConflict(held, o, kind, r.start, r.end);
          expect(conflict !== null).toBe(expected);
          if (conflict !== null && kind !== 'unlock') expectConflicting(conflict, owner, kind, r.start, r.end, table);
          if (!expected) for (const b of bytesOf(r.start, r.end)) held[o][b] = kind === 'unlock' ? null : kind;
          const locks = table.held(INO);
          expect(render(locks)).toEqual(held);
          for (let i = 1; i < locks.length; i++) expect(locks[i - 1].start).toBeLessThanOrEqual(locks[i].start);
          // Merged: no two locks of one owner and kind touch.
          for (const a of locks)
            for (const b of locks)
              if (a !== b && sameOwner(a.owner, b.owner) && a.kind === b.kind) expect(a.end).not.toBe(b.start);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('splits a lock around an unlocked middle and merges touching ones', () => {
    const t = new LockTable();
    const [p] = owners;
    t.set(INO, 1, p, 'write', 0, 10);
    t.set(INO, 1, p, 'unlock', 3, 5);
    expect(t.held(INO).map((l) => [l.start, l.end])).toEqual([
      [0, 3],
      [5, 10],
    ]);
    t.set(INO, 1, p, 'write', 3, 5);
    expect(t.held(INO).map((l) => [l.kind, l.start, l.end])).toEqual([['write', 0, 10]]);
    t.set(INO, 1, p, 'read', 4, 6);
    expect(t.held(INO).map((l) => [l.kind, l.start, l.end])).toEqual([
      ['write', 0, 4],
      ['read', 4, 6],
      ['write', 6, 10],
    ]);
  });

  it('releases on clunk the locks of the owners who locked through that fid, and all of a connection’s when it goes', () => {
    const t = new LockTable();
    const [p1, p2, q] = owners;
    t.set(INO, 1, p1, 'write', 0, 5);
    t.set(INO, 2, p2, 'write', 5, 10);
    t.set(INO, 1, q, 'read', 20, Number.POSITIVE_INFINITY);
    t.set(INO + 1, 3, p1, 'write', 0, 5);
    t.clunked(connA, 1);
    expect(t.held(INO).map((l) => l.owner)).toEqual([p2, q]);
    expect(t.held(INO + 1)).toHaveLength(1);
    t.clunked(connA, 1);
    t.disconnected(connA);
    expect(t.held(INO).map((l) => l.owner)).toEqual([q]);
    expect(t.held(INO + 1)).toEqual([]);
    // Owners differ by connection: the same client and process on another connection is another owner.
    expect(t.set(INO, 1, { ...q, connection: connA }, 'write', 0, Number.POSITIVE_INFINITY)).toMatchObject({
      owner: q,
    });
  });

  it('refuses empty or unrepresentable ranges, and more than LOCKS_MAX locks on a connection', () => {
    const t = new LockTable();
    const [p, , q] = owners;
    expect(() => t.set(INO, 1, p, 'read', 5, 5)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => t.set(INO, 1, p, 'read', -1, 5)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    for (let i = 0; i < LOCKS_MAX; i++) t.set(INO, 1, p, 'read', 2 * i, 2 * i + 1);
    expect(() => t.set(INO, 1, p, 'read', 2 * LOCKS_MAX, 2 * LOCKS_MAX + 1)).toThrow(
      expect.objectContaining({ code: 'ENOLCK' }),
    );
    // Replacing locks is not more of them, and the other connection has its own budget.
    expect(t.set(INO, 1, p, 'read', 0, 3)).toBeNull();
    expect(t.set(INO, 1, q, 'read', 0, 1)).toBeNull();
  });
});

function expectConflicting(found: Lock, owner: Owner, kind: LockKind, start: number, end: number, t: LockTable): void {
  expect(t.held(INO)).toContain(found);
  expect(sameOwner(found.owner, owner)).toBe(false);
  expect(found.start < end && start < found.end).toBe(true);
  expect(kind === 'write' || found.kind === 'write').toBe(true);
}
