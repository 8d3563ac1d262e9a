/**
 * The spec's invariants as predicates over a state (DeferredIO.tla,
 * "Invariants"), same names, same order as the configs list them. What the
 * program sees (the refinement of Conventional) is model/refinement.ts.
 */
import { Addrs, BlockOf, Blocks, type Constants, PageAddrs, PageOf, Pages, SnapIds } from './constants.ts';
import { Dirty, Known, KnownUnder, Live, Refs, SrcVal } from './derived.ts';
import { Absent, type Bytes, FreeSnap, type MaybeBytes, type State, snapOf } from './state.ts';

const isBytes = (c: Constants, s: Bytes | undefined, n: number) =>
  s !== undefined && s.length === n && s.every((v) => c.Vals.includes(v));
const isSlot = (c: Constants, s: MaybeBytes | undefined) => s === Absent || isBytes(c, s, c.B);
const isOff = (c: Constants, o: number) => Number.isInteger(o) && o >= 0 && o <= c.MaxLen - 1;
const isIn = (xs: readonly number[], lo: number, hi: number) =>
  xs.every((x) => Number.isInteger(x) && x >= lo && x <= hi);

export const TypeOK = (c: Constants, st: State): boolean =>
  Addrs(c).every((a) => {
    const x = st.src[a]!;
    return x.kind === 'Snap'
      ? SnapIds(c).includes(x.snap) && isOff(c, x.off)
      : x.snap === 0 && x.off === 0 && (x.kind === 'Zero' || x.kind === 'Anon');
  }) &&
  Pages(c).every((p) => isSlot(c, st.frame[p]) && isSlot(c, st.swap[p])) &&
  SnapIds(c).every((s) => {
    const e = snapOf(st.snap, s);
    return (
      (c.Files.includes(e.file) || e.file === c.NoFile) &&
      Blocks(c).every((b) => isSlot(c, e.preserved[b])) &&
      e.copy.length <= c.MaxLen &&
      isBytes(c, e.copy, e.copy.length)
    );
  }) &&
  c.Files.every((f) => {
    const fl = st.file.get(f);
    return fl !== undefined && fl.length <= c.MaxLen && isBytes(c, fl, fl.length);
  }) &&
  Addrs(c).every((a) => {
    const g = st.origin[a]!;
    return (
      (g.file === c.NoFile && g.off === 0 && g.fact === 'none') ||
      (c.Files.includes(g.file) && isOff(c, g.off) && (g.fact === 'intact' || g.fact === 'neighbour'))
    );
  }) &&
  Addrs(c).every((a) => c.Vals.includes(st.lost[a]!)) &&
  isBytes(c, st.last.out, st.last.out.length) &&
  [st.last.wrote, st.last.needed, st.last.excused].every((xs) => isIn(xs, 0, c.MaxLen - 1)) &&
  st.last.bound.every(([s, o]) => SnapIds(c).includes(s) && isOff(c, o)) &&
  st.last.preserved.every(([s, b]) => SnapIds(c).includes(s) && Blocks(c).includes(b)) &&
  Number.isInteger(st.steps) &&
  st.steps >= 0 &&
  st.steps <= c.MaxSteps;

const noFrames = (c: Constants) => Pages(c).map(() => Absent);

export const FrameCoherent = (c: Constants, st: State): boolean =>
  Pages(c).every((p) => {
    const fr = st.frame[p]!;
    return (
      fr === Absent ||
      PageAddrs(c, p).every(
        (a) =>
          st.src[a]!.kind === 'Anon' ||
          !KnownUnder(c, st.src, noFrames(c), st.snap, a) ||
          fr[a % c.B] === SrcVal(c, st, st.src[a]!),
      )
    );
  });

export const AnonBacked = (c: Constants, st: State): boolean =>
  Addrs(c).every(
    (a) => st.src[a]!.kind !== 'Anon' || st.frame[PageOf(c, a)] !== Absent || st.swap[PageOf(c, a)] !== Absent,
  );

export const SwapOnlyDirty = (c: Constants, st: State): boolean =>
  Pages(c).every((p) => st.swap[p] === Absent || (st.frame[p] === Absent && Dirty(c, st.src, p)));

export const NoDangling = (c: Constants, st: State): boolean =>
  Addrs(c).every((a) => st.src[a]!.kind !== 'Snap' || snapOf(st.snap, st.src[a]!.snap).file !== c.NoFile);

const sameSnapshot = (x: State['snap'][number], y: State['snap'][number]) => JSON.stringify(x) === JSON.stringify(y);

export const NoLeak = (c: Constants, st: State): boolean =>
  SnapIds(c).every((s) => {
    const e = snapOf(st.snap, s);
    const refs = Refs(c, st.src, s);
    return (
      (e.file === c.NoFile || Live(c, st.src, s)) &&
      (e.file !== c.NoFile || sameSnapshot(e, FreeSnap(c))) &&
      Blocks(c).every((b) => e.preserved[b] === Absent || refs.has(b))
    );
  });

const subset = (xs: readonly number[], ys: ReadonlySet<number>) => xs.every((x) => ys.has(x));

export const Lazy = (c: Constants, st: State): boolean => {
  const r = st.last;
  if ((r.op === 'read' || r.op === 'zero' || r.op === 'copyOut') && r.fault) return false;
  if (r.op === 'write' && r.err === 'none') {
    if (!subset(r.needed, new Set(r.wrote))) return false;
    if (!subset(r.wrote, new Set([...r.needed, ...r.excused]))) return false;
  }
  return r.preserved.every(([s, b]) => r.bound.some(([t, o]) => t === s && BlockOf(c, o) === b));
};

export const RefusalJustified = (c: Constants, st: State): boolean => {
  const r = st.last;
  if (r.err !== 'FileChangedError') return true;
  if (r.op === 'load' || r.op === 'store' || r.op === 'bytes')
    return PageAddrs(c, PageOf(c, r.addr)).some((a) => !Known(c, st, a));
  return (
    (r.op === 'write' || r.op === 'copyOut') &&
    Array.from({ length: r.len }, (_, i) => r.addr + i).some((a) => !Known(c, st, a))
  );
};

/** Every invariant by name, in the order the configs list them. */
export const invariants = {
  TypeOK,
  NoDangling,
  AnonBacked,
  SwapOnlyDirty,
  FrameCoherent,
  NoLeak,
  Lazy,
  RefusalJustified,
} as const;

export type InvariantName = keyof typeof invariants;

/** The names of the invariants st violates (empty when it satisfies all). */
export function violated(c: Constants, st: State, names: readonly string[] = Object.keys(invariants)): string[] {
  return names.filter((name) => {
    const inv = (invariants as Record<string, (c: Constants, st: State) => boolean>)[name];
    if (inv === undefined) throw new Error(`unknown invariant ${name}`);
    return !inv(c, st);
  });
}
