import { assert } from './assert.ts';
import { type IORole, ioError } from './errors.ts';

/**
 * What change detection compares (fields of a Node fs.Stats): which of them
 * count is the engine's `changeDetection` policy, and what the comparison
 * cannot see is the window spec/README.md states ("Outside the proof"). A
 * content change moves size or mtime; ctime moves with it and with every
 * metadata change (chmod, chown, a link, an xattr), and nlink tells a link
 * change apart; inode and device name the file itself.
 */
export interface FileIdentity {
  /** Length in bytes. */
  readonly size: number;
  /** Last content change, in milliseconds (any unit works, as long as it is the file's own clock). */
  readonly mtimeMs: number;
  /** Last content or metadata change, same unit. */
  readonly ctimeMs: number;
  /** Hard links to the file. */
  readonly nlink: number;
  /** Inode number. */
  readonly ino: number;
  /** Device of the file system holding it. */
  readonly dev: number;
}

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
  /**
   * The files beside this one in its directory, where an atomic write-back
   * keeps its journal; null for a file with no directory (a temporary, an
   * in-memory file of its own), which cannot be written back atomically.
   */
  readonly siblings: Siblings | null;
  /**
   * Reads up to `length` bytes at `position` into `buffer[offset..]` and
   * returns the count, which is short only at end of file.
   */
  read(buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes all `length` bytes; the file grows as needed and a gap reads as zeros. */
  write(buffer: Uint8Array, offset: number, length: number, position: number): void;
  /** Writes all of `buffers`, back to back, from `position` (writev(2)): one write-back run in one call. */
  writev(buffers: readonly Uint8Array[], position: number): void;
  /** Sets the length; growing reads as zeros. */
  truncate(length: number): void;
  /** Makes the content and metadata durable (fsync(2)): what was written survives a crash. */
  sync(): void;
  /** Makes the content durable, and only the metadata needed to read it back (fdatasync(2)). */
  datasync(): void;
  /**
   * The file's length and change marks now (fstat(2) of the open file, not
   * of its path): the engine's only way to learn the length, and how it
   * notices writes behind its back, at most once per public call.
   */
  identity(): FileIdentity;
  /** A private copy of the current content, immune to later changes of this file. */
  clone(dir: string): FileBackend;
  close(): void;
}

/**
 * The directory of a file, as an atomic write-back and recovery use it: the
 * journal is a file beside the user's, created, synced and removed there,
 * and a creation or removal is durable only once the directory is synced.
 * Calls throw as FileBackend's do.
 */
export interface Siblings {
  /** Opens the file `name` beside this one for reading (at least), or returns null if there is none. */
  open(name: string): FileBackend | null;
  /** Creates the empty file `name` beside this one (O_CREAT | O_EXCL: an EEXIST error if it is there). */
  create(name: string): FileBackend;
  /** Unlinks `name` (an ENOENT error if it is not there). */
  remove(name: string): void;
  /** fsync(2) of the directory: makes creations and removals durable. */
  sync(): void;
}

/**
 * Reads `length` bytes at `position`; bytes past the end of the file read as
 * zero. Allocates nothing (the fault path runs through here).
 */
export function readPadded(
  backend: FileBackend,
  role: IORole,
  into: Uint8Array,
  at: number,
  length: number,
  position: number,
): void {
  assert(position >= 0, 'reading at a negative position');
  assert(at >= 0, 'reading into a negative offset');
  assert(at + length <= into.length, 'reading into past the end of the buffer');
  let count: number;
  try {
    count = backend.read(into, at, length, position);
  } catch (error) {
    throw ioError(role, backend.name, error);
  }
  if (count < length) into.fill(0, at + count, at + length);
}
