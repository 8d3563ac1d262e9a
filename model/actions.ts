/**
 * The spec's actions (DeferredIO.tla, from "File changes" to Evict): one
 * pure function each, same names, same enabling conditions. An action
 * returns the successor state, or null where the spec's action is not
 * enabled for these arguments.
 */
import { BlockOf, Blocks, PageAddrs, PageOf, Pages, range, SnapIds, type Constants } from './constants.ts';
import {
  BlockBytes, CanBind, ChosenSnap, Dirty, FileByte, Live, PageView, Refs, SeqByte, View, WithSnap, fileOf,
} from './derived.ts';
import {
  Absent, AnonSrc, FreeSnap, NoStep, SnapSrc, ZeroSrc, snapOf,
  type Bytes, type MaybeBytes, type Snapshot, type Source, type State, type StepRecord,
} from './state.ts';

const max = Math.max;
const min = Math.min;

/** The blocks a change of file f changes (spec: Touched). */
export function Touched(st: State, c: Constants, f: string, offs: Iterable<number>, newLen: number): Set<number> {
  const len = fileOf(st, f).length;
  const blocks = new Set<number>();
  for (const o of offs) blocks.add(BlockOf(c, o));
  for (const u of range(newLen, len - 1)) blocks.add(BlockOf(c, u));
  if (newLen > len && len > 0) blocks.add(BlockOf(c, len - 1));
  return blocks;
}

/** Copy-before-write (spec: CopyBeforeWrite): live snapshots of f save the touched blocks they reference. */
export function CopyBeforeWrite(c: Constants, st: State, f: string, blocks: ReadonlySet<number>): Snapshot[] {
  return SnapIds(c).map((s) => {
    const e = snapOf(st.snap, s);
    if (e.file !== f) return e;
    const refs = Refs(c, st.src, s);
    return {
      file: e.file,
      preserved: Blocks(c).map((b) =>
        blocks.has(b) && refs.has(b) && e.preserved[b] === Absent ? BlockBytes(c, st, f, b) : e.preserved[b]!),
    };
  });
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
    return { file: e.file, preserved: Blocks(c).map((b) => (refs.has(b) ? e.preserved[b]! : Absent)) };
  });
}

export const SwapKept = (c: Constants, src: readonly Source[], swap: readonly MaybeBytes[]): MaybeBytes[] =>
  Pages(c).map((p) => (Dirty(c, src, p) ? swap[p]! : Absent));

/** Ends every action: installs, releases, records the step (spec: Commit). */
function Commit(
  c: Constants, st: State,
  changes: { file?: State['file']; cfile?: State['cfile']; mem?: Bytes },
  src: readonly Source[], frame: readonly MaybeBytes[], swap: readonly MaybeBytes[], snap: readonly Snapshot[],
  rec: StepRecord,
): State {
  return {
    src,
    frame,
    swap: SwapKept(c, src, swap),
    snap: Release(c, src, snap),
    file: changes.file ?? st.file,
    cfile: changes.cfile ?? st.cfile,
    mem: changes.mem ?? st.mem,
    last: { ...rec, fault: Pages(c).some((p) => frame[p] !== Absent && st.frame[p] === Absent) },
    steps: st.steps + 1,
  };
}

const withFile = (m: State['file'], f: string, bytes: Bytes) => new Map(m).set(f, bytes);
const setAt = <T>(xs: readonly T[], i: number, v: T): T[] => xs.map((x, j) => (j === i ? v : x));

export function Read(c: Constants, st: State, f: string, pos: number, a: number, n: number): State | null {
  if (pos > fileOf(st, f).length) return null;
  const k = min(n, fileOf(st, f).length - pos);
  const rec = { ...NoStep(c), op: 'read', file: f, pos, addr: a, len: n, ret: k } as const;
  if (k === 0) return Commit(c, st, {}, st.src, st.frame, st.swap, st.snap, rec);
  const blocks = range(pos, pos + k - 1).map((o) => BlockOf(c, o));
  if (!CanBind(c, st, st.snap, f, blocks)) return null;
  const inRead = (x: number) => a <= x && x < a + k;
  const full = (p: number) => PageAddrs(c, p).every(inRead);
  const s = ChosenSnap(c, st, st.snap, f, blocks);
  return Commit(
    c, st,
    { mem: st.mem.map((v, m) => (inRead(m) ? SeqByte(st.cfile.get(f)!, pos + m - a) : v)) },
    st.src.map((x, z) => (inRead(z) ? SnapSrc(s, pos + z - a) : x)),
    st.frame.map((fr, q) =>
      full(q) || fr === Absent ? Absent
        : fr.map((v, i) => (inRead(q * c.B + i) ? FileByte(st, f, pos + q * c.B + i - a) : v))),
    st.swap.map((sw, r) => (full(r) ? Absent : sw)),
    WithSnap(c, st.snap, s, f),
    rec,
  );
}

export function Load(c: Constants, st: State, a: number): State {
  const p = PageOf(c, a);
  const rec = { ...NoStep(c), op: 'load', addr: a, ret: View(c, st, a) } as const;
  if (st.frame[p] !== Absent) return Commit(c, st, {}, st.src, st.frame, st.swap, st.snap, rec);
  return Commit(c, st, {}, st.src, setAt(st.frame, p, PageView(c, st, p)), setAt(st.swap, p, Absent), st.snap, rec);
}

