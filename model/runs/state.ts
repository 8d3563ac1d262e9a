/**
 * The run-length model's state: the spec's variables (DeferredIO.tla,
 * VARIABLES) with the same names and meaning, in a form whose size grows
 * with how many distinct things a step did rather than with the segment's
 * and the files' sizes. expand.ts is the abstraction function to the
 * per-byte model's State (model/state.ts); the run-length model is correct
 * when, after every step, it expands to the per-byte model's state.
 *
 *  - src and origin are runs: src[a] for a in [start, end) is Zero, Anon, or
 *    byte a + delta of snapshot snap; origin[a] is NoOrigin, or offset
 *    a + delta of file with its fact.
 *  - frames, swap slots, preserved blocks, files and private copies are
 *    Uint8Arrays that are never written once in a state: a step that changes
 *    one makes a new array, so states share everything else.
 *  - snap holds the allocated ids only (a free id is FreeSnap); preserved
 *    holds the saved blocks only.
 *  - lost is null while every byte's lost value is 0.
 *  - the step record's sets of offsets are interval lists, its <<snapshot,
 *    offset>> pairs runs of offsets per snapshot, its bytes Uint8Arrays; a
 *    crash's promised <<file, offset, value>> triples are, per file, the
 *    offsets and the content holding the values.
 *  - the file system's contents (disk, journal records, calls, before,
 *    synced) are Uint8Arrays, shared like the files.
 */

import type { FileRun, WasFields } from '../actions-over.ts';
import type { Constants } from '../constants.ts';
import type { FileSystemVariables, Token } from '../file-system.ts';
import type { Op, Origin, StepRecord } from '../schema.ts';
import { initFileSystemVariables, NoStep as PerByteNoStep } from '../state.ts';
import type { Interval, Intervals, Run } from './intervals.ts';

/** src over [start, end): every byte Zero, every byte Anon, or byte a bound to offset a + delta of snapshot snap. */
export interface SrcRun extends Run {
  readonly kind: 'Zero' | 'Anon' | 'Snap';
  /** 0 unless Snap. */
  readonly snap: number;
  /** 0 unless Snap. */
  readonly delta: number;
}

/** origin over [start, end): NoOrigin (fact "none", file NoFile, delta 0), or offset a + delta of file. */
export interface OriginRun extends Run {
  readonly file: string;
  readonly delta: number;
  readonly fact: Origin['fact'];
}

export interface RunSnapshot {
  readonly file: string;
  /** block -> its B preserved bytes. */
  readonly preserved: ReadonlyMap<number, Uint8Array>;
  readonly stale: boolean;
  readonly fresh: boolean;
  /** An isolated snapshot's private copy; empty otherwise. */
  readonly copy: Uint8Array;
}

/** Bound <<snap, o>> pairs for o in [lo, hi). */
export interface BoundRun {
  readonly snap: number;
  readonly lo: number;
  readonly hi: number;
}

/** A crash's promised triples for one file: <<file, o, values[o]>> for o in offs. */
export interface PromisedRun {
  readonly file: string;
  readonly offs: Intervals;
  readonly values: Uint8Array;
}

/** A crash's history (the step record's was), bytes as Uint8Arrays. */
export interface RunWas extends WasFields<Uint8Array> {
  /** By file, in the order of c.Persistent. */
  readonly promised: readonly PromisedRun[];
}

/** The spec's step record (NoStep's fields), with sets as intervals and bytes as Uint8Arrays. */
export interface RunStepRecord {
  readonly op: Op;
  readonly addr: number;
  readonly len: number;
  readonly file: string;
  readonly pos: number;
  readonly val: number;
  readonly data: readonly number[];
  readonly page: number;
  readonly rebind: boolean;
  readonly writable: boolean;
  readonly ret: number;
  readonly out: Uint8Array;
  readonly err: StepRecord['err'];
  readonly fault: boolean;
  readonly written: number;
  readonly skipped: number;
  readonly wrote: Intervals;
  readonly needed: Intervals;
  readonly excused: Intervals;
  /** Sorted by snapshot, then offset; runs of one snapshot disjoint and not touching. */
  readonly bound: readonly BoundRun[];
  /** <<snapshot, block>> pairs, sorted. */
  readonly preserved: readonly Interval[];
  /** A refresh's bytes as runs. */
  readonly reread: readonly FileRun[];
  readonly lapsed: readonly FileRun[];
  readonly doubted: readonly FileRun[];
  /** <<snapshot, file>> pairs, by snapshot. */
  readonly offered: StepRecord['offered'];
  readonly sync: boolean;
  readonly atomic: boolean;
  readonly kind: StepRecord['kind'];
  readonly cut: number;
  readonly keep: readonly Token[];
  readonly recovery: StepRecord['recovery'];
  readonly was: RunWas;
}

