/**
 * The spec's actions over the per-byte State: the actions of
 * model/actions-over.ts over the spec's operators as DeferredIO.tla states
 * them, byte by byte. A set the actions hand over or take back as intervals
 * is listed element by element here.
 */
import { actionsOver, byPair, type FileRun, type Operators, triplesOf } from './actions-over.ts';
import { BlockOf, Blocks, type Constants, PageOf, Pages, range, SnapIds } from './constants.ts';
import {
  Bound,
  ChosenSnap,
  Dirty,
  FreeIds,
  fileOf,
  Known,
  KnownUnder,
  Live,
  Mem,
  Refs,
  Reusable,
  SeqByte,
  SnapBlock,
  View,
  WithSnap,
} from './derived.ts';
import { fileSystemOver } from './file-system.ts';
import { elements, fromElements, type Intervals } from './runs/intervals.ts';
import {
  Absent,
  type Bytes as ByteSeq,
  FreeSnap,
  initState,
  NoStep,
  type Origin,
  SnapSrc,
  type State,
  snapOf,
} from './state.ts';

/** Byte i of a write of segment a.. to f at pos is provably in the file already (spec: Provable). */
function Provable(c: Constants, st: State, a: number, f: string, pos: number, i: number): boolean {
  const x = st.src[a + i]!;
  if (x.kind !== 'Snap' || x.off !== pos + i) return false;
  const e = snapOf(st.snap, x.snap);
  return e.file === f && !e.stale && pos + i < fileOf(st, f).length && e.preserved[BlockOf(c, pos + i)] === Absent;
}

/** Whether byte a's origin says it is what f holds at offset o (spec: Vouched). */
function Vouched(st: State, a: number, f: string, o: number): boolean {
  const g = st.origin[a]!;
  return g.file === f && g.off === o && (g.fact === 'intact' || g.fact === 'neighbour');
}

/** Whether an origin fact says its value is (still) in the file: "intact" or "neighbour". */
const InFile = (g: Origin): boolean => g.fact === 'intact' || g.fact === 'neighbour';

/** The offsets pos + i, for i in 0..n-1 where holds(i). */
const offsetsWhere = (n: number, pos: number, holds: (i: number) => boolean): Intervals =>
  fromElements(
    range(0, n - 1)
      .filter(holds)
      .map((i) => pos + i),
  );