export function Store(c: Constants, st: State, a: number, v: number): State {
  const p = PageOf(c, a);
  const base = st.frame[p] ?? PageView(c, st, p);
  return Commit(
    c, st,
    { mem: setAt(st.mem, a, v) },
    st.src.map((x, z) => (PageOf(c, z) === p ? AnonSrc : x)),
    setAt(st.frame, p, setAt(base, a % c.B, v)),
    setAt(st.swap, p, Absent),
    st.snap,
    { ...NoStep(c), op: 'store', addr: a, val: v },
  );
}

/** Byte i of a write of segment a.. to f at pos is provably in the file already (spec: Provable). */
export function Provable(c: Constants, st: State, a: number, f: string, pos: number, i: number): boolean {
  const x = st.src[a + i]!;
  return x.kind === 'Snap'
    && x.off === pos + i
    && snapOf(st.snap, x.snap).file === f
    && pos + i < fileOf(st, f).length
    && snapOf(st.snap, x.snap).preserved[BlockOf(c, pos + i)] === Absent;
}

export function Write(c: Constants, st: State, a: number, n: number, f: string, pos: number, rebind: boolean): State | null {
  if (pos + n > c.MaxLen) return null;
  const len = max(fileOf(st, f).length, pos + n);
  const blocks = range(pos, pos + n - 1).map((u) => BlockOf(c, u));
  const needed = range(0, n - 1).filter((i) => !Provable(c, st, a, f, pos, i));
  const offs = needed.map((j) => pos + j);
  const snap = CopyBeforeWrite(c, st, f, Touched(st, c, f, offs, len));
  const data = new Map(offs.map((o) => [o, View(c, st, a + o - pos)]));
  const conventional = new Map(range(pos, pos + n - 1).map((o) => [o, st.mem[a + o - pos]!]));
  const changes = {
    file: withFile(st.file, f, Patched(fileOf(st, f), data, len)),
    cfile: withFile(st.cfile, f, Patched(st.cfile.get(f)!, conventional, max(st.cfile.get(f)!.length, pos + n))),
  };
  const rec = {
    ...NoStep(c), op: 'write', addr: a, len: n, file: f, pos, rebind,
    written: offs.length, skipped: n - offs.length, needed: needed.length,
  } as const;
  if (!rebind) return Commit(c, st, changes, st.src, st.frame, st.swap, snap, rec);
  if (!CanBind(c, st, snap, f, blocks)) return null;
  const s = ChosenSnap(c, st, snap, f, blocks);
  return Commit(
    c, st, changes,
    st.src.map((x, z) => (a <= z && z < a + n ? SnapSrc(s, pos + z - a) : x)),
    st.frame, st.swap, WithSnap(c, snap, s, f), rec,
  );
}

export function Zero(c: Constants, st: State, a: number, n: number): State {
  const inZero = (x: number) => a <= x && x < a + n;
  const full = (p: number) => PageAddrs(c, p).every(inZero);
  return Commit(
    c, st,
    { mem: st.mem.map((v, m) => (inZero(m) ? 0 : v)) },
    st.src.map((x, z) => (inZero(z) ? ZeroSrc : x)),
    st.frame.map((fr, q) => (full(q) || fr === Absent ? Absent : fr.map((v, i) => (inZero(q * c.B + i) ? 0 : v)))),
    st.swap.map((sw, r) => (full(r) ? Absent : sw)),
    st.snap,
    { ...NoStep(c), op: 'zero', addr: a, len: n },
  );
}

export function FileWrite(c: Constants, st: State, f: string, pos: number, data: Bytes): State | null {
  if (pos + data.length > c.MaxLen) return null;
  const offs = range(pos, pos + data.length - 1);
  const len = max(fileOf(st, f).length, pos + data.length);
  const w = new Map(offs.map((o) => [o, data[o - pos]!]));
  return Commit(
    c, st,
    { file: withFile(st.file, f, Patched(fileOf(st, f), w, len)), cfile: withFile(st.cfile, f, Patched(st.cfile.get(f)!, w, len)) },
    st.src, st.frame, st.swap, CopyBeforeWrite(c, st, f, Touched(st, c, f, offs, len)),
    { ...NoStep(c), op: 'fileWrite', file: f, pos, data },
  );
}

export function FileTruncate(c: Constants, st: State, f: string, len: number): State | null {
  if (len === fileOf(st, f).length) return null;
  const none = new Map<number, number>();
  return Commit(
    c, st,
    { file: withFile(st.file, f, Patched(fileOf(st, f), none, len)), cfile: withFile(st.cfile, f, Patched(st.cfile.get(f)!, none, len)) },
    st.src, st.frame, st.swap, CopyBeforeWrite(c, st, f, Touched(st, c, f, [], len)),
    { ...NoStep(c), op: 'fileTruncate', file: f, len },
  );
}

export function Evict(c: Constants, st: State, p: number): State | null {
  const fr = st.frame[p]!;
  if (fr === Absent) return null;
  return Commit(
    c, st, {},
    st.src, setAt(st.frame, p, Absent), setAt(st.swap, p, Dirty(c, st.src, p) ? fr : Absent), st.snap,
    { ...NoStep(c), op: 'evict', page: p },
  );
}
