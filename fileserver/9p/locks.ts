/**
 * Advisory byte-range locks, as 9P2000.L's Tlock and Tgetlock carry them:
 * POSIX record locks (fcntl F_SETLK, F_GETLK) held per inode by owners.
 * Linux's v9fs sends its flock(2) locks the same way (as whole-file POSIX
 * locks), so this is all the locking a Linux client asks of a server.
 *
 * An owner is a process of a client on a connection: (connection,
 * client_id, proc_id), as the client names itself in each request. The
 * rules are POSIX's: a read lock conflicts with another owner's write lock,
 * a write lock with any other owner's lock; an owner's new lock replaces
 * whatever it held in that range (splitting its older locks), and touching
 * or overlapping locks of one owner and one kind merge. A conflict is not
 * waited on here: the request is answered "blocked" and a Linux client
 * asking to wait (F_SETLKW) retries by itself.
 *
 * Locks live in server memory only; they go when their owner unlocks, when
 * a fid they were taken through is clunked (as closing a file releases the
 * process's locks on it), and with their connection.
 */
import type { FileSystem, Ino } from '../fs.ts';
import { ProtocolError } from './errors.ts';

export type LockKind = 'read' | 'write';

export interface Owner {
  /** The connection (its session object): owners of two connections never coincide. */
  readonly connection: object;
  readonly clientId: string;
  readonly procId: number;
}

/** A held lock on bytes [start, end); end is Infinity for "to the end of the file, however long". */
export interface Lock {
  readonly kind: LockKind;
  readonly start: number;
  readonly end: number;
  readonly owner: Owner;
}

/** Most locks one connection may hold at once (ENOLCK beyond): a client cannot fill the server's memory with them, nor make each lock request slow (a request copies its inode's list). */
export const LOCKS_MAX = 4096;

export function sameOwner(a: Owner, b: Owner): boolean {
  return a.connection === b.connection && a.clientId === b.clientId && a.procId === b.procId;
}

function overlaps(lock: Lock, start: number, end: number): boolean {
  return lock.start < end && start < lock.end;
}

function conflicts(lock: Lock, kind: LockKind): boolean {
  return kind === 'write' || lock.kind === 'write';
}

/** Where locks were taken through one fid: its inode and the owners who locked there. */
interface FidLocks {
  readonly ino: Ino;
  readonly owners: Owner[];
}

export class LockTable {
  /** Each inode's locks, sorted by start; an owner's own locks never overlap. */
  readonly #locks = new Map<Ino, Lock[]>();
  /** Per connection, per fid: who locked through it. */
  readonly #fids = new Map<object, Map<number, FidLocks>>();
  /** Per connection: how many locks it holds. */
  readonly #counts = new Map<object, number>();

  /** The locks held on `ino`, sorted by start. */
  held(ino: Ino): readonly Lock[] {
    return this.#locks.get(ino) ?? [];
  }

  /** The first lock of another owner that a `kind` lock of `owner` on [start, end) would conflict with, or null. */
  test(ino: Ino, owner: Owner, kind: LockKind, start: number, end: number): Lock | null {
    checkRange(start, end);
    for (const lock of this.held(ino)) {
      if (!sameOwner(lock.owner, owner) && overlaps(lock, start, end) && conflicts(lock, kind)) return lock;
    }
    return null;
  }

