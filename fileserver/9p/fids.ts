/**
 * A connection's fids: the client's 32-bit handles on files. A fid names an
 * inode as of the walk that reached it (number and generation: if the inode
 * is freed and reused, the generation differs and the fid goes stale instead
 * of silently naming the new file), where it was reached (parent directory and
 * name, which remove and rename need), and whether and how it is open.
 * Each fid holds its inode in the file system (FileSystem.hold) from the
 * moment it names it until it is clunked or names another: a file removed
 * while a client still has a fid for it lives on until the last such fid
 * goes, as an open file does in POSIX.
 */
import type { FileSystem, Ino } from '../fs.ts';
import { NOFID } from './codec.ts';
import { ProtocolError } from './errors.ts';

/** Most fids one connection may hold: a client walking a huge tree cannot exhaust the server. */
export const FIDS_MAX = 65536;

/** How a fid is open for I/O. */
export interface OpenMode {
  readonly read: boolean;
  readonly write: boolean;
  /** Writes go to the end of the file, whatever offset the client names (O_APPEND). */
  readonly append: boolean;
  /** Remove the file when the fid is clunked (9P2000 ORCLOSE). */
  readonly removeOnClunk: boolean;
}

/**
 * The access both dialects' open modes carry alike in their two low bits
 * (Linux's O_ACCMODE, Plan 9's OREAD..OEXEC): 1 writes, 2 reads and
 * writes, 0 (and Plan 9's 3, execute) reads.
 */
export function access(bits: number): { read: boolean; write: boolean } {
  const mode = bits & 0o3;
  return { read: mode !== 1, write: mode === 1 || mode === 2 };
}

/**
 * Where a 9P2000 directory read stands: the byte offset the client must ask
 * for next, and the file system cookie of the last entry sent.
 */
export interface DirCursor {
  offset: number;
  cookie: number;
}

/**
 * A 9P2000.L extended attribute fid: made by Txattrwalk to read a value
 * (or the list of names) with Tread, or by Txattrcreate to write one with
 * Twrite, which Tclunk then sets. Such a fid serves only those requests.
 */
export type XattrFid =
  | { readonly kind: 'read'; readonly value: Uint8Array }
  | {
      readonly kind: 'write';
      readonly name: string;
      readonly flags: number;
      readonly value: Uint8Array;
      /** Bytes written so far: the value is set only when all of it was. */
      written: number;
    };

export interface Fid {
  ino: Ino;
  generation: number;
  /** The directory the fid was walked into and the name it has there; the root is its own parent, named '/'. */
  parent: Ino;
  name: string;
  /** The user the fid acts for (Tattach's; access.ts): owner of the files created through it, whose permissions are checked. */
  readonly uid: number;
  /** The directory the fid's attach reached (its export): a walk to '..' stops there. */
  readonly root: Ino;
  open: OpenMode | null;
  cursor: DirCursor | null;
  /** Set on an extended attribute fid only. */
  xattr?: XattrFid;
}

export class FidTable {
  readonly #fids = new Map<number, Fid>();
  readonly #fs: Pick<FileSystem, 'hold' | 'release'>;

  constructor(fs: Pick<FileSystem, 'hold' | 'release'>) {
    this.#fs = fs;
  }

  /** The fid, or EBADF when the client never made it. */
  get(fid: number): Fid {
    const f = this.#fids.get(fid);
    if (f === undefined) throw new ProtocolError('EBADF', `unknown fid ${fid}`);
    return f;
  }

  /** Refuses NOFID, a fid in use, and a fid past FIDS_MAX: checked before a request that would make one does anything. */
  checkFree(fid: number): void {
    if (fid === NOFID) throw new ProtocolError('EBADF', 'fid NOFID is reserved');
    if (this.#fids.has(fid)) throw new ProtocolError('EBADF', `fid ${fid} already in use`);
    if (this.#fids.size >= FIDS_MAX) throw new ProtocolError('EMFILE', `too many fids (${FIDS_MAX})`);
  }

  /** Makes a new fid, holding its inode. */
  add(fid: number, f: Fid): void {
    this.checkFree(fid);
    this.#fs.hold(f.ino, f.generation);
    this.#fids.set(fid, f);
  }

  /** Makes fid `f` (one of this table's) name what `to` names (a walk onto itself, a create), moving its hold. */
  replace(f: Fid, to: Fid): void {
    const { ino, generation } = f;
    this.#fs.hold(to.ino, to.generation);
    Object.assign(f, to);
    this.#fs.release(ino, generation);
  }

  /** Forgets a fid (clunk, remove), releasing its inode; returns what it was. */
  delete(fid: number): Fid {
    const f = this.get(fid);
    this.#fids.delete(fid);
    this.#fs.release(f.ino, f.generation);
    return f;
  }

  /** Every fid, forgotten and released, for clunking them all (Tversion, connection closed). */
  drain(): Fid[] {
    const all = [...this.#fids.values()];
    this.#fids.clear();
    for (const f of all) this.#fs.release(f.ino, f.generation);
    return all;
  }
}
