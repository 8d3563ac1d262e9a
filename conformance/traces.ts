/**
 * Checking past the bounds: TLC in simulation mode walks random behaviours
 * of a config larger than any checked exhaustively (spec/simulation.cfg),
 * and each behaviour is replayed against the model (every state must be the
 * one TLC printed) and the engine (every state and result must be the
 * model's).
 *
 * TLC writes each behaviour as a TLA+ module of states (`-simulate
 * num=N,file=F`); each state's step record names the action that led to it
 * and what it chose inside itself (a crash's keep), so a behaviour is kept
 * as its initial files and its steps as calls (actions/labels.ts,
 * actionCall), with the sha256 of each state's canonical text: `spec/simulation.traces.json`
 * holds a fixed-seed sample TLC produced, which CI replays without TLC.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Schema } from 'effect';
import { actionCall, actionOf, parseActionLabel } from '../actions/labels.ts';
import { apply } from '../actions/next.ts';
import { readConfig } from '../model/config.ts';
import type { Constants } from '../model/constants.ts';
import { decodeState } from '../model/schema.ts';
import { initState, type State } from '../model/state.ts';
import { toTla } from '../model/tla.ts';
import { parseState } from '../tla/tlc-values.ts';
import { canonicalState, ModelValue, type Tla } from '../tla/values.ts';
import { firstDifference } from './difference.ts';
import { type Backing, makeWorld, observe, recorded, step } from './world.ts';

const Sha256 = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/));

/** One behaviour: its initial files, its steps as calls (edge labels with any choice), and the hash of each state after the first. */
export const TraceSchema = Schema.Struct({
  files: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.Int.pipe(Schema.between(0, 255))) }),
  initial: Sha256,
  steps: Schema.Array(Schema.Struct({ label: Schema.String, state: Sha256 })),
});
export type Trace = typeof TraceSchema.Type;

/** A committed sample of TLC's simulation, with how it was made. */
export const TraceFileSchema = Schema.Struct({
  cfg: Schema.String,
  cfgSha256: Sha256,
  specSha256: Sha256,
  tlc: Schema.String,
  seed: Schema.String,
  depth: Schema.Int,
  traces: Schema.Array(TraceSchema),
});
export type TraceFile = typeof TraceFileSchema.Type;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A state TLC printed, as the model's State (decoded: a malformed one is an error naming the field). */
function modelState(vars: Record<string, Tla>): State {
  const plain = (v: Tla): unknown => {
    if (v instanceof ModelValue) return v.name;
    if (typeof v !== 'object') return v;
    if (v.kind === 'set') return v.elems.map(plain);
    const keys = v.entries.map(([k]) => k);
    if (keys.every((k, i) => k === i + 1) || keys.every((k, i) => k === i)) return v.entries.map(([, x]) => plain(x));
    return Object.fromEntries(v.entries.map(([k, x]) => [k instanceof ModelValue ? k.name : String(k), plain(x)]));
  };
  const raw = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, plain(v)])) as Record<string, unknown>;
  const toSlot = (s: unknown) => (Array.isArray(s) && s.length === 0 ? null : s);
  return decodeState({
    ...raw,
    frame: (raw.frame as unknown[]).map(toSlot),
    swap: (raw.swap as unknown[]).map(toSlot),
    snap: (raw.snap as Record<string, unknown>[]).map((e) => ({
      ...e,
      preserved: (e.preserved as unknown[]).map(toSlot),
    })),
  });
}

/** The behaviours TLC wrote into `dir` (files named PREFIX_worker_n), as traces. */
export function readTlcTraces(dir: string, prefix: string): Trace[] {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}_`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  // A behaviour TLC was stopped while writing has no closing line: it is left out.
  const whole = files.map((f) => readFileSync(join(dir, f), 'utf8')).filter((text) => /^=+\s*$/m.test(text));
  return whole.map((text) => {
    const bodies = text
      .split(/^STATE_\d+ == *$/m)
      .slice(1)
      .map((b) => b.replace(/^=+\s*$/m, '').replace(/^\\\*.*$/gm, ''));
    const states = bodies.map((b) => parseState(b));
    const first = modelState(states[0]!);
    return {
      files: Object.fromEntries(first.file),
      initial: sha256(canonicalState(states[0]!)),
      steps: states
        .slice(1)
        .map((vars) => ({ label: actionCall(actionOf(modelState(vars).last)), state: sha256(canonicalState(vars)) })),
    };
  });
}

export interface TraceReport {
  readonly traces: number;
  readonly steps: number;
  /** The first few disagreements, each naming the trace, the step and what differs. */
  readonly failures: readonly string[];
  readonly seconds: number;
}

/**
 * Replays traces on the model (each state's hash must be TLC's) and on the
 * engine (each state and result must be the model's): memory backing, and
 * every diskEvery-th trace on real files too.
 */
export function replayTraces(
  c: Constants,
  traces: readonly Trace[],
  opts: { diskEvery: number; progress?: (done: number) => void },
): TraceReport {
  const started = performance.now();
  const failures: string[] = [];
  let steps = 0;
  traces.forEach((trace, t) => {
    const files = new Map(Object.entries(trace.files));
    let model = initState(c, files);
    if (sha256(canonicalState(toTla(c, model))) !== trace.initial)
      failures.push(`trace ${t}: the initial state is not TLC's`);
    const backings: Backing[] = t % opts.diskEvery === 0 ? ['memory', 'disk'] : ['memory'];
    const worlds = backings.map((b) => ({ backing: b, world: makeWorld(c, files, b) }));
    try {
      for (const [i, s] of trace.steps.entries()) {
        const act = parseActionLabel(s.label);
        const next = apply(c, model, act);
        const where = `trace ${t}, step ${i + 1} (${s.label})`;
        if (next === null) {
          failures.push(`${where}: not enabled in the model`);
          break;
        }
        model = next;
        if (sha256(canonicalState(toTla(c, model))) !== s.state)
          failures.push(`${where}: the model's state is not TLC's`);
        for (const { backing, world } of worlds) {
          const results = step(world, act);
          if (JSON.stringify(results) !== JSON.stringify(recorded(model))) {
            failures.push(
              `${where} on ${backing}: engine returned ${JSON.stringify(results)}, the model ${JSON.stringify(recorded(model))}`,
            );
          }
          const d = firstDifference(observe(c, world, model), model, 'state');
          if (d !== null) failures.push(`${where} on ${backing}: the engine's state is not the model's: ${d}`);
        }
        steps++;
        if (failures.length > 0) break;
      }
    } finally {
      for (const { world } of worlds) world.close();
    }
    opts.progress?.(t + 1);
  });
  return {
    traces: traces.length,
    steps,
    failures: failures.slice(0, 10),
    seconds: (performance.now() - started) / 1000,
  };
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const tracesPath = join(repoRoot, 'spec/simulation.traces.json');

export function readTraceFile(path = tracesPath): TraceFile {
  return Schema.decodeUnknownSync(TraceFileSchema)(JSON.parse(readFileSync(path, 'utf8')));
}

export function writeTraceFile(file: TraceFile, path = tracesPath): void {
  writeFileSync(path, `${JSON.stringify(Schema.encodeSync(TraceFileSchema)(file))}\n`);
}

/** The constants of the trace file's config. */
export const traceConstants = (file: TraceFile): Constants => readConfig(join(repoRoot, file.cfg)).constants;
