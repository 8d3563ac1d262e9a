/**
 * The file system under the engine, and crashes (DeferredIO.tla, "The file
 * system under the engine, and crashes"), by the spec's names, over either
 * model's byte sequences B (number arrays per byte, Uint8Arrays run-length):
 * the journal's records, the I/O calls a step makes on a Persistent file
 * (the engine's documented order), what calls do to the file-system state
 * (file as readers see it, disk as it is durable, the journal), recovery's
 * outcome and calls, and what a power cut may keep. Only Persistent files
 * are in the file-system state; every function over it is total on them.
 */
import type { Constants } from './constants.ts';
import type { Intervals } from './runs/intervals.ts';

/** A journal record: the header (len: the length before), a run (off, data, pre: what data overwrites), the commit (len: the final length); ok FALSE when torn. */
export interface RecordOf<B> {
  readonly kind: 'header' | 'run' | 'commit';
  readonly off: number;
  readonly data: B;
  readonly pre: B;
  readonly len: number;
  readonly ok: boolean;
}

/** A journal: its name as readers see it (exists) and durable (named), its records, how many are durable (synced). */
export interface JournalOf<B> {
  readonly exists: boolean;
  readonly named: boolean;
  readonly records: readonly RecordOf<B>[];
  readonly synced: number;
}

export type CallOp = 'write' | 'truncate' | 'sync' | 'create' | 'append' | 'journalSync' | 'remove' | 'dirSync';

/** An I/O call on a Persistent file (the spec's IoCall): unused fields 0 or empty. */
export interface IoCallOf<B> {
  readonly op: CallOp;
  readonly file: string;
  readonly off: number;
  readonly data: B;
  readonly len: number;
  readonly records: readonly RecordOf<B>[];
}

/**
 * The ghost interrupted[f]: cut, an atomic write-back of f was cut by a
 * crash and no recovery of f has returned since; pre and durable, f's
 * content and durable content when it began; post, its content had it
 * returned; power, a power cut has fallen since it began.
 */
export interface InterruptedOf<B> {
  readonly cut: boolean;
  readonly pre: B;
  readonly durable: B;
  readonly post: B;
  readonly power: boolean;
}

/** A file-system state over the Persistent files, with the ghosts no call changes (the spec's Now, before). */
export interface FileSystemOf<B> {
  readonly file: ReadonlyMap<string, B>;
  readonly disk: ReadonlyMap<string, B>;
  readonly journal: ReadonlyMap<string, JournalOf<B>>;
  readonly synced: ReadonlyMap<string, B>;
  readonly interrupted: ReadonlyMap<string, InterruptedOf<B>>;
}

/**
 * The spec's variables of the file system, over the Persistent files: the
 * durable contents, the journals, which files are open since the last
 * crash, the last step's calls and the state before it, and the ghosts.
 * (The files as readers see them are the spec's file, over every file.)
 */
export interface FileSystemVariables<B> {
  readonly disk: ReadonlyMap<string, B>;
  readonly journal: ReadonlyMap<string, JournalOf<B>>;
  readonly opened: ReadonlyMap<string, boolean>;
  readonly log: readonly IoCallOf<B>[];
  readonly before: FileSystemOf<B>;
  readonly synced: ReadonlyMap<string, B>;
  readonly interrupted: ReadonlyMap<string, InterruptedOf<B>>;
}

/** What a power cut keeps: <<file, "block", b>>, <<file, "length", 0>>, <<file, "name", 0>>, <<file, "record", i>> (i from 1). */
export type Token = readonly [string, 'block' | 'length' | 'name' | 'record', number];

/** The journal of a file that has none. */
export const NoJournal: JournalOf<never> = { exists: false, named: false, records: [], synced: 0 };

const tokenKinds = ['block', 'length', 'name', 'record'] as const;
/** The order of keep's tokens, as sorted arrays hold the spec's set. */
export const byToken = (x: Token, y: Token): number =>
  (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0) || tokenKinds.indexOf(x[1]) - tokenKinds.indexOf(y[1]) || x[2] - y[2];

/** The most calls one step makes: an atomic write-back of the most runs a segment can hold (every other byte skipped). */
export const MaxCalls = (c: Constants): number => 10 + Math.floor((c.P * c.B + 1) / 2);

