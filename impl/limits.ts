/**
 * Explicit limits. Every size, count and position the engine accepts is
 * bounded here, so that arithmetic on them stays exact in a double and every
 * table stays within what the process can hold.
 */
import { constants } from 'node:buffer';

/** Largest segment, in bytes: every address and address + length is an exact integer. */
export const segmentLengthMax = 2 ** 53;

/** Largest file offset + length the engine will read or write. */
export const fileLengthMax = 2 ** 53;

/** Page (= file block) size bounds. Small pages are legal: conformance runs with B = 2. */
export const pageSizeMin = 1;
export const pageSizeMax = 2 ** 20;
export const pageSizeDefault = 4096;

/** The frame pool is one ArrayBuffer, so it is bounded by the largest one Node allocates. */
export const memoryMax = constants.MAX_LENGTH;

/** Frames in a pool: frame numbers, and frame + 1 in a page table, fit an Int32Array. */
export const framesMax = 2 ** 31 - 2;
export const memoryDefault = 64 * 2 ** 20;

/** Readahead pages fetched per sequential fault (also bounded by the frame pool: frames - 1). */
export const readaheadMax = 1024;

/**
 * The default readahead: this many bytes' worth of pages (256 pages of
 * 4 KiB, at least one page, at most frames - 1), fetched with one read
 * where their sources are contiguous. A sequential scan then costs one
 * 1 MiB read per 256 pages, as a program reading 1 MiB chunks does.
 */
export const readaheadDefaultBytes = 2 ** 20;

/** Bytes read from swap (or other non-resident sources) to be written in one write-back call; also the staging buffer's size. */
export const ioChunkBytes = 2 ** 20;

/** Buffers in one writev call: Linux's IOV_MAX. A longer write-back run takes more calls. */
export const iovMax = 1024;

/** Pages a page table indexes directly (4 MiB of Int32Array); higher pages of huge segments go to a Map. */
export const directPagesMax = 2 ** 20;

/**
 * Live snapshots at once, so snapshot ids are 1 .. snapshotsMax (the spec's
 * MaxSnap). The table of live snapshots is a Map, which V8 bounds at 2^24
 * entries; a read or rebinding write that would need one more snapshot is
 * refused with a LimitError (ENOMEM, as mmap refuses a mapping past
 * vm.max_map_count) before it changes anything.
 */
export const snapshotsMax = 2 ** 24 - 1;
