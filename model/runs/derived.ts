/**
 * The spec's derived values (DeferredIO.tla, "Derived values") over the
 * run-length state, same names. Where the spec defines a value per byte
 * (View, Known, SnapByte) the function here computes it for a range at
 * once: bytes go into a Uint8Array, sets come back as intervals.
 */
import type { Constants } from '../constants.ts';
import { blocksOf, type Interval, normalize, piecesOf } from './intervals.ts';
import { Absent, fileOf, isolated, NewSnap, type RunSnapshot, type RunState, type SrcRun } from './state.ts';

/** Bytes lo..hi-1 of a byte sequence into out at `at`; past its end a file reads as zero (spec: SeqByte). */
export function SeqBytesInto(seq: Uint8Array, lo: number, hi: number, out: Uint8Array, at: number): void {
  const have = Math.max(0, Math.min(hi, seq.length) - lo);
  if (have > 0) out.set(seq.subarray(lo, lo + have), at);
  out.fill(0, at + have, at + hi - lo);
}

/** Block b of a byte sequence (spec: SeqBlock). */
export function SeqBlock(c: Constants, seq: Uint8Array, b: number): Uint8Array {
  const out = new Uint8Array(c.B);
  SeqBytesInto(seq, b * c.B, (b + 1) * c.B, out, 0);
  return out;
}

/** Bytes lo..hi-1 of snapshot s (spec: SnapByte): its private copy, its preserved blocks, else its file now. */
export function SnapBytesInto(
  c: Constants,
  st: RunState,
  s: number,
  lo: number,
  hi: number,
  out: Uint8Array,
  at: number,
): void {
  const e = st.snap.get(s);
  if (e === undefined) {
    out.fill(0, at, at + hi - lo);
    return;
  }
  if (isolated(c, e.file)) {
    SeqBytesInto(e.copy, lo, hi, out, at);
    return;
  }
  const file = fileOf(st, e.file);
  if (e.preserved.size === 0) {
    SeqBytesInto(file, lo, hi, out, at);
    return;
  }
  for (let o = lo; o < hi; ) {
    const b = Math.floor(o / c.B);
    const end = Math.min(hi, (b + 1) * c.B);
    const pres = e.preserved.get(b);
    if (pres !== undefined) out.set(pres.subarray(o - b * c.B, end - b * c.B), at + o - lo);
    else SeqBytesInto(file, o, end, out, at + o - lo);
    o = end;
  }
}

/** The block of snapshot s that copy-before-write saves (spec: SnapBlock). */
export const SnapBlock = (c: Constants, st: RunState, s: number, b: number): Uint8Array => {
  const e = st.snap.get(s)!;
  return SeqBlock(c, isolated(c, e.file) ? e.copy : fileOf(st, e.file), b);
};

/** View(a) for a in [lo, hi), into out at `at`: the frame if resident, else the source's value (spec: View). */
export function ViewInto(c: Constants, st: RunState, lo: number, hi: number, out: Uint8Array, at: number): void {
  for (let a = lo; a < hi; ) {
    const p = Math.floor(a / c.B);
    const end = Math.min(hi, (p + 1) * c.B);
    const fr = st.frame[p]!;
    if (fr !== Absent) {
      out.set(fr.subarray(a - p * c.B, end - p * c.B), at + a - lo);
    } else {
      for (const x of piecesOf(st.src, a, end)) {
        const to = at + x.start - lo;
        if (x.kind === 'Snap') {
          SnapBytesInto(c, st, x.snap, x.start + x.delta, x.end + x.delta, out, to);
        } else if (x.kind === 'Anon' && st.swap[p] !== Absent) {
          out.set(st.swap[p]!.subarray(x.start - p * c.B, x.end - p * c.B), to);
        } else {
          out.fill(0, to, to + x.end - x.start);
        }
      }
    }
    a = end;
  }
}

/** View(a) for a in [lo, hi) (spec: View). */
export function View(c: Constants, st: RunState, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(hi - lo);
  ViewInto(c, st, lo, hi, out, 0);
  return out;
}

/**
 * The addresses in [lo, hi) whose value the engine no longer knows, under
 * any binding, frames and snapshot table (spec: ~KnownUnder): not resident,
 * bound to a snapshot that is stale, not isolated, and has not preserved
 * the offset's block.
 */
export function UnknownUnder(
  c: Constants,
  src: readonly SrcRun[],
  frame: readonly (Uint8Array | null)[],
  snap: ReadonlyMap<number, RunSnapshot>,
  lo: number,
  hi: number,
): Interval[] {
  let anyStale = false;
  for (const e of snap.values()) if (e.stale && !isolated(c, e.file)) anyStale = true;
  if (!anyStale) return [];
  const out: Interval[] = [];
  for (const x of piecesOf(src, lo, hi)) {
    if (x.kind !== 'Snap') continue;
    const e = snap.get(x.snap);
    if (e === undefined || !e.stale || isolated(c, e.file)) continue;
    // Split at page boundaries (residency) and at the blocks of the offsets (preservation).
    for (let a = x.start; a < x.end; ) {
      const p = Math.floor(a / c.B);
      const b = Math.floor((a + x.delta) / c.B);
      const end = Math.min(x.end, (p + 1) * c.B, (b + 1) * c.B - x.delta);
      if (frame[p] === Absent && !e.preserved.has(b)) out.push([a, end]);
      a = end;
    }
  }
  return normalize(out);
}

