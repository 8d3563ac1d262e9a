/**
 * A model state as the TLA+ value TLC would print for it, so that model and
 * TLC states meet in one canonical form (tla/values.ts).
 */
import { ModelValue, type Tla, tlaFn, tlaRecord, tlaSeq, tlaSet } from '../tla/values.ts';
import type { Constants } from './constants.ts';
import {
  Absent,
  type MaybeBytes,
  type Origin,
  type Snapshot,
  type Source,
  type State,
  type StepRecord,
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
  });
}

export function toTla(_c: Constants, st: State): Record<string, Tla> {
  return {
    src: fnFrom0(st.src, source),
    frame: fnFrom0(st.frame, slot),
    swap: fnFrom0(st.swap, slot),
    snap: tlaSeq(st.snap.map(snapshot)),
    file: tlaFn([...st.file].map(([name, bytes]) => [new ModelValue(name), tlaSeq(bytes)] as const)),
    origin: fnFrom0(st.origin, origin),
    lost: fnFrom0(st.lost, (v) => v),
    last: stepRecord(st.last),
    steps: st.steps,
  };
}
