import { io, type IORole } from './errors.ts';

/**
 * The file interface the engine performs its I/O through: user files, the
 * swap space, the preserve store and isolation copies all sit behind it, so a
 * fault-injecting backend can stand in for any of them.
 *
 * Calls are synchronous and throw on failure (a Node system error carrying
 * `code`, e.g. EIO or ENOSPC); the engine turns that into a typed IOError.
 */
export interface FileBackend {
  /** Names the file in errors (a path for files on disk). */
  readonly name: string;
  /** Current length in bytes. */
  size(): number;
  /**
   * Reads up to `length` bytes at `position` into `buffer[offset..]` and
   * returns the count, which is short only at end of file.
   */
  read(buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes all `length` bytes; the file grows as needed and a gap reads as zeros. */
  write(buffer: Uint8Array, offset: number, length: number, position: number): void;
  /** Sets the length; growing reads as zeros. */
  truncate(length: number): void;
  /** Makes the content and metadata durable (fsync(2)): what was written survives a crash. */
  sync(): void;
  /** Makes the content durable, and only the metadata needed to read it back (fdatasync(2)). */
  datasync(): void;
  /**
   * A token that differs whenever the file may have changed (size, mtime,
   * ctime, inode): the engine compares it to notice writes behind its back.
   */
  identity(): string;
  /** A private copy of the current content, immune to later changes of this file. */
  clone(dir: string): FileBackend;
  close(): void;
}

/** Reads `length` bytes at `position`; bytes past the end of the file read as zero. */
export function readPadded(
  backend: FileBackend,
  role: IORole,
  into: Uint8Array,
  at: number,
  length: number,
  position: number,
): void {
  const count = io(role, backend.name, () => backend.read(into, at, length, position));
  into.fill(0, at + count, at + length);
}