/** Byte o of a sequence; past its end a file reads as zero (spec: SeqByte). */
const byteAt = (s: ArrayLike<number>, o: number): number => (o < s.length ? s[o]! : 0);

const mapWith = <T>(m: ReadonlyMap<string, T>, f: string, v: T): Map<string, T> => new Map(m).set(f, v);

/** What a representation's byte sequences give the file system: the spec's Patched. */
export interface SequenceOps<B> {
  /** seq with the writes (each inside 0..len-1) written, cut or zero-extended to len. */
  Patched(seq: B, writes: readonly { readonly at: number; readonly bytes: ArrayLike<number> }[], len: number): B;
}

/** The file system's operators over the byte sequences of one representation. */
export function fileSystemOver<B extends ArrayLike<number>>(S: SequenceOps<B>) {
  const call = (op: CallOp, file: string, empty: B, fields: Partial<IoCallOf<B>> = {}): IoCallOf<B> => ({
    op,
    file,
    off: 0,
    data: empty,
    len: 0,
    records: [],
    ...fields,
  });
  const record = (kind: RecordOf<B>['kind'], empty: B, fields: Partial<RecordOf<B>>): RecordOf<B> => ({
    kind,
    off: 0,
    data: empty,
    pre: empty,
    len: 0,
    ok: true,
    ...fields,
  });

  /**
   * Content s after the calls (the journal's leave it): a write patches, a
   * truncate cuts or extends. Consecutive writes are patched in one go, in
   * order, as one after the other would.
   */
  const Contents = (s: B, calls: readonly IoCallOf<B>[]): B => {
    let at = s;
    let writes: { at: number; bytes: B }[] = [];
    let len = s.length;
    const flush = () => {
      if (writes.length > 0) at = S.Patched(at, writes, len);
      writes = [];
    };
    for (const k of calls) {
      if (k.op === 'write') {
        writes.push({ at: k.off, bytes: k.data });
        len = Math.max(len, k.off + k.data.length);
      } else if (k.op === 'truncate') {
        flush();
        at = S.Patched(at, [], k.len);
        len = k.len;
      }
    }
    flush();
    return at;
  };

  /** A journal after one of its calls (spec: Journaled). */
  const Journaled = (j: JournalOf<B>, k: IoCallOf<B>): JournalOf<B> => {
    switch (k.op) {
      case 'create':
        return { ...NoJournal, exists: true };
      case 'append':
        return { ...j, records: [...j.records, ...k.records] };
      case 'journalSync':
        return { ...j, synced: j.records.length };
      case 'remove':
        return j.named ? { ...j, exists: false } : NoJournal;
      case 'dirSync':
        return j.exists ? { ...j, named: true } : NoJournal;
      default:
        throw new Error(`Journaled: ${k.op} is not a call of the journal`);
    }
  };

  /**
   * State s after the calls, all on one file (a step's are: spec, Applied):
   * its content after them, its durable content as it was at the last
   * fsync among them, its journal after them.
   */
  const Applied = (s: FileSystemOf<B>, calls: readonly IoCallOf<B>[]): FileSystemOf<B> => {
    if (calls.length === 0) return s;
    const f = calls[0]!.file;
    const content = s.file.get(f)!;
    const sync = calls.findLastIndex((k) => k.op === 'sync');
    let journal = s.journal.get(f)!;
    for (const k of calls)
      if (k.op !== 'write' && k.op !== 'truncate' && k.op !== 'sync') journal = Journaled(journal, k);
    return {
      ...s,
      file: mapWith(s.file, f, Contents(content, calls)),
      disk: sync < 0 ? s.disk : mapWith(s.disk, f, Contents(content, calls.slice(0, sync))),
      journal: mapWith(s.journal, f, journal),
    };
  };

  /** One write per run record, in order (spec: RunWrites). */
  const RunWrites = (f: string, runs: readonly RecordOf<B>[]): IoCallOf<B>[] =>
    runs.map((r) => call('write', f, r.data, { off: r.off, data: r.data }));

  /**
   * The calls of a write-back of the run records to f whose length is
   * `before` before and `after` after (spec: WriteBackCalls): plain, the
   * in-place writes, then an fsync if asked; atomic, steps 1 to 11 of
   * crash-interface.md.
   */
  const WriteBackCalls = (
    f: string,
    runs: readonly RecordOf<B>[],
    sync: boolean,
    atomic: boolean,
    before: number,
    after: number,
    empty: B,
  ): IoCallOf<B>[] => {
    if (!atomic) return [...RunWrites(f, runs), ...(sync ? [call('sync', f, empty)] : [])];
    if (runs.length === 0) return [call('sync', f, empty)];
    return [
      call('create', f, empty),
      call('append', f, empty, { records: [record('header', empty, { len: before }), ...runs] }),
      call('journalSync', f, empty),
      call('dirSync', f, empty),
      call('sync', f, empty),
      call('append', f, empty, { records: [record('commit', empty, { len: after })] }),
      call('journalSync', f, empty),
      ...RunWrites(f, runs),
      call('sync', f, empty),
      call('remove', f, empty),
      call('dirSync', f, empty),
    ];
  };

  /** The run records of a write-back: one per maximal range written, its data and the bytes it overwrites (spec: RunRecord). */
  const RunRecords = (offs: Intervals, data: (lo: number, hi: number) => B, content: B, empty: B): RecordOf<B>[] =>
    offs.map(([lo, hi]) =>
      record('run', empty, {
        off: lo,
        data: data(lo, hi),
        pre: S.Patched(empty, [{ at: 0, bytes: padded(content, lo, hi) }], hi - lo),
      }),
    );

  /** The index (from 1) of the first whole commit, or 0 (spec: Lowest(CommitAt(r))). */
  const commitAt = (records: readonly RecordOf<B>[]): number =>
    records.findIndex((r) => r.kind === 'commit' && r.ok) + 1;

  /** The run records before the commit (spec: RunsBefore). */
  const RunsBefore = (records: readonly RecordOf<B>[]): readonly RecordOf<B>[] =>
    records.slice(1, commitAt(records) - 1);

  /**
   * The file s is as the write-back of the runs left it at some point (spec:
   * AsWritten): its length between the lengths before and after, and every
   * block a run touches holding, over the run's bytes below s's length, its
   * bytes before (pre) or after (data).
   */
  const AsWritten = (c: Constants, runs: readonly RecordOf<B>[], before: number, after: number, s: B): boolean => {
    if (s.length < before || s.length > after) return false;
    return runs.every((r) => {
      const end = r.off + r.data.length;
      for (let lo = r.off; lo < end; ) {
        const hi = Math.min(end, (Math.floor(lo / c.B) + 1) * c.B);
        let asPre = true;
        let asData = true;
        for (let o = lo; o < Math.min(hi, s.length); o++) {
          if (byteAt(s, o) !== r.pre[o - r.off]) asPre = false;
          if (byteAt(s, o) !== r.data[o - r.off]) asData = false;
        }
        if (!asPre && !asData) return false;
        lo = hi;
      }
      return true;
    });
  };

  /** No atomic write-back of the file cut (spec: Uninterrupted). */
  const Uninterrupted = (empty: B): InterruptedOf<B> => ({
    cut: false,
    pre: empty,
    durable: empty,
    post: empty,
    power: false,
  });

  /** What recovery does with journal j beside content s (spec: Outcome). */
  const Outcome = (c: Constants, j: JournalOf<B>, s: B): 'none' | 'discarded' | 'corrupt' | 'replayed' => {
    if (!j.exists) return 'none';
    const at = commitAt(j.records);
    if (j.records.length === 0 || !j.records[0]!.ok || at === 0) return 'discarded';
    if (j.records.slice(0, at).some((r) => !r.ok)) return 'corrupt';
    if (!AsWritten(c, RunsBefore(j.records), j.records[0]!.len, j.records[at - 1]!.len, s)) return 'corrupt';
    return 'replayed';
  };

  /**
   * Recovery's calls (spec: RecoveryCalls): replayed, the journal durable
   * first, the runs, the fsync, the removal made durable; discarded, the
   * removal made durable; with no journal seen, the directory's fsync (a
   * removal a crash left not durable must not come back later).
   */
  const RecoveryCalls = (
    f: string,
    j: JournalOf<B>,
    outcome: 'replayed' | 'discarded' | 'none',
    empty: B,
  ): IoCallOf<B>[] => {
    if (outcome === 'replayed')
      return [
        call('journalSync', f, empty),
        ...RunWrites(f, RunsBefore(j.records)),
        call('sync', f, empty),
        call('remove', f, empty),
        call('dirSync', f, empty),
      ];
    if (outcome === 'discarded') return [call('remove', f, empty), call('dirSync', f, empty)];
    return [call('dirSync', f, empty)];
  };

  /** What recovery makes of f in state s (spec: Recovered). */
  const Recovered = (c: Constants, s: FileSystemOf<B>, f: string): B => {
    const j = s.journal.get(f)!;
    const content = s.file.get(f)!;
    return Outcome(c, j, content) === 'replayed' ? Contents(content, RunWrites(f, RunsBefore(j.records))) : content;
  };

  /** What survives of state s however power is cut (spec: DurablePart). */
  const DurablePart = (s: FileSystemOf<B>): FileSystemOf<B> => ({
    ...s,
    file: s.disk,
    journal: new Map(
      [...s.journal].map(([f, j]) => [
        f,
        j.named ? { exists: true, named: true, synced: j.synced, records: j.records.slice(0, j.synced) } : NoJournal,
      ]),
    ),
  });

  /**
   * The Persistent files of state s as the refinement maps them
   * (Refinement.tla): what recovery makes of each, and of what a power cut
   * surely keeps of it.
   */
  const Mapped = (c: Constants, s: FileSystemOf<B>): { file: Map<string, B>; durable: Map<string, B> } => {
    const durable = DurablePart(s);
    return {
      file: new Map(c.Persistent.map((f) => [f, Recovered(c, s, f)])),
      durable: new Map(c.Persistent.map((f) => [f, Recovered(c, durable, f)])),
    };
  };

  /** The length a power cut leaves f (spec: KeptLength). */
  const KeptLength = (s: FileSystemOf<B>, f: string, keep: readonly Token[]): number =>
    has(keep, [f, 'length', 0]) ? s.file.get(f)!.length : s.disk.get(f)!.length;

  /** Whether f's journal survives a power cut (spec: Survives). */
  const Survives = (s: FileSystemOf<B>, f: string, keep: readonly Token[]): boolean =>
    has(keep, [f, 'name', 0]) ? s.journal.get(f)!.exists : s.journal.get(f)!.named;

  /** The blocks of f whose durable and seen versions differ below `length` (a block token's candidates). */
  const changedBlocks = (c: Constants, s: FileSystemOf<B>, f: string, length: number): number[] => {
    const disk = s.disk.get(f)!;
    const seen = s.file.get(f)!;
    const out: number[] = [];
    // One sequence (nothing written since the fsync) differs nowhere: megabytes not compared with themselves.
    if (disk === seen) return out;
    for (let b = 0; b * c.B < length; b++) {
      for (let o = b * c.B; o < Math.min(length, (b + 1) * c.B); o++) {
        if (byteAt(disk, o) !== byteAt(seen, o)) {
          out.push(b);
          break;
        }
      }
    }
    return out;
  };

  /** The record tokens of f's journal when it survives: the records written since its fsync. */
  const recordTokens = (s: FileSystemOf<B>, f: string, survives: boolean): Token[] => {
    const j = s.journal.get(f)!;
    if (!survives) return [];
    return Array.from({ length: j.records.length - j.synced }, (_, i): Token => [f, 'record', j.synced + 1 + i]);
  };

  /** The length and name tokens that make a difference for f (spec: Volatile). */
  const Volatile = (s: FileSystemOf<B>, f: string): { length: Token[]; name: Token[] } => ({
    length: s.disk.get(f)!.length !== s.file.get(f)!.length ? [[f, 'length', 0]] : [],
    name: s.journal.get(f)!.exists !== s.journal.get(f)!.named ? [[f, 'name', 0]] : [],
  });

  /** Every choice of a power cut for f that makes a difference (spec: FileKeeps), each sorted. */
  const FileKeeps = (c: Constants, s: FileSystemOf<B>, f: string): Token[][] => {
    const v = Volatile(s, f);
    const out: Token[][] = [];
    for (const L of subsets(v.length)) {
      const blocks = changedBlocks(c, s, f, KeptLength(s, f, L)).map((b): Token => [f, 'block', b]);
      for (const N of subsets(v.name)) {
        const records = recordTokens(s, f, Survives(s, f, N));
        for (const Bs of subsets(blocks)) {
          for (const R of subsets(records)) out.push([...L, ...N, ...Bs, ...R].sort(byToken));
        }
      }
    }
    return out;
  };

  /** Every choice of a power cut in state s (spec: Keeps): one choice per Persistent file, joined. */
  const Keeps = (c: Constants, s: FileSystemOf<B>): Token[][] =>
    [...s.file.keys()].reduce<Token[][]>(
      (acc, f) => acc.flatMap((k) => FileKeeps(c, s, f).map((fk) => [...k, ...fk].sort(byToken))),
      [[]],
    );

  /**
   * The choice of Keeps(s) nearest `wanted`: of f's length and name tokens,
   * those wanted; of its block and record tokens, those wanted that make a
   * difference given them. How the fuzzer turns random tokens into a power
   * cut the spec allows; a choice in Keeps(s) is its own nearest.
   */
  const Nearest = (c: Constants, s: FileSystemOf<B>, wanted: readonly Token[]): Token[] =>
    [...s.file.keys()]
      .flatMap((f) => {
        const v = Volatile(s, f);
        const L = v.length.filter((t) => has(wanted, t));
        const N = v.name.filter((t) => has(wanted, t));
        const blocks = changedBlocks(c, s, f, KeptLength(s, f, L)).map((b): Token => [f, 'block', b]);
        const records = recordTokens(s, f, Survives(s, f, N));
        return [...L, ...N, ...blocks.filter((t) => has(wanted, t)), ...records.filter((t) => has(wanted, t))];
      })
      .sort(byToken);

  /** A record a power cut tore: its CRC fails, what it holds is garbage (spec: Torn). */
  const Torn = (r: RecordOf<B>): RecordOf<B> => ({
    ...r,
    ok: false,
    data: S.Patched(S.Patched(r.data, [], 0), [], r.data.length),
    len: 0,
  });

  /** The state a power cut that keeps `keep` leaves of s (spec: PowerCut): then everything is durable. */
  const PowerCut = (c: Constants, s: FileSystemOf<B>, keep: readonly Token[]): FileSystemOf<B> => {
    const files = new Map<string, B>();
    const journals = new Map<string, JournalOf<B>>();
    for (const f of s.file.keys()) {
      const seen = s.file.get(f)!;
      const disk = s.disk.get(f)!;
      const length = KeptLength(s, f, keep);
      const writes: { at: number; bytes: ArrayLike<number> }[] = [];
      for (let b = 0; b * c.B < length; b++) {
        const version = has(keep, [f, 'block', b]) ? seen : disk;
        writes.push({ at: b * c.B, bytes: padded(version, b * c.B, Math.min(length, (b + 1) * c.B)) });
      }
      files.set(f, S.Patched(disk, writes, length));
      const j = s.journal.get(f)!;
      journals.set(
        f,
        Survives(s, f, keep)
          ? {
              exists: true,
              named: true,
              records: j.records.map((r, i) => (i < j.synced || has(keep, [f, 'record', i + 1]) ? r : Torn(r))),
              synced: j.records.length,
            }
          : NoJournal,
      );
    }
    return { ...s, file: files, disk: files, journal: journals };
  };

  return {
    Contents,
    Journaled,
    Applied,
    RunWrites,
    WriteBackCalls,
    RunRecords,
    RunsBefore,
    Outcome,
    RecoveryCalls,
    Uninterrupted,
    Recovered,
    DurablePart,
    Mapped,
    Keeps,
    Nearest,
    PowerCut,
    call,
  };
}

/** Bytes lo..hi-1 of s, zeros past its end: of a run-length sequence inside it, a view (Patched copies what it is given). */
function padded(s: ArrayLike<number>, lo: number, hi: number): ArrayLike<number> {
  if (s instanceof Uint8Array && hi <= s.length) return s.subarray(lo, hi);
  return Array.from({ length: hi - lo }, (_, i) => byteAt(s, lo + i));
}

const has = (keep: readonly Token[], t: Token): boolean =>
  keep.some((k) => k[0] === t[0] && k[1] === t[1] && k[2] === t[2]);

/** Every subset of xs, as arrays in xs's order. */
function subsets<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [[]];
  for (const x of xs) for (const s of out.splice(0)) out.push(s, [...s, x]);
  return out;
}
