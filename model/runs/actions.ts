/**
 * The spec's actions (DeferredIO.tla, from "File changes" to Evict) over
 * the run-length state: one function each, same names, same enabling
 * conditions, same step record, as model/actions.ts -- each says per range
 * what model/actions.ts says per byte. null where the spec's action is not
 * enabled. What does not depend on the representation (Refuse, and the
 * helpers that replace an element or a file) is model/actions.ts's own.
 */
import { byPair, Refuse, setAt, withFile } from '../actions.ts';
import type { Constants } from '../constants.ts';
import type { Bytes as ByteSeq } from '../schema.ts';
import {
  BoundOffsets,
  ChosenSnap,
  Dirty,
  Fillable,
  MemInto,
  PageView,
  Refs,
  SeqBytesInto,
  SnapBlock,
  Unknown,
  UnknownUnder,
  View,
  ViewInto,
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
  shift,
  size,
  subtract,
} from './intervals.ts';
import {
  Absent,
  AnonRun,
  type BoundRun,
  fileOf,
  NoOriginRun,
  NoStep,
  type OriginRun,
  OriginRunAt,
  type RunSnapshot,
  type RunState,
  type RunStepRecord,
  SnapRun,
  type SrcRun,
  sameOrigin,
  sameSrc,
  ZeroRun,
} from './state.ts';

type Slots = readonly (Uint8Array | null)[];
type SnapTable = ReadonlyMap<number, RunSnapshot>;

/** The file offsets of whole blocks a set of offsets touches. */
const blockSpan = (c: Constants, offs: Intervals): Interval[] =>
  blocksOf(offs, c.B).map(([lo, hi]) => [lo * c.B, hi * c.B]);
/** The blocks of offsets [lo, hi), as an interval of block numbers. */
const blockRange = (c: Constants, lo: number, hi: number): Interval => [
  Math.floor(lo / c.B),
  Math.floor((hi - 1) / c.B) + 1,
];

/** Minimal copy-before-write: snapshots of f with a byte bound at an offset of offs save that offset's block. */
export function CopyBeforeWrite(c: Constants, st: RunState, f: string, offs: Intervals): SnapTable {
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
}

/** Any change to f: its snapshots' private copies stop being fresh. */
export const Changed = (snap: SnapTable, f: string): SnapTable =>
  new Map([...snap].map(([s, e]) => [s, e.file === f ? { ...e, fresh: false } : e]));

/** A change behind the engine's back: every snapshot of f is distrusted. */
export const Spoiled = (st: RunState, f: string): SnapTable =>
  new Map([...st.snap].map(([s, e]) => [s, e.file === f ? { ...e, stale: true, fresh: false } : e]));

/** The ghost facts after a change through the engine writes or cuts offs of f. */
export function Facts(c: Constants, st: RunState, f: string, offs: Intervals): OriginRun[] {
  const changed = blockSpan(c, offs);
  const out: OriginRun[] = [];
  for (const g of st.origin) {
    if (g.file !== f) {
      out.push(g);
      continue;
    }
    const own: Interval[] = [[g.start + g.delta, g.end + g.delta]];
    const gone = intersect(own, offs);
    const demoted = subtract(intersect(own, changed), offs);
    const kept = subtract(subtract(own, gone), demoted);
    const pieces: OriginRun[] = [
      ...gone.map(([lo, hi]) => NoOriginRun(c, lo - g.delta, hi - g.delta)),
      ...demoted.map(([lo, hi]): OriginRun => ({ ...g, start: lo - g.delta, end: hi - g.delta, fact: 'neighbour' })),
      ...kept.map(([lo, hi]): OriginRun => ({ ...g, start: lo - g.delta, end: hi - g.delta })),
    ];
    out.push(...pieces.sort((x, y) => x.start - y.start));
  }
  return merged(out, sameOrigin);
}

