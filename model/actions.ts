/**
 * The spec's actions (DeferredIO.tla, from "File changes" to Evict): one
 * pure function each, same names, same enabling conditions. An action
 * returns the successor state, or null where the spec's action is not
 * enabled for these arguments. Sets are sorted arrays.
 */
import { BlockOf, Blocks, type Constants, PageAddrs, PageOf, Pages, range, SnapIds } from './constants.ts';
import {
  Bound,
  ChosenSnap,
  Dirty,
  FileByte,
  Fillable,
  fileOf,
  Known,
  KnownUnder,
  Live,
  Mem,
  PageView,
  Refs,
  SnapBlock,
  View,
  WithSnap,
} from './derived.ts';
import {
  Absent,
  AnonSrc,
  type Bytes,
  FreeSnap,
  type MaybeBytes,
  NoOrigin,
  NoStep,
  type Origin,
  OriginAt,
  SnapSrc,
  type Snapshot,
  type Source,
  type State,
  type StepRecord,
  snapOf,
  ZeroSrc,
} from './state.ts';

const max = Math.max;
const min = Math.min;

// The next four do not depend on how a model holds the state: the
// run-length model (model/runs/actions.ts) uses them as they are.

/** The order of the spec's sets of pairs (<<snapshot, offset>>, <<snapshot, block>>) as sorted arrays. */
export const byPair = (a: readonly [number, number], b: readonly [number, number]): number =>
  a[0] - b[0] || a[1] - b[1];
/** xs with element i replaced by v (the spec's [xs EXCEPT ![i] = v]). */
export const setAt = <T>(xs: readonly T[], i: number, v: T): T[] => xs.map((x, j) => (j === i ? v : x));
/** The files with f's content replaced (the spec's [file EXCEPT ![f] = bytes]). */
export const withFile = <T>(m: ReadonlyMap<string, T>, f: string, bytes: T): Map<string, T> => new Map(m).set(f, bytes);

/** What Refuse touches of a state, in either model's form. */
interface Stepped {
  readonly last: { readonly err: StepRecord['err'] };
  readonly steps: number;
}

/** The engine raised FileChangedError: nothing changed but the record and the step count (spec: Refuse). */
export const Refuse = <S extends Stepped>(st: S, rec: S['last']): S => ({
  ...st,
  last: { ...rec, err: 'FileChangedError' },
  steps: st.steps + 1,
});

/** Minimal copy-before-write: snapshots of f with a byte bound at a written or cut offset save its block. */
export function CopyBeforeWrite(c: Constants, st: State, f: string, offs: readonly number[]): Snapshot[] {
  return SnapIds(c).map((s) => {
    const e = snapOf(st.snap, s);
    if (e.file !== f || e.stale) return e;
    return {
      ...e,
      preserved: Blocks(c).map((b) =>
        e.preserved[b] === Absent && offs.some((o) => BlockOf(c, o) === b && Bound(c, st, s, o))
          ? SnapBlock(c, st, s, b)
          : e.preserved[b]!,
      ),
    };
  });
}

/** Any change to f: its snapshots' private copies stop being fresh. */
export const Changed = (snap: readonly Snapshot[], f: string): Snapshot[] =>
  snap.map((e) => (e.file === f ? { ...e, fresh: false } : e));

/** A change behind the engine's back: every snapshot of f is distrusted. */
export const Spoiled = (st: State, f: string): Snapshot[] =>
  st.snap.map((e) => (e.file === f ? { ...e, stale: true, fresh: false } : e));

/** The ghost facts after a change through the engine writes or cuts offs of f. */
export function Facts(c: Constants, st: State, f: string, offs: readonly number[]): Origin[] {
  const written = new Set(offs);
  const blocks = new Set(offs.map((o) => BlockOf(c, o)));
  return st.origin.map((g) => {
    if (g.file !== f) return g;
    if (written.has(g.off)) return NoOrigin(c);
    if (blocks.has(BlockOf(c, g.off))) return { ...g, fact: 'neighbour' };
    return g;
  });
}

/** After a change behind the engine's back no fact about f is known. */
export const Forgotten = (c: Constants, st: State, f: string): Origin[] =>
  st.origin.map((g) => (g.file === f ? NoOrigin(c) : g));

