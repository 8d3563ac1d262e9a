/**
 * An in-memory file: the same interface as a file on disk, for tests and for
 * conformance runs that compare file contents after every step. A file made
 * by a MemoryDirectory has siblings (so it can be written back atomically,
 * its journal beside it); one made on its own has none.
 */

import { assert } from './assert.ts';
import type { FileBackend, FileIdentity, Siblings } from './backend.ts';
import { memoryMax } from './limits.ts';

/** Puts a new file in a directory, under inode number `ino` (for MemoryDirectory, set once, below). */
let place: (file: MemoryBackend, directory: MemoryDirectory, ino: number) => void;

export class MemoryBackend implements FileBackend {
  readonly name: string;
  #siblings: Siblings | null = null;
  #ino = 1;
  #bytes: Uint8Array;
  #length: number;
  // Bumped by every change of content (the file's mtime), and by every change at all (its ctime).
  #version = 0;
  #ctime = 0;

  static {
    place = (file, directory, ino) => {
      file.#siblings = directory;
      file.#ino = ino;
    };
  }

  /** A file named `name` holding a copy of `content`, in no directory. */
  constructor(name: string, content: Uint8Array = new Uint8Array(0)) {
    this.name = name;
    this.#bytes = new Uint8Array(Math.max(16, content.length));
    this.#bytes.set(content);
    this.#length = content.length;
  }

  get siblings(): Siblings | null {
    return this.#siblings;
  }

  /** Current length in bytes. */
  size(): number {
    return this.#length;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    // A negative position would read from the end (subarray counts from it).
    assert(position >= 0, 'reading at a negative position');
    assert(offset + length <= buffer.length, 'reading into past the end of the buffer');
    const count = Math.max(0, Math.min(length, this.#length - position));
    buffer.set(this.#bytes.subarray(position, position + count), offset);
    return count;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    assert(position >= 0, 'writing at a negative position');
    // subarray would clip a length past the end, writing less than the length recorded.
    assert(offset + length <= buffer.length, 'writing from past the end of the buffer');
    if (length === 0) return;
    this.#reserve(position + length);
    this.#bytes.set(buffer.subarray(offset, offset + length), position);
    this.#length = Math.max(this.#length, position + length);
    this.#changed();
  }

  writev(buffers: readonly Uint8Array[], position: number): void {
    assert(position >= 0, 'writing at a negative position');
    let at = position;
    for (const buffer of buffers) {
      this.write(buffer, 0, buffer.length, at);
      at += buffer.length;
    }
  }

  truncate(length: number): void {
    assert(length >= 0, 'truncating to a negative length');
    // Stryker disable next-line EqualityOperator
    if (length < this.#length) this.#bytes.fill(0, length, this.#length);
    else this.#reserve(length);
    this.#length = length;
    this.#changed();
  }

  /** Nothing to make durable: an in-memory file lives and dies with the process. */
  sync(): void {}

  datasync(): void {}

  /**
   * The change counts stand for the times: mtime moves with every change of
   * content, ctime with that and with touchMetadata. One file, one link, on
   * a device of its own; the files of a directory have inode numbers of
   * their own, 1, 2, ... in the order they were made (a file on its own: 1).
   */
  identity(): FileIdentity {
    return { size: this.#length, mtimeMs: this.#version, ctimeMs: this.#ctime, nlink: 1, ino: this.#ino, dev: 0 };
  }

  /**
   * A change of metadata only (chmod, chown, an xattr, a utimes that puts
   * mtime back, as another process makes them): ctime moves, no byte and
   * no other mark does. The spec's OutsideMetadata, for worlds in memory.
   */
  touchMetadata(): void {
    const version = this.#version;
    this.#ctime++;
    assert(this.#version === version, 'a change of metadata moved mtime');
  }

  clone(): FileBackend {
    return new MemoryBackend(`${this.name} (copy)`, this.#bytes.subarray(0, this.#length));
  }

  close(): void {}

  /** A change of content: both times move. */
  #changed(): void {
    this.#version++;
    this.#ctime++;
    assert(this.#ctime >= this.#version, 'ctime behind mtime');
  }

  /** Grows the buffer to hold `length` bytes; bytes past the old length are zero. */
  #reserve(length: number): void {
    // Stryker disable next-line ConditionalExpression,EqualityOperator
    if (length <= this.#bytes.length) return;
    if (length > memoryMax)
      throw Object.assign(new Error(`in-memory file larger than ${memoryMax} bytes`), { code: 'EFBIG' });
    // Stryker disable next-line MethodExpression,ArithmeticOperator
    const grown = new Uint8Array(Math.min(memoryMax, Math.max(length, this.#bytes.length * 2)));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
    assert(this.#bytes.length >= length);
  }
}

/**
 * An in-memory directory: its files are MemoryBackends whose siblings it is,
 * so an atomic write-back keeps its journal here and recovery finds it.
 * Nothing in memory outlives the process, so `sync` does nothing; a
 * directory whose creations and removals can be lost is a crash test's
 * (impl/testing/recording-backend.ts).
 */
export class MemoryDirectory implements Siblings {
  readonly #files = new Map<string, MemoryBackend>();
  // Inode numbers are never reused: a file made again under an old name is another file.
  #inodes = 0;

  /** Makes the file `name` holding a copy of `content`; EEXIST if there is one. */
  file(name: string, content: Uint8Array = new Uint8Array(0)): MemoryBackend {
    if (this.#files.has(name)) throw systemError('EEXIST', 'file exists', 'open', name);
    const file = new MemoryBackend(name, content);
    place(file, this, ++this.#inodes);
    this.#files.set(name, file);
    assert(file.identity().ino === this.#inodes, 'a file made under an inode number not its own');
    return file;
  }

  /** The names of the files, in the order they were made. */
  names(): string[] {
    return [...this.#files.keys()];
  }

  open(name: string): MemoryBackend | null {
    return this.#files.get(name) ?? null;
  }

  create(name: string): MemoryBackend {
    return this.file(name);
  }

  remove(name: string): void {
    if (!this.#files.delete(name)) throw systemError('ENOENT', 'no such file or directory', 'unlink', name);
  }

  sync(): void {}
}

/** An error shaped as the Node system error of a failed `syscall` on `path`. */
function systemError(code: string, text: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, syscall, path });
}
