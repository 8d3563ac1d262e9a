/**
 * The spec's invariants as predicates over a state (DeferredIO.tla,
 * "Invariants"), same names, same order as the configs list them.
 */
import { Addrs, Blocks, PageAddrs, PageOf, Pages, SnapIds, type Constants } from './constants.ts';
import { Dirty, Live, Refs, SrcVal, View } from './derived.ts';
import { Absent, snapOf, type Bytes, type MaybeBytes, type State } from './state.ts';

const isBytes = (c: Constants, s: Bytes, n: number) => s.length === n && s.every((v) => c.Vals.includes(v));
const isSlot = (c: Constants, s: MaybeBytes | undefined) => s === Absent || (s !== undefined && isBytes(c, s, c.B));
const sameBytes = (x: Bytes | undefined, y: Bytes | undefined) =>
  x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => v === y[i]);

export const TypeOK = (c: Constants, st: State): boolean =>
  Addrs(c).every((a) => {
    const x = st.src[a]!;
    return x.kind === 'Snap'
      ? SnapIds(c).includes(x.snap) && Number.isInteger(x.off) && x.off >= 0 && x.off <= c.MaxLen - 1
      : x.snap === 0 && x.off === 0 && (x.kind === 'Zero' || x.kind === 'Anon');
  })
  && Pages(c).every((p) => isSlot(c, st.frame[p]) && isSlot(c, st.swap[p]))
  && SnapIds(c).every((s) => {
    const e = snapOf(st.snap, s);
    return (c.Files.includes(e.file) || e.file === c.NoFile) && Blocks(c).every((b) => isSlot(c, e.preserved[b]));
  })
  && c.Files.every((f) => {
    const fl = st.file.get(f);
    const cf = st.cfile.get(f);
    return fl !== undefined && cf !== undefined && fl.length <= c.MaxLen && isBytes(c, fl, fl.length)
      && cf.length <= c.MaxLen && isBytes(c, cf, cf.length);
  })
  && Addrs(c).every((m) => c.Vals.includes(st.mem[m]!))
  && Number.isInteger(st.steps) && st.steps >= 0 && st.steps <= c.MaxSteps;

export const Equivalence = (c: Constants, st: State): boolean =>
  Addrs(c).every((a) => View(c, st, a) === st.mem[a])
  && c.Files.every((f) => sameBytes(st.file.get(f), st.cfile.get(f)));

export const FrameCoherent = (c: Constants, st: State): boolean =>
  Pages(c).every((p) => {
    const fr = st.frame[p]!;
    return fr === Absent || PageAddrs(c, p).every((a) =>
      st.src[a]!.kind === 'Anon' || fr[a % c.B] === SrcVal(c, st, st.src[a]!));
  });

export const AnonBacked = (c: Constants, st: State): boolean =>
  Addrs(c).every((a) => st.src[a]!.kind !== 'Anon'
    || st.frame[PageOf(c, a)] !== Absent || st.swap[PageOf(c, a)] !== Absent);

export const SwapOnlyDirty = (c: Constants, st: State): boolean =>
  Pages(c).every((p) => st.swap[p] === Absent || (st.frame[p] === Absent && Dirty(c, st.src, p)));

export const NoDangling = (c: Constants, st: State): boolean =>
  Addrs(c).every((a) => st.src[a]!.kind !== 'Snap' || snapOf(st.snap, st.src[a]!.snap).file !== c.NoFile);

export const NoLeak = (c: Constants, st: State): boolean =>
  SnapIds(c).every((s) => {
    const e = snapOf(st.snap, s);
    const refs = Refs(c, st.src, s);
    return (e.file === c.NoFile || Live(c, st.src, s))
      && Blocks(c).every((b) => e.preserved[b] === Absent || (e.file !== c.NoFile && refs.has(b)));
  });

export const Lazy = (_c: Constants, st: State): boolean =>
  (!(st.last.op === 'read' || st.last.op === 'zero') || !st.last.fault)
  && (st.last.op !== 'write'
    || (st.last.written === st.last.needed && st.last.written + st.last.skipped === st.last.len));

/** Every invariant by name, in the order the configs list them. */
export const invariants = {
  TypeOK, NoDangling, AnonBacked, SwapOnlyDirty, FrameCoherent, NoLeak, Equivalence, Lazy,
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