/** The <<snapshot, offset>> pairs bound at the offsets a change writes or cuts, judged before it. */
export function BoundAt(st: State, f: string, offs: readonly number[]): [number, number][] {
  const at = new Set(offs);
  const pairs = new Map<string, [number, number]>();
  for (const x of st.src) {
    if (x.kind === 'Snap' && at.has(x.off) && snapOf(st.snap, x.snap).file === f)
      pairs.set(`${x.snap},${x.off}`, [x.snap, x.off]);
  }
  return [...pairs.values()].sort(byPair);
}

/** seq with the bytes of w (offset -> value) written, cut or zero-extended to len (spec: Patched). */
export function Patched(seq: Bytes, w: ReadonlyMap<number, number>, len: number): Bytes {
  const out = seq.slice(0, len);
  while (out.length < len) out.push(0);
  for (const [o, v] of w) if (o < len) out[o] = v;
  return out;
}

export function Release(c: Constants, src: readonly Source[], snap: readonly Snapshot[]): Snapshot[] {
  return SnapIds(c).map((s) => {
    if (!Live(c, src, s)) return FreeSnap(c);
    const e = snapOf(snap, s);
    const refs = Refs(c, src, s);
    return { ...e, preserved: Blocks(c).map((b) => (refs.has(b) ? e.preserved[b]! : Absent)) };
  });
}

export const SwapKept = (c: Constants, src: readonly Source[], swap: readonly MaybeBytes[]): MaybeBytes[] =>
  Pages(c).map((p) => (Dirty(c, src, p) ? swap[p]! : Absent));

/** Ends every step that is not refused: installs, releases, remembers lost bytes, records (spec: Commit). */
function Commit(
  c: Constants,
  st: State,
  file: State['file'],
  src: readonly Source[],
  frame: readonly MaybeBytes[],
  swap: readonly MaybeBytes[],
  snap: readonly Snapshot[],
  origin: readonly Origin[],
  rec: StepRecord,
): State {
  const released = Release(c, src, snap);
  const preserved: [number, number][] = [];
  for (const s of SnapIds(c)) {
    for (const b of Blocks(c)) {
      if (snapOf(snap, s).preserved[b] !== Absent && snapOf(st.snap, s).preserved[b] === Absent) preserved.push([s, b]);
    }
  }
  return {
    src,
    frame,
    swap: SwapKept(c, src, swap),
    snap: released,
    file,
    origin,
    lost: st.lost.map((_, a) => (KnownUnder(c, src, frame, released, a) ? 0 : Mem(c, st, a))),
    last: { ...rec, fault: Pages(c).some((p) => frame[p] !== Absent && st.frame[p] === Absent), preserved },
    steps: st.steps + 1,
  };
}

/** Page p as a step that faults it in sees it: its frame, else its View if it can be filled; null if not (the step is refused). */
const faulted = (c: Constants, st: State, p: number): Bytes | null =>
  st.frame[p] ?? (Fillable(c, st, p) ? PageView(c, st, p) : null);

/** Page p's bytes detached, as a store detaches them: Anon, with no origin. */
const detached = (c: Constants, st: State, p: number) => ({
  src: st.src.map((x, z) => (PageOf(c, z) === p ? AnonSrc : x)),
  origin: st.origin.map((g, x) => (PageOf(c, x) === p ? NoOrigin(c) : g)),
});

export function Read(c: Constants, st: State, f: string, pos: number, a: number, n: number): State {
  const len = fileOf(st, f).length;
  const k = pos >= len ? 0 : min(n, len - pos);
  const rec: StepRecord = { ...NoStep(c), op: 'read', file: f, pos, addr: a, len: n, ret: k };
  if (k === 0) return Commit(c, st, st.file, st.src, st.frame, st.swap, st.snap, st.origin, rec);
  const blocks = range(pos, pos + k - 1).map((o) => BlockOf(c, o));
  const inRead = (x: number) => a <= x && x < a + k;
  const full = (p: number) => PageAddrs(c, p).every(inRead);
  const s = ChosenSnap(c, st, st.snap, f, blocks);
  return Commit(
    c,
    st,
    st.file,
    st.src.map((x, z) => (inRead(z) ? SnapSrc(s, pos + z - a) : x)),
    st.frame.map((fr, q) =>
      full(q) || fr === Absent
        ? Absent
        : fr.map((v, i) => (inRead(q * c.B + i) ? FileByte(st, f, pos + q * c.B + i - a) : v)),
    ),
    st.swap.map((sw, r) => (full(r) ? Absent : sw)),
    WithSnap(c, st.snap, s, f, fileOf(st, f)),
    st.origin.map((g, x) => (inRead(x) ? OriginAt(f, pos + x - a) : g)),
    rec,
  );
}

