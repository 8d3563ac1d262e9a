/**
 * What the actions' arbitraries are built from, at the spec's constants
 * and a segment of `length` bytes: addresses and lengths that favour page
 * boundaries, and file offsets where reads bind bytes, so that changes and
 * write-backs meet bound offsets.
 */
import fc from 'fast-check';
import type { Constants } from '../model/constants.ts';

/** Offsets in [0, limit): page-aligned, next to a page boundary, or anywhere. */
function offsetBelow(B: number, limit: number): fc.Arbitrary<number> {
  const lastPage = Math.floor((limit - 1) / B);
  return fc.oneof(
    fc.integer({ min: 0, max: lastPage }).map((p) => p * B),
    fc
      .tuple(fc.integer({ min: 0, max: lastPage }), fc.integer({ min: -2, max: 2 }))
      .map(([p, d]) => Math.min(limit - 1, Math.max(0, p * B + d))),
    fc.integer({ min: 0, max: limit - 1 }),
  );
}

/** Lengths in 1..limit: short, a few pages, or anything. */
const lengthUpTo = (B: number, limit: number): fc.Arbitrary<number> =>
  fc.oneof(
    fc.integer({ min: 1, max: Math.min(limit, 8) }),
    fc.integer({ min: 1, max: Math.min(limit, 4 * B) }),
    fc.integer({ min: 1, max: limit }),
  );

/** Bytes of the given length from Vals, from a seed: megabytes are not worth generating or shrinking byte by byte. */
export const seededBytes = (vals: readonly number[], n: number, seed: number): number[] =>
  seeded(new Array<number>(n).fill(0), vals, seed);

/** The same bytes in a Uint8Array (Vals must be bytes): the fuzzer's files, megabytes per case. */
export const seededByteArray = (vals: readonly number[], n: number, seed: number): Uint8Array =>
  seeded(new Uint8Array(n), vals, seed);

/**
 * Fills `out` with vals[|seed + 31 i| mod m] at each i (m = vals.length).
 * The residue r follows x = seed + 31 i as it moves rather than being
 * recomputed: x soon leaves the small integers, whose remainder is then a
 * floating-point one, per byte of megabytes.
 */
function seeded<T extends { readonly length: number; [i: number]: number }>(
  out: T,
  vals: readonly number[],
  seed: number,
): T {
  const m = vals.length;
  const step = 31 % m;
  let x = seed;
  let r = Math.abs(x) % m;
  for (let i = 0; i < out.length; i++) {
    out[i] = vals[r]!;
    const was = x;
    x += 31;
    // |x| grew by 31, shrank by 31, or x crossed zero (0 < x < 31).
    if (was >= 0) r = r + step >= m ? r + step - m : r + step;
    else if (x <= 0) r = r - step < 0 ? r - step + m : r - step;
    else r = x % m;
  }
  return out;
}

/** Segment addresses. */
export const address = (c: Constants, length: number): fc.Arbitrary<number> => offsetBelow(c.B, length);

/** An address and a length of at most `most` bytes, within the segment; zero-length calls at address 0 only (spec: Lengths). */
export const span = (c: Constants, length: number, most: number): fc.Arbitrary<{ addr: number; len: number }> =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: address(c, length).chain((a) =>
        lengthUpTo(c.B, Math.min(length - a, most)).map((len) => ({ addr: a, len })),
      ),
    },
    { weight: 1, arbitrary: fc.constant({ addr: 0, len: 0 }) },
  );

/** File offsets below `limit`, half of them where reads at the segment's own addresses bind bytes. */
export const fileOffset = (c: Constants, length: number, limit: number): fc.Arbitrary<number> =>
  fc.oneof(offsetBelow(c.B, Math.min(limit, length)), offsetBelow(c.B, limit));
