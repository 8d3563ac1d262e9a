/**
 * Files as the engine sees them: the backend, the snapshots taken of it, and
 * the identity (size, mtime, ctime, inode) recorded after the engine's own
 * last change, which is how a change behind the engine's back is noticed.
 */
import type { FileBackend } from './backend.ts';
import { readPadded } from './backend.ts';
import type { Context } from './context.ts';
import { operation } from './context.ts';
import type { Snapshot } from './snapshots.ts';
import type { Change } from './preserve.ts';
import { type Copy, Isolation } from './isolation.ts';
import { ArgumentError, ClosedError, FileChangedError, io, ReadOnlyError } from './errors.ts';
import { bytes, integer } from './validate.ts';
import { fileLengthMax } from './limits.ts';

export class FileState {
  /** Live snapshots of this file. */
  readonly snapshots = new Set<Snapshot>();
  closed = false;
  #identity: string;
  // While the engine itself is changing the file, a new identity is its own doing.
  #changing = false;
  readonly #isolation: Isolation | null;

  constructor(
    readonly context: Context,
    readonly backend: FileBackend,
    readonly readOnly: boolean,
    isolated: boolean,
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

  /**
   * Notices a change made behind the engine's back. The snapshots taken
   * before it can no longer trust their unpreserved blocks: they become stale
   * (a fault on those bytes raises FileChangedError, and write-back stops
   * skipping). Snapshots taken afterwards are fine.
   */
  verify(): void {
    if (this.#changing) return;
    const identity = io('file', this.name, () => this.backend.identity());
    if (identity === this.#identity) return;
    this.#identity = identity;
    for (const snapshot of this.snapshots) snapshot.stale = true;
    this.#isolation?.invalidate();
  }

  /**
   * Changes the file through the engine: `writes` are the offsets `apply`
   * overwrites and `length` the file's length afterwards. Copy-before-write
   * runs first, over exactly the offsets that change: the written ones and,
   * for a shorter length, the cut ones [length, old length). Growth writes
   * no existing offset, so it preserves nothing.
   */
  change(writes: readonly Change[], length: number, apply: () => void): void {
    const old = this.size();
    const changes: Change[] = length < old ? [...writes, [length, old]] : writes;
    this.context.preserve.beforeChange(this, changes);
    this.#changing = true;
    try {
      apply();
    } finally {
      this.#changing = false;
      // Even a failed write may have changed the file: it was the engine's own change either way.
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
    const copy = io('clone', this.name, () => this.backend.clone(this.context.tempDir));
    if (io('file', this.name, () => this.backend.identity()) !== this.#identity) {
      // Changed while being copied: the copy may be torn.
      io('clone', copy.name, () => copy.close());
      this.verify();
      throw new FileChangedError(this.name);
    }
    return isolation.adopt(copy);
  }

  adopt(snapshot: Snapshot): void {
    this.snapshots.add(snapshot);
    if (snapshot.copy !== null) this.#isolation!.use(snapshot.copy);
  }

  forget(snapshot: Snapshot): void {
    this.snapshots.delete(snapshot);
    try {
      if (snapshot.copy !== null) this.#isolation!.release(snapshot.copy);
    } finally {
      if (this.closed && this.snapshots.size === 0) this.#closeBackend();
    }
  }

  /** Closes for new operations; bytes already read stay readable until their snapshots are released. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.context.files.delete(this);
    this.#isolation?.invalidate();
    if (this.snapshots.size === 0) this.#closeBackend();
  }

  #closeBackend(): void {
    io('file', this.name, () => this.backend.close());
  }
}

const states = new WeakMap<object, FileState>();

/**
 * A file opened through an engine (Engine.open or Engine.attach). Segments
 * read from it and write to it; its own `write` and `truncate` are "the
 * other writer": they change the file directly, preserving first whatever
 * snapshots still need.
 */
export class DeferredFile {
  /** @internal Files are made by Engine.open and Engine.attach. */
  constructor(state: FileState) {
    states.set(this, state);
  }

  /** The file's path, or the backend's name. */
  get name(): string {
    return state(this).name;
  }

  get readOnly(): boolean {
    return state(this).readOnly;
  }

  /** Whether reads take a private copy of the file (see OpenOptions.isolate). */
  get isolated(): boolean {
    return state(this).isolated;
  }

  /** Current length in bytes. */
  get size(): number {
    return open(this).size();
  }

  /**
   * Writes `length` bytes of `buffer` from `offset` at `position`, like
   * fs.writeSync; the file grows as needed. Returns `length`.
   */
  write(buffer: Uint8Array, offset: number, length: number, position: number): number {
    const file = open(this);
    bytes('buffer', buffer);
    integer('offset', offset, 0, buffer.length);
    integer('length', length, 0, buffer.length - offset);
    integer('position', position, 0, fileLengthMax - length);
    if (file.readOnly) throw new ReadOnlyError(file.name);
    operation(file.context, () => {
      file.verify();
      if (length === 0) return;
      const end = position + length;
      file.change([[position, end]], Math.max(file.size(), end), () => file.writeAt(buffer, offset, length, position));
    });
    return length;
  }

  /** Sets the length, like fs.ftruncateSync; growing reads as zeros. */
  truncate(length: number): void {
    const file = open(this);
    integer('length', length, 0, fileLengthMax);
    if (file.readOnly) throw new ReadOnlyError(file.name);
    operation(file.context, () => {
      file.verify();
      file.change([], length, () => io('file', file.name, () => file.backend.truncate(length)));
    });
  }

  /** Closes the file for new calls. Segment bytes already read from it stay valid. */
  close(): void {
    state(this).close();
  }
}

function state(file: DeferredFile): FileState {
  return states.get(file)!;
}

function open(file: DeferredFile): FileState {
  const found = state(file);
  if (found.context.closed) throw new ClosedError('engine');
  if (found.closed) throw new ClosedError('file', found.name);
  return found;
}

/** The state behind a `file` argument, which must be an open file of this engine. */
export function fileArgument(file: unknown, context: Context): FileState {
  const found = typeof file === 'object' && file !== null ? states.get(file) : undefined;
  if (found === undefined || found.context !== context) {
    throw new ArgumentError('file', 'must be a DeferredFile opened by this engine');
  }
  if (found.closed) throw new ClosedError('file', found.name);
  return found;
}
