/**
 * 9P2000.L's Tlock and Tgetlock over the server's lock table (locks.ts).
 * Values are Linux's include/net/9p/9p.h (P9_LOCK_*). A lock is taken
 * through an open fid, whatever its access: v9fs sends flock(2) locks as
 * POSIX ones, and flock(2) needs no particular access (the client's VFS
 * has already checked fcntl's). Tlock never waits: a conflict is answered
 * "blocked", and a client asking to wait retries by itself.
 */
import type { Message } from './codec.ts';
import { resolve } from './common.ts';
import { ProtocolError } from './errors.ts';
import type { Fid } from './fids.ts';
import { type Lock, type LockKind, locksOf, type Owner } from './locks.ts';
import type { SessionState } from './state.ts';

const RDLCK = 0;
const WRLCK = 1;
const UNLCK = 2;

const SUCCESS = 0;
const BLOCKED = 1;

/** Tlock flags: the client would wait (it retries a blocked answer itself); a lock reclaimed after a server restart (there is no grace period: an ordinary lock). */
const FLAG_BLOCK = 1;
const FLAG_RECLAIM = 2;

function kindOf(type: number): LockKind | 'unlock' {
  if (type === RDLCK) return 'read';
  if (type === WRLCK) return 'write';
  if (type === UNLCK) return 'unlock';
  throw new ProtocolError('EINVAL', `lock type ${type}`);
}

/** The end of [start, start + length); length 0 locks to the end of the file, however long it grows. */
function endOf(start: number, length: number): number {
  if (length === 0) return Number.POSITIVE_INFINITY;
  const end = start + length;
  if (!Number.isSafeInteger(end)) throw new ProtocolError('EINVAL', `lock range ${start}+${length} too large`);
  return end;
}

function openFid(s: SessionState, fid: number): Fid {
  const { f } = resolve(s, fid);
  if (f.open === null) throw new ProtocolError('EBADF', 'fid not open');
  return f;
}

function owner(s: SessionState, m: { procId: number; clientId: string }): Owner {
  return { connection: s, clientId: m.clientId, procId: m.procId };
}

export function lock(s: SessionState, m: Message<'Tlock'>): Message<'Rlock'> {
  const f = openFid(s, m.fid);
  if (m.flags & ~(FLAG_BLOCK | FLAG_RECLAIM)) throw new ProtocolError('EINVAL', `lock flags ${m.flags}`);
  const kind = kindOf(m.lockType);
  const conflict = locksOf(s.fs).set(f.ino, m.fid, owner(s, m), kind, m.start, endOf(m.start, m.length));
  return { type: 'Rlock', tag: m.tag, status: conflict === null ? SUCCESS : BLOCKED };
}

/** Tgetlock: the first lock that would conflict with the one described, or the description back with type UNLCK. */
export function getlock(s: SessionState, m: Message<'Tgetlock'>): Message<'Rgetlock'> {
  const f = openFid(s, m.fid);
  const kind = kindOf(m.lockType);
  const end = endOf(m.start, m.length);
  const conflict: Lock | null = kind === 'unlock' ? null : locksOf(s.fs).test(f.ino, owner(s, m), kind, m.start, end);
  if (conflict === null) {
    const { tag, start, length, procId, clientId } = m;
    return { type: 'Rgetlock', tag, lockType: UNLCK, start, length, procId, clientId };
  }
  return {
    type: 'Rgetlock',
    tag: m.tag,
    lockType: conflict.kind === 'read' ? RDLCK : WRLCK,
    start: conflict.start,
    length: conflict.end === Number.POSITIVE_INFINITY ? 0 : conflict.end - conflict.start,
    procId: conflict.owner.procId,
    clientId: conflict.owner.clientId,
  };
}
