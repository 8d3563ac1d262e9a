/**
 * Files as the engine sees them: the backend, the identity (size, mtime,
 * ctime, link count, inode, device: an fstat of the open file) recorded
 * after the engine's own last change, which is how a change behind the
 * engine's back is noticed (as the engine's ChangeDetection policy judges
 * it), and for an isolated file its private copies. A FileState knows
 * nothing of snapshots but how many are live (its backend stays open for
 * them after close) and how many outside changes it has noticed (a
 * snapshot taken before the latest is stale).
 */

import { assert } from './assert.ts';
import type { FileBackend, FileIdentity } from './backend.ts';
import { readPadded } from './backend.ts';
import { FileChangedError, io, ioError, JournalError } from './errors.ts';
import { type Copy, Isolation } from './isolation.ts';
import type { Recovery } from './recovery.ts';

/**
 * Counts the engine's public calls. A file's identity is checked at most
 * once per call (an fstat costs as much as a 4 KiB read): the spec's steps
 * are the public calls, and a change behind the engine's back is an action
 * between two of them, so looking once per call sees every change a step
 * could see.
 */
export class Calls {
  current = 0;
}

/**
 * Which outside events count as a change of a file's content (the engine's
 * `changeDetection` option; spec/README.md, "Outside the proof", states
 * both and their windows). 'mtime': a new size, mtime, inode or device;
 * an event that moves ctime alone (chmod, chown, a link, an xattr, a
 * utimes that puts mtime back) changes no byte and is no change. 'ctime':
 * a new ctime too, unless the link count moved with it (the file was
 * renamed over or deleted: another file has its name now, this one's
 * content is what it was).
 */
export type ChangeDetection = 'mtime' | 'ctime';

/**
 * Whether identity `now` shows no change to the content since `then`,
 * under `policy`. Compares fields of one fstat: the fault path's cost is
 * that fstat, whichever the policy.
 */
function unchanged(then: FileIdentity, now: FileIdentity, policy: ChangeDetection): boolean {
  const same = then.size === now.size && then.mtimeMs === now.mtimeMs && then.ino === now.ino && then.dev === now.dev;
  if (policy === 'mtime') return same;
  return same && (then.ctimeMs === now.ctimeMs || then.nlink !== now.nlink);
}

export class FileState {
  closed = false;
  /**
   * The file position, as an fd's: where `file.write`, `seg.read` and
   * `seg.write` with position null (or omitted) start, advanced by each
   * such call by the bytes it wrote or read. Starts at 0.
   */
  position = 0;
  /** What recovering a journal at open did, if there was one (Engine.open, Engine.attach). */
  recovery: Recovery | null = null;
  #identity: FileIdentity;
  // The journal an atomic write-back left behind when it failed part way: no change until it is recovered.
  #journalLeft: string | null = null;
  // The call in which the identity was last checked or recorded.
  #checked: number;
  // While the engine itself is changing the file, a new identity is its own doing.
  #changing = false;
  // Changes behind the engine's back noticed so far (the spec's Spoiled, counted).
  #spoils = 0;
  // Live snapshots of this file.
  #snapshots = 0;
  readonly #isolation: Isolation | null;

  constructor(
    readonly backend: FileBackend,
    readonly readOnly: boolean,
    isolated: boolean,
    /** Where isolation copies are made. */
    readonly tempDir: string,
    readonly calls: Calls,
    /** Which outside events count as a content change. */
    readonly policy: ChangeDetection,
    /** Told once, when the file is closed for new operations. */
    readonly onClose: (file: FileState) => void,
  ) {
    this.#identity = this.#stat();
    this.#checked = calls.current;
    this.#isolation = isolated ? new Isolation() : null;
  }

  get name(): string {
    return this.backend.name;
  }

  get isolated(): boolean {
    return this.#isolation !== null;
  }

  /**
   * How many changes behind the engine's back have been noticed. A snapshot
   * records it when taken and is stale once it moves on.
   */
  get spoils(): number {
    return this.#spoils;
  }

  /** The current length (from the identity checked in this call). */
  size(): number {
    return this.identity().size;
  }

  /** The identity checked in this call (an fstat of the open file). */
  identity(): FileIdentity {
    this.verify();
    return this.#identity;
  }