/** The spec's operators over the per-byte State. */
const perByte: Operators<State, ByteSeq> = {
  Init: initState,
  NoStep,
  Bytes: (data) => Array.from(data),
  Promised(c, synced, old, now) {
    const out: [string, number, number][] = [];
    for (const f of c.Persistent) {
      const s = synced.get(f)!;
      const o = old.get(f)!;
      const n = now.get(f)!;
      for (let x = 0; x < Math.min(s.length, o.length, n.length); x++)
        if (s[x] === o[x] && o[x] === n[x]) out.push([f, x, s[x]!]);
    }
    return out;
  },
  fileOf,
  View: (c, st, lo, hi) => range(lo, hi - 1).map((a) => View(c, st, a)),
  Unknown: (c, st, lo, hi) => fromElements(range(lo, hi - 1).filter((a) => !Known(c, st, a))),
  Dirty,
  Provable: (c, st, a, n, f, pos) => offsetsWhere(n, pos, (i) => Provable(c, st, a, f, pos, i)),
  Vouched: (st, a, n, f, pos) => ({
    all: offsetsWhere(n, pos, (i) => Vouched(st, a + i, f, pos + i)),
    neighbour: offsetsWhere(n, pos, (i) => Vouched(st, a + i, f, pos + i) && st.origin[a + i]!.fact === 'neighbour'),
  }),
  ChosenSnap: (c, st, snap, f, [lo, hi]) =>
    ChosenSnap(
      c,
      st,
      snap,
      f,
      range(lo, hi - 1).map((o) => BlockOf(c, o)),
    ),
  Reusable: (c, st, snap, f, offs) =>
    Reusable(
      c,
      st,
      snap,
      f,
      elements(offs).map((o) => BlockOf(c, o)),
    ),
  FreeIds,
  WithSnap,

  /** The bytes of lo..hi-1 not Known whose offset is inside their file now (what Refresh re-reads), one by one. */
  Refreshable: (c, st, lo, hi) =>
    range(lo, hi - 1).flatMap((a): FileRun[] => {
      if (Known(c, st, a)) return [];
      const x = st.src[a]!;
      const f = snapOf(st.snap, x.snap).file;
      return x.off < fileOf(st, f).length ? [{ start: a, end: a + 1, file: f, delta: x.off - a }] : [];
    }),

  /** The bytes of lo..hi-1 whose fact is `fact`, page not resident, offset inside the file (spec: Lapsed). */
  Lapsed: (c, st, lo, hi, fact) =>
    range(lo, hi - 1).flatMap((a): [number, string, number][] => {
      const g = st.origin[a]!;
      return g.fact === fact && st.frame[PageOf(c, a)] === Absent && g.off < fileOf(st, g.file).length
        ? [[a, g.file, g.off]]
        : [];
    }),
  RecordedBytes: triplesOf,

  /** Minimal copy-before-write: snapshots of f with a byte bound at a written or cut offset save its block. */
  CopyBeforeWrite(c, st, f, offs) {
    const cw = elements(offs);
    return SnapIds(c).map((s) => {
      const e = snapOf(st.snap, s);
      if (e.file !== f || e.stale) return e;
      return {
        ...e,
        preserved: Blocks(c).map((b) =>
          e.preserved[b] === Absent && cw.some((o) => BlockOf(c, o) === b && Bound(c, st, s, o))
            ? SnapBlock(c, st, s, b)
            : e.preserved[b]!,
        ),
      };
    });
  },

  /** Any change to f: its snapshots' private copies stop being fresh. */
  Changed: (snap, f) => snap.map((e) => (e.file === f ? { ...e, fresh: false } : e)),

  /** A change behind the engine's back: every snapshot of f is distrusted. */
  Spoiled: (st, f) => st.snap.map((e) => (e.file === f ? { ...e, stale: true, fresh: false } : e)),

  /** The ghost facts after a change through the engine writes or cuts offs of f: a value whose offset is written is saved, one whose block is, neighbour. */
  Facts(c, st, f, offs) {
    const written = new Set(elements(offs));
    const blocks = new Set([...written].map((o) => BlockOf(c, o)));
    return st.origin.map((g) => {
      if (g.file !== f || !InFile(g)) return g;
      if (written.has(g.off)) return { ...g, fact: 'saved' };
      if (blocks.has(BlockOf(c, g.off))) return { ...g, fact: 'neighbour' };
      return g;
    });
  },

  /** After a change behind the engine's back, f's values in the file are saved (isolated), gone or doubtful. */
  Forgotten: (c, st, f) =>
    st.origin.map((g): Origin => {
      if (g.file !== f || !InFile(g)) return g;
      if (c.Isolated.includes(f)) return { ...g, fact: 'saved' };
      return { ...g, fact: g.fact === 'intact' ? 'gone' : 'doubtful' };
    }),

  /** The <<snapshot, offset>> pairs bound at the offsets a change writes or cuts, judged before it. */
  BoundAt(st, f, offs) {
    const at = new Set(elements(offs));
    const pairs = new Map<string, [number, number]>();
    for (const x of st.src) {
      if (x.kind === 'Snap' && at.has(x.off) && snapOf(st.snap, x.snap).file === f)
        pairs.set(`${x.snap},${x.off}`, [x.snap, x.off]);
    }
    return [...pairs.values()].sort(byPair);
  },

  /** seq with the writes written, cut or zero-extended to len (spec: Patched). */
  Patched(seq, writes, len) {
    const out = range(0, len - 1).map((o) => SeqByte(seq, o));
    for (const { at, bytes } of writes) {
      if (at + bytes.length > len) throw new RangeError(`Patched: a write at ${at} past the length ${len}`);
      for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i]!;
    }
    return out;
  },

  Sources: (src, lo, hi, first) =>
    src.map((x, a) =>
      lo <= a && a < hi ? (first.kind === 'Snap' ? SnapSrc(first.snap, first.off + a - lo) : first) : x,
    ),
  Origins: (origin, lo, hi, first) =>
    origin.map((g, a) =>
      lo <= a && a < hi ? (first.fact === 'none' ? first : { ...first, off: first.off + a - lo }) : g,
    ),
  Recorded: elements,

  Release: (c, src, snap) =>
    SnapIds(c).map((s) => {
      if (!Live(c, src, s)) return FreeSnap(c);
      const e = snapOf(snap, s);
      const refs = Refs(c, src, s);
      return { ...e, preserved: Blocks(c).map((b) => (refs.has(b) ? e.preserved[b]! : Absent)) };
    }),
  SwapKept: (c, src, swap) => Pages(c).map((p) => (Dirty(c, src, p) ? swap[p]! : Absent)),
  Lost: (c, st, src, frame, snap) => st.lost.map((_, a) => (KnownUnder(c, src, frame, snap, a) ? 0 : Mem(c, st, a))),
  Preserved(c, before, after) {
    const pairs: [number, number][] = [];
    for (const s of SnapIds(c)) {
      for (const b of Blocks(c)) {
        if (snapOf(after, s).preserved[b] !== Absent && snapOf(before, s).preserved[b] === Absent) pairs.push([s, b]);
      }
    }
    return pairs;
  },
};

/** The file system's operators over the per-byte model's byte sequences. */
export const fileSystem = fileSystemOver(perByte);

export const {
  Read,
  Load,
  Bytes,
  CopyOut,
  Prefetch,
  Store,
  Write,
  Zero,
  Refresh,
  FileWrite,
  FileTruncate,
  OutsideWrite,
  OutsideTruncate,
  OutsideMetadata,
  Evict,
  FileSync,
  Keeps,
  NearestKeep,
  Crash,
  Recover,
} = actionsOver(perByte);
