/**
 * The spec's FileTruncate: another writer cuts or extends a file through
 * the engine (DeferredFile.truncate), with copy-before-write of the offsets
 * cut. Even a truncate to the current length is a change (it moves mtime),
 * so isolated copies stop being current.
 */

import { assert } from './assert.ts';
import { change } from './copy-before-write.ts';
import type { FileState } from './files.ts';
import type { Shared } from './shared.ts';

/** Sets `file`'s length to `length`; growing reads as zeros. */
export function fileTruncate(shared: Shared, file: FileState, length: number): void {
  assert(!file.readOnly, 'a truncate through a read-only file');
  assert(length >= 0, 'a truncate to a negative length');
  file.verify();
  change(shared, file, [], length, () => file.truncateTo(length));
  assert(file.size() === length, 'a truncate left the file another length');
}
