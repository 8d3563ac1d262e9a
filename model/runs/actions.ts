/**
 * The spec's actions over the run-length state: the actions of
 * model/actions-over.ts over the spec's operators computed per range, as
 * model/actions.ts computes them per byte.
 */
import { actionsOver, byPair, type FileRun, type Operators } from '../actions-over.ts';
import type { Constants } from '../constants.ts';
import { fileSystemOver } from '../file-system.ts';
import {
  BoundOffsets,
  ChosenSnap,
  Dirty,
  FreeIds,
  MemInto,
  Refs,
  ReusableIds,
  SnapBlock,
  Unknown,
  UnknownUnder,
  View,
  WithSnap,
} from './derived.ts';
import {
  blocksOf,
  contains,
  type Interval,
  type Intervals,
  intersect,
  merged,
  normalize,
  piecesOf,
  replaced,
  subtract,
} from './intervals.ts';
import {
  Absent,
  type BoundRun,
  fileOf,
  initState,
  isolated,
  NoStep,
  type OriginRun,
  type PromisedRun,
  type RunSnapshot,
  type RunState,
  sameOrigin,
  sameSrc,
} from './state.ts';

/** The file offsets of whole blocks a set of offsets touches. */
const blockSpan = (c: Constants, offs: Intervals): Interval[] =>
  blocksOf(offs, c.B).map(([lo, hi]) => [lo * c.B, hi * c.B]);
/** The blocks of offsets [lo, hi), as an interval of block numbers. */
const blockRange = (c: Constants, lo: number, hi: number): Interval => [
  Math.floor(lo / c.B),
  Math.floor((hi - 1) / c.B) + 1,
];

/** Whether an origin fact says its value is (still) in the file: "intact" or "neighbour". */
const InFile = (g: OriginRun): boolean => g.fact === 'intact' || g.fact === 'neighbour';