/** After a change behind the engine's back no fact about f is known. */
export const Forgotten = (c: Constants, st: RunState, f: string): OriginRun[] =>
  merged(
    st.origin.map((g) => (g.file === f ? NoOriginRun(c, g.start, g.end) : g)),
    sameOrigin,
  );

/** The <<snapshot, offset>> pairs bound at the offsets a change writes or cuts, judged before it. */
export function BoundAt(st: RunState, f: string, offs: Intervals): BoundRun[] {
  const out: BoundRun[] = [];
  for (const [s, list] of [...BoundOffsets(st.src)].sort((x, y) => x[0] - y[0])) {
    if (st.snap.get(s)?.file !== f) continue;
    for (const [lo, hi] of intersect(list, offs)) out.push({ snap: s, lo, hi });
  }
  return out;
}

/** seq with `writes` (bytes at offsets) written, cut or zero-extended to len (spec: Patched). */
export function Patched(
  seq: Uint8Array,
  writes: readonly { readonly at: number; readonly bytes: Uint8Array }[],
  len: number,
): Uint8Array {
  const out = new Uint8Array(len);
  out.set(seq.subarray(0, Math.min(len, seq.length)));
  for (const { at, bytes } of writes) if (at < len) out.set(bytes.subarray(0, len - at), at);
  return out;
}

export function Release(c: Constants, src: readonly SrcRun[], snap: SnapTable): SnapTable {
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
}

export const SwapKept = (c: Constants, src: readonly SrcRun[], swap: Slots): Slots =>
  swap.map((sw, p) => (sw !== Absent && !Dirty(c, src, p) ? Absent : sw));

/** Ends every step that is not refused: installs, releases, remembers lost bytes, records (spec: Commit). */
function Commit(
  c: Constants,
  st: RunState,
  file: RunState['file'],
  src: readonly SrcRun[],
  frame: Slots,
  swap: Slots,
  snap: SnapTable,
  origin: readonly OriginRun[],
  rec: RunStepRecord,
): RunState {
  const released = Release(c, src, snap);
  const preserved: Interval[] = [];
  for (const [s, e] of snap) {
    const before = st.snap.get(s);
    for (const b of e.preserved.keys()) if (before?.preserved.has(b) !== true) preserved.push([s, b]);
  }
  const na = c.P * c.B;
  const unknown = UnknownUnder(c, src, frame, released, 0, na);
  let lost: Uint8Array | null = null;
  if (unknown.length > 0) {
    lost = new Uint8Array(na);
    for (const [lo, hi] of unknown) MemInto(c, st, lo, hi, lost, lo);
  }
  return {
    src,
    frame,
    swap: SwapKept(c, src, swap),
    snap: released,
    file,
    origin,
    lost,
    last: {
      ...rec,
      fault: frame.some((fr, p) => fr !== Absent && st.frame[p] === Absent),
      preserved: preserved.sort(byPair),
    },
    steps: st.steps + 1,
  };
}

export function Read(c: Constants, st: RunState, f: string, pos: number, a: number, n: number): RunState {
  const content = fileOf(st, f);
  const k = pos >= content.length ? 0 : Math.min(n, content.length - pos);
  const rec: RunStepRecord = { ...NoStep(c), op: 'read', file: f, pos, addr: a, len: n, ret: k };
  if (k === 0) return Commit(c, st, st.file, st.src, st.frame, st.swap, st.snap, st.origin, rec);
  const hi = a + k;
  const full = (p: number) => a <= p * c.B && (p + 1) * c.B <= hi;
  const s = ChosenSnap(c, st, st.snap, f, blockRange(c, pos, pos + k));
  return Commit(
    c,
    st,
    st.file,
    replaced(st.src, a, hi, [SnapRun(a, hi, s, pos - a)], sameSrc),
    st.frame.map((fr, q) => {
      if (fr === Absent || (q + 1) * c.B <= a || q * c.B >= hi) return fr;
      if (full(q)) return Absent;
      // The fragment copy: the covered bytes of a partly covered resident page.
      const lo = Math.max(a, q * c.B);
      const to = Math.min(hi, (q + 1) * c.B);
      const copy = fr.slice();
      SeqBytesInto(content, pos + lo - a, pos + to - a, copy, lo - q * c.B);
      return copy;
    }),
    st.swap.map((sw, r) => (full(r) ? Absent : sw)),
    WithSnap(c, st.snap, s, f, content),
    replaced(st.origin, a, hi, [OriginRunAt(a, hi, f, pos - a)], sameOrigin),
    rec,
  );
}