  /**
   * Sets `owner`'s lock on [start, end) of `ino` to `kind` ('unlock' to
   * release the range), taken through `fid` of the owner's connection.
   * Returns the conflicting lock instead, changing nothing, when another
   * owner holds one; ENOLCK when the connection holds LOCKS_MAX locks.
   */
  set(ino: Ino, fid: number, owner: Owner, kind: LockKind | 'unlock', start: number, end: number): Lock | null {
    checkRange(start, end);
    if (kind !== 'unlock') {
      const conflict = this.test(ino, owner, kind, start, end);
      if (conflict !== null) return conflict;
    }
    const old = this.held(ino);
    const next: Lock[] = [];
    for (const lock of old) {
      if (!sameOwner(lock.owner, owner) || !overlaps(lock, start, end)) next.push(lock);
      else {
        // The owner's lock gives up [start, end): what lies either side stays.
        if (lock.start < start) next.push({ ...lock, end: start });
        if (end < lock.end) next.push({ ...lock, start: end });
      }
    }
    if (kind !== 'unlock') {
      let added: Lock = { kind, start, end, owner };
      // Its own locks of the same kind that touch it now join it (none overlaps it any more).
      for (let i = next.length - 1; i >= 0; i--) {
        const lock = next[i];
        if (sameOwner(lock.owner, owner) && lock.kind === kind && (lock.end === start || lock.start === end)) {
          added = { ...added, start: Math.min(added.start, lock.start), end: Math.max(added.end, lock.end) };
          next.splice(i, 1);
        }
      }
      next.push(added);
    }
    next.sort((a, b) => a.start - b.start);
    const count = (this.#counts.get(owner.connection) ?? 0) + countOf(next, owner) - countOf(old, owner);
    if (count > LOCKS_MAX) throw new ProtocolError('ENOLCK', `more than ${LOCKS_MAX} locks on one connection`);
    this.#counts.set(owner.connection, count);
    if (next.length === 0) this.#locks.delete(ino);
    else this.#locks.set(ino, next);
    if (kind !== 'unlock') this.#tookThrough(ino, fid, owner);
    return null;
  }

  /** Fid `fid` of `connection` was clunked: the owners who locked through it release their locks on its inode. */
  clunked(connection: object, fid: number): void {
    const fids = this.#fids.get(connection);
    const taken = fids?.get(fid);
    if (fids === undefined || taken === undefined) return;
    fids.delete(fid);
    for (const owner of taken.owners) this.set(taken.ino, fid, owner, 'unlock', 0, Number.POSITIVE_INFINITY);
  }

  /** `connection` is gone (or started over with Tversion): every lock it held goes. */
  disconnected(connection: object): void {
    this.#fids.delete(connection);
    this.#counts.delete(connection);
    for (const [ino, locks] of this.#locks) {
      const kept = locks.filter((lock) => lock.owner.connection !== connection);
      if (kept.length === 0) this.#locks.delete(ino);
      else if (kept.length < locks.length) this.#locks.set(ino, kept);
    }
  }

  #tookThrough(ino: Ino, fid: number, owner: Owner): void {
    let fids = this.#fids.get(owner.connection);
    if (fids === undefined) {
      fids = new Map();
      this.#fids.set(owner.connection, fids);
    }
    const taken = fids.get(fid);
    // A fid names one inode for its whole life (a walk to another file makes or replaces a fid).
    if (taken === undefined || taken.ino !== ino) fids.set(fid, { ino, owners: [owner] });
    else if (!taken.owners.some((o) => sameOwner(o, owner))) taken.owners.push(owner);
  }
}

function countOf(locks: readonly Lock[], owner: Owner): number {
  let n = 0;
  for (const lock of locks) if (lock.owner.connection === owner.connection) n++;
  return n;
}

function checkRange(start: number, end: number): void {
  if (!(Number.isSafeInteger(start) && start >= 0 && (end === Number.POSITIVE_INFINITY || Number.isSafeInteger(end))))
    throw new ProtocolError('EINVAL', `lock range ${start}..${end}`);
  if (end <= start) throw new ProtocolError('EINVAL', `empty lock range ${start}..${end}`);
}

const tables = new WeakMap<FileSystem, LockTable>();

/**
 * The locks on `fs`: one table per file system served, shared by every
 * connection to it (so two clients' locks conflict). The FileSystem
 * interface is the file system's own state only, and locks are the
 * server's, so the table is kept beside it rather than in it.
 */
export function locksOf(fs: FileSystem): LockTable {
  let table = tables.get(fs);
  if (table === undefined) {
    table = new LockTable();
    tables.set(fs, table);
  }
  return table;
}
