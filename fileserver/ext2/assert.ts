/**
 * Two kinds of failure. An invariant of this code broken is a bug: assert
 * throws an AssertionError and nothing catches it. The image contradicting
 * itself (a corrupt pointer, a bitmap at odds with its count) is a fact
 * about the input: corrupt() refuses the operation with EIO, which rolls it
 * back (undo.ts), and the server goes on.
 */
import { AssertionError } from 'node:assert';
import { FsError } from '../fs.ts';

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError({ message });
}

export function corrupt(message: string): never {
  throw new FsError('EIO', `corrupt image: ${message}`);
}
