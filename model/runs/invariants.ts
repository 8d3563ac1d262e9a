/**
 * The spec's Lazy (DeferredIO.tla, "Invariants") over the run-length step
 * record: the efficiency the fuzzer can judge at realistic sizes, where the
 * per-byte invariants would cost more than the step. The other invariants
 * are judged per byte, at the geometries where the run-length model is
 * checked against the per-byte one.
 */
import type { Constants } from '../constants.ts';
import { subtract, union } from './intervals.ts';
import type { RunState } from './state.ts';

export function Lazy(c: Constants, st: RunState): boolean {
  const r = st.last;
  if ((r.op === 'read' || r.op === 'zero' || r.op === 'copyOut') && r.fault) return false;
  if (r.op === 'write' && r.err === 'none') {
    if (subtract(r.needed, r.wrote).length > 0) return false;
    if (subtract(r.wrote, union(r.needed, r.excused)).length > 0) return false;
  }
  // Each preserved <<s, b>> has a bound <<s, o>> with o in block b.
  return r.preserved.every(([s, b]) => r.bound.some((x) => x.snap === s && x.lo < (b + 1) * c.B && b * c.B < x.hi));
}
