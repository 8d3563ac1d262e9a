/**
 * A sparse in-memory file for tests at the largest file positions: only the
 * chunks ever written hold memory, so a file can be 2^53 bytes long (the
 * engine's fileLengthMax) while a MemoryBackend is bounded by one buffer.
 */
import type { FileBackend, FileIdentity, Siblings } from '../backend.ts';
import { MemoryBackend } from '../memory-backend.ts';

const chunkSize = 4096;

export class SparseBackend implements FileBackend {
  readonly name: string;
  /** In no directory: an atomic write-back to it is refused before any call. */
  readonly siblings: Siblings | null = null;
  #length: number;
  // chunk index -> its bytes; a missing chunk reads as zeros.
  #chunks = new Map<number, Uint8Array>();
  #version = 0;

  constructor(name: string, length = 0) {
    this.name = name;
    this.#length = length;
  }

  size(): number {
    return this.#length;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    const count = Math.max(0, Math.min(length, this.#length - position));
    for (let done = 0; done < count; ) {
      const at = position + done;
      const within = at % chunkSize;
      const chunk = (at - within) / chunkSize;
      const n = Math.min(chunkSize - within, count - done);
      const bytes = this.#chunks.get(chunk);
      if (bytes === undefined) buffer.fill(0, offset + done, offset + done + n);
      else buffer.set(bytes.subarray(within, within + n), offset + done);
      done += n;
    }
    return count;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    if (length === 0) return;
    for (let done = 0; done < length; ) {
      const at = position + done;
      const within = at % chunkSize;
      const chunk = (at - within) / chunkSize;
      const n = Math.min(chunkSize - within, length - done);
      let bytes = this.#chunks.get(chunk);
      if (bytes === undefined) {
        bytes = new Uint8Array(chunkSize);
        this.#chunks.set(chunk, bytes);
      }
      bytes.set(buffer.subarray(offset + done, offset + done + n), within);
      done += n;
    }
    this.#length = Math.max(this.#length, position + length);
    this.#version++;
  }

  /** MemoryBackend's: each buffer through this.write, back to back, which is all a sparse file needs too. */
  readonly writev = MemoryBackend.prototype.writev;

  truncate(length: number): void {
    // Cut bytes read as zeros if the file grows again.
    for (const [chunk, bytes] of this.#chunks) {
      const start = chunk * chunkSize;
      if (start >= length) this.#chunks.delete(chunk);
      else if (start + chunkSize > length) bytes.fill(0, length - start);
    }
    this.#length = length;
    this.#version++;
  }

  sync(): void {}

  datasync(): void {}

  identity(): FileIdentity {
    return { size: this.#length, mtimeMs: this.#version, ctimeMs: this.#version, nlink: 1, ino: 1, dev: 0 };
  }

  clone(): FileBackend {
    const copy = new SparseBackend(`${this.name} (copy)`, this.#length);
    for (const [chunk, bytes] of this.#chunks) copy.#chunks.set(chunk, Uint8Array.from(bytes));
    return copy;
  }

  close(): void {}
}
