/**
 * The abstraction function from the run-length state to the per-byte
 * model's State (model/state.ts), and its inverse on the states the
 * per-byte model reaches. The run-length model means what the per-byte
 * model means because, after every step, toState of its state is the
 * per-byte model's state (model/runs/runs.test.ts and the model-vs-
 * conventional commands check this).
 */
import { fileRunsOf, triplesOf } from '../actions-over.ts';
import { Addrs, Blocks, type Constants, SnapIds } from '../constants.ts';
import type { FileSystemOf, InterruptedOf, IoCallOf, JournalOf, RecordOf } from '../file-system.ts';
import { type Bytes, FreeSnap, NoOrigin, type Origin, type Source, type State, type StepRecord } from '../state.ts';
import { elements, fromElements, type Interval, merged } from './intervals.ts';
import {
  Absent,
  type BoundRun,
  NoBytes,
  type OriginRun,
  type RunSnapshot,
  type RunState,
  type RunStepRecord,
  type SrcRun,
  sameOrigin,
  sameSrc,
} from './state.ts';

const bytes = (x: Uint8Array | null) => (x === Absent ? null : Array.from(x));
const slot = (x: readonly number[] | null) => (x === null ? Absent : Uint8Array.from(x));

/** Every value of a run list, position by position. */
function perPosition<R extends SrcRun | OriginRun, T>(runs: readonly R[], value: (r: R, x: number) => T): T[] {
  const out: T[] = [];
  for (const r of runs) for (let x = r.start; x < r.end; x++) out.push(value(r, x));
  return out;
}

/** The file system's byte sequences as the other representation holds them. */
function fileSystemWith<X, Y>(to: (x: X) => Y) {
  const record = (r: RecordOf<X>): RecordOf<Y> => ({ ...r, data: to(r.data), pre: to(r.pre) });
  const journal = (j: JournalOf<X>): JournalOf<Y> => ({ ...j, records: j.records.map(record) });
  const interrupted = (i: InterruptedOf<X>): InterruptedOf<Y> => ({
    ...i,
    pre: to(i.pre),
    durable: to(i.durable),
    post: to(i.post),
  });
  const perFile = <T, U>(m: ReadonlyMap<string, T>, f: (x: T) => U) => new Map([...m].map(([k, v]) => [k, f(v)]));
  return {
    journals: (m: ReadonlyMap<string, JournalOf<X>>) => perFile(m, journal),
    contents: (m: ReadonlyMap<string, X>) => perFile(m, to),
    calls: (log: readonly IoCallOf<X>[]): IoCallOf<Y>[] =>
      log.map((k) => ({ ...k, data: to(k.data), records: k.records.map(record) })),
    interrupted: (m: ReadonlyMap<string, InterruptedOf<X>>) => perFile(m, interrupted),
    state: (fs: FileSystemOf<X>): FileSystemOf<Y> => ({
      file: perFile(fs.file, to),
      disk: perFile(fs.disk, to),
      journal: perFile(fs.journal, journal),
      synced: perFile(fs.synced, to),
      interrupted: perFile(fs.interrupted, interrupted),
    }),
  };
}
const toBytes = fileSystemWith((x: Uint8Array): Bytes => Array.from(x));
const fromBytes = fileSystemWith((x: Bytes): Uint8Array => Uint8Array.from(x));

/** The step record with its sets and bytes listed as the per-byte model lists them. */
export function toRecord(r: RunStepRecord): StepRecord {
  return {
    ...r,
    keep: r.keep,
    was: {
      ...r.was,
      durable: Array.from(r.was.durable),
      post: Array.from(r.was.post),
      promised: r.was.promised.flatMap(({ file, offs, values }) =>
        elements(offs).map((o): [string, number, number] => [file, o, values[o]!]),
      ),
    },
    out: Array.from(r.out),
    wrote: elements(r.wrote),
    needed: elements(r.needed),
    excused: elements(r.excused),
    bound: r.bound.flatMap(({ snap, lo, hi }) => elements([[lo, hi]]).map((o): [number, number] => [snap, o])),
    preserved: r.preserved.map(([s, b]): [number, number] => [s, b]),
    reread: triplesOf(r.reread),
    lapsed: triplesOf(r.lapsed),
    doubted: triplesOf(r.doubted),
  };
}

