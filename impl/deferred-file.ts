/**
 * The public face of a file opened through an engine. Segments read from it
 * and write to it; its own `write` and `truncate` are "the other writer":
 * they change the file directly, preserving first whatever snapshots still
 * need.
 */
import { commit, type Shared } from './shared.ts';
import { change } from './copy-before-write.ts';
import type { FileState } from './files.ts';
import { ArgumentError, ClosedError, ReadOnlyError } from './errors.ts';
import { bytes, integer } from './validate.ts';
import { fileLengthMax } from './limits.ts';

/** The state behind a DeferredFile, for fileArgument (set once, below). */
let stateOf: (file: object) => { state: FileState; shared: Shared } | undefined;

/** A file opened through an engine (Engine.open or Engine.attach). */
export class DeferredFile {
  readonly #state: FileState;
  readonly #shared: Shared;

  static {
    stateOf = (file) => (#state in file ? { state: file.#state, shared: file.#shared } : undefined);
  }

  /** @internal Files are made by Engine.open and Engine.attach. */
  constructor(state: FileState, shared: Shared) {
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

  /** Current length in bytes. */
  get size(): number {
    return this.#open().size();
  }

  /**
   * Writes `length` bytes of `buffer` from `offset` at `position`, like
   * fs.writeSync; the file grows as needed. Returns `length`.
   */
  write(buffer: Uint8Array, offset: number, length: number, position: number): number {
    const file = this.#open();
    bytes('buffer', buffer);
    integer('offset', offset, 0, buffer.length);
    integer('length', length, 0, buffer.length - offset);
    integer('position', position, 0, fileLengthMax - length);
    if (file.readOnly) throw new ReadOnlyError(file.name);
    commit(this.#shared, () => {
      file.verify();
      // Writing nothing changes nothing.
      if (length === 0) return;
      const end = position + length;
      change(this.#shared, file, [[position, end]], Math.max(file.size(), end), () => file.writeAt(buffer, offset, length, position));
    });
    return length;
  }

  /** Sets the length, like fs.ftruncateSync; growing reads as zeros. Even to the same length, it is a change. */
  truncate(length: number): void {
    const file = this.#open();
    integer('length', length, 0, fileLengthMax);
    if (file.readOnly) throw new ReadOnlyError(file.name);
    commit(this.#shared, () => {
      file.verify();
      change(this.#shared, file, [], length, () => file.truncateTo(length));
    });
  }

  /** Closes the file for new calls. Segment bytes already read from it stay valid. */
  close(): void {
    this.#state.close();
  }

  #open(): FileState {
    if (this.#shared.closed) throw new ClosedError('engine');
    if (this.#state.closed) throw new ClosedError('file', this.#state.name);
    return this.#state;
  }
}

/** The state behind a `file` argument, which must be an open file of the engine `shared` belongs to. */
export function fileArgument(file: unknown, shared: Shared): FileState {
  const found = typeof file === 'object' && file !== null ? stateOf(file) : undefined;
  if (found === undefined || found.shared !== shared) {
    throw new ArgumentError('file', 'must be a DeferredFile opened by this engine');
  }
  if (found.state.closed) throw new ClosedError('file', found.state.name);
  return found.state;
}