export function Load(c: Constants, st: RunState, a: number): RunState {
  const p = Math.floor(a / c.B);
  const rec: RunStepRecord = { ...NoStep(c), op: 'load', addr: a };
  if (st.frame[p] !== Absent)
    return Commit(c, st, st.file, st.src, st.frame, st.swap, st.snap, st.origin, { ...rec, ret: View(c, st, a) });
  if (!Fillable(c, st, p)) return Refuse(st, rec);
  return Commit(
    c,
    st,
    st.file,
    st.src,
    setAt(st.frame, p, PageView(c, st, p)),
    setAt(st.swap, p, Absent),
    st.snap,
    st.origin,
    { ...rec, ret: View(c, st, a) },
  );
}

/** Page p as a step that faults it in sees it: its frame, else its View if it can be filled; null if not (the step is refused). */
const faulted = (c: Constants, st: RunState, p: number): Uint8Array | null =>
  st.frame[p] ?? (Fillable(c, st, p) ? PageView(c, st, p) : null);

/** Page p's bytes detached, as a store detaches them: Anon, with no origin. */
const detached = (c: Constants, st: RunState, p: number) => ({
  src: replaced(st.src, p * c.B, (p + 1) * c.B, [AnonRun(p * c.B, (p + 1) * c.B)], sameSrc),
  origin: replaced(st.origin, p * c.B, (p + 1) * c.B, [NoOriginRun(c, p * c.B, (p + 1) * c.B)], sameOrigin),
});

export function Store(c: Constants, st: RunState, a: number, v: number): RunState {
  const p = Math.floor(a / c.B);
  const rec: RunStepRecord = { ...NoStep(c), op: 'store', addr: a, val: v };
  const base = faulted(c, st, p);
  if (base === null) return Refuse(st, rec);
  const fr = base.slice();
  fr[a % c.B] = v;
  const { src, origin } = detached(c, st, p);
  return Commit(c, st, st.file, src, setAt(st.frame, p, fr), setAt(st.swap, p, Absent), st.snap, origin, rec);
}

/** A direct view of bytes a..a+n-1 of one page; a writable one detaches the page first (spec: Bytes). */
export function Bytes(c: Constants, st: RunState, a: number, n: number, w: boolean): RunState {
  const p = Math.floor(a / c.B);
  const rec: RunStepRecord = { ...NoStep(c), op: 'bytes', addr: a, len: n, writable: w };
  const fr = faulted(c, st, p);
  if (fr === null) return Refuse(st, rec);
  const { src, origin } = w ? detached(c, st, p) : st;
  return Commit(c, st, st.file, src, setAt(st.frame, p, fr), setAt(st.swap, p, Absent), st.snap, origin, {
    ...rec,
    out: fr.slice(a % c.B, (a % c.B) + n),
  });
}

/** Copies the View of a..a+n-1 out without faulting anything in (spec: CopyOut). */
export function CopyOut(c: Constants, st: RunState, a: number, n: number): RunState {
  const rec: RunStepRecord = { ...NoStep(c), op: 'copyOut', addr: a, len: n };
  if (Unknown(c, st, a, a + n).length > 0) return Refuse(st, rec);
  const out = new Uint8Array(n);
  ViewInto(c, st, a, a + n, out, 0);
  return Commit(c, st, st.file, st.src, st.frame, st.swap, st.snap, st.origin, { ...rec, out });
}