export function toState(c: Constants, st: RunState): State {
  return {
    src: perPosition(
      st.src,
      (r, a): Source =>
        r.kind === 'Snap' ? { kind: 'Snap', snap: r.snap, off: a + r.delta } : { kind: r.kind, snap: 0, off: 0 },
    ),
    frame: st.frame.map(bytes),
    swap: st.swap.map(bytes),
    snap: SnapIds(c).map((s) => {
      const e = st.snap.get(s);
      if (e === undefined) return FreeSnap(c);
      return {
        file: e.file,
        preserved: Blocks(c).map((b) => bytes(e.preserved.get(b) ?? Absent)),
        stale: e.stale,
        fresh: e.fresh,
        copy: Array.from(e.copy),
      };
    }),
    file: new Map([...st.file].map(([f, content]) => [f, Array.from(content)])),
    origin: perPosition(
      st.origin,
      (g, a): Origin => (g.fact === 'none' ? NoOrigin(c) : { file: g.file, off: a + g.delta, fact: g.fact }),
    ),
    lost: st.lost === null ? Addrs(c).map(() => 0) : Array.from(st.lost),
    last: toRecord(st.last),
    steps: st.steps,
    disk: toBytes.contents(st.disk),
    journal: toBytes.journals(st.journal),
    log: toBytes.calls(st.log),
    before: toBytes.state(st.before),
    synced: toBytes.contents(st.synced),
    interrupted: toBytes.interrupted(st.interrupted),
    opened: st.opened,
  };
}

/** The run-length form of a per-byte step record. */
export function fromRecord(c: Constants, r: StepRecord): RunStepRecord {
  const bound = new Map<number, number[]>();
  for (const [s, o] of r.bound) bound.set(s, [...(bound.get(s) ?? []), o]);
  return {
    ...r,
    was: {
      ...r.was,
      durable: Uint8Array.from(r.was.durable),
      post: Uint8Array.from(r.was.post),
      promised: r.was.op === 'none' ? [] : c.Persistent.map((file) => promisedOf(r.was.promised, file)),
    },
    out: Uint8Array.from(r.out),
    wrote: fromElements(r.wrote),
    needed: fromElements(r.needed),
    excused: fromElements(r.excused),
    bound: [...bound]
      .sort((x, y) => x[0] - y[0])
      .flatMap(([snap, offs]) => fromElements(offs).map(([lo, hi]): BoundRun => ({ snap, lo, hi }))),
    preserved: r.preserved.map(([s, b]): Interval => [s, b]),
    reread: fileRunsOf(r.reread),
    lapsed: fileRunsOf(r.lapsed),
    doubted: fileRunsOf(r.doubted),
  };
}

/** The run-length form of a per-byte state (the inverse of toState). */
export function fromState(c: Constants, st: State): RunState {
  return {
    src: merged(
      st.src.map(
        (x, a): SrcRun => ({
          start: a,
          end: a + 1,
          kind: x.kind,
          snap: x.snap,
          delta: x.kind === 'Snap' ? x.off - a : 0,
        }),
      ),
      sameSrc,
    ),
    frame: st.frame.map(slot),
    swap: st.swap.map(slot),
    snap: new Map(
      st.snap.flatMap((e, i): [number, RunSnapshot][] =>
        e.file === c.NoFile
          ? []
          : [
              [
                i + 1,
                {
                  file: e.file,
                  preserved: new Map(
                    e.preserved.flatMap((p, b): [number, Uint8Array][] =>
                      p === null ? [] : [[b, Uint8Array.from(p)]],
                    ),
                  ),
                  stale: e.stale,
                  fresh: e.fresh,
                  copy: e.copy.length === 0 ? NoBytes : Uint8Array.from(e.copy),
                },
              ],
            ],
      ),
    ),
    file: new Map([...st.file].map(([f, content]) => [f, Uint8Array.from(content)])),
    origin: merged(
      st.origin.map(
        (g, a): OriginRun => ({
          start: a,
          end: a + 1,
          file: g.file,
          delta: g.fact === 'none' ? 0 : g.off - a,
          fact: g.fact,
        }),
      ),
      sameOrigin,
    ),
    lost: st.lost.every((v) => v === 0) ? null : Uint8Array.from(st.lost),
    last: fromRecord(c, st.last),
    steps: st.steps,
    disk: fromBytes.contents(st.disk),
    journal: fromBytes.journals(st.journal),
    log: fromBytes.calls(st.log),
    before: fromBytes.state(st.before),
    synced: fromBytes.contents(st.synced),
    interrupted: fromBytes.interrupted(st.interrupted),
    opened: st.opened,
  };
}

/** One file's promised triples as offsets and a content holding the values (zero where none is promised). */
function promisedOf(triples: readonly (readonly [string, number, number])[], file: string) {
  const mine = triples.filter(([f]) => f === file);
  const values = new Uint8Array(mine.reduce((n, [, o]) => Math.max(n, o + 1), 0));
  for (const [, o, v] of mine) values[o] = v;
  return { file, offs: fromElements(mine.map(([, o]) => o)), values };
}
