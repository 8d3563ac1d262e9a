/**
 * The spec's Lazy (DeferredIO.tla, "Invariants") over the run-length step
 * record: the efficiency the fuzzer can judge at realistic sizes, where the
 * per-byte invariants would cost more than the step. The other invariants
 * are judged per byte, at the geometries where the run-length model is
 * checked against the per-byte one.
 */
import type { Constants } from '../constants.ts';
import { type Interval, piecesOf, subtract, union } from './intervals.ts';
import { Absent, type RunState } from './state.ts';

/** Whether some byte of page p has no copy left: its value gone or doubtful, the page not resident (spec: NoCopy). */
const noCopyIn = (c: Constants, st: RunState, p: number): boolean =>
  st.frame[p] === Absent &&
  piecesOf(st.origin, p * c.B, (p + 1) * c.B).some((g) => g.fact === 'gone' || g.fact === 'doubtful');

/** The addresses the last step bound to a snapshot (spec: Rebound). */
function rebound(st: RunState): Interval[] {
  const r = st.last;
  if (r.op === 'read') return r.ret > 0 ? [[r.addr, r.addr + r.ret]] : [];
  if (r.op === 'write') return r.rebind && r.err === 'none' && r.len > 0 ? [[r.addr, r.addr + r.len]] : [];
  if (r.op === 'refresh') return r.reread.map((x): Interval => [x.start, x.end]);
  return [];
}

export function Lazy(c: Constants, st: RunState): boolean {
  const r = st.last;
  if ((r.op === 'read' || r.op === 'zero' || r.op === 'copyOut' || r.op === 'refresh') && r.fault) return false;
  if (r.op === 'write' && r.err === 'none') {
    if (subtract(r.needed, r.wrote).length > 0) return false;
    if (subtract(r.wrote, union(r.needed, r.excused)).length > 0) return false;
  }
  // Each preserved <<s, b>> has a bound <<s, o>> with o in block b.
  if (!r.preserved.every(([s, b]) => r.bound.some((x) => x.snap === s && x.lo < (b + 1) * c.B && b * c.B < x.hi)))
    return false;
  // A prefetch fills every page of its range up to the first holding a byte of which no copy survives.
  if (r.op === 'prefetch') {
    for (let q = r.page; q < r.page + r.len; q++) {
      if (noCopyIn(c, st, q)) break;
      if (st.frame[q] === Absent) return false;
    }
  }
  // A binding reuses the lowest snapshot that could serve it.
  for (const [lo, hi] of rebound(st)) {
    for (const x of piecesOf(st.src, lo, hi)) {
      const f = st.snap.get(x.snap)?.file;
      const offered = r.offered.filter(([, g]) => g === f).map(([t]) => t);
      if (offered.length > 0 && x.snap !== Math.min(...offered)) return false;
    }
  }
  return true;
}
