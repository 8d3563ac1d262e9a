/**
 * The spec's actions (DeferredIO.tla, from Read to Evict), each written once
 * over the Operators of one representation of the spec's variables: the
 * per-byte State's (model/actions.ts) or the run-length RunState's
 * (model/runs/actions.ts). The two models differ in their operators only,
 * and model/runs/runs.test.ts, which compares the models, compares exactly
 * those. An action returns the successor, or null where the spec's action
 * is not enabled for these arguments. Sets of addresses and of offsets are
 * interval lists (runs/intervals.ts) in both representations.
 */
import type { Constants } from './constants.ts';
import {
  type FileSystemOf,
  type FileSystemVariables,
  fileSystemOver,
  type InterruptedOf,
  type IoCallOf,
  type Token,
} from './file-system.ts';
import { type Interval, type Intervals, intersect, normalize, shift, size, subtract } from './runs/intervals.ts';
import {
  Absent,
  AnonSrc,
  NoOrigin,
  Now,
  type Origin,
  OriginAt,
  SnapSrc,
  type Source,
  type StepRecord,
  ZeroSrc,
} from './state.ts';

/** The order of the spec's sets of pairs (<<snapshot, offset>>, <<snapshot, block>>) as sorted arrays. */
export const byPair = (a: readonly [number, number], b: readonly [number, number]): number =>
  a[0] - b[0] || a[1] - b[1];
/** xs with element i replaced by v (the spec's [xs EXCEPT ![i] = v]). */
export const setAt = <T>(xs: readonly T[], i: number, v: T): T[] => xs.map((x, j) => (j === i ? v : x));
/** The files with f's content replaced (the spec's [file EXCEPT ![f] = bytes]). */
export const withFile = <T>(m: ReadonlyMap<string, T>, f: string, bytes: T): Map<string, T> => new Map(m).set(f, bytes);

/** A representation's byte sequence: a frame, a swap slot, a file's content, the bytes a step returns. */
export interface Sequence<B> extends ArrayLike<number> {
  slice(start?: number, end?: number): B;
}

/** A crash's history (the step record's was), its bytes B and its promised set in the representation's form. */
export interface WasFields<B> {
  readonly op: StepRecord['was']['op'];
  readonly file: string;
  readonly atomic: boolean;
  readonly recovery: StepRecord['recovery'];
  readonly returned: boolean;
  readonly durable: B;
  readonly post: B;
  readonly promised: unknown;
}

/** The step record (the spec's NoStep's fields), its bytes B and its sets in the representation's form. */
type StepFields<B> = Omit<
  StepRecord,
  'out' | 'wrote' | 'needed' | 'excused' | 'bound' | 'preserved' | 'reread' | 'lapsed' | 'doubted' | 'was'
> & {
  readonly was: WasFields<B>;
  readonly out: B;
  readonly wrote: unknown;
  readonly needed: unknown;
  readonly excused: unknown;
  readonly bound: unknown;
  readonly preserved: unknown;
  readonly reread: unknown;
  readonly lapsed: unknown;
  readonly doubted: unknown;
};

/**
 * Segment bytes [start, end) as a refresh sees them: bound to offsets
 * x + delta of (snapshots of) file, or, in the ghost's terms, holding the
 * values that came from there. The step record's reread, lapsed and doubted
 * are sets of such bytes.
 */
export interface FileRun {
  readonly start: number;
  readonly end: number;
  readonly file: string;
  readonly delta: number;
}

/** The <<address, file, offset>> triples of byte runs, by address (the per-byte step record's form). */
export const triplesOf = (runs: readonly FileRun[]): [number, string, number][] =>
  runs.flatMap((r) =>
    Array.from({ length: r.end - r.start }, (_, i): [number, string, number] => [
      r.start + i,
      r.file,
      r.start + i + r.delta,
    ]),
  );

/** The byte runs of <<address, file, offset>> triples (sorted by address), consecutive ones merged. */
export function fileRunsOf(triples: readonly (readonly [number, string, number])[]): FileRun[] {
  const out: FileRun[] = [];
  for (const [a, file, o] of triples) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end === a && last.file === file && last.delta === o - a)
      out[out.length - 1] = { ...last, end: a + 1 };
    else out.push({ start: a, end: a + 1, file, delta: o - a });
  }
  return out;
}

/**
 * The spec's variables as the actions see them: frames, swap slots and
 * files are sequences B; src, snap and origin are the representation's own,
 * reached through its Operators only.
 */
export interface Variables<B> extends FileSystemVariables<B> {
  readonly src: unknown;
  readonly frame: readonly (B | null)[];
  readonly swap: readonly (B | null)[];
  readonly snap: unknown;
  readonly file: ReadonlyMap<string, B>;
  readonly origin: unknown;
  readonly lost: unknown;
  readonly last: StepFields<B>;
  readonly steps: number;
}

/** A step's effect on the files and the file system: the variables NoIo or Io sets (DeferredIO.tla). */
type FileSystemStep<S extends Variables<unknown>> = Pick<
  S,
  'file' | 'disk' | 'journal' | 'opened' | 'log' | 'before' | 'synced' | 'interrupted'
