/**
 * Sets of integers as interval lists, and sequences as runs: the two
 * representations the run-length model is made of. A set of offsets or
 * addresses a step touches is a few intervals however many bytes it holds,
 * and a per-byte map (the spec's src or origin) whose value at x is an
 * affine function of x is a few runs.
 */

/** [lo, hi): the integers lo <= x < hi. */
export type Interval = readonly [number, number];

/**
 * A set of integers: intervals sorted, disjoint, non-empty and not
 * touching (so equal sets have equal lists, and a list's length is the
 * set's number of maximal intervals).
 */
export type Intervals = readonly Interval[];

/** The set's normal form from any list of intervals (empty ones dropped, overlapping and touching ones merged). */
export function normalize(list: readonly Interval[]): Interval[] {
  const sorted = list.filter(([lo, hi]) => lo < hi).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

export const union = (a: Intervals, b: Intervals): Interval[] => normalize([...a, ...b]);

export function intersect(a: Intervals, b: Intervals): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const [lo, hi] of a) {
    while (j < b.length && b[j]![1] <= lo) j++;
    for (let k = j; k < b.length && b[k]![0] < hi; k++) {
      const l = Math.max(lo, b[k]![0]);
      const h = Math.min(hi, b[k]![1]);
      if (l < h) out.push([l, h]);
    }
  }
  return out;
}

/** a \ b. */
export function subtract(a: Intervals, b: Intervals): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const [lo, hi] of a) {
    while (j < b.length && b[j]![1] <= lo) j++;
    let at = lo;
    for (let k = j; k < b.length && b[k]![0] < hi; k++) {
      if (b[k]![0] > at) out.push([at, b[k]![0]]);
      at = Math.max(at, b[k]![1]);
    }
    if (at < hi) out.push([at, hi]);
  }
  return out;
}

/** The set shifted by d: { x + d : x in a }. */
export const shift = (a: Intervals, d: number): Interval[] => a.map(([lo, hi]) => [lo + d, hi + d]);

export const size = (a: Intervals): number => a.reduce((n, [lo, hi]) => n + hi - lo, 0);

export function contains(a: Intervals, x: number): boolean {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]![1] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo < a.length && a[lo]![0] <= x;
}

/** Every element, ascending: the spec's set as the per-byte model lists it. */
export function elements(a: Intervals): number[] {
  const out: number[] = [];
  for (const [lo, hi] of a) for (let x = lo; x < hi; x++) out.push(x);
  return out;
}

/** The interval list of a set given by its elements (in any order). */
export const fromElements = (xs: Iterable<number>): Interval[] => normalize([...xs].map((x) => [x, x + 1]));

/** The blocks of size B that a set of offsets touches, as block numbers. */
export const blocksOf = (a: Intervals, B: number): Interval[] =>
  normalize(a.map(([lo, hi]) => [Math.floor(lo / B), Math.floor((hi - 1) / B) + 1]));

/**
 * A run: the positions start <= x < end of a sequence, all of whose values
 * are given by one description (for instance "bound to offset x + delta of
 * snapshot s").
 */
export interface Run {
  readonly start: number;
  readonly end: number;
}

/**
 * Runs covering [0, length) in order, adjacent runs merged where `same`
 * says one description continues the other; the normal form of a sequence.
 */
export function merged<R extends Run>(runs: readonly R[], same: (a: R, b: R) => boolean): R[] {
  const out: R[] = [];
  for (const r of runs) {
    if (r.start === r.end) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.end === r.start && same(last, r)) out[out.length - 1] = { ...last, end: r.end };
    else out.push(r);
  }
  return out;
}

/** The index of the run holding position x (runs cover a range containing x). */
export function runIndex(runs: readonly Run[], x: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (runs[mid]!.start <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The runs over [lo, hi), clipped to it. */
export function piecesOf<R extends Run>(runs: readonly R[], lo: number, hi: number): R[] {
  const out: R[] = [];
  if (lo >= hi) return out;
  for (let i = runIndex(runs, lo); i < runs.length && runs[i]!.start < hi; i++) {
    const r = runs[i]!;
    out.push(r.start >= lo && r.end <= hi ? r : { ...r, start: Math.max(lo, r.start), end: Math.min(hi, r.end) });
  }
  return out;
}

/** The runs with [lo, hi) replaced by `fill` (which covers exactly [lo, hi)), in normal form. */
export function replaced<R extends Run>(
  runs: readonly R[],
  lo: number,
  hi: number,
  fill: readonly R[],
  same: (a: R, b: R) => boolean,
): R[] {
  if (lo >= hi) return [...runs];
  const before = runs.filter((r) => r.start < lo).map((r) => (r.end > lo ? { ...r, end: lo } : r));
  const after = runs.filter((r) => r.end > hi).map((r) => (r.start < hi ? { ...r, start: hi } : r));
  return merged([...before, ...fill, ...after], same);
}
