/**
 * Splits a connection's byte stream into 9P messages by their size fields.
 * Bytes are kept as the chunks the socket delivered; a message lying inside
 * one chunk is returned as a view of it (no copy), one spanning chunks is
 * copied once, into a buffer the framer reuses: a large Twrite (which always
 * spans the socket's 64 KiB reads) then costs no allocation, and so no
 * garbage to collect. Hence a message is valid only until the next call to
 * next(): whoever keeps one longer copies it. Nothing larger than the
 * caller's limit is ever buffered for a message: a size field over it (or
 * under the 7-byte header) is reported at once, before its bytes arrive.
 */
import { HEADER_SIZE } from './codec.ts';

/** The size field cannot be a 9P message: under the header, or over the limit. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
  readonly code = 'EPROTO';
}

export class Framer {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Where spanning messages are assembled; grows to the largest one seen. */
  #assembly = Buffer.alloc(0);

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** Bytes received and not yet returned as a message. */
  get pending(): number {
    return this.#buffered;
  }

  /**
   * The next whole message (size field included), valid until the next call,
   * or null until it has all arrived. Throws FrameError for a size field
   * outside HEADER_SIZE..limit.
   */
  next(limit: number): Buffer | null {
    if (this.#buffered < 4) return null;
    const size = this.#peekSize();
    if (size < HEADER_SIZE || size > limit)
      throw new FrameError(`message size ${size} outside ${HEADER_SIZE}..${limit}`);
    if (this.#buffered < size) return null;
    return this.#take(size);
  }

  #peekSize(): number {
    const first = this.#chunks[0];
    if (first.length >= 4) return first.readUInt32LE(0);
    const head = Buffer.alloc(4);
    let at = 0;
    for (const c of this.#chunks) {
      at += c.copy(head, at, 0, Math.min(c.length, 4 - at));
      if (at === 4) break;
    }
    return head.readUInt32LE(0);
  }

  #take(size: number): Buffer {
    this.#buffered -= size;
    const first = this.#chunks[0];
    if (first.length >= size) {
      if (first.length === size) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(size);
      return first.subarray(0, size);
    }
    if (this.#assembly.length < size) this.#assembly = Buffer.allocUnsafe(size);
    const out = this.#assembly.subarray(0, size);
    let at = 0;
    while (at < size) {
      const c = this.#chunks[0];
      const n = Math.min(c.length, size - at);
      c.copy(out, at, 0, n);
      at += n;
      if (n === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(n);
    }
    return out;
  }
}
