/**
 * The spec's FileTruncate: another writer cuts or extends a file through
 * the engine (DeferredFile.truncate), with copy-before-write of the offsets
 * cut. Even a truncate to the current length is a change (it moves mtime),
 * so isolated copies stop being current.
 */

import { change } from './copy-before-write.ts';
import type { FileState } from './files.ts';
import type { Shared } from './shared.ts';

/** Sets `file`'s length to `length`; growing reads as zeros. */
export function fileTruncate(shared: Shared, file: FileState, length: number): void {
  file.verify();
  change(shared, file, [], length, () => file.truncateTo(length));
}
