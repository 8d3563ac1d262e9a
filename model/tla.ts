/**
 * A model state as the TLA+ value TLC would print for it, so that model and
 * TLC states meet in one canonical form (tla/values.ts).
 */
import { ModelValue, type Tla, tlaFn, tlaRecord, tlaSeq, tlaSet } from '../tla/values.ts';
import type { Constants } from './constants.ts';
import type { FileSystemOf, InterruptedOf, IoCallOf, JournalOf, RecordOf } from './file-system.ts';
import {
  Absent,
  type Bytes,
  type MaybeBytes,
  type Origin,
  type Snapshot,
  type Source,
  type State,
  type StepRecord,
  type Token,
  type Was,
} from './state.ts';

const slot = (s: MaybeBytes): Tla => (s === Absent ? tlaSeq([]) : tlaSeq(s));
const source = (x: Source): Tla => tlaRecord({ kind: x.kind, snap: x.snap, off: x.off });
const origin = (g: Origin): Tla => tlaRecord({ file: new ModelValue(g.file), off: g.off, fact: g.fact });
const fnFrom0 = <T>(xs: readonly T[], f: (x: T) => Tla): Tla => tlaFn(xs.map((x, i) => [i, f(x)] as const));
const pairs = (ps: readonly (readonly [number, number])[]): Tla => tlaSet(ps.map((p) => tlaSeq(p)));
const triples = (ts: readonly (readonly [number, string, number])[]): Tla =>
  tlaSet(ts.map(([a, f, o]) => tlaSeq([a, new ModelValue(f), o])));
const snapshot = (e: Snapshot): Tla =>
  tlaRecord({
    file: new ModelValue(e.file),
    preserved: fnFrom0(e.preserved, slot),
    stale: e.stale,
    fresh: e.fresh,
    copy: tlaSeq(e.copy),
  });

/** A function over files (the Persistent ones: <<>> when there are none, as TLC prints an empty function). */
const perFile = <T>(m: ReadonlyMap<string, T>, f: (x: T) => Tla): Tla =>
  tlaFn([...m].map(([name, x]) => [new ModelValue(name), f(x)] as const));
const record = (r: RecordOf<Bytes>): Tla =>
  tlaRecord({ kind: r.kind, off: r.off, data: tlaSeq(r.data), pre: tlaSeq(r.pre), len: r.len, ok: r.ok });
const journal = (j: JournalOf<Bytes>): Tla =>
  tlaRecord({ exists: j.exists, named: j.named, records: tlaSeq(j.records.map(record)), synced: j.synced });
const ioCall = (k: IoCallOf<Bytes>): Tla =>
  tlaRecord({
    op: k.op,
    file: new ModelValue(k.file),
    off: k.off,
    data: tlaSeq(k.data),
    len: k.len,
    records: tlaSeq(k.records.map(record)),
  });
const fileSystem = (s: FileSystemOf<Bytes>): Tla =>
  tlaRecord({
    file: perFile(s.file, tlaSeq),
    disk: perFile(s.disk, tlaSeq),
    journal: perFile(s.journal, journal),
    synced: perFile(s.synced, tlaSeq),
    interrupted: perFile(s.interrupted, interrupted),
  });
const interrupted = (i: InterruptedOf<Bytes>): Tla =>
  tlaRecord({ cut: i.cut, pre: tlaSeq(i.pre), durable: tlaSeq(i.durable), post: tlaSeq(i.post), power: i.power });
const token = ([f, what, i]: Token): Tla => tlaSeq([new ModelValue(f), what, i]);
const was = (w: Was): Tla =>
  tlaRecord({
    op: w.op,
    file: new ModelValue(w.file),
    atomic: w.atomic,
    recovery: w.recovery,
    returned: w.returned,
    durable: tlaSeq(w.durable),
    post: tlaSeq(w.post),
    promised: tlaSet(w.promised.map(([f, o, v]) => tlaSeq([new ModelValue(f), o, v]))),
  });

function stepRecord(r: StepRecord): Tla {
  return tlaRecord({
    op: r.op,
    addr: r.addr,
    len: r.len,
    file: new ModelValue(r.file),
    pos: r.pos,
    val: r.val,
    data: tlaSeq(r.data),
    page: r.page,
    rebind: r.rebind,
    writable: r.writable,
    ret: r.ret,
    out: tlaSeq(r.out),
    err: r.err,
    fault: r.fault,
    written: r.written,
    skipped: r.skipped,
    wrote: tlaSet(r.wrote),
    needed: tlaSet(r.needed),
    excused: tlaSet(r.excused),
    bound: pairs(r.bound),
    preserved: pairs(r.preserved),
    reread: triples(r.reread),
    lapsed: triples(r.lapsed),
    doubted: triples(r.doubted),
    offered: tlaSet(r.offered.map(([s, f]) => tlaSeq([s, new ModelValue(f)]))),
    sync: r.sync,
    atomic: r.atomic,
    kind: r.kind,
    cut: r.cut,
    keep: tlaSet(r.keep.map(token)),
    recovery: r.recovery,
    was: was(r.was),
  });
}

export function toTla(_c: Constants, st: State): Record<string, Tla> {
  return {
    src: fnFrom0(st.src, source),
    frame: fnFrom0(st.frame, slot),
    swap: fnFrom0(st.swap, slot),
    snap: tlaSeq(st.snap.map(snapshot)),
    file: perFile(st.file, tlaSeq),
    origin: fnFrom0(st.origin, origin),
    lost: fnFrom0(st.lost, (v) => v),
    last: stepRecord(st.last),
    steps: st.steps,
    disk: perFile(st.disk, tlaSeq),
    journal: perFile(st.journal, journal),
    log: tlaSeq(st.log.map(ioCall)),
    before: fileSystem(st.before),
    synced: perFile(st.synced, tlaSeq),
    interrupted: perFile(st.interrupted, interrupted),
    opened: perFile(st.opened, (b) => b),
  };
}
