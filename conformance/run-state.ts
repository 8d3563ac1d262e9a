/**
 * The state relation at realistic sizes: the engine's state as the
 * run-length model holds states (model/runs/state.ts), built from the
 * engine's one internal entry point (impl/internals.ts) as projection.ts
 * builds the per-byte form -- bindings stay extents, bytes stay
 * Uint8Arrays, so a 256 KiB segment with 2 MiB files is compared in
 * milliseconds. The engine has no ghost or history variables and no step
 * record: those come from the model state it is compared with.
 */
import type { Engine } from '../impl/engine.ts';
import { internals } from '../impl/internals.ts';
import type { Segment } from '../impl/segment.ts';
import type { Constants } from '../model/constants.ts';
import { merged, piecesOf } from '../model/runs/intervals.ts';
import {
  AnonRun,
  NoBytes,
  type RunSnapshot,
  type RunState,
  SnapRun,
  type SrcRun,
  sameSrc,
  ZeroRun,
} from '../model/runs/state.ts';
import { historyOf } from './spec-state.ts';

/**
 * The engine's state; `names` maps the engine's file names (paths on disk)
 * to the model's, `ghosts` supplies what the engine does not keep, and
 * `persistent` the Persistent files as their directories hold them.
 */
export function runState(
  c: Constants,
  engine: Engine,
  segment: Segment,
  names: ReadonlyMap<string, string>,
  ghosts: Pick<RunState, 'origin' | 'lost' | 'last' | 'steps' | 'log' | 'before' | 'synced' | 'interrupted'>,
  persistent: Pick<RunState, 'file' | 'disk' | 'journal' | 'opened'>,
): RunState {
  const state = internals(engine);
  const seg = state.segments.get(segment);
  if (seg === undefined) throw new Error('runState: the segment is closed or of another engine');
  const rename = (name: string) => names.get(name) ?? name;
  const na = c.P * c.B;
  const src: SrcRun[] = [];
  let at = 0;
  for (const x of seg.bindings) {
    if (x.start > at) src.push(ZeroRun(at, x.start));
    src.push(x.kind === 'anon' ? AnonRun(x.start, x.end) : SnapRun(x.start, x.end, x.snapshot, x.delta));
    at = x.end;
  }
  // A segment shorter than P * B reads as if padded with Zero bytes.
  if (at < na) src.push(ZeroRun(at, na));
  const pages = (m: ReadonlyMap<number, Uint8Array>) => Array.from({ length: c.P }, (_, p) => m.get(p) ?? null);
  const snap = new Map(
    state.snapshots
      .map((s): [number, RunSnapshot] => [
        s.id,
        {
          file: rename(s.file),
          preserved: new Map([...s.preserved].sort(([x], [y]) => x - y)),
          stale: s.stale,
          fresh: s.fresh,
          copy: s.copy ?? NoBytes,
        },
      ])
      .sort(([x], [y]) => x - y),
  );
  return {
    src: merged(src, sameSrc),
    frame: pages(seg.frames),
    swap: pages(seg.swap),
    snap,
    file: new Map([...state.files.map((f) => [rename(f.name), f.content!] as const), ...persistent.file]),
    ...historyOf(ghosts, persistent, ghosts.steps),
  };
}

const sameBytes = (x: Uint8Array | null, y: Uint8Array | null) =>
  x === y || (x !== null && y !== null && Buffer.compare(x, y) === 0);

/** A swap slot's bytes at the Anon addresses of its page, the only ones any action reads. */
function anonBytes(st: RunState, B: number, p: number, slot: Uint8Array | null): Uint8Array | null {
  if (slot === null) return null;
  const out = new Uint8Array(B);
  for (const x of piecesOf(st.src, p * B, (p + 1) * B)) {
    if (x.kind === 'Anon') out.set(slot.subarray(x.start - p * B, x.end - p * B), x.start - p * B);
  }
  return out;
}

/**
 * Where two run-length states differ in a spec variable the engine holds
 * (not origin, lost, last, steps), or null. With `swapAnonOnly`, swap
 * slots are compared at Anon bytes only (see commands.ts, settle).
 */
