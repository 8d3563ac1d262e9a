/**
 * The store: one byte-addressed space holding a whole disk image, the only
 * way the file system code (ext2/) reaches the image. The file system
 * treats it as a single data structure: it loads and stores fields where
 * they lie, copies file data in and out, and asks for a sync between
 * requests. It has no block reads, no buffers and no cache of its own;
 * whatever caching exists belongs to the store, which is the point of
 * comparing three of them:
 *
 * - segment-store.ts: the image read into one deferred segment in one gulp,
 *   synced by writing the whole segment back (only what changed is written);
 * - bench/mmap-store.ts: a shared memory mapping of the image, synced by msync;
 * - cache-store.ts: a conventional block cache over pread/pwrite with LRU
 *   eviction and write-back of dirty blocks on sync.
 *
 * All multi-byte values are little-endian, as ext2 stores them. Addresses
 * are checked by the store (an address outside [0, length) is a bug in the
 * caller and throws a RangeError-like error of the implementation); I/O
 * failures throw StoreError.
 */
import { readSync } from 'node:fs';
import type { SyncReport } from './fs.ts';

export interface Store {
  /** Bytes in the image. */
  readonly length: number;
  /** Whether stores and sync are refused (the image was opened read-only). */
  readonly readOnly: boolean;
  getUint8(addr: number): number;
  getUint16(addr: number): number;
  getUint32(addr: number): number;
  setUint8(addr: number, value: number): void;
  setUint16(addr: number, value: number): void;
  setUint32(addr: number, value: number): void;
  /** Copies `target.length` bytes from `addr` into `target`. */
  copyOut(addr: number, target: Uint8Array): void;
  /**
   * The bytes [addr, addr + length) where they lie, to read without a copy
   * (a directory block scanned record by record). The range must lie in one
   * block of the image (`length` at least 1): the stores that page the image
   * in do so a block at a time. Valid only until the next call to the store,
   * which may reuse the memory behind it; never to be written through.
   */
  view(addr: number, length: number): Uint8Array;
  /** Copies `source` into the image at `addr`. */
  copyIn(addr: number, source: Uint8Array): void;
  /** Sets `length` bytes from `addr` to zero. */
  zero(addr: number, length: number): void;
  /**
   * Makes every change so far durable in the image file (written and
   * fsynced). Reports the bytes written and the bytes of the image it knew
   * to be unchanged and did not write.
   */
  sync(): SyncReport;
  /** Releases the store without syncing. Idempotent. */
  close(): void;
  /** close(), for `using`. */
  [Symbol.dispose](): void;
}

/** An I/O failure underneath a store (the image file, the swap file, a mapping). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  /** The system error code when there is one (EIO, ENOSPC, ...), else 'EIO'. */
  readonly code: string;
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    const code = (options.cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : 'EIO';
  }
}

/** Options every store's open function takes. */
export interface StoreOptions {
  /** Open the image read-only: stores and sync are refused. Default false. */
  readOnly?: boolean;
}

/** Reads up to `length` bytes at `position` into `buffer[offset..]`, returning the count (pread(2), FileBackend.read). */
export type ReadAt = (buffer: Uint8Array, offset: number, length: number, position: number) => number;

/** pread(2) of the open file `fd`, as a ReadAt. */
export function readFrom(fd: number): ReadAt {
  return (buffer, offset, length, position) => readSync(fd, buffer, offset, length, position);
}

/**
 * The block size of an ext2 image, from its superblock, read with one
 * small read: a store needs it before it holds the image (the engine's
 * page size and the cache's block size are the image's block size). Not a
 * validation: an image that is not ext2 gets 4096 here and is refused by
 * the file system when it parses the superblock through the store.
 */
export function imageBlockSize(read: ReadAt): number {
  const field = Buffer.alloc(4);
  // s_log_block_size: block size = 1024 << s_log_block_size.
  const count = readFully(read, field, superblockOffset + logBlockSizeOffset);
  const log = field.readUInt32LE(0);
  return count === 4 && log <= 2 ? 1024 << log : 4096;
}

const superblockOffset = 1024;
const logBlockSizeOffset = 24;

function readFully(read: ReadAt, into: Buffer, position: number): number {
  let done = 0;
  for (;;) {
    const count = read(into, done, into.length - done, position + done);
    done += count;
    if (count === 0 || done === into.length) return done;
  }
}
