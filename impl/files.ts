/**
 * Files as the engine sees them: the backend, the identity (size, mtime,
 * ctime, inode) recorded after the engine's own last change, which is how a
 * change behind the engine's back is noticed, and for an isolated file its
 * private copies. A FileState knows nothing of snapshots but how many are
 * live (its backend stays open for them after close) and how many outside
 * changes it has noticed (a snapshot taken before the latest is stale).
 */
import type { FileBackend } from './backend.ts';
import { readPadded } from './backend.ts';
import { type Copy, Isolation } from './isolation.ts';
import { assert } from './assert.ts';
import { FileChangedError, io } from './errors.ts';

export class FileState {
  closed = false;
  #identity: string;
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
    /** Told once, when the file is closed for new operations. */
    readonly onClose: (file: FileState) => void,
  ) {
    this.#identity = io('file', backend.name, () => backend.identity());
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

  size(): number {
    return io('file', this.name, () => this.backend.size());
  }

  /** Reads the file's current bytes; past its end they read as zero. */
  readAt(into: Uint8Array, at: number, length: number, position: number): void {
    readPadded(this.backend, 'file', into, at, length, position);
  }

  writeAt(from: Uint8Array, at: number, length: number, position: number): void {
    io('file', this.name, () => this.backend.write(from, at, length, position));
  }

  truncateTo(length: number): void {
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
   * file. Snapshots taken afterwards are fine.
   */
  verify(): void {
    if (this.#changing) return;
    const identity = io('file', this.name, () => this.backend.identity());
    if (identity === this.#identity) return;
    this.#identity = identity;
    this.#spoils++;
    this.#isolation?.invalidate();
  }

  /**
   * Whether the file changed behind the engine's back since it last looked:
   * what the next `verify` would notice. Changes nothing (for internals.ts).
   */
  unnoticedChange(): boolean {
    return !this.#changing && io('file', this.name, () => this.backend.identity()) !== this.#identity;
  }

  /**
   * Runs `apply`, a change the engine makes to the file (copy-before-write
   * done), and records it (the spec's Changed): the file's new identity is
   * the engine's own doing, and an isolated file's current copy is no longer
   * the file, even if `apply` failed part way.
   */
  changed(apply: () => void): void {
    assert(!this.#changing, 'a change inside a change');
    this.#changing = true;
    try {
      apply();
    } finally {
      this.#changing = false;
      this.#identity = io('file', this.name, () => this.backend.identity());
      this.#isolation?.invalidate();
    }
  }

  /** The private copy that still equals the file (isolated files only; null once the file changed). */
  currentCopy(): Copy | null {
    return this.#isolation?.current() ?? null;
  }

  /** The private copy a new snapshot reads from (isolated files only), taken now unless the current one still fits. */
  copyForSnapshot(): Copy | null {
    const isolation = this.#isolation;
    if (isolation === null) return null;
    const current = isolation.current();
    if (current !== null) return current;
    const copy = io('clone', this.name, () => this.backend.clone(this.tempDir));
    if (io('file', this.name, () => this.backend.identity()) !== this.#identity) {
      // Changed while being copied: the copy may be torn.
      io('clone', copy.name, () => copy.close());
      this.verify();
      throw new FileChangedError(this.name);
    }
    return isolation.adopt(copy);
  }

  /** A snapshot of this file, reading `copy` (null: the file itself), went live. */
  adopt(copy: Copy | null): void {
    assert((copy !== null) === this.isolated, 'an isolated file\'s snapshots, and only they, read a copy');
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

  #closeBackend(): void {
    io('file', this.name, () => this.backend.close());
  }
}
