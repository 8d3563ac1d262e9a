/**
 * Isolation: snapshots of an isolated file read from a private copy taken at
 * read time (a reflink clone where the file system has one), so nothing done
 * to the file afterwards, by the engine or behind its back, can reach them.
 * Snapshots taken while the file stays unchanged share one copy.
 */

import { assert } from './assert.ts';
import type { FileBackend } from './backend.ts';
import { io } from './errors.ts';

export class Copy {
  /** Snapshots reading from this copy. */
  users = 0;
  constructor(readonly backend: FileBackend) {}
}

export class Isolation {
  // The copy that still equals the file; null once the file changed.
  #current: Copy | null = null;

  /** The copy new snapshots can share, if the file has not changed since it was taken. */
  current(): Copy | null {
    return this.#current;
  }

  adopt(backend: FileBackend): Copy {
    assert(this.#current === null);
    this.#current = new Copy(backend);
    return this.#current;
  }

  /** The file changed: later snapshots need a new copy. */
  invalidate(): void {
    const copy = this.#current;
    this.#current = null;
    if (copy !== null && copy.users === 0) close(copy);
  }

  use(copy: Copy): void {
    // A new snapshot reads the copy that still equals the file, taken or found in the same call.
    assert(copy === this.#current, 'a snapshot reads a copy that is no longer the file');
    copy.users++;
  }

  release(copy: Copy): void {
    assert(copy.users > 0);
    copy.users--;
    if (copy.users === 0 && copy !== this.#current) close(copy);
  }
}

function close(copy: Copy): void {
  io('clone', copy.backend.name, () => copy.backend.close());
}