export interface RunState extends FileSystemVariables<Uint8Array> {
  readonly src: readonly SrcRun[];
  readonly frame: readonly (Uint8Array | null)[];
  readonly swap: readonly (Uint8Array | null)[];
  /** Allocated snapshot ids, ascending. */
  readonly snap: ReadonlyMap<number, RunSnapshot>;
  readonly file: ReadonlyMap<string, Uint8Array>;
  readonly origin: readonly OriginRun[];
  /** lost[a], or null when every byte's is 0. */
  readonly lost: Uint8Array | null;
  readonly last: RunStepRecord;
  readonly steps: number;
}

export const Absent = null;
export const NoBytes: Uint8Array = new Uint8Array(0);

export const sameSrc = (x: SrcRun, y: SrcRun): boolean => x.kind === y.kind && x.snap === y.snap && x.delta === y.delta;
export const sameOrigin = (x: OriginRun, y: OriginRun): boolean =>
  x.file === y.file && x.delta === y.delta && x.fact === y.fact;

export const ZeroRun = (start: number, end: number): SrcRun => ({ start, end, kind: 'Zero', snap: 0, delta: 0 });
export const AnonRun = (start: number, end: number): SrcRun => ({ start, end, kind: 'Anon', snap: 0, delta: 0 });
export const SnapRun = (start: number, end: number, snap: number, delta: number): SrcRun => ({
  start,
  end,
  kind: 'Snap',
  snap,
  delta,
});
export const NoOriginRun = (c: Constants, start: number, end: number): OriginRun => ({
  start,
  end,
  file: c.NoFile,
  delta: 0,
  fact: 'none',
});
export const OriginRunAt = (start: number, end: number, file: string, delta: number): OriginRun => ({
  start,
  end,
  file,
  delta,
  fact: 'intact',
});

export const isolated = (c: Constants, f: string): boolean => c.Isolated.includes(f);

export const NewSnap = (c: Constants, f: string, content: Uint8Array): RunSnapshot => ({
  file: f,
  preserved: new Map(),
  stale: false,
  fresh: isolated(c, f),
  copy: isolated(c, f) ? content : NoBytes,
});

/** The spec's NoStep (model/state.ts), its bytes and sets in this model's form. */
export const NoStep = (c: Constants): RunStepRecord => ({
  ...PerByteNoStep(c),
  out: NoBytes,
  wrote: [],
  needed: [],
  excused: [],
  bound: [],
  preserved: [],
  reread: [],
  lapsed: [],
  doubted: [],
  was: { ...PerByteNoStep(c).was, durable: NoBytes, post: NoBytes, promised: [] },
});

/** The spec's Init with the given file contents. */
export function initState(c: Constants, file: ReadonlyMap<string, Uint8Array>): RunState {
  const na = c.P * c.B;
  return {
    src: na === 0 ? [] : [ZeroRun(0, na)],
    frame: new Array<null>(c.P).fill(Absent),
    swap: new Array<null>(c.P).fill(Absent),
    snap: new Map(),
    file,
    origin: na === 0 ? [] : [NoOriginRun(c, 0, na)],
    lost: null,
    last: NoStep(c),
    steps: 0,
    ...initFileSystemVariables(c, file, NoBytes),
  };
}

export function fileOf(st: RunState, f: string): Uint8Array {
  const bytes = st.file.get(f);
  if (bytes === undefined) throw new Error(`no file ${f}`);
  return bytes;
}
