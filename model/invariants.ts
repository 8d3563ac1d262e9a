/**
 * The spec's invariants as predicates over a state (DeferredIO.tla,
 * "Invariants"), same names, same order as the configs list them. What the
 * program sees (the refinement of Conventional) is model/refinement.ts.
 */
import { fileSystem } from './actions.ts';
import { Addrs, BlockOf, Blocks, type Constants, PageAddrs, PageOf, Pages, range, SnapIds } from './constants.ts';
import { Dirty, KnownUnder, Live, Refs, SrcVal } from './derived.ts';
import { MaxCalls } from './file-system.ts';
import { Absent, type Bytes, FreeSnap, type MaybeBytes, Now, type State, snapOf } from './state.ts';

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
      (c.Files.includes(g.file) && isOff(c, g.off) && g.fact !== 'none')
    );
  }) &&
  Addrs(c).every((a) => c.Vals.includes(st.lost[a]!)) &&
  st.last.cut <= MaxCalls(c) &&
  c.Persistent.every((f) => {
    const disk = st.disk.get(f);
    const synced = st.synced.get(f);
    const j = st.journal.get(f);
    return (
      disk !== undefined &&
      disk.length <= c.MaxLen &&
      isBytes(c, disk, disk.length) &&
      synced !== undefined &&
      synced.length <= c.MaxLen &&
      isBytes(c, synced, synced.length) &&
      j !== undefined &&
      j.synced <= j.records.length &&
      st.opened.has(f) &&
      st.interrupted.has(f)
    );
  }) &&
  st.log.length <= MaxCalls(c) &&
  isBytes(c, st.last.out, st.last.out.length) &&
  [st.last.wrote, st.last.needed, st.last.excused].every((xs) => isIn(xs, 0, c.MaxLen - 1)) &&
  st.last.bound.every(([s, o]) => SnapIds(c).includes(s) && isOff(c, o)) &&
  st.last.preserved.every(([s, b]) => SnapIds(c).includes(s) && Blocks(c).includes(b)) &&
  [st.last.reread, st.last.lapsed, st.last.doubted].every((ts) =>
    ts.every(([a, f, o]) => Addrs(c).includes(a) && c.Files.includes(f) && isOff(c, o)),
  ) &&
  st.last.offered.every(([s, f]) => SnapIds(c).includes(s) && c.Files.includes(f)) &&
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

/** No copy of byte a's value survives, by the history: its value is gone or doubtful and its page is not resident (spec: NoCopy). */
export const NoCopy = (c: Constants, st: State, a: number): boolean => {
  const fact = st.origin[a]!.fact;
  return (fact === 'gone' || fact === 'doubtful') && st.frame[PageOf(c, a)] === Absent;
};

/** The addresses the last step bound to a snapshot: what a read read, a rebinding write wrote, a refresh re-read (spec: Rebound). */
function Rebound(st: State): number[] {
  const r = st.last;
  const span = (n: number) => Array.from({ length: n }, (_, i) => r.addr + i);
  if (r.op === 'read') return span(r.ret);
  if (r.op === 'write') return r.rebind && r.err === 'none' ? span(r.len) : [];
  if (r.op === 'refresh') return r.reread.map(([a]) => a);
  return [];
}

export const Lazy = (c: Constants, st: State): boolean => {
  const r = st.last;
  if ((r.op === 'read' || r.op === 'zero' || r.op === 'copyOut' || r.op === 'refresh') && r.fault) return false;
  if (r.op === 'write' && r.err === 'none') {
    if (!subset(r.needed, new Set(r.wrote))) return false;
    if (!subset(r.wrote, new Set([...r.needed, ...r.excused]))) return false;
  }
  if (!r.preserved.every(([s, b]) => r.bound.some(([t, o]) => t === s && BlockOf(c, o) === b))) return false;
  // A prefetch fills every page of its range up to the first holding a byte of which no copy survives.
  if (r.op === 'prefetch') {
    for (let q = r.page; q < r.page + r.len; q++) {
      if (PageAddrs(c, q).some((a) => NoCopy(c, st, a))) break;
      if (st.frame[q] === Absent) return false;
    }
  }
  // A binding reuses the lowest snapshot that could serve it.
  return Rebound(st).every((a) => {
    const s = st.src[a]!.snap;
    const f = snapOf(st.snap, s).file;
    const offered = r.offered.filter(([, g]) => g === f).map(([t]) => t);
    return offered.length === 0 || s === Math.min(...offered);
  });
};

export const RefusalJustified = (c: Constants, st: State): boolean => {
  const r = st.last;
  if (r.err !== 'FileChangedError') return true;
  if (r.op === 'load' || r.op === 'store' || r.op === 'bytes')
    return PageAddrs(c, PageOf(c, r.addr)).some((a) => NoCopy(c, st, a));
  return (
    (r.op === 'write' || r.op === 'copyOut') &&
    Array.from({ length: r.len }, (_, i) => r.addr + i).some((a) => NoCopy(c, st, a))
  );
};

