/**
 * The spec's derived values (DeferredIO.tla, "Derived values"), one function
 * each, same names.
 */
import { Addrs, BlockOf, PageAddrs, PageOf, SnapIds, range, type Constants } from './constants.ts';
import { Absent, NewSnap, snapOf, type Bytes, type Snapshot, type Source, type State } from './state.ts';

/** Byte o of a byte sequence; past its end a file reads as zero. */
export const SeqByte = (s: Bytes, o: number): number => (o < s.length ? s[o]! : 0);

export function fileOf(st: State, f: string): Bytes {
  const bytes = st.file.get(f);
  if (bytes === undefined) throw new Error(`no file ${f}`);
  return bytes;
}

export const FileByte = (st: State, f: string, o: number): number => SeqByte(fileOf(st, f), o);

export const BlockBytes = (c: Constants, st: State, f: string, b: number): Bytes =>
  range(1, c.B).map((i) => FileByte(st, f, b * c.B + i - 1));

/** Byte o of snapshot s: its preserved copy of the block if any, else the file's current byte. */
export function SnapByte(c: Constants, st: State, s: number, o: number): number {
  const entry = snapOf(st.snap, s);
  if (entry.file === c.NoFile) return 0;
  const pres = entry.preserved[BlockOf(c, o)];
  if (pres === undefined) throw new Error(`offset ${o} is outside the blocks of the model`);
  if (pres !== Absent) return pres[o % c.B]!;
  return FileByte(st, entry.file, o);
}

/** The value a non-Anon source stands for. */
export const SrcVal = (c: Constants, st: State, x: Source): number =>
  x.kind === 'Snap' ? SnapByte(c, st, x.snap, x.off) : 0;

/** What a load of address a returns. */
export function View(c: Constants, st: State, a: number): number {
  const p = PageOf(c, a);
  const fr = st.frame[p]!;
  if (fr !== Absent) return fr[a % c.B]!;
  if (st.src[a]!.kind === 'Anon') {
    const sw = st.swap[p]!;
    return sw !== Absent ? sw[a % c.B]! : 0;
  }
  return SrcVal(c, st, st.src[a]!);
}

export const PageView = (c: Constants, st: State, p: number): Bytes =>
  range(1, c.B).map((i) => View(c, st, p * c.B + i - 1));

export const Dirty = (c: Constants, src: readonly Source[], p: number): boolean =>
  PageAddrs(c, p).some((a) => src[a]!.kind === 'Anon');

/**
 * Every snapshot's referenced blocks under a source map, found in one pass
 * and memoised per (immutable) source array: Live and Refs are asked for
 * every id on every step, which at realistic sizes is the model's hot spot.
 */
const refsMemo = new WeakMap<readonly Source[], ReadonlyMap<number, ReadonlySet<number>>>();
function snapRefs(c: Constants, src: readonly Source[]): ReadonlyMap<number, ReadonlySet<number>> {
  let refs = refsMemo.get(src);
  if (refs === undefined) {
    const found = new Map<number, Set<number>>();
    for (const a of Addrs(c)) {
      const x = src[a]!;
      if (x.kind !== 'Snap') continue;
      let blocks = found.get(x.snap);
      if (blocks === undefined) found.set(x.snap, (blocks = new Set()));
      blocks.add(BlockOf(c, x.off));
    }
    refs = found;
    refsMemo.set(src, refs);
  }
  return refs;
}

const noBlocks: ReadonlySet<number> = new Set();

/** Live(s): some byte is bound to snapshot s. */
export const Live = (c: Constants, src: readonly Source[], s: number): boolean => snapRefs(c, src).has(s);

/** Refs(s): the blocks of s's file that bytes are bound to. */
export const Refs = (c: Constants, src: readonly Source[], s: number): ReadonlySet<number> =>
  snapRefs(c, src).get(s) ?? noBlocks;

/** Live snapshots of f under the current binding with no block of the range preserved in table snap. */
export const Reusable = (c: Constants, st: State, snap: readonly Snapshot[], f: string, blocks: Iterable<number>): number[] => {
  const bs = [...blocks];
  return SnapIds(c).filter((s) => {
    const e = snapOf(snap, s);
    return Live(c, st.src, s) && e.file === f && bs.every((b) => e.preserved[b] === Absent);
  });
};

export const FreeIds = (c: Constants, snap: readonly Snapshot[]): number[] =>
  SnapIds(c).filter((s) => snapOf(snap, s).file === c.NoFile);

export const CanBind = (c: Constants, st: State, snap: readonly Snapshot[], f: string, blocks: Iterable<number>): boolean =>
  Reusable(c, st, snap, f, blocks).length > 0 || FreeIds(c, snap).length > 0;

/** The lowest reusable snapshot, else the lowest free id (ids are listed in ascending order). */
export function ChosenSnap(c: Constants, st: State, snap: readonly Snapshot[], f: string, blocks: Iterable<number>): number {
  const reusable = Reusable(c, st, snap, f, blocks);
  const chosen = reusable.length > 0 ? reusable[0] : FreeIds(c, snap)[0];
  if (chosen === undefined) throw new Error('ChosenSnap: no reusable snapshot and no free id (guard with CanBind)');
  return chosen;
}

/** The snapshot table once the chosen id is allocated, if it was free. */
export const WithSnap = (c: Constants, snap: readonly Snapshot[], s: number, f: string): Snapshot[] =>
  snap.map((e, i) => (i === s - 1 && e.file === c.NoFile ? NewSnap(c, f) : e));