/** The batched fill: pages p..p+n-1 not resident are faulted in, up to the first that cannot be (spec: Prefetch). */
export function Prefetch(c: Constants, st: RunState, p: number, n: number): RunState {
  let stop = p;
  while (stop < p + n && (st.frame[stop] !== Absent || Fillable(c, st, stop))) stop++;
  const inRun = (q: number) => p <= q && q < stop;
  return Commit(
    c,
    st,
    st.file,
    st.src,
    st.frame.map((fr, q) => (inRun(q) && fr === Absent ? PageView(c, st, q) : fr)),
    st.swap.map((sw, q) => (inRun(q) ? Absent : sw)),
    st.snap,
    st.origin,
    { ...NoStep(c), op: 'prefetch', page: p, len: n },
  );
}

/** The offsets of a write of segment a.. to f at pos whose bytes are provably in the file already (spec: Provable). */
export function Provable(c: Constants, st: RunState, a: number, n: number, f: string, pos: number): Interval[] {
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
}

/** The offsets of a write of segment a.. to f at pos whose byte's origin says it is what f holds there (spec: Vouched), and those of them only a neighbour fact vouches for. */
export function Vouched(
  st: RunState,
  a: number,
  n: number,
  f: string,
  pos: number,
): { all: Interval[]; neighbour: Interval[] } {
  const all: Interval[] = [];
  const neighbour: Interval[] = [];
  for (const g of piecesOf(st.origin, a, a + n)) {
    if (g.file !== f || g.delta !== pos - a || g.fact === 'none') continue;
    all.push([g.start + g.delta, g.end + g.delta]);
    if (g.fact === 'neighbour') neighbour.push([g.start + g.delta, g.end + g.delta]);
  }
  return { all: normalize(all), neighbour: normalize(neighbour) };
}

export function Write(
  c: Constants,
  st: RunState,
  a: number,
  n: number,
  f: string,
  pos: number,
  rebind: boolean,
): RunState | null {
  if (pos + n > c.MaxLen) return null;
  const rec: RunStepRecord = { ...NoStep(c), op: 'write', addr: a, len: n, file: f, pos, rebind };
  const range = normalize([[pos, pos + n]]);
  const need = subtract(range, Provable(c, st, a, n, f, pos));
  if (intersect(shift(need, a - pos), Unknown(c, st, a, a + n)).length > 0) return Refuse(st, rec);
  const before = fileOf(st, f);
  const len = n === 0 ? before.length : Math.max(before.length, pos + n);
  const written =
    need.length === 0 && len === before.length
      ? before
      : Patched(
          before,
          need.map(([lo, hi]) => {
            const bytes = new Uint8Array(hi - lo);
            ViewInto(c, st, lo - pos + a, hi - pos + a, bytes, 0);
            return { at: lo, bytes };
          }),
          len,
        );
  const snap = need.length === 0 ? st.snap : Changed(CopyBeforeWrite(c, st, f, need), f);
  const facts = Facts(c, st, f, need);
  const vouched = Vouched(st, a, n, f, pos);
  const done: RunStepRecord = {
    ...rec,
    written: size(need),
    skipped: n - size(need),
    wrote: need,
    needed: subtract(range, vouched.all),
    excused: vouched.neighbour,
    bound: BoundAt(st, f, need),
  };
  const file = withFile(st.file, f, written);
  if (!rebind || n === 0) return Commit(c, st, file, st.src, st.frame, st.swap, snap, facts, done);
  const s = ChosenSnap(c, st, snap, f, blockRange(c, pos, pos + n));
  return Commit(
    c,
    st,
    file,
    replaced(st.src, a, a + n, [SnapRun(a, a + n, s, pos - a)], sameSrc),
    st.frame,
    st.swap,
    WithSnap(c, snap, s, f, written),
    replaced(facts, a, a + n, [OriginRunAt(a, a + n, f, pos - a)], sameOrigin),
    done,
  );
}

