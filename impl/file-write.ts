/**
 * The spec's FileWrite: another writer writes bytes to a file through the
 * engine (DeferredFile.write). The write is a change like a segment's
 * write-back: copy-before-write first, so that no snapshot changes.
 */

import { assert } from './assert.ts';
import { change } from './copy-before-write.ts';
import type { FileState } from './files.ts';
import type { Shared } from './shared.ts';

/** Writes `length` bytes of `buffer` from `offset` to `file` at `position`; the file grows as needed. */
export function fileWrite(
  shared: Shared,
  file: FileState,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): void {
  assert(!file.readOnly, 'a write through a read-only file');
  assert(length >= 0, 'a write of a negative length');
  assert(offset + length <= buffer.length, 'a write from past the end of its buffer');
  file.verify();
  // Writing nothing changes nothing.
  if (length === 0) return;
  const end = position + length;
  change(shared, file, [[position, end]], Math.max(file.size(), end), () =>
    file.writeAt(buffer, offset, length, position),
  );
  assert(file.size() >= end, 'the file did not grow to hold the write');
}