/** The spec's operators over the run-length state. */
const runs: Operators<RunState, Uint8Array> = {
  Init: initState,
  NoStep,
  Bytes: (data) => Uint8Array.from(data),
  /** Per Persistent file, the offsets below all three lengths where synced, old and now agree. */
  Promised: (c, synced, old, now) =>
    c.Persistent.map((f): PromisedRun => {
      const s = synced.get(f)!;
      const o = old.get(f)!;
      const n = now.get(f)!;
      const end = Math.min(s.length, o.length, n.length);
      // One sequence (nothing written since the fsync) agrees with itself everywhere.
      if (s === o && o === n) return { file: f, offs: end > 0 ? [[0, end]] : [], values: s };
      const offs: Interval[] = [];
      // Where they agree, as maximal intervals: [from, x) is the one being found (-1: none).
      let from = -1;
      for (let x = 0; x < end; x++) {
        const agree = s[x] === o[x] && o[x] === n[x];
        if (agree && from < 0) from = x;
        else if (!agree && from >= 0) {
          offs.push([from, x]);
          from = -1;
        }
      }
      if (from >= 0) offs.push([from, end]);
      return { file: f, offs, values: s };
    }),
  fileOf,
  View,
  Unknown,
  Dirty,

  /** The offsets of a write of segment a.. to f at pos whose bytes are provably in the file already (spec: Provable). */
  Provable(c, st, a, n, f, pos) {
    const inFile: Interval[] = [[0, fileOf(st, f).length]];
    const out: Interval[] = [];
    for (const x of piecesOf(st.src, a, a + n)) {
      if (x.kind !== 'Snap' || x.delta !== pos - a) continue;
      const e = st.snap.get(x.snap);
      if (e === undefined || e.file !== f || e.stale) continue;
      const preserved = normalize([...e.preserved.keys()].map((b) => [b * c.B, (b + 1) * c.B]));
      out.push(...subtract(intersect([[x.start + x.delta, x.end + x.delta]], inFile), preserved));
    }
    return normalize(out);
  },

  /** The offsets of a write of segment a.. to f at pos whose byte's origin says it is what f holds there (spec: Vouched), and those of them only a neighbour fact vouches for. */
  Vouched(st, a, n, f, pos) {
    const all: Interval[] = [];
    const neighbour: Interval[] = [];
    for (const g of piecesOf(st.origin, a, a + n)) {
      if (g.file !== f || g.delta !== pos - a || !InFile(g)) continue;
      all.push([g.start + g.delta, g.end + g.delta]);
      if (g.fact === 'neighbour') neighbour.push([g.start + g.delta, g.end + g.delta]);
    }
    return { all: normalize(all), neighbour: normalize(neighbour) };
  },

  ChosenSnap: (c, st, snap, f, [lo, hi]) => ChosenSnap(c, st, snap, f, blockRange(c, lo, hi)),
  Reusable: (c, st, snap, f, offs) => ReusableIds(c, st, snap, f, blocksOf(offs, c.B)),
  FreeIds,
  WithSnap,

  /** The bytes of lo..hi-1 not Known whose offset is inside their file now (what Refresh re-reads), as runs. */
  Refreshable(c, st, lo, hi) {
    const unknown = Unknown(c, st, lo, hi);
    const out: FileRun[] = [];
    for (const [ul, uh] of unknown) {
      for (const x of piecesOf(st.src, ul, uh)) {
        const file = st.snap.get(x.snap)!.file;
        const end = Math.min(x.end, fileOf(st, file).length - x.delta);
        if (x.start < end) out.push({ start: x.start, end, file, delta: x.delta });
      }
    }
    return mergedRuns(out);
  },

  /** The bytes of lo..hi-1 whose fact is `fact`, page not resident, offset inside the file (spec: Lapsed). */
  Lapsed(c, st, lo, hi, fact) {
    const out: FileRun[] = [];
    for (const g of piecesOf(st.origin, lo, hi)) {
      if (g.fact !== fact) continue;
      const inFile = fileOf(st, g.file).length - g.delta;
      for (let a = g.start; a < Math.min(g.end, inFile); ) {
        const p = Math.floor(a / c.B);
        const end = Math.min(g.end, inFile, (p + 1) * c.B);
        if (st.frame[p] === Absent) out.push({ start: a, end, file: g.file, delta: g.delta });
        a = end;
      }
    }
    return mergedRuns(out);
  },
  RecordedBytes: (runs) => runs,

  /** Minimal copy-before-write: snapshots of f with a byte bound at an offset of offs save that offset's block. */
  CopyBeforeWrite(c, st, f, offs) {
    const bound = BoundOffsets(st.src);
    return new Map(
      [...st.snap].map(([s, e]): [number, RunSnapshot] => {
        if (e.file !== f || e.stale) return [s, e];
        let preserved: Map<number, Uint8Array> | null = null;
        for (const [lo, hi] of blocksOf(intersect(bound.get(s) ?? [], offs), c.B)) {
          for (let b = lo; b < hi; b++) {
            if (e.preserved.has(b)) continue;
            preserved ??= new Map(e.preserved);
            preserved.set(b, SnapBlock(c, st, s, b));
          }
        }
        return [s, preserved === null ? e : { ...e, preserved }];
      }),
    );
  },

  /** Any change to f: its snapshots' private copies stop being fresh. */
  Changed: (snap, f) => new Map([...snap].map(([s, e]) => [s, e.file === f ? { ...e, fresh: false } : e])),

  /** A change behind the engine's back: every snapshot of f is distrusted. */
  Spoiled: (st, f) =>
    new Map([...st.snap].map(([s, e]) => [s, e.file === f ? { ...e, stale: true, fresh: false } : e])),

  /** The ghost facts after a change through the engine writes or cuts offs of f: a value whose offset is written is saved, one whose block is, neighbour. */
  Facts(c, st, f, offs) {
    const changed = blockSpan(c, offs);
    const out: OriginRun[] = [];
    for (const g of st.origin) {
      if (g.file !== f || !InFile(g)) {
        out.push(g);
        continue;
      }
      const own: Interval[] = [[g.start + g.delta, g.end + g.delta]];
      const gone = intersect(own, offs);
      const demoted = subtract(intersect(own, changed), offs);
      const kept = subtract(subtract(own, gone), demoted);
      const pieces: OriginRun[] = [
        ...gone.map(([lo, hi]): OriginRun => ({ ...g, start: lo - g.delta, end: hi - g.delta, fact: 'saved' })),
        ...demoted.map(([lo, hi]): OriginRun => ({ ...g, start: lo - g.delta, end: hi - g.delta, fact: 'neighbour' })),
        ...kept.map(([lo, hi]): OriginRun => ({ ...g, start: lo - g.delta, end: hi - g.delta })),
      ];
      out.push(...pieces.sort((x, y) => x.start - y.start));
    }
    return merged(out, sameOrigin);
  },

  /** After a change behind the engine's back, f's values in the file are saved (isolated), gone or doubtful. */
  Forgotten: (c, st, f) =>
    merged(
      st.origin.map((g): OriginRun => {
        if (g.file !== f || !InFile(g)) return g;
        if (isolated(c, f)) return { ...g, fact: 'saved' };
        return { ...g, fact: g.fact === 'intact' ? 'gone' : 'doubtful' };
      }),
      sameOrigin,
    ),

  /** The <<snapshot, offset>> pairs bound at the offsets a change writes or cuts, judged before it. */
  BoundAt(st, f, offs) {
    const out: BoundRun[] = [];
    for (const [s, list] of [...BoundOffsets(st.src)].sort((x, y) => x[0] - y[0])) {
      if (st.snap.get(s)?.file !== f) continue;
      for (const [lo, hi] of intersect(list, offs)) out.push({ snap: s, lo, hi });
    }
    return out;
  },

  /** seq with the writes written, cut or zero-extended to len (spec: Patched). */
  Patched(seq, writes, len) {
    const out = new Uint8Array(len);
    out.set(seq.subarray(0, Math.min(len, seq.length)));
    // A write past len is a RangeError here: no action writes past the length it patches to.
    for (const { at, bytes } of writes) out.set(bytes, at);
    return out;
  },

  Sources: (src, lo, hi, first) =>
    replaced(
      src,
      lo,
      hi,
      [{ start: lo, end: hi, kind: first.kind, snap: first.snap, delta: first.kind === 'Snap' ? first.off - lo : 0 }],
      sameSrc,
    ),
  Origins: (origin, lo, hi, first) =>
    replaced(
      origin,
      lo,
      hi,
      [{ start: lo, end: hi, file: first.file, delta: first.fact === 'none' ? 0 : first.off - lo, fact: first.fact }],
      sameOrigin,
    ),
  Recorded: (offs) => offs,

  Release(c, src, snap) {
    const bound = BoundOffsets(src);
    const kept: [number, RunSnapshot][] = [];
    for (const [s, e] of snap) {
      if (!bound.has(s)) continue;
      if (e.preserved.size === 0) {
        kept.push([s, e]);
        continue;
      }
      const refs = Refs(c, src, s);
      const preserved = new Map([...e.preserved].filter(([b]) => contains(refs, b)));
      kept.push([s, preserved.size === e.preserved.size ? e : { ...e, preserved }]);
    }
    return new Map(kept);
  },
  SwapKept: (c, src, swap) => swap.map((sw, p) => (sw !== Absent && !Dirty(c, src, p) ? Absent : sw)),
  Lost(c, st, src, frame, snap) {
    const na = c.P * c.B;
    const unknown = UnknownUnder(c, src, frame, snap, 0, na);
    if (unknown.length === 0) return null;
    const lost = new Uint8Array(na);
    for (const [lo, hi] of unknown) MemInto(c, st, lo, hi, lost, lo);
    return lost;
  },
  Preserved(_c, before, after) {
    const pairs: Interval[] = [];
    for (const [s, e] of after) {
      const was = before.get(s);
      for (const b of e.preserved.keys()) if (was?.preserved.has(b) !== true) pairs.push([s, b]);
    }
    return pairs.sort(byPair);
  },
};

/** Runs in address order with touching runs of one file and delta merged. */
function mergedRuns(runs: readonly FileRun[]): FileRun[] {
  const out: FileRun[] = [];
  for (const r of runs) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === r.start && last.file === r.file && last.delta === r.delta)
      out[out.length - 1] = { ...last, end: r.end };
    else out.push(r);
  }
  return out;
}

/** The spec's actions over the run-length state. */
export const actions = actionsOver(runs);

/** The file system's operators over the run-length model's byte sequences. */
export const fileSystem = fileSystemOver(runs);