/** A value copy-before-write had to put aside is still held, by its snapshot's preserved block or private copy. */
export const Kept = (c: Constants, st: State): boolean =>
  Addrs(c).every((a) => {
    const g = st.origin[a]!;
    if (g.fact !== 'saved') return true;
    const x = st.src[a]!;
    if (x.kind !== 'Snap' || x.off !== g.off) return false;
    const e = snapOf(st.snap, x.snap);
    return e.file === g.file && (c.Isolated.includes(e.file) || e.preserved[BlockOf(c, x.off)] !== Absent);
  });

const sameTriple = (x: readonly [number, string, number], y: readonly [number, string, number]) =>
  x[0] === y[0] && x[1] === y[1] && x[2] === y[2];

/** A refresh re-reads every byte whose value is gone, and nothing else but doubtful ones. */
export const Refreshed = (_c: Constants, st: State): boolean => {
  const r = st.last;
  if (r.op !== 'refresh') return true;
  const among = (xs: typeof r.reread) => (t: (typeof r.reread)[number]) => xs.some((y) => sameTriple(t, y));
  return r.lapsed.every(among(r.reread)) && r.reread.every(among([...r.lapsed, ...r.doubted]));
};

// --- Crashes: judged by the file the next open shows (Recovered) against the crash record's history (was).

const byteAt = (s: Bytes, o: number): number => (o < s.length ? s[o]! : 0);
const sameBytes = (x: Bytes, y: Bytes): boolean => x.length === y.length && x.every((v, i) => v === y[i]);

/** s is a file a power cut could leave of one durable as d and seen as v: each block d's or v's below s's length, the length one of theirs (spec: Mixed). */
export function Mixed(c: Constants, s: Bytes, d: Bytes, v: Bytes): boolean {
  if (s.length !== d.length && s.length !== v.length) return false;
  return Blocks(c).every((b) => {
    const offs = range(b * c.B, b * c.B + c.B - 1).filter((o) => o < s.length);
    return offs.every((o) => byteAt(s, o) === byteAt(d, o)) || offs.every((o) => byteAt(s, o) === byteAt(v, o));
  });
}

/** What recovery makes of f now, and whether it would refuse (spec: Recovered, Outcome). */
const recoveredNow = (c: Constants, st: State, f: string) => ({
  file: fileSystem.Recovered(c, Now(c, st), f),
  corrupt: fileSystem.Outcome(c, st.journal.get(f)!, st.file.get(f)!) === 'corrupt',
});

/** What a file held when an fsync returned survives any crash, except bytes changed since. */
export const Durable = (c: Constants, st: State): boolean =>
  st.last.op !== 'crash' ||
  st.last.was.promised.every(([f, o, v]) => {
    const s = fileSystem.Recovered(c, Now(c, st), f);
    return o < s.length && s[o] === v;
  });

/**
 * After a crash at any point of an atomic write-back, and after any crash
 * inside the recoveries that follow until one returns, recovery succeeds
 * and the file is exactly as after it, or exactly as a crash at its start
 * would have left it; once the call returned, exactly as after it.
 */
export const AtomicWriteBack = (c: Constants, st: State): boolean => {
  if (st.last.op !== 'crash') return true;
  const w = st.last.was;
  if (w.op === 'write' && w.atomic && w.returned) {
    const r = recoveredNow(c, st, w.file);
    if (r.corrupt || !sameBytes(r.file, w.post)) return false;
  }
  return c.Persistent.every((f) => {
    const i = st.interrupted.get(f)!;
    if (!i.cut) return true;
    const r = recoveredNow(c, st, f);
    return (
      !r.corrupt &&
      (sameBytes(r.file, i.post) || (i.power ? Mixed(c, r.file, i.durable, i.pre) : sameBytes(r.file, i.pre)))
    );
  });
};

/** A crash inside (or after) a recovery, then recovery, gives the file that recovery gave without the crash. */
export const RecoveryIdempotent = (c: Constants, st: State): boolean => {
  const w = st.last.was;
  if (st.last.op !== 'crash' || w.op !== 'recover') return true;
  const r = recoveredNow(c, st, w.file);
  return (
    !r.corrupt &&
    (st.last.kind === 'kill' || w.recovery === 'replayed'
      ? sameBytes(r.file, w.post)
      : Mixed(c, r.file, w.durable, w.post))
  );
};

/** Recovery would replay a journal only if it is the one an atomic write-back cut by a crash left. */
export const NoGhostReplay = (c: Constants, st: State): boolean =>
  c.Persistent.every(
    (f) => fileSystem.Outcome(c, st.journal.get(f)!, st.file.get(f)!) !== 'replayed' || st.interrupted.get(f)!.cut,
  );

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
  Kept,
  Refreshed,
  Durable,
  AtomicWriteBack,
  RecoveryIdempotent,
  NoGhostReplay,
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