export function Load(c: Constants, st: State, a: number): State {
  const p = PageOf(c, a);
  const rec: StepRecord = { ...NoStep(c), op: 'load', addr: a };
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

export function Store(c: Constants, st: State, a: number, v: number): State {
  const p = PageOf(c, a);
  const rec: StepRecord = { ...NoStep(c), op: 'store', addr: a, val: v };
  const base = faulted(c, st, p);
  if (base === null) return Refuse(st, rec);
  const { src, origin } = detached(c, st, p);
  return Commit(
    c,
    st,
    st.file,
    src,
    setAt(st.frame, p, setAt(base, a % c.B, v)),
    setAt(st.swap, p, Absent),
    st.snap,
    origin,
    rec,
  );
}

/** A direct view of bytes a..a+n-1 of one page; a writable one detaches the page first (spec: Bytes). */
// biome-ignore lint/suspicious/noRedeclare: the spec's action Bytes; the type Bytes (a byte sequence) lives in TypeScript's type namespace
export function Bytes(c: Constants, st: State, a: number, n: number, w: boolean): State {
  const p = PageOf(c, a);
  const rec: StepRecord = { ...NoStep(c), op: 'bytes', addr: a, len: n, writable: w };
  const fr = faulted(c, st, p);
  if (fr === null) return Refuse(st, rec);
  const { src, origin } = w ? detached(c, st, p) : st;
  return Commit(c, st, st.file, src, setAt(st.frame, p, fr), setAt(st.swap, p, Absent), st.snap, origin, {
    ...rec,
    out: fr.slice(a % c.B, (a % c.B) + n),
  });
}

/** Copies the View of a..a+n-1 out without faulting anything in (spec: CopyOut). */
export function CopyOut(c: Constants, st: State, a: number, n: number): State {
  const rec: StepRecord = { ...NoStep(c), op: 'copyOut', addr: a, len: n };
  const addrs = range(a, a + n - 1);
  if (!addrs.every((x) => Known(c, st, x))) return Refuse(st, rec);
  return Commit(c, st, st.file, st.src, st.frame, st.swap, st.snap, st.origin, {
    ...rec,
    out: addrs.map((x) => View(c, st, x)),
  });
}

/** The batched fill: pages p..p+n-1 not resident are faulted in, up to the first that cannot be (spec: Prefetch). */
export function Prefetch(c: Constants, st: State, p: number, n: number): State {
  const stop = range(p, p + n - 1).find((q) => st.frame[q] === Absent && !Fillable(c, st, q)) ?? p + n;
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

/** Byte i of a write of segment a.. to f at pos is provably in the file already (spec: Provable). */
export function Provable(c: Constants, st: State, a: number, f: string, pos: number, i: number): boolean {
  const x = st.src[a + i]!;
  if (x.kind !== 'Snap' || x.off !== pos + i) return false;
  const e = snapOf(st.snap, x.snap);
  return e.file === f && !e.stale && pos + i < fileOf(st, f).length && e.preserved[BlockOf(c, pos + i)] === Absent;
}

/** Whether byte a's origin says it is what f holds at offset o. */
export function Vouched(st: State, a: number, f: string, o: number): boolean {
  const g = st.origin[a]!;
  return g.file === f && g.off === o && (g.fact === 'intact' || g.fact === 'neighbour');
}

export function Write(
  c: Constants,
  st: State,
  a: number,
  n: number,
  f: string,
  pos: number,
  rebind: boolean,
): State | null {
  if (pos + n > c.MaxLen) return null;
  const rec: StepRecord = { ...NoStep(c), op: 'write', addr: a, len: n, file: f, pos, rebind };
  const need = range(0, n - 1).filter((i) => !Provable(c, st, a, f, pos, i));
  if (need.some((j) => !Known(c, st, a + j))) return Refuse(st, rec);
  const len = n === 0 ? fileOf(st, f).length : max(fileOf(st, f).length, pos + n);
  const offs = need.map((j) => pos + j);
  const written = Patched(fileOf(st, f), new Map(offs.map((o) => [o, View(c, st, a + o - pos)])), len);
  const snap = offs.length === 0 ? st.snap : Changed(CopyBeforeWrite(c, st, f, offs), f);
  const facts = Facts(c, st, f, offs);
  const done: StepRecord = {
    ...rec,
    written: offs.length,
    skipped: n - offs.length,
    wrote: offs,
    needed: range(0, n - 1)
      .filter((k) => !Vouched(st, a + k, f, pos + k))
      .map((k) => pos + k),
    excused: range(0, n - 1)
      .filter((k) => Vouched(st, a + k, f, pos + k) && st.origin[a + k]!.fact === 'neighbour')
      .map((k) => pos + k),
    bound: BoundAt(st, f, offs),
  };
  const file = withFile(st.file, f, written);
  if (!rebind || n === 0) return Commit(c, st, file, st.src, st.frame, st.swap, snap, facts, done);
  const blocks = range(pos, pos + n - 1).map((u) => BlockOf(c, u));
  const s = ChosenSnap(c, st, snap, f, blocks);
  const inWrite = (z: number) => a <= z && z < a + n;
  return Commit(
    c,
    st,
    file,
    st.src.map((x, z) => (inWrite(z) ? SnapSrc(s, pos + z - a) : x)),
    st.frame,
    st.swap,
    WithSnap(c, snap, s, f, written),
    facts.map((g, z) => (inWrite(z) ? OriginAt(f, pos + z - a) : g)),
    done,
  );
}

export function Zero(c: Constants, st: State, a: number, n: number): State {
  const inZero = (x: number) => a <= x && x < a + n;
  const full = (p: number) => PageAddrs(c, p).every(inZero);
  return Commit(
    c,
    st,
    st.file,
    st.src.map((x, z) => (inZero(z) ? ZeroSrc : x)),
    st.frame.map((fr, q) => (full(q) || fr === Absent ? Absent : fr.map((v, i) => (inZero(q * c.B + i) ? 0 : v)))),
    st.swap.map((sw, r) => (full(r) ? Absent : sw)),
    st.snap,
    st.origin.map((g, x) => (inZero(x) ? NoOrigin(c) : g)),
    { ...NoStep(c), op: 'zero', addr: a, len: n },
  );
}

/** The content of f after writing data at pos (the file grows, a gap reads as zero). */
function writtenAt(st: State, f: string, pos: number, data: Bytes): Bytes {
  const w = new Map(data.map((v, i) => [pos + i, v] as const));
  return Patched(fileOf(st, f), w, max(fileOf(st, f).length, pos + data.length));
}

export function FileWrite(c: Constants, st: State, f: string, pos: number, data: Bytes): State | null {
  if (pos + data.length > c.MaxLen) return null;
  const offs = range(pos, pos + data.length - 1);
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

export function FileTruncate(c: Constants, st: State, f: string, len: number): State {
  const cut = range(len, fileOf(st, f).length - 1);
  return Commit(
    c,
    st,
    withFile(st.file, f, Patched(fileOf(st, f), new Map(), len)),
    st.src,
    st.frame,
    st.swap,
    Changed(CopyBeforeWrite(c, st, f, cut), f),
    Facts(c, st, f, cut),
    { ...NoStep(c), op: 'fileTruncate', file: f, len, bound: BoundAt(st, f, cut) },
  );
}

export function OutsideWrite(c: Constants, st: State, f: string, pos: number, data: Bytes): State | null {
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

export function OutsideTruncate(c: Constants, st: State, f: string, len: number): State {
  return Commit(
    c,
    st,
    withFile(st.file, f, Patched(fileOf(st, f), new Map(), len)),
    st.src,
    st.frame,
    st.swap,
    Spoiled(st, f),
    Forgotten(c, st, f),
    { ...NoStep(c), op: 'outsideTruncate', file: f, len },
  );
}

export function Evict(c: Constants, st: State, p: number): State | null {
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