export function runStateDifference(
  c: Constants,
  model: RunState,
  engine: RunState,
  swapAnonOnly: boolean,
): string | null {
  const at = (i: number, x: unknown) => `${i}: ${JSON.stringify(x)}`;
  if (
    model.src.length !== engine.src.length ||
    model.src.some(
      (x, i) => !sameSrc(x, engine.src[i]!) || x.start !== engine.src[i]!.start || x.end !== engine.src[i]!.end,
    )
  ) {
    const i = model.src.findIndex((x, j) => JSON.stringify(x) !== JSON.stringify(engine.src[j]));
    return `src runs differ at run ${i}: model ${at(i, model.src[i])}, engine ${at(i, engine.src[i])}`;
  }
  const show = (x: Uint8Array | null | undefined) => (x == null ? 'Absent' : `${x.length} bytes`);
  for (let p = 0; p < model.frame.length; p++) {
    if (!sameBytes(model.frame[p]!, engine.frame[p] ?? null))
      return `frame[${p}] differs: model ${show(model.frame[p])}, engine ${show(engine.frame[p])}`;
    const [x, y] = swapAnonOnly
      ? [anonBytes(model, c.B, p, model.swap[p]!), anonBytes(model, c.B, p, engine.swap[p] ?? null)]
      : [model.swap[p]!, engine.swap[p] ?? null];
    if (!sameBytes(x, y)) return `swap[${p}] differs: model ${show(model.swap[p])}, engine ${show(engine.swap[p])}`;
  }
  const ids = [...new Set([...model.snap.keys(), ...engine.snap.keys()])].sort((x, y) => x - y);
  for (const s of ids) {
    const x = model.snap.get(s);
    const y = engine.snap.get(s);
    if (x === undefined || y === undefined)
      return `snapshot ${s} is ${x === undefined ? 'free in the model' : 'free in the engine'}`;
    if (x.file !== y.file || x.stale !== y.stale || x.fresh !== y.fresh) {
      return `snapshot ${s}: model ${JSON.stringify({ file: x.file, stale: x.stale, fresh: x.fresh })}, engine ${JSON.stringify({ file: y.file, stale: y.stale, fresh: y.fresh })}`;
    }
    if (!sameBytes(x.copy, y.copy)) return `snapshot ${s}: private copies differ`;
    const blocks = [...new Set([...x.preserved.keys(), ...y.preserved.keys()])].sort((u, v) => u - v);
    for (const b of blocks) {
      if (!sameBytes(x.preserved.get(b) ?? null, y.preserved.get(b) ?? null)) {
        return `snapshot ${s}: preserved block ${b} ${x.preserved.has(b) ? (y.preserved.has(b) ? 'differs' : 'missing in the engine') : 'only in the engine'}`;
      }
    }
  }
  for (const [f, bytes] of model.file) {
    const other = engine.file.get(f) ?? null;
    if (!sameBytes(bytes, other))
      return `file ${f} differs (model ${bytes.length} bytes, engine ${other?.length ?? 'none'})`;
  }
  for (const f of engine.file.keys()) if (!model.file.has(f)) return `the engine has a file ${f} the model does not`;
  for (const [f, bytes] of model.disk) {
    if (!sameBytes(bytes, engine.disk.get(f) ?? null)) return `the durable content of ${f} differs`;
    if (model.opened.get(f) !== engine.opened.get(f))
      return `${f} is ${model.opened.get(f) ? '' : 'not '}open in the model, ${engine.opened.get(f) ? '' : 'not '}in the engine`;
    const x = model.journal.get(f)!;
    const y = engine.journal.get(f)!;
    // Field by field, so that how each side built its objects (the order of their keys) does not matter.
    const shown = (j: typeof x) =>
      JSON.stringify({
        exists: j.exists,
        named: j.named,
        synced: j.synced,
        records: j.records.map((r) => ({
          kind: r.kind,
          off: r.off,
          data: Array.from(r.data),
          pre: Array.from(r.pre),
          len: r.len,
          ok: r.ok,
        })),
      });
    if (shown(x) !== shown(y)) return `the journal of ${f} differs: model ${shown(x)}, engine ${shown(y)}`;
  }
  return null;
}