>;

/** Bytes written at an offset: what the spec's Patched takes as a function from offsets to values. */
export interface Written {
  readonly at: number;
  readonly bytes: ArrayLike<number>;
}

/**
 * The spec's operators the actions use, over one representation S of its
 * variables (DeferredIO.tla, "Derived values", "File changes", "Release and
 * commit"), by the spec's names. Where the spec defines a value per byte
 * (View, Known, Provable, Vouched) the operator answers for a range at once.
 */
export interface Operators<S extends Variables<B>, B extends Sequence<B>> {
  /** The state the spec's Init gives the engine's variables, with these files (a crash goes back to it). */
  Init(c: Constants, file: S['file']): S;
  /** The step record with every field empty (spec: NoStep). */
  NoStep(c: Constants): S['last'];
  /** The bytes as the representation's byte sequence. */
  Bytes(data: ArrayLike<number>): B;
  /**
   * The <<file, offset, value>> triples a crash's record promises (the
   * spec's was.promised): each Persistent file's bytes below all three
   * lengths where synced, old and now agree, with synced's value.
   */
  Promised(
    c: Constants,
    synced: ReadonlyMap<string, B>,
    old: ReadonlyMap<string, B>,
    now: ReadonlyMap<string, B>,
  ): S['last']['was']['promised'];
  /** file[f]. */
  fileOf(st: S, f: string): B;
  /** View(a) for a in lo..hi-1. */
  View(c: Constants, st: S, lo: number, hi: number): B;
  /** The addresses in lo..hi-1 that are not Known. */
  Unknown(c: Constants, st: S, lo: number, hi: number): Intervals;
  Dirty(c: Constants, src: S['src'], p: number): boolean;
  /** The offsets of a write of bytes a..a+n-1 to f at pos whose byte is Provable. */
  Provable(c: Constants, st: S, a: number, n: number, f: string, pos: number): Intervals;
  /** The offsets of that write whose byte is Vouched, and those of them only a "neighbour" fact vouches for. */
  Vouched(st: S, a: number, n: number, f: string, pos: number): { all: Intervals; neighbour: Intervals };
  /** ChosenSnap(Reusable(snap, f, blocks), snap) for the blocks of the offsets [lo, hi). */
  ChosenSnap(c: Constants, st: S, snap: S['snap'], f: string, offs: Interval): number;
  /** Reusable(snap, f, blocks) for the blocks of the offsets offs, ascending (liveness judged by st's binding). */
  Reusable(c: Constants, st: S, snap: S['snap'], f: string, offs: Intervals): number[];
  /** FreeIds(snap), ascending. */
  FreeIds(c: Constants, snap: S['snap']): number[];
  /** The bytes of lo..hi-1 a refresh re-reads: not Known, their offset inside their file now; in address order. */
  Refreshable(c: Constants, st: S, lo: number, hi: number): FileRun[];
  /** The bytes of lo..hi-1 whose origin fact is `fact`, with no copy (page not resident), inside their file now (spec: Lapsed). */
  Lapsed(c: Constants, st: S, lo: number, hi: number, fact: 'gone' | 'doubtful'): S['last']['lapsed'];
  /** A set of bytes as the step record holds it (reread). */
  RecordedBytes(runs: readonly FileRun[]): S['last']['reread'];
  WithSnap(c: Constants, snap: S['snap'], s: number, f: string, content: B): S['snap'];
  CopyBeforeWrite(c: Constants, st: S, f: string, offs: Intervals): S['snap'];
  Changed(snap: S['snap'], f: string): S['snap'];
  Spoiled(st: S, f: string): S['snap'];
  Facts(c: Constants, st: S, f: string, offs: Intervals): S['origin'];
  Forgotten(c: Constants, st: S, f: string): S['origin'];
  BoundAt(st: S, f: string, offs: Intervals): S['last']['bound'];
  /** seq with the writes (each inside 0..len-1) written, cut or zero-extended to len. */
  Patched(seq: B, writes: readonly Written[], len: number): B;
  /** src with bytes lo..hi-1 Zero, Anon, or (first a Snap source) bound to first's offset and on. */
  Sources(src: S['src'], lo: number, hi: number, first: Source): S['src'];
  /** origin with bytes lo..hi-1 of no origin, or (first an OriginAt) from first's offset and on. */
  Origins(origin: S['origin'], lo: number, hi: number, first: Origin): S['origin'];
  /** A set of offsets as the step record holds it. */
  Recorded(offs: Intervals): S['last']['wrote'];
  /** The table with every snapshot no byte is bound to freed, and every preserved block no byte references dropped. */
  Release(c: Constants, src: S['src'], snap: S['snap']): S['snap'];
  /** The swap slots with a page that has no Anon byte holding none. */
  SwapKept(c: Constants, src: S['src'], swap: S['swap']): S['swap'];
  /** lost' after the step from st: the value of every byte unknown under the new src, frames and table; 0 for a known byte. */
  Lost(c: Constants, st: S, src: S['src'], frame: S['frame'], snap: S['snap']): S['lost'];
  /** The <<snapshot, block>> pairs preserved in the table after and not before. */
  Preserved(c: Constants, before: S['snap'], after: S['snap']): S['last']['preserved'];
}