export const Unknown = (c: Constants, st: RunState, lo: number, hi: number): Interval[] =>
  UnknownUnder(c, st.src, st.frame, st.snap, lo, hi);

/** Mem(a) for a in [lo, hi) into out at `at`: View while known, else the lost value (spec: Mem). */
export function MemInto(c: Constants, st: RunState, lo: number, hi: number, out: Uint8Array, at: number): void {
  ViewInto(c, st, lo, hi, out, at);
  for (const [ul, uh] of Unknown(c, st, lo, hi)) {
    if (st.lost === null) out.fill(0, at + ul - lo, at + uh - lo);
    else out.set(st.lost.subarray(ul, uh), at + ul - lo);
  }
}

/** A page is dirty iff one of its bytes is Anon (spec: Dirty). */
export const Dirty = (c: Constants, src: readonly SrcRun[], p: number): boolean =>
  piecesOf(src, p * c.B, (p + 1) * c.B).some((x) => x.kind === 'Anon');

/** Every snapshot's bound offsets under a binding, found once per (immutable) run list. */
const boundMemo = new WeakMap<readonly SrcRun[], ReadonlyMap<number, Interval[]>>();
export function BoundOffsets(src: readonly SrcRun[]): ReadonlyMap<number, Interval[]> {
  let found = boundMemo.get(src);
  if (found === undefined) {
    const lists = new Map<number, Interval[]>();
    for (const x of src) {
      if (x.kind !== 'Snap') continue;
      if (!lists.has(x.snap)) lists.set(x.snap, []);
      lists.get(x.snap)!.push([x.start + x.delta, x.end + x.delta]);
    }
    found = new Map([...lists].map(([s, l]) => [s, normalize(l)]));
    boundMemo.set(src, found);
  }
  return found;
}

/** Live(s): some byte is bound to snapshot s. */
export const Live = (src: readonly SrcRun[], s: number): boolean => BoundOffsets(src).has(s);

/** Refs(s): the blocks bytes are bound to, as intervals of block numbers. */
export const Refs = (c: Constants, src: readonly SrcRun[], s: number): Interval[] =>
  blocksOf(BoundOffsets(src).get(s) ?? [], c.B);

/** The lowest live, trusted snapshot of f with no block of [bLo, bHi) preserved (for an isolated file: fresh), or null (spec: Reusable). */
export function Reusable(
  c: Constants,
  st: RunState,
  snap: ReadonlyMap<number, RunSnapshot>,
  f: string,
  [bLo, bHi]: Interval,
): number | null {
  for (const [s, e] of snap) {
    if (!Live(st.src, s) || e.file !== f || e.stale || (isolated(c, f) && !e.fresh)) continue;
    if ([...e.preserved.keys()].some((b) => bLo <= b && b < bHi)) continue;
    return s;
  }
  return null;
}

/** Every live, trusted snapshot of f with none of the blocks preserved (for an isolated file: fresh), ascending (spec: Reusable). */
export function ReusableIds(
  c: Constants,
  st: RunState,
  snap: ReadonlyMap<number, RunSnapshot>,
  f: string,
  blocks: readonly Interval[],
): number[] {
  const out: number[] = [];
  for (const [s, e] of snap) {
    if (!Live(st.src, s) || e.file !== f || e.stale || (isolated(c, f) && !e.fresh)) continue;
    if ([...e.preserved.keys()].some((b) => blocks.some(([lo, hi]) => lo <= b && b < hi))) continue;
    out.push(s);
  }
  return out;
}

/** The free ids, ascending (spec: FreeIds). */
export function FreeIds(c: Constants, snap: ReadonlyMap<number, RunSnapshot>): number[] {
  const out: number[] = [];
  for (let s = 1; s <= c.MaxSnap; s++) if (!snap.has(s)) out.push(s);
  return out;
}

/** The lowest reusable snapshot, else the lowest free id (spec: ChosenSnap). */
export function ChosenSnap(
  c: Constants,
  st: RunState,
  snap: ReadonlyMap<number, RunSnapshot>,
  f: string,
  blocks: Interval,
): number {
  const reusable = Reusable(c, st, snap, f, blocks);
  if (reusable !== null) return reusable;
  let s = 1;
  while (snap.has(s)) s++;
  // The spec CHOOSEs from an empty set here, which stops TLC: the ASSUME on MaxSnap rules it out.
  if (s > c.MaxSnap) throw new Error('ChosenSnap: no reusable snapshot and no free id (MaxSnap below the ASSUME)');
  return s;
}

/** A snapshot table with ids in ascending order, as every table of this model is kept. */
export const byId = (entries: Iterable<readonly [number, RunSnapshot]>): Map<number, RunSnapshot> =>
  new Map([...entries].sort((x, y) => x[0] - y[0]));

/** The table once id s is allocated to f, if it was free (spec: WithSnap). */
export const WithSnap = (
  c: Constants,
  snap: ReadonlyMap<number, RunSnapshot>,
  s: number,
  f: string,
  content: Uint8Array,
): ReadonlyMap<number, RunSnapshot> => (snap.has(s) ? snap : byId([...snap, [s, NewSnap(c, f, content)]]));