export function Zero(c: Constants, st: RunState, a: number, n: number): RunState {
  const hi = a + n;
  const full = (p: number) => a <= p * c.B && (p + 1) * c.B <= hi;
  return Commit(
    c,
    st,
    st.file,
    replaced(st.src, a, hi, [ZeroRun(a, hi)], sameSrc),
    st.frame.map((fr, q) => {
      if (fr === Absent || (q + 1) * c.B <= a || q * c.B >= hi) return fr;
      if (full(q)) return Absent;
      const copy = fr.slice();
      copy.fill(0, Math.max(a, q * c.B) - q * c.B, Math.min(hi, (q + 1) * c.B) - q * c.B);
      return copy;
    }),
    st.swap.map((sw, r) => (full(r) ? Absent : sw)),
    st.snap,
    replaced(st.origin, a, hi, [NoOriginRun(c, a, hi)], sameOrigin),
    { ...NoStep(c), op: 'zero', addr: a, len: n },
  );
}

/** The content of f after writing data at pos (the file grows, a gap reads as zero). */
function writtenAt(st: RunState, f: string, pos: number, data: ByteSeq): Uint8Array {
  const before = fileOf(st, f);
  return Patched(before, [{ at: pos, bytes: Uint8Array.from(data) }], Math.max(before.length, pos + data.length));
}

export function FileWrite(c: Constants, st: RunState, f: string, pos: number, data: ByteSeq): RunState | null {
  if (pos + data.length > c.MaxLen) return null;
  const offs = normalize([[pos, pos + data.length]]);
  return Commit(
    c,
    st,
    withFile(st.file, f, writtenAt(st, f, pos, data)),
    st.src,
    st.frame,
    st.swap,
    Changed(CopyBeforeWrite(c, st, f, offs), f),
    Facts(c, st, f, offs),
    { ...NoStep(c), op: 'fileWrite', file: f, pos, data, bound: BoundAt(st, f, offs) },
  );
}

export function FileTruncate(c: Constants, st: RunState, f: string, len: number): RunState {
  const before = fileOf(st, f);
  const cut = normalize([[len, before.length]]);
  return Commit(
    c,
    st,
    withFile(st.file, f, Patched(before, [], len)),
    st.src,
    st.frame,
    st.swap,
    Changed(CopyBeforeWrite(c, st, f, cut), f),
    Facts(c, st, f, cut),
    { ...NoStep(c), op: 'fileTruncate', file: f, len, bound: BoundAt(st, f, cut) },
  );
}

export function OutsideWrite(c: Constants, st: RunState, f: string, pos: number, data: ByteSeq): RunState | null {
  if (pos + data.length > c.MaxLen) return null;
  return Commit(
    c,
    st,
    withFile(st.file, f, writtenAt(st, f, pos, data)),
    st.src,
    st.frame,
    st.swap,
    Spoiled(st, f),
    Forgotten(c, st, f),
    { ...NoStep(c), op: 'outsideWrite', file: f, pos, data },
  );
}

export function OutsideTruncate(c: Constants, st: RunState, f: string, len: number): RunState {
  return Commit(
    c,
    st,
    withFile(st.file, f, Patched(fileOf(st, f), [], len)),
    st.src,
    st.frame,
    st.swap,
    Spoiled(st, f),
    Forgotten(c, st, f),
    { ...NoStep(c), op: 'outsideTruncate', file: f, len },
  );
}

export function Evict(c: Constants, st: RunState, p: number): RunState | null {
  const fr = st.frame[p]!;
  if (fr === Absent) return null;
  return Commit(
    c,
    st,
    st.file,
    st.src,
    setAt(st.frame, p, Absent),
    setAt(st.swap, p, Dirty(c, st.src, p) ? fr : Absent),
    st.snap,
    st.origin,
    { ...NoStep(c), op: 'evict', page: p },
  );
}