/** The file system where a step makes no call (spec: NoIo): nothing logged, before is now. */
const NoIo = <S extends Variables<unknown>>(c: Constants, st: S): FileSystemStep<S> => ({
  file: st.file,
  disk: st.disk,
  journal: st.journal,
  opened: st.opened,
  log: [],
  before: Now(c, st) as S['before'],
  synced: st.synced,
  interrupted: st.interrupted,
});

/** The engine raised an error and changed nothing but the record and the step count (spec: NoIo /\ Refused). */
const Refused = <S extends Variables<unknown>>(c: Constants, st: S, rec: S['last'], err: StepRecord['err']): S => ({
  ...st,
  ...NoIo(c, st),
  last: { ...rec, err },
  steps: st.steps + 1,
});
const Refuse = <S extends Variables<unknown>>(c: Constants, st: S, rec: S['last']): S =>
  Refused(c, st, rec, 'FileChangedError');

/** After a crash f must be opened again, which recovers it, before anything reads or writes it (spec: Pending). */
const Pending = <S extends Variables<unknown>>(c: Constants, st: S, f: string): boolean =>
  c.Persistent.includes(f) && !st.opened.get(f)!;

/** The spec's actions over the representation whose operators are R. */
export function actionsOver<S extends Variables<B>, B extends Sequence<B>>(R: Operators<S, B>) {
  /** [NoStep EXCEPT ...]: the record of a step, its other fields empty. */
  const stepRecord = (c: Constants, fields: Partial<StepFields<B>>): S['last'] => ({ ...R.NoStep(c), ...fields });

  const F = fileSystemOver<B>(R);
  /** The representation's empty byte sequence: the data of calls that carry none. */
  const empty = R.Bytes([]);

  /**
   * The file system in a step that makes the calls on file f (spec: Io):
   * f's content after them; if f is Persistent, the calls logged and the
   * durable state and the journal after them; durable, the call returns
   * promising durability (the ghost synced records the content); settled,
   * it is an atomic write-back or a recovery that returns: the ghost
   * interrupted clears, and the file is open.
   */
  const Io = (
    c: Constants,
    st: S,
    f: string,
    calls: readonly IoCallOf<B>[],
    durable: boolean,
    settled: boolean,
  ): FileSystemStep<S> => {
    if (!c.Persistent.includes(f))
      return { ...NoIo(c, st), file: withFile(st.file, f, F.Contents(R.fileOf(st, f), calls)) };
    const now = Now(c, st);
    const after = F.Applied(now, calls);
    return {
      file: withFile(st.file, f, after.file.get(f)!),
      disk: after.disk,
      journal: after.journal,
      opened: settled ? withFile(st.opened, f, true) : st.opened,
      log: calls,
      before: now,
      synced: durable ? withFile(st.synced, f, after.file.get(f)!) : st.synced,
      interrupted: settled ? withFile(st.interrupted, f, F.Uninterrupted(empty)) : st.interrupted,
    };
  };

  /**
   * Commit ends every step that is not refused: it installs the new
   * binding, frames, swap slots, snapshot table and origins, releases what is
   * no longer needed, keeps lost in step, and records the step with the
   * blocks it preserved (before releasing: a block preserved and released in
   * one step was still copied) and whether it faulted.
   */
  const Commit = (
    c: Constants,
    st: S,
    io: FileSystemStep<S>,
    src: S['src'],
    frame: S['frame'],
    swap: S['swap'],
    snap: S['snap'],
    origin: S['origin'],
    rec: S['last'],
  ): S => {
    const released = R.Release(c, src, snap);
    // The spread only gives the result the representation's type S: every variable is set below.
    return {
      ...st,
      ...io,
      src,
      frame,
      swap: R.SwapKept(c, src, swap),
      snap: released,
      origin,
      lost: R.Lost(c, st, src, frame, released),
      last: {
        ...rec,
        fault: frame.some((fr, p) => fr !== Absent && st.frame[p] === Absent),
        preserved: R.Preserved(c, st.snap, snap),
      },
      steps: st.steps + 1,
    };
  };

  /** View(a): what a load of address a returns. */
  const View = (c: Constants, st: S, a: number): number => R.View(c, st, a, a + 1)[0]!;

  /** The B bytes page p holds: what a fault-in puts in its frame (spec: PageView). */
  const PageView = (c: Constants, st: S, p: number): B => R.View(c, st, p * c.B, (p + 1) * c.B);

  /** A page can be faulted in only if every byte of it is known (spec: Fillable). */
  const Fillable = (c: Constants, st: S, p: number): boolean => R.Unknown(c, st, p * c.B, (p + 1) * c.B).length === 0;

  /** Page p as a step that faults it in sees it: its frame, else its View if it can be filled; null if not (the step is refused). */
  const faulted = (c: Constants, st: S, p: number): B | null =>
    st.frame[p] ?? (Fillable(c, st, p) ? PageView(c, st, p) : null);

  /** Page p's bytes detached, as a store detaches them: Anon, with no origin. */
  const detached = (c: Constants, st: S, p: number) => ({
    src: R.Sources(st.src, p * c.B, (p + 1) * c.B, AnonSrc),
    origin: R.Origins(st.origin, p * c.B, (p + 1) * c.B, NoOrigin(c)),
  });

  /**
   * The frames once bytes lo..hi-1 take new values (bytes(x, y) for x..y-1):
   * a page entirely covered drops its frame, a resident page only partly
   * covered gets the new values of the covered bytes in its frame.
   */
  const covered = (
    c: Constants,
    frame: S['frame'],
    lo: number,
    hi: number,
    bytes: (x: number, y: number) => ArrayLike<number>,
  ) =>
    frame.map((fr, q) => {
      const x = Math.max(lo, q * c.B);
      const y = Math.min(hi, (q + 1) * c.B);
      if (fr === Absent || x >= y) return fr;
      if (y - x === c.B) return Absent;
      return R.Patched(fr, [{ at: x - q * c.B, bytes: bytes(x, y) }], c.B);
    });

  /** The swap slots once bytes lo..hi-1 take new values: a page entirely covered drops its slot. */
  const uncovered = (c: Constants, swap: S['swap'], lo: number, hi: number) =>
    swap.map((sw, r) => (lo <= r * c.B && (r + 1) * c.B <= hi ? Absent : sw));

  /** A change to file f from outside the segment: f's content, the snapshots and the origins change, the segment does not. */
  const fileChanged = (
    c: Constants,
    st: S,
    f: string,
    k: IoCallOf<B>,
    snap: S['snap'],
    origin: S['origin'],
    rec: S['last'],
  ): S | null =>
    Pending(c, st, f)
      ? null
      : Commit(c, st, Io(c, st, f, [k], false, false), st.src, st.frame, st.swap, snap, origin, rec);

  /**
   * The file-system state a crash after call cut of the last step starts
   * from (spec: Applied(before, SubSeq(log, 1, cut))), or null where
   * crash(_, cut) is not enabled: nothing Persistent, the last step a
   * crash, or cut not a call of the last step (0 if it made none).
   */
  const crashedAt = (c: Constants, st: S, cut: number): FileSystemOf<B> | null => {
    if (c.Persistent.length === 0 || st.last.op === 'crash') return null;
    if (st.log.length === 0 ? cut !== 0 : cut < 1 || cut > st.log.length) return null;
    return F.Applied(st.before, st.log.slice(0, cut));
  };

  /** The snapshots that could serve a binding of f's offsets offs, as <<snapshot, file>> pairs (spec: Offered). */
  const offered = (c: Constants, st: S, snap: S['snap'], f: string, offs: Intervals): [number, string][] =>
    R.Reusable(c, st, snap, f, offs).map((s): [number, string] => [s, f]);

  /** A write of data at pos, or a truncate to len, of f: another writer's one call (spec: WriteCall, TruncateCall). */
  const writeCall = (f: string, pos: number, data: readonly number[]): IoCallOf<B> =>
    F.call('write', f, empty, { off: pos, data: R.Bytes(data) });
  const truncateCall = (f: string, len: number): IoCallOf<B> => F.call('truncate', f, empty, { len });

  return {
    /**
     * read(f, pos, a, n): returns k = min(n, len - pos), 0 at or past EOF.
     * Bytes a..a+k-1 are bound to offsets pos..pos+k-1 of the chosen snapshot.
     * No data moves: a page entirely covered drops its frame and swap slot; a
     * resident page only partly covered has just the covered bytes refreshed
     * from the file (the fragment copy; the file's bytes are the snapshot's).
     * Never refused: it reads nothing it must trust. Not while f's journal
     * awaits recovery.
     */
    Read(c: Constants, st: S, f: string, pos: number, a: number, n: number): S | null {
      if (Pending(c, st, f)) return null;
      const content = R.fileOf(st, f);
      const k = pos >= content.length ? 0 : Math.min(n, content.length - pos);
      const rec = stepRecord(c, { op: 'read', file: f, pos, addr: a, len: n, ret: k });
      if (k === 0) return Commit(c, st, NoIo(c, st), st.src, st.frame, st.swap, st.snap, st.origin, rec);
      const s = R.ChosenSnap(c, st, st.snap, f, [pos, pos + k]);
      return Commit(
        c,
        st,
        NoIo(c, st),
        R.Sources(st.src, a, a + k, SnapSrc(s, pos)),
        // Every byte read is inside the file (k stops at its end).
        covered(c, st.frame, a, a + k, (x, y) => content.slice(pos + x - a, pos + y - a)),
        uncovered(c, st.swap, a, a + k),
        R.WithSnap(c, st.snap, s, f, content),
        R.Origins(st.origin, a, a + k, OriginAt(f, pos)),
        { ...rec, offered: offered(c, st, st.snap, f, [[pos, pos + k]]) },
      );
    },

    /**
     * load(a): returns View(a). A page not resident is faulted in: its frame
     * gets the page's View and its swap slot is freed -- unless a byte of it
     * is no longer known: then the load is refused.
     */
    Load(c: Constants, st: S, a: number): S {
      const p = Math.floor(a / c.B);
      const rec = stepRecord(c, { op: 'load', addr: a });
      if (st.frame[p] !== Absent)
        return Commit(c, st, NoIo(c, st), st.src, st.frame, st.swap, st.snap, st.origin, {
          ...rec,
          ret: View(c, st, a),
        });
      if (!Fillable(c, st, p)) return Refuse(c, st, rec);
      return Commit(
        c,
        st,
        NoIo(c, st),
        st.src,
        setAt(st.frame, p, PageView(c, st, p)),
        setAt(st.swap, p, Absent),
        st.snap,
        st.origin,
        { ...rec, ret: View(c, st, a) },
      );
    },

    /**
     * store(a, v): faults the page in, sets the byte, and detaches the whole
     * page: every byte becomes Anon (so its old bindings may be released) and
     * loses its origin. Refused like a load when the page cannot be faulted in.
     */
    Store(c: Constants, st: S, a: number, v: number): S {
      const p = Math.floor(a / c.B);
      const rec = stepRecord(c, { op: 'store', addr: a, val: v });
      const base = faulted(c, st, p);
      if (base === null) return Refuse(c, st, rec);
      const { src, origin } = detached(c, st, p);
      const fr = R.Patched(base, [{ at: a % c.B, bytes: [v] }], c.B);
      return Commit(c, st, NoIo(c, st), src, setAt(st.frame, p, fr), setAt(st.swap, p, Absent), st.snap, origin, rec);
    },

    /**
     * bytes(a, n, w): a direct view of bytes a..a+n-1, all in one page: the
     * page is faulted in like a load (and refused like one), and a writable
     * view (w) detaches the page first, as a store of its own values would.
     * The view is the frame's bytes (out).
     */
    Bytes(c: Constants, st: S, a: number, n: number, w: boolean): S {
      const p = Math.floor(a / c.B);
      const rec = stepRecord(c, { op: 'bytes', addr: a, len: n, writable: w });
      const fr = faulted(c, st, p);
      if (fr === null) return Refuse(c, st, rec);
      const { src, origin } = w ? detached(c, st, p) : st;
      return Commit(c, st, NoIo(c, st), src, setAt(st.frame, p, fr), setAt(st.swap, p, Absent), st.snap, origin, {
        ...rec,
        out: fr.slice(a % c.B, (a % c.B) + n),
      });
    },

    /**
     * copyOut(a, n): copies the View of bytes a..a+n-1 out (out) without
     * faulting any page in. Refused if a byte is no longer known.
     */
    CopyOut(c: Constants, st: S, a: number, n: number): S {
      const rec = stepRecord(c, { op: 'copyOut', addr: a, len: n });
      if (R.Unknown(c, st, a, a + n).length > 0) return Refuse(c, st, rec);
      return Commit(c, st, NoIo(c, st), st.src, st.frame, st.swap, st.snap, st.origin, {
        ...rec,
        out: R.View(c, st, a, a + n),
      });
    },

    /**
     * prefetch(p, n): the engine's batched fill: pages p..p+n-1 that are not
     * resident are faulted in, in order, up to the first that cannot be (best
     * effort: that page is left for its own fault to refuse).
     */
    Prefetch(c: Constants, st: S, p: number, n: number): S {
      let stop = p;
      while (stop < p + n && (st.frame[stop] !== Absent || Fillable(c, st, stop))) stop++;
      const inRun = (q: number) => p <= q && q < stop;
      return Commit(
        c,
        st,
        NoIo(c, st),
        st.src,
        st.frame.map((fr, q) => (inRun(q) && fr === Absent ? PageView(c, st, q) : fr)),
        st.swap.map((sw, q) => (inRun(q) ? Absent : sw)),
        st.snap,
        st.origin,
        stepRecord(c, { op: 'prefetch', page: p, len: n }),
      );
    },

    /**
     * write(a, n, f, pos, rebind): the View of bytes a..a+n-1, taken before
     * any file change, goes to f[pos..pos+n-1]; provable bytes are skipped,
     * the rest written (the file grows as needed, a gap reads as zero; writing
     * nothing changes nothing). Refused if a byte to be written is no longer
     * known. The write is itself a change to f, so copy-before-write comes
     * first. With rebind the bytes are then bound to the written range: a
     * written page becomes clean, and the next write-back of an unchanged
     * region skips everything. The bytes written go in runs (the maximal
     * ranges written, ascending), one write call each; with sync the file
     * is then fsynced; with atomic (which implies sync) the runs go through
     * a journal first (WriteBackCalls). A file whose journal awaits
     * recovery cannot be written.
     */
    Write(
      c: Constants,
      st: S,
      a: number,
      n: number,
      f: string,
      pos: number,
      rebind: boolean,
      sync: boolean,
      atomic: boolean,
    ): S | null {
      if (pos + n > c.MaxLen || (atomic && !sync) || (sync && !c.Persistent.includes(f)) || Pending(c, st, f))
        return null;
      const rec = stepRecord(c, { op: 'write', addr: a, len: n, file: f, pos, rebind, sync, atomic });
      const offsets = normalize([[pos, pos + n]]);
      const need = subtract(offsets, R.Provable(c, st, a, n, f, pos));
      if (intersect(shift(need, a - pos), R.Unknown(c, st, a, a + n)).length > 0) return Refuse(c, st, rec);
      const before = R.fileOf(st, f);
      const runs = F.RunRecords(need, (lo, hi) => R.View(c, st, lo - pos + a, hi - pos + a), before, empty);
      const written = F.Contents(before, F.RunWrites(f, runs));
      const io = Io(
        c,
        st,
        f,
        F.WriteBackCalls(f, runs, sync, atomic, before.length, written.length, empty),
        sync,
        atomic,
      );
      const snap = need.length === 0 ? st.snap : R.Changed(R.CopyBeforeWrite(c, st, f, need), f);
      const facts = R.Facts(c, st, f, need);
      const vouched = R.Vouched(st, a, n, f, pos);
      const done = {
        ...rec,
        written: size(need),
        skipped: n - size(need),
        wrote: R.Recorded(need),
        needed: R.Recorded(subtract(offsets, vouched.all)),
        excused: R.Recorded(vouched.neighbour),
        bound: R.BoundAt(st, f, need),
      };
      if (!rebind || n === 0) return Commit(c, st, io, st.src, st.frame, st.swap, snap, facts, done);
      const s = R.ChosenSnap(c, st, snap, f, [pos, pos + n]);
      return Commit(
        c,
        st,
        io,
        R.Sources(st.src, a, a + n, SnapSrc(s, pos)),
        st.frame,
        st.swap,
        R.WithSnap(c, snap, s, f, written),
        R.Origins(facts, a, a + n, OriginAt(f, pos)),
        { ...done, offered: offered(c, st, snap, f, [[pos, pos + n]]) },
      );
    },

    /**
     * zero(a, n): the "memset syscall". Bytes become Zero without loading:
     * entirely covered pages drop frame and swap slot; a resident page only
     * partly covered gets zeros in its frame.
     */
    Zero(c: Constants, st: S, a: number, n: number): S {
      return Commit(
        c,
        st,
        NoIo(c, st),
        R.Sources(st.src, a, a + n, ZeroSrc),
        covered(c, st.frame, a, a + n, (x, y) => new Array<number>(y - x).fill(0)),
        uncovered(c, st.swap, a, a + n),
        st.snap,
        R.Origins(st.origin, a, a + n, NoOrigin(c)),
        stepRecord(c, { op: 'zero', addr: a, len: n }),
      );
    },

    /**
     * refresh(a, n): the program accepts the files' current bytes for what it
     * lost. Every byte of a..a+n-1 the engine no longer knows whose offset o
     * is inside its file now is bound to offset o of the file as it is now:
     * to the lowest snapshot of the file reusable for the blocks re-read from
     * it, else a new one (one per file; new ones take the lowest free ids in
     * the order of each file's first such byte). A byte at or past the end of
     * its file stays lost; a known byte is never touched. Copies nothing;
     * never refused.
     */
    Refresh(c: Constants, st: S, a: number, n: number): S {
      const rec = stepRecord(c, {
        op: 'refresh',
        addr: a,
        len: n,
        lapsed: R.Lapsed(c, st, a, a + n, 'gone'),
        doubted: R.Lapsed(c, st, a, a + n, 'doubtful'),
      });
      const lost = R.Refreshable(c, st, a, a + n);
      if (lost.length === 0) return Commit(c, st, NoIo(c, st), st.src, st.frame, st.swap, st.snap, st.origin, rec);
      const files: string[] = [];
      for (const r of lost) if (!files.includes(r.file)) files.push(r.file);
      const free = R.FreeIds(c, st.snap);
      let made = 0;
      let snap = st.snap;
      const to = new Map<string, number>();
      const offers: [number, string][] = [];
      for (const f of files) {
        const offs = normalize(
          lost.filter((r) => r.file === f).map((r): Interval => [r.start + r.delta, r.end + r.delta]),
        );
        const reusable = offered(c, st, st.snap, f, offs);
        offers.push(...reusable);
        const s = reusable[0]?.[0] ?? free[made++];
        // The spec CHOOSEs from an empty set here, which stops TLC: the ASSUME on MaxSnap rules it out.
        if (s === undefined) throw new Error('Refresh: no reusable snapshot and no free id (MaxSnap below the ASSUME)');
        to.set(f, s);
        snap = R.WithSnap(c, snap, s, f, R.fileOf(st, f));
      }
      let src = st.src;
      let origin = st.origin;
      for (const r of lost) {
        src = R.Sources(src, r.start, r.end, SnapSrc(to.get(r.file)!, r.start + r.delta));
        origin = R.Origins(origin, r.start, r.end, OriginAt(r.file, r.start + r.delta));
      }
      return Commit(c, st, NoIo(c, st), src, st.frame, st.swap, snap, origin, {
        ...rec,
        ret: lost.reduce((k, r) => k + r.end - r.start, 0),
        reread: R.RecordedBytes(lost),
        offered: offers.sort((x, y) => x[0] - y[0]),
      });
    },

    /** fileWrite(f, pos, data): another writer writes data at pos through the engine. Copy-before-write first, so no snapshot changes. */
    FileWrite(c: Constants, st: S, f: string, pos: number, data: readonly number[]): S | null {
      if (pos + data.length > c.MaxLen) return null;
      const offs = normalize([[pos, pos + data.length]]);
      return fileChanged(
        c,
        st,
        f,
        writeCall(f, pos, data),
        R.Changed(R.CopyBeforeWrite(c, st, f, offs), f),
        R.Facts(c, st, f, offs),
        stepRecord(c, { op: 'fileWrite', file: f, pos, data, bound: R.BoundAt(st, f, offs) }),
      );
    },

    /**
     * fileTruncate(f, len): another writer cuts or extends f to len bytes
     * through the engine: copy-before-write of the offsets cut. Even a
     * truncate to the current length is a change (it moves mtime).
     */
    FileTruncate(c: Constants, st: S, f: string, len: number): S | null {
      const cut = normalize([[len, R.fileOf(st, f).length]]);
      return fileChanged(
        c,
        st,
        f,
        truncateCall(f, len),
        R.Changed(R.CopyBeforeWrite(c, st, f, cut), f),
        R.Facts(c, st, f, cut),
        stepRecord(c, { op: 'fileTruncate', file: f, len, bound: R.BoundAt(st, f, cut) }),
      );
    },

    /**
     * outsideWrite(f, pos, data): another process writes f behind the engine's
     * back: no copy-before-write. The engine notices by the file's identity
     * and distrusts every snapshot of f; their bytes not already resident,
     * preserved or isolated are lost.
     */
    OutsideWrite(c: Constants, st: S, f: string, pos: number, data: readonly number[]): S | null {
      if (pos + data.length > c.MaxLen) return null;
      return fileChanged(
        c,
        st,
        f,
        writeCall(f, pos, data),
        R.Spoiled(st, f),
        R.Forgotten(c, st, f),
        stepRecord(c, { op: 'outsideWrite', file: f, pos, data }),
      );
    },

    /** outsideTruncate(f, len): another process cuts or extends f behind the engine's back (to the same length too: mtime moves). */
    OutsideTruncate(c: Constants, st: S, f: string, len: number): S | null {
      return fileChanged(
        c,
        st,
        f,
        truncateCall(f, len),
        R.Spoiled(st, f),
        R.Forgotten(c, st, f),
        stepRecord(c, { op: 'outsideTruncate', file: f, len }),
      );
    },

    /**
     * outsideMetadata(f): another process changes only f's metadata behind the
     * engine's back (chmod, chown, a link, an xattr, a utimes that puts mtime
     * back). No byte changes, so the engine loses nothing.
     */
    OutsideMetadata(c: Constants, st: S, f: string): S | null {
      if (Pending(c, st, f)) return null;
      return Commit(
        c,
        st,
        NoIo(c, st),
        st.src,
        st.frame,
        st.swap,
        st.snap,
        st.origin,
        stepRecord(c, { op: 'outsideMetadata', file: f }),
      );
    },

    /**
     * evict(p): a resident page leaves memory. A dirty page's bytes go to its
     * swap slot; a clean page's are dropped, as its sources re-derive them (a
     * byte whose source is no longer known is lost with it).
     */
    Evict(c: Constants, st: S, p: number): S | null {
      const fr = st.frame[p]!;
      if (fr === Absent) return null;
      return Commit(
        c,
        st,
        NoIo(c, st),
        st.src,
        setAt(st.frame, p, Absent),
        setAt(st.swap, p, R.Dirty(c, st.src, p) ? fr : Absent),
        st.snap,
        st.origin,
        stepRecord(c, { op: 'evict', page: p }),
      );
    },

    /** fileSync(f): file.sync(), the fsync of a Persistent file: what readers see becomes durable. */
    FileSync(c: Constants, st: S, f: string): S | null {
      if (Pending(c, st, f)) return null;
      return Commit(
        c,
        st,
        Io(c, st, f, [F.call('sync', f, empty)], true, false),
        st.src,
        st.frame,
        st.swap,
        st.snap,
        st.origin,
        stepRecord(c, { op: 'fileSync', file: f }),
      );
    },

    /**
     * Every choice crash(kind, cut) makes inside itself in st (the spec's
     * keep: a kill keeps nothing to choose, a power cut one of Keeps), or
     * null where the crash is not enabled.
     */
    Keeps(c: Constants, st: S, kind: 'kill' | 'power', cut: number): Token[][] | null {
      const at = crashedAt(c, st, cut);
      if (at === null) return null;
      return kind === 'kill' ? [[]] : F.Keeps(c, at);
    },

    /** The choice of crash(kind, cut) nearest the tokens wanted (how the fuzzer chooses); null where the crash is not enabled. */
    NearestKeep(c: Constants, st: S, kind: 'kill' | 'power', cut: number, wanted: readonly Token[]): Token[] | null {
      const at = crashedAt(c, st, cut);
      if (at === null) return null;
      return kind === 'kill' ? [] : F.Nearest(c, at, wanted);
    },

    /**
     * crash(kind, cut) with the choice keep: the process dies after call
     * cut of the last step's log (cut = its length: after the step
     * returned; 0 if it made no call). A kill keeps the page cache whole; a
     * power cut keeps what PowerCut allows. Either way the engine's state is
     * lost: segment bytes, frames, swap, snapshots, their preserved blocks
     * and the ghost origins go back to Init's. Files outside Persistent keep
     * their content. The record's was is the history the crash properties
     * judge the outcome by. Null where not enabled, or keep is not a choice.
     */
    Crash(c: Constants, st: S, kind: 'kill' | 'power', cut: number, keep: readonly Token[]): S | null {
      const at = crashedAt(c, st, cut);
      if (at === null) return null;
      if (kind === 'kill' ? keep.length > 0 : !sameTokens(F.Nearest(c, at, keep), keep)) return null;
      const now = kind === 'kill' ? at : F.PowerCut(c, at, keep);
      const returned = cut === st.log.length;
      const synced = returned ? st.synced : st.before.synced;
      // What the next open shows: a crash after a crash that left a committed journal promises what it will replay.
      const views = (fs: FileSystemOf<B>) => new Map(c.Persistent.map((f) => [f, F.Recovered(c, fs, f)]));
      const view = views(Now(c, st));
      const old = returned ? view : views(st.before);
      const last = st.last;
      const told = (last.op === 'write' && last.atomic) || last.op === 'recover';
      const were = returned ? st.interrupted : st.before.interrupted;
      const init = R.Init(c, st.file);
      return {
        ...init,
        file: new Map([...st.file].map(([f, b]) => [f, c.Persistent.includes(f) ? now.file.get(f)! : b])),
        disk: now.disk,
        journal: now.journal,
        opened: new Map(c.Persistent.map((f) => [f, false])),
        log: [],
        before: Now(c, st),
        synced,
        interrupted: new Map(
          c.Persistent.map((g): [string, InterruptedOf<B>] => {
            const was = were.get(g)!;
            if (!returned && last.op === 'write' && last.atomic && last.file === g)
              return [
                g,
                {
                  cut: true,
                  pre: st.before.file.get(g)!,
                  durable: st.before.disk.get(g)!,
                  post: R.fileOf(st, g),
                  power: kind === 'power',
                },
              ];
            return [g, was.cut ? { ...was, power: was.power || kind === 'power' } : was];
          }),
        ),
        steps: st.steps + 1,
        last: stepRecord(c, {
          op: 'crash',
          kind,
          cut,
          keep: [...keep],
          was: {
            op: last.op,
            file: last.file,
            atomic: last.atomic,
            recovery: last.recovery,
            returned,
            durable: told ? st.before.disk.get(last.file)! : empty,
            post: told ? R.fileOf(st, last.file) : empty,
            promised: R.Promised(c, synced, old, view),
          },
        }),
      };
    },

    /**
     * recover(f): the open of a Persistent file after a crash, before
     * anything else reads or writes it. By Outcome: a committed, trusted
     * journal is replayed, one not committed discarded, either way removed
     * durably; with no journal seen the directory is fsynced
     * (RecoveryCalls); a committed one that cannot be trusted is refused
     * (EJOURNALCORRUPT) and left where it is, the file not opened. Its
     * calls are logged like any step's, so a crash can fall inside it.
     */
    Recover(c: Constants, st: S, f: string): S | null {
      if (!Pending(c, st, f)) return null;
      const j = st.journal.get(f)!;
      const outcome = F.Outcome(c, j, R.fileOf(st, f));
      const rec = stepRecord(c, { op: 'recover', file: f });
      if (outcome === 'corrupt') return Refused(c, st, rec, 'EJOURNALCORRUPT');
      return Commit(
        c,
        st,
        Io(c, st, f, F.RecoveryCalls(f, j, outcome, empty), false, true),
        st.src,
        st.frame,
        st.swap,
        st.snap,
        st.origin,
        { ...rec, recovery: outcome },
      );
    },
  };
}

const sameTokens = (x: readonly Token[], y: readonly Token[]): boolean =>
  x.length === y.length && x.every((t, i) => t[0] === y[i]![0] && t[1] === y[i]![1] && t[2] === y[i]![2]);
