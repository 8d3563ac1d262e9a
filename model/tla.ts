/**
 * A model state as the TLA+ value TLC would print for it, so that model and
 * TLC states meet in one canonical form (tla/values.ts).
 */
import { ModelValue, tlaFn, tlaRecord, tlaSeq, type Tla } from '../tla/values.ts';
import type { Constants } from './constants.ts';
import { Absent, type MaybeBytes, type Source, type State, type StepRecord } from './state.ts';

const slot = (s: MaybeBytes): Tla => (s === Absent ? tlaSeq([]) : tlaSeq(s));
const source = (x: Source): Tla => tlaRecord({ kind: x.kind, snap: x.snap, off: x.off });
const fnFrom0 = <T>(xs: readonly T[], f: (x: T) => Tla): Tla => tlaFn(xs.map((x, i) => [i, f(x)] as const));
const files = (m: ReadonlyMap<string, readonly number[]>): Tla =>
  tlaFn([...m].map(([name, bytes]) => [new ModelValue(name), tlaSeq(bytes)] as const));

function stepRecord(r: StepRecord): Tla {
  return tlaRecord({
    op: r.op, addr: r.addr, len: r.len, file: new ModelValue(r.file), pos: r.pos, val: r.val,
    data: tlaSeq(r.data), page: r.page, rebind: r.rebind, ret: r.ret, fault: r.fault,
    written: r.written, skipped: r.skipped, needed: r.needed,
  });
}

export function toTla(_c: Constants, st: State): Record<string, Tla> {
  return {
    src: fnFrom0(st.src, source),
    frame: fnFrom0(st.frame, slot),
    swap: fnFrom0(st.swap, slot),
    snap: tlaSeq(st.snap.map((e) => tlaRecord({ file: new ModelValue(e.file), preserved: fnFrom0(e.preserved, slot) }))),
    file: files(st.file),
    mem: fnFrom0(st.mem, (v) => v),
    cfile: files(st.cfile),
    last: stepRecord(st.last),
    steps: st.steps,
  };
}
