/**
 * The spec's variables as immutable TypeScript data (DeferredIO.tla,
 * VARIABLES), with the same names. Absent (<<>> in the spec) is null here.
 */
import { Addrs, Blocks, Pages, SnapIds, type Constants } from './constants.ts';

export type Bytes = readonly number[];
/** A frame, swap slot or preserved block that is not there. */
export const Absent = null;
export type MaybeBytes = Bytes | typeof Absent;

/** One record shape for every source kind, as in the spec (snap and off are 0 unless Snap). */
export interface Source {
  readonly kind: 'Zero' | 'Snap' | 'Anon';
  readonly snap: number;
  readonly off: number;
}

export const ZeroSrc: Source = { kind: 'Zero', snap: 0, off: 0 };
export const AnonSrc: Source = { kind: 'Anon', snap: 0, off: 0 };
export const SnapSrc = (snap: number, off: number): Source => ({ kind: 'Snap', snap, off });

export interface Snapshot {
  /** The snapshot's file; NoFile when the id is free. */
  readonly file: string;
  /** preserved[b]: block b saved by copy-before-write, or Absent. */
  readonly preserved: readonly MaybeBytes[];
}

export type Op = 'init' | 'read' | 'load' | 'store' | 'write' | 'zero' | 'fileWrite' | 'fileTruncate' | 'evict';

/** The step record: every field in every step, as in the spec's NoStep. */
export interface StepRecord {
  readonly op: Op;
  readonly addr: number;
  readonly len: number;
  readonly file: string;
  readonly pos: number;
  readonly val: number;
  readonly data: Bytes;
  readonly page: number;
  readonly rebind: boolean;
  readonly ret: number;
  readonly fault: boolean;
  readonly written: number;
  readonly skipped: number;
  readonly needed: number;
}

export interface State {
  readonly src: readonly Source[];
  readonly frame: readonly MaybeBytes[];
  readonly swap: readonly MaybeBytes[];
  /** snap[s - 1] is snapshot id s (ids are 1..MaxSnap). */
  readonly snap: readonly Snapshot[];
  readonly file: ReadonlyMap<string, Bytes>;
  readonly mem: Bytes;
  readonly cfile: ReadonlyMap<string, Bytes>;
  readonly last: StepRecord;
  readonly steps: number;
}

export const NoStep = (c: Constants): StepRecord => ({
  op: 'init', addr: 0, len: 0, file: c.NoFile, pos: 0, val: 0, data: [], page: 0,
  rebind: false, ret: 0, fault: false, written: 0, skipped: 0, needed: 0,
});

export const NoPreserved = (c: Constants): MaybeBytes[] => Blocks(c).map(() => Absent);
export const FreeSnap = (c: Constants): Snapshot => ({ file: c.NoFile, preserved: NoPreserved(c) });
export const NewSnap = (c: Constants, f: string): Snapshot => ({ file: f, preserved: NoPreserved(c) });

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

/** The initial state with the given file contents: every byte Zero, nothing resident, no snapshot. */
export function initState(c: Constants, file: ReadonlyMap<string, Bytes>): State {
  return {
    src: Addrs(c).map(() => ZeroSrc),
    frame: Pages(c).map(() => Absent),
    swap: Pages(c).map(() => Absent),
    snap: SnapIds(c).map(() => FreeSnap(c)),
    file,
    cfile: file,
    mem: Addrs(c).map(() => 0),
    last: NoStep(c),
    steps: 0,
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
