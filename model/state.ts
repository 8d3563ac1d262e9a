/**
 * The spec's variables as immutable TypeScript data (DeferredIO.tla,
 * VARIABLES), with the same names; the types come from the schemas
 * (model/schema.ts). Absent (<<>> in the spec) is null here; sets are
 * sorted arrays.
 */
import { Addrs, Blocks, type Constants, Pages, SnapIds } from './constants.ts';
import { type FileSystemOf, type FileSystemVariables, NoJournal } from './file-system.ts';
import type { Bytes, MaybeBytes, Origin, Snapshot, Source, State, StepRecord, Was } from './schema.ts';

export type {
  Bytes,
  Call,
  Journal,
  JournalRecord,
  MaybeBytes,
  Op,
  Origin,
  Snapshot,
  Source,
  State,
  StepRecord,
  Token,
  Was,
} from './schema.ts';

/** A frame, swap slot or preserved block that is not there. */
export const Absent = null;

export const ZeroSrc: Source = { kind: 'Zero', snap: 0, off: 0 };
export const AnonSrc: Source = { kind: 'Anon', snap: 0, off: 0 };
export const SnapSrc = (snap: number, off: number): Source => ({ kind: 'Snap', snap, off });

export const NoOrigin = (c: Constants): Origin => ({ file: c.NoFile, off: 0, fact: 'none' });
export const OriginAt = (file: string, off: number): Origin => ({ file, off, fact: 'intact' });

/** A crash record's history where there was no crash (spec: NoWas). */
export const NoWas = (c: Constants): Was => ({
  op: 'none',
  file: c.NoFile,
  atomic: false,
  recovery: 'none',
  returned: true,
  durable: [],
  post: [],
  promised: [],
});

export const NoStep = (c: Constants): StepRecord => ({
  op: 'init',
  addr: 0,
  len: 0,
  file: c.NoFile,
  pos: 0,
  val: 0,
  data: [],
  page: 0,
  rebind: false,
  writable: false,
  ret: 0,
  out: [],
  err: 'none',
  fault: false,
  written: 0,
  skipped: 0,
  wrote: [],
  needed: [],
  excused: [],
  bound: [],
  preserved: [],
  reread: [],
  lapsed: [],
  doubted: [],
  offered: [],
  sync: false,
  atomic: false,
  kind: 'none',
  cut: 0,
  keep: [],
  recovery: 'none',
  was: NoWas(c),
});

export const NoPreserved = (c: Constants): MaybeBytes[] => Blocks(c).map(() => Absent);
export const FreeSnap = (c: Constants): Snapshot => ({
  file: c.NoFile,
  preserved: NoPreserved(c),
  stale: false,
  fresh: false,
  copy: [],
});
export const NewSnap = (c: Constants, f: string, content: Bytes): Snapshot => {
  const isolated = c.Isolated.includes(f);
  return { file: f, preserved: NoPreserved(c), stale: false, fresh: isolated, copy: isolated ? content : [] };
};

/** Snapshot id s of a snapshot table. */
export const snapOf = (snap: readonly Snapshot[], s: number): Snapshot => {
  const entry = snap[s - 1];
  if (entry === undefined) throw new Error(`snapshot id ${s} is outside 1..${snap.length}`);
  return entry;
};

/** Every sequence of length n over vals, in lexicographic order. */
function sequences(n: number, vals: readonly number[]): number[][] {
  if (n === 0) return [[]];
  return sequences(n - 1, vals).flatMap((head) => vals.map((v) => [...head, v]));
}

/** The Persistent files' state as the spec's Now holds it. */
export const Now = <B>(
  c: Constants,
  st: Omit<FileSystemOf<B>, 'file'> & { readonly file: ReadonlyMap<string, B> },
): FileSystemOf<B> => ({
  file: new Map(c.Persistent.map((f) => [f, st.file.get(f)!])),
  disk: st.disk,
  journal: st.journal,
  synced: st.synced,
  interrupted: st.interrupted,
});

/**
 * The spec's Init of the file system, with these files (`empty`, the
 * representation's empty byte sequence): every Persistent file durable and
 * open, with no journal, no call, no write-back cut.
 */
export function initFileSystemVariables<B>(
  c: Constants,
  file: ReadonlyMap<string, B>,
  empty: B,
): FileSystemVariables<B> {
  const disk = new Map(c.Persistent.map((f) => [f, file.get(f)!]));
  const uninterrupted = { cut: false, pre: empty, durable: empty, post: empty, power: false };
  const fs = Now(c, {
    file,
    disk,
    journal: new Map(c.Persistent.map((f) => [f, NoJournal])),
    synced: disk,
    interrupted: new Map(c.Persistent.map((f) => [f, uninterrupted])),
  });
  const { file: _, ...durable } = fs;
  return { ...durable, opened: new Map(c.Persistent.map((f) => [f, true])), log: [], before: fs };
}

/** The initial state with the given file contents: every byte Zero, nothing resident, no snapshot. */
export function initState(c: Constants, file: ReadonlyMap<string, Bytes>): State {
  return {
    src: Addrs(c).map(() => ZeroSrc),
    frame: Pages(c).map(() => Absent),
    swap: Pages(c).map(() => Absent),
    snap: SnapIds(c).map(() => FreeSnap(c)),
    file,
    origin: Addrs(c).map(() => NoOrigin(c)),
    lost: Addrs(c).map(() => 0),
    last: NoStep(c),
    steps: 0,
    ...initFileSystemVariables(c, file, []),
  };
}

/** The spec's Init: files of InitLen bytes of any content. */
export function initStates(c: Constants): State[] {
  const contents = sequences(c.InitLen, c.Vals);
  let assignments: Map<string, Bytes>[] = [new Map()];
  for (const f of c.Files) {
    assignments = assignments.flatMap((m) => contents.map((bytes) => new Map(m).set(f, bytes)));
  }
  return assignments.map((file) => initState(c, file));
}
