/**
 * The public face of a file opened through an engine. Segments read from it
 * and write to it; its own `write` and `truncate` are "the other writer":
 * they change the file directly, preserving first whatever snapshots still
 * need.
 */
import { inspect } from 'node:util';
import { ArgumentError, ClosedError, DeferredIOError, illegalConstructor, ReadOnlyError } from './errors.ts';
import { fileTruncate } from './file-truncate.ts';
import { fileWrite } from './file-write.ts';
import type { FileState } from './files.ts';
import { fileLengthMax } from './limits.ts';
import type { Recovery } from './recovery.ts';
import { commit, type Shared } from './shared.ts';
import { byteArray, integer } from './validate.ts';

/** The state behind a DeferredFile, for fileArgument (set once, below). */
let stateOf: (file: object) => { state: FileState; shared: Shared } | undefined;

// Held by this module alone, so that only newFile constructs: `new DeferredFile()` anywhere else is refused.
const construct: unique symbol = Symbol('DeferredFile');

/** A file opened through an engine (Engine.open or Engine.attach). */
export class DeferredFile {
  readonly #state: FileState;
  readonly #shared: Shared;

  static {
    stateOf = (file) => (#state in file ? { state: file.#state, shared: file.#shared } : undefined);
  }

  /** @internal Files are made by Engine.open and Engine.attach: called by hand, this throws ERR_ILLEGAL_CONSTRUCTOR. */
  constructor(token: typeof construct, state: FileState, shared: Shared) {
    if (token !== construct) throw illegalConstructor('a DeferredFile is made by Engine.open or Engine.attach');
    this.#state = state;
    this.#shared = shared;
  }

  /** The file's path, or the backend's name. */
  get name(): string {
    return this.#state.name;
  }

  get readOnly(): boolean {
    return this.#state.readOnly;
  }

  /** Whether reads take a private copy of the file (see OpenOptions.isolate). */
  get isolated(): boolean {
    return this.#state.isolated;
  }

  /**
   * What opening the file recovered: null if it had no journal, else
   * whether an atomic write-back cut short was replayed or discarded.
   */
  get recovery(): Recovery | null {
    return this.#state.recovery;
  }

  /** Current length in bytes. */
  get size(): number {
    const file = this.#open();
    this.#shared.calls.current++;
    return file.size();
  }

  /**
   * Writes `length` bytes of `buffer` from `offset` at `position`, like
   * fs.writeSync(fd, buffer, offset, length, position); the file grows as
   * needed. Returns `length`. Defaults as fs.writeSync's: `offset` 0,
   * `length` the rest of the buffer, `position` (omitted or null) the file's
   * current position, which starts at 0 and advances by each write (or
   * segment read or write) that uses it, as an fd's does. The position is argument
   * sugar: resolved before the write, which is then the spec's FileWrite at
   * that position.
   */
  write(buffer: Uint8Array, offset = 0, length?: number, position?: number | null): number {
    const file = this.#open();
    byteArray('buffer', buffer);
    integer('offset', offset, 0, buffer.length);
    const count = length === undefined ? buffer.length - offset : integer('length', length, 0, buffer.length - offset);
    const at = position === undefined || position === null ? file.position : position;
    integer('position', at, 0, fileLengthMax - count);
    if (file.readOnly) throw new ReadOnlyError(file.name);
    commit(this.#shared, () => fileWrite(this.#shared, file, buffer, offset, count, at));
    if (position === undefined || position === null) file.position = at + count;
    return count;
  }

  /** Sets the length, like fs.ftruncateSync; growing reads as zeros. Even to the same length, it is a change. */
  truncate(length: number): void {
    const file = this.#open();
    integer('length', length, 0, fileLengthMax);
    if (file.readOnly) throw new ReadOnlyError(file.name);
    commit(this.#shared, () => fileTruncate(this.#shared, file, length));
  }

  /**
   * Makes everything written to the file so far durable, content and
   * metadata, like fs.fsyncSync. An I/O failure is an IOError with the
   * system's code (and, as with fsync, the data it concerned may be lost:
   * write it again).
   */
  sync(): void {
    this.#open().sync();
  }

  /** Makes the file's content durable, and the metadata needed to read it back, like fs.fdatasyncSync. */
  datasync(): void {
    this.#open().datasync();
  }

  /** Closes the file for new calls. Segment bytes already read from it stay valid. Idempotent. */
  close(): void {
    this.#state.close();
  }

  /** Closes the file when a `using` declaration goes out of scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  // What the object exposes (its getters) and whether it is closed; not the
  // position of position-less writes, which is no property of it.
  [inspect.custom](_depth: number, options: object): string {
    const state = this.#state;
    const shown: Record<string, unknown> = { name: state.name };
    if (state.closed || this.#shared.closed) shown.closed = true;
    else {
      try {
        shown.size = state.peekSize();
      } catch (error) {
        if (!(error instanceof DeferredIOError)) throw error;
        shown.size = error.code;
      }
    }
    shown.readOnly = state.readOnly;
    shown.isolated = state.isolated;
    return `DeferredFile ${inspect(shown, options)}`;
  }

  #open(): FileState {
    if (this.#shared.closed) throw new ClosedError('engine');
    if (this.#state.closed) throw new ClosedError('file', this.#state.name);
    return this.#state;
  }
}

/** A new DeferredFile over `state` (for Engine.open and Engine.attach). */
export function newFile(state: FileState, shared: Shared): DeferredFile {
  return new DeferredFile(construct, state, shared);
}

/** The state behind a `file` argument, which must be an open file of the engine `shared` belongs to. */
export function fileArgument(file: unknown, shared: Shared): FileState {
  const found = typeof file === 'object' && file !== null ? stateOf(file) : undefined;
  if (found === undefined)
    throw new ArgumentError('file', 'must be a DeferredFile opened by this engine', 'ERR_INVALID_ARG_TYPE');
  if (found.shared !== shared)
    throw new ArgumentError('file', 'must be a DeferredFile opened by this engine', 'ERR_INVALID_ARG_VALUE');
  if (found.state.closed) throw new ClosedError('file', found.state.name);
  return found.state;
}