  /**
   * Records that an atomic write-back failed part way and left its journal
   * `name`: the file may be torn until the journal is recovered, so every
   * change is refused until the file is opened again.
   */
  journalLeft(name: string): void {
    assert(!this.readOnly, 'a journal left by a write-back to a read-only file');
    // An atomic write-back starts only once no journal is left: there is never a second.
    assert(this.#journalLeft === null, 'a second journal left behind');
    this.#journalLeft = name;
  }

  /** Refuses a change (JournalError, EJOURNALPENDING) while a journal left behind awaits recovery. */
  refuseIfJournalLeft(): void {
    if (this.#journalLeft !== null) throw new JournalError(this.name, this.#journalLeft, 'EJOURNALPENDING');
  }

  /** The current length, looked up without noticing anything (for util.inspect and internals.ts). */
  peekSize(): number {
    return this.#stat().size;
  }

  /** Reads the file's current bytes; past its end they read as zero. */
  readAt(into: Uint8Array, at: number, length: number, position: number): void {
    readPadded(this.backend, 'file', into, at, length, position);
  }

  writeAt(from: Uint8Array, at: number, length: number, position: number): void {
    // Copy-before-write comes first: the engine writes a file only inside a change.
    assert(this.#changing, 'a write outside a change');
    assert(position >= 0, 'a write at a negative position');
    assert(at + length <= from.length, 'a write from past the end of its buffer');
    try {
      this.backend.write(from, at, length, position);
    } catch (error) {
      throw ioError('file', this.name, error);
    }
  }

  /** Writes `buffers` back to back from `position`, in one call. */
  writevAt(buffers: readonly Uint8Array[], position: number): void {
    assert(this.#changing, 'a write outside a change');
    assert(position >= 0, 'a write at a negative position');
    try {
      this.backend.writev(buffers, position);
    } catch (error) {
      throw ioError('file', this.name, error);
    }
  }

  truncateTo(length: number): void {
    assert(this.#changing, 'a truncate outside a change');
    assert(length >= 0, 'a truncate to a negative length');
    io('file', this.name, () => this.backend.truncate(length));
  }

  /** fsync(2): the file's content and metadata are durable. Not a change: the content is what it was. */
  sync(): void {
    io('file', this.name, () => this.backend.sync());
  }

  /** fdatasync(2): the file's content is durable, with the metadata needed to read it back. */
  datasync(): void {
    io('file', this.name, () => this.backend.datasync());
  }

  /**
   * Notices a change made behind the engine's back (the spec's Spoiled): the
   * snapshots taken before it can no longer trust their unpreserved blocks
   * (a fault on those bytes raises FileChangedError, and write-back stops
   * skipping them), and an isolated file's current copy is no longer the
   * file. Snapshots taken afterwards are fine. Looks at most once per
   * public call (see Calls).
   */
  verify(): void {
    if (this.#changing || this.#checked === this.calls.current) return;
    this.#observe(this.#stat());
    assert(this.#checked === this.calls.current, "a look not recorded as this call's");
  }

  /** Records `identity`, taken now, noticing a change behind the engine's back since the last one. */
  #observe(identity: FileIdentity): void {
    // A new identity during the engine's own change is its own doing, not a change behind its back.
    assert(!this.#changing, 'noticing a change during one the engine makes');
    this.#checked = this.calls.current;
    const same = unchanged(this.#identity, identity, this.policy);
    this.#identity = identity;
    if (same) return;
    // Stryker disable next-line UpdateOperator
    this.#spoils++;
    this.#isolation?.invalidate();
  }

  /**
   * Whether the file changed behind the engine's back since it last looked:
   * what the next `verify` would notice. Changes nothing (for internals.ts).
   */
  unnoticedChange(): boolean {
    return !this.#changing && !unchanged(this.#identity, this.#stat(), this.policy);
  }

  /**
   * Runs `apply`, a change the engine makes to the file (copy-before-write
   * done), and records it (the spec's Changed): the file's new identity is
   * the engine's own doing, and an isolated file's current copy is no longer
   * the file, even if `apply` failed part way.
   */
  changed(apply: () => void): void {
    assert(!this.#changing, 'a change inside a change');
    // Stryker disable next-line BooleanLiteral
    this.#changing = true;
    try {
      apply();
    } finally {
      this.#changing = false;
      this.#identity = this.#stat();
      this.#checked = this.calls.current;
      this.#isolation?.invalidate();
    }
    // The file changed: no private copy is current any more (the spec's fresh).
    assert(this.currentCopy() === null, 'a private copy outlived a change');
  }

  /** The private copy that still equals the file (isolated files only; null once the file changed). */
  currentCopy(): Copy | null {
    return this.#isolation?.current() ?? null;
  }

  /** The private copy a new snapshot reads from (isolated files only), taken now unless the current one still fits. */
  copyForSnapshot(): Copy | null {
    // A copy taken during a change could be torn.
    assert(!this.#changing, 'a copy taken during a change');
    const isolation = this.#isolation;
    if (isolation === null) return null;
    const current = isolation.current();
    if (current !== null) return current;
    const copy = io('clone', this.name, () => this.backend.clone(this.tempDir));
    const identity = this.#stat();
    if (!unchanged(this.#identity, identity, this.policy)) {
      // Changed while being copied: the copy may be torn.
      io('clone', copy.name, () => copy.close());
      this.#observe(identity);
      throw new FileChangedError(this.name);
    }
    return isolation.adopt(copy);
  }

  /** A snapshot of this file, reading `copy` (null: the file itself), went live. */
  adopt(copy: Copy | null): void {
    assert((copy !== null) === this.isolated, "an isolated file's snapshots, and only they, read a copy");
    this.#snapshots++;
    if (copy !== null) this.#isolation!.use(copy);
  }

  /** A snapshot of this file was released. The last one out of a closed file closes its backend. */
  forget(copy: Copy | null): void {
    assert(this.#snapshots > 0, 'forgetting a snapshot the file never had');
    this.#snapshots--;
    try {
      if (copy !== null) this.#isolation!.release(copy);
    } finally {
      if (this.closed && this.#snapshots === 0) this.#closeBackend();
    }
  }

  /** Closes for new operations; bytes already read stay readable until their snapshots are released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    this.#isolation?.invalidate();
    if (this.#snapshots === 0) this.#closeBackend();
  }

  #stat(): FileIdentity {
    try {
      return this.backend.identity();
    } catch (error) {
      throw ioError('file', this.name, error);
    }
  }

  #closeBackend(): void {
    io('file', this.name, () => this.backend.close());
  }
}
