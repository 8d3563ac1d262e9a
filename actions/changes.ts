/**
 * Another's changes to files, as Next's quantifiers range over them and
 * as fuzzing draws them. FileWrite and FileTruncate make them through the
 * engine (to the Foreign files), OutsideWrite and OutsideTruncate behind
 * its back (to the Outside files): the same calls, to other files, with
 * other consequences.
 */
import fc from 'fast-check';
import { type Constants, range } from '../model/constants.ts';
import { WriteData } from '../model/next.ts';
import type { Bytes } from '../model/state.ts';
import { fileOffset, seededBytes } from './arbitraries.ts';

/** A write of `data` to `file` at `pos`. */
export interface DataWrite {
  readonly file: string;
  readonly pos: number;
  readonly data: Bytes;
}

/** A truncate (or extension) of `file` to `len` bytes. */
export interface Truncate {
  readonly file: string;
  readonly len: number;
}

/** Every write Next gives these files: WriteData at every position that keeps it within MaxLen. */
export function* writesTo(c: Constants, files: readonly string[]): Generator<DataWrite> {
  const datas = WriteData(c);
  for (const file of files) {
    for (const data of datas) {
      for (const pos of range(0, c.MaxLen - data.length)) yield { file, pos, data };
    }
  }
}

/** Every truncate Next gives these files: to 0..MaxLen bytes. */
export function* truncatesOf(c: Constants, files: readonly string[]): Generator<Truncate> {
  for (const file of files) for (const len of range(0, c.MaxLen)) yield { file, len };
}

/** Writes to fuzz these files with: 1..MaxWrite bytes (at most 3 pages) within MaxLen; null without files. */
export function writeArbitrary(c: Constants, length: number, files: readonly string[]): fc.Arbitrary<DataWrite> | null {
  if (files.length === 0) return null;
  const data = fc
    .tuple(fc.integer({ min: 1, max: Math.min(c.MaxWrite, 3 * c.B, c.MaxLen) }), fc.integer())
    .chain(([n, seed]) =>
      fileOffset(c, length, c.MaxLen - n + 1).map((pos) => ({ pos, data: seededBytes(c.Vals, n, seed) })),
    );
  return fc.tuple(fc.constantFrom(...files), data).map(([file, d]) => ({ file, ...d }));
}

/** Truncates to fuzz these files with: to 0..MaxLen bytes; null without files. */
export function truncateArbitrary(
  c: Constants,
  length: number,
  files: readonly string[],
): fc.Arbitrary<Truncate> | null {
  if (files.length === 0) return null;
  return fc.tuple(fc.constantFrom(...files), fileOffset(c, length, c.MaxLen + 1)).map(([file, len]) => ({ file, len }));
}
