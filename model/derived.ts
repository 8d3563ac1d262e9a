/**
 * The spec's derived values (DeferredIO.tla, "Derived values"), one function
 * each, same names.
 */
import { Addrs, BlockOf, type Constants, PageAddrs, PageOf, range, SnapIds } from './constants.ts';
import {
  Absent,
  type Bytes,
  type MaybeBytes,
  NewSnap,
  type Snapshot,
  type Source,
  type State,
  snapOf,
} from './state.ts';

/** Byte o of a byte sequence; past its end a file reads as zero. */
export const SeqByte = (s: Bytes, o: number): number => (o < s.length ? s[o]! : 0);

export const SeqBlock = (c: Constants, s: Bytes, b: number): Bytes =>
  range(1, c.B).map((i) => SeqByte(s, b * c.B + i - 1));

export function fileOf(st: State, f: string): Bytes {
  const bytes = st.file.get(f);
  if (bytes === undefined) throw new Error(`no file ${f}`);
  return bytes;
}

export const FileByte = (st: State, f: string, o: number): number => SeqByte(fileOf(st, f), o);

function preservedAt(c: Constants, e: Snapshot, o: number): MaybeBytes {
  const pres = e.preserved[BlockOf(c, o)];
  if (pres === undefined) throw new Error(`offset ${o} is outside the blocks of the model`);
  return pres;
}

/** Byte o of snapshot s: an isolated snapshot's copy; else its preserved block if any; else the file's current byte. */
export function SnapByte(c: Constants, st: State, s: number, o: number): number {
  const e = snapOf(st.snap, s);
  if (e.file === c.NoFile) return 0;
  if (c.Isolated.includes(e.file)) return SeqByte(e.copy, o);
  const pres = preservedAt(c, e, o);
  if (pres !== Absent) return pres[o % c.B]!;
  return FileByte(st, e.file, o);
}

/** The block copy-before-write saves for snapshot s: the file's bytes now, or an isolated snapshot's copy's. */
export const SnapBlock = (c: Constants, st: State, s: number, b: number): Bytes => {
  const e = snapOf(st.snap, s);
  return SeqBlock(c, c.Isolated.includes(e.file) ? e.copy : fileOf(st, e.file), b);
};

/** The value a non-Anon source stands for. */
export const SrcVal = (c: Constants, st: State, x: Source): number =>
  x.kind === 'Snap' ? SnapByte(c, st, x.snap, x.off) : 0;

/** Whether the engine still knows byte a's value, under any binding, frames and snapshot table. */
export function KnownUnder(
  c: Constants,
  src: readonly Source[],
  frame: readonly MaybeBytes[],
  snap: readonly Snapshot[],
  a: number,
): boolean {
  if (frame[PageOf(c, a)] !== Absent) return true;
  const x = src[a]!;
  if (x.kind !== 'Snap') return true;
  const e = snapOf(snap, x.snap);
  return c.Isolated.includes(e.file) || !e.stale || preservedAt(c, e, x.off) !== Absent;
}

export const Known = (c: Constants, st: State, a: number): boolean => KnownUnder(c, st.src, st.frame, st.snap, a);

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

/** The program's memory: View while known, else the value the byte held when it was lost. */
export const Mem = (c: Constants, st: State, a: number): number => (Known(c, st, a) ? View(c, st, a) : st.lost[a]!);

export const Dirty = (c: Constants, src: readonly Source[], p: number): boolean =>
  PageAddrs(c, p).some((a) => src[a]!.kind === 'Anon');

/**
 * Every snapshot's referenced blocks and bound offsets under a source map,
 * found in one pass and memoised per (immutable) source array: Live, Refs
 * and Bound are asked for every id on every step.
 */
interface Bindings {
  readonly blocks: ReadonlyMap<number, ReadonlySet<number>>;
  readonly offsets: ReadonlyMap<number, ReadonlySet<number>>;
}
const bindingsMemo = new WeakMap<readonly Source[], Bindings>();
function bindingsOf(c: Constants, src: readonly Source[]): Bindings {
  let found = bindingsMemo.get(src);
  if (found === undefined) {
    const blocks = new Map<number, Set<number>>();
    const offsets = new Map<number, Set<number>>();
    for (const a of Addrs(c)) {
      const x = src[a]!;
      if (x.kind !== 'Snap') continue;
      if (!blocks.has(x.snap)) {
        blocks.set(x.snap, new Set());
        offsets.set(x.snap, new Set());
      }
      blocks.get(x.snap)!.add(BlockOf(c, x.off));
      offsets.get(x.snap)!.add(x.off);
    }
    found = { blocks, offsets };
    bindingsMemo.set(src, found);
  }
  return found;
}

const none: ReadonlySet<number> = new Set();

/** Live(s): some byte is bound to snapshot s. */
export const Live = (c: Constants, src: readonly Source[], s: number): boolean => bindingsOf(c, src).blocks.has(s);

/** Refs(s): the blocks of s's file that bytes are bound to. */
export const Refs = (c: Constants, src: readonly Source[], s: number): ReadonlySet<number> =>
  bindingsOf(c, src).blocks.get(s) ?? none;

/** Bound(s, o): some byte is bound to offset o of s itself. */
export const Bound = (c: Constants, st: State, s: number, o: number): boolean =>
  (bindingsOf(c, st.src).offsets.get(s) ?? none).has(o);

/** Live, trusted snapshots of f that may serve a new binding of the blocks (for an isolated file: fresh ones). */
export const Reusable = (
  c: Constants,
  st: State,
  snap: readonly Snapshot[],
  f: string,
  blocks: Iterable<number>,
): number[] => {
  const bs = [...blocks];
  return SnapIds(c).filter((s) => {
    const e = snapOf(snap, s);
    return (
      Live(c, st.src, s) &&
      e.file === f &&
      !e.stale &&
      (!c.Isolated.includes(f) || e.fresh) &&
      bs.every((b) => e.preserved[b] === Absent)
    );
  });
};

export const FreeIds = (c: Constants, snap: readonly Snapshot[]): number[] =>
  SnapIds(c).filter((s) => snapOf(snap, s).file === c.NoFile);

/** The lowest reusable snapshot, else the lowest free id (ids are listed in ascending order). */
export function ChosenSnap(
  c: Constants,
  st: State,
  snap: readonly Snapshot[],
  f: string,
  blocks: Iterable<number>,
): number {
  const reusable = Reusable(c, st, snap, f, blocks);
  const chosen = reusable.length > 0 ? reusable[0] : FreeIds(c, snap)[0];
  // The spec CHOOSEs from an empty set here, which stops TLC: the ASSUME on MaxSnap rules it out.
  if (chosen === undefined)
    throw new Error('ChosenSnap: no reusable snapshot and no free id (MaxSnap below the ASSUME)');
  return chosen;
}

/** The snapshot table once the chosen id is allocated, if it was free (an isolated one copies `content`). */
export const WithSnap = (c: Constants, snap: readonly Snapshot[], s: number, f: string, content: Bytes): Snapshot[] =>
  snap.map((e, i) => (i === s - 1 && e.file === c.NoFile ? NewSnap(c, f, content) : e));
