/**
 * Differential fuzzing at sizes model checking cannot reach: the engine on
 * real files, the model, and the conventional oracle, driven by the same
 * random action sequences and compared after every step. fast-check
 * generates the sequences and shrinks a failure to a minimal one;
 * `regressionTest` turns it into a vitest case.
 *
 * The frame pool is smaller than the segment, so the engine evicts and
 * swaps by itself -- something the model only does on an explicit evict.
 * Residency is therefore not compared: the binding (per-byte source),
 * snapshots, preserved blocks and files must equal the model's exactly;
 * every result must equal the model's (and the oracle's); and the engine's
 * own projection must satisfy the spec's invariants, Equivalence with the
 * oracle's memory and files included.
 */
import fc from 'fast-check';
import { ArgumentError, ReadOnlyError } from '../impl/errors.ts';
import type { Constants } from '../model/constants.ts';
import { violated } from '../model/invariants.ts';
import { apply, type Action } from '../model/next.ts';
import { Conventional } from '../model/oracle.ts';
import { initState, type Bytes, type State } from '../model/state.ts';
import { makeWorld, observe, projectWorld, recorded, step, type World } from './world.ts';

/** Realistic geometry: 4 KiB pages, 64 pages, 16 frames, files of up to 2 MiB. */
export const fuzzConstants: Constants = {
  Files: ['f1', 'f2'], Foreign: ['f1', 'f2'], NoFile: 'NoFile',
  B: 4096, P: 64, MaxLen: 2 << 20, InitLen: 0, Vals: Array.from({ length: 256 }, (_, v) => v),
  MaxSnap: 12, MaxWrite: 64 << 10, MaxSteps: Number.MAX_SAFE_INTEGER,
};
export const fuzzFrames = 16;
const NA = fuzzConstants.P * fuzzConstants.B;

/** The initial files: sizes, and a seed for their bytes (a few MiB are not worth shrinking byte by byte). */
export interface FuzzSetup {
  readonly sizes: readonly [number, number];
  readonly seed: number;
}

/** A call the engine must refuse with a typed error, leaving every state unchanged. */
export type InvalidCall =
  | { readonly call: 'read'; readonly addr: number; readonly len: number; readonly pos: number }
  | { readonly call: 'write'; readonly addr: number; readonly len: number; readonly pos: number }
  | { readonly call: 'writeReadOnly'; readonly addr: number; readonly len: number }
  | { readonly call: 'load'; readonly addr: number }
  | { readonly call: 'store'; readonly addr: number; readonly val: number }
  | { readonly call: 'zero'; readonly addr: number; readonly len: number }
  | { readonly call: 'evict'; readonly page: number }
  | { readonly call: 'truncate'; readonly len: number };

export type FuzzStep = { readonly act: Action } | { readonly invalid: InvalidCall };

function contents(setup: FuzzSetup): Map<string, Bytes> {
  let x = setup.seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x & 0xff;
  };
  return new Map(fuzzConstants.Files.map((name, i) => [name, Array.from({ length: setup.sizes[i]! }, next)]));
}

/** Runs an invalid call; returns why it is wrong if the engine did not refuse it as it must. */
function refuse(w: World, bad: InvalidCall, readOnly: ReturnType<World['engine']['open']> | null): string | null {
  const f1 = w.files.get('f1')!;
  const expected = bad.call === 'writeReadOnly' ? ReadOnlyError : ArgumentError;
  try {
    switch (bad.call) {
      case 'read': w.segment.read(f1, bad.addr, bad.len, bad.pos); break;
      case 'write': w.segment.write(f1, bad.addr, bad.len, bad.pos); break;
      case 'writeReadOnly': w.segment.write(readOnly!, bad.addr, bad.len, 0); break;
      case 'load': w.segment.getUint8(bad.addr); break;
      case 'store': w.segment.setUint8(bad.addr, bad.val); break;
      case 'zero': w.segment.zero(bad.addr, bad.len); break;
      case 'evict': w.segment.evict(bad.page); break;
      case 'truncate': f1.truncate(bad.len); break;
    }
  } catch (e) {
    return e instanceof expected ? null : `threw ${String(e)} instead of ${expected.name}`;
  }
  return `was accepted instead of throwing ${expected.name}`;
}

/** The parts of a state that auto-eviction cannot change: binding, snapshots, preserved blocks, files. */
function difference(a: State, b: State): string | null {
  for (let i = 0; i < a.src.length; i++) {
    const x = a.src[i]!;
    const y = b.src[i]!;
    if (x.kind !== y.kind || x.snap !== y.snap || x.off !== y.off) {
      return `src[${i}]: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
    }
  }
  for (let s = 0; s < a.snap.length; s++) {
    if (JSON.stringify(a.snap[s]) !== JSON.stringify(b.snap[s])) return `snap[${s + 1}] differs (file or preserved blocks)`;
  }
  return fileDifference(a.file, b.file);
}

function fileDifference(a: ReadonlyMap<string, ArrayLike<number>>, b: ReadonlyMap<string, ArrayLike<number>>): string | null {
  for (const [name, bytes] of a) {
    const other = b.get(name);
    if (other === undefined) return `file ${name} is missing`;
    if (other.length !== bytes.length) return `file ${name}: length ${bytes.length} vs ${other.length}`;
    for (let o = 0; o < bytes.length; o++) if (bytes[o] !== other[o]) return `file ${name}[${o}]: ${bytes[o]} vs ${other[o]}`;
  }
  return null;
}


/** Calls the spec leaves out because they change nothing: a read past EOF, a truncate to the same length, evicting a page not resident. */
function legalNoOp(model: State, act: Action): boolean {
  switch (act.op) {
    case 'read': return act.pos > model.file.get(act.file)!.length;
    case 'fileTruncate': return act.len === model.file.get(act.file)!.length;
    case 'evict': return model.frame[act.page] === null;
    default: return false;
  }
}

const invariantsOnEngine = ['NoDangling', 'AnonBacked', 'SwapOnlyDirty', 'FrameCoherent', 'NoLeak', 'Equivalence'];

/**
 * Runs one sequence; throws with the step number and what differs at the
 * first divergence. Returns the number of steps the model accepted.
 */
export function runSequence(setup: FuzzSetup, steps: readonly FuzzStep[]): number {
  const c = fuzzConstants;
  const files = contents(setup);
  const w = makeWorld(c, files, 'disk', { frames: fuzzFrames });
  const readOnly = w.engine.open(`${w.files.get('f1')!.name}`, 'r');
  let model: State = initState(c, files);
  const oracle = new Conventional(NA, files);
  let taken = 0;
  try {
    steps.forEach((s, i) => {
      const where = `step ${i} ${JSON.stringify(s)}`;
      /** The engine's state, its files checked against the model's first. */
      const engineState = (): State => {
        const projection = projectWorld(w);
        const files = fileDifference(projection.files, model.file) ?? fileDifference(projection.files, oracle.files);
        if (files !== null) throw new Error(`${where}: ${files}`);
        return observe(c, w, { ...model, mem: oracle.mem, cfile: oracle.files }, projection, model.file);
      };
      if ('invalid' in s) {
        const before = engineState();
        const wrong = refuse(w, s.invalid, readOnly);
        if (wrong !== null) throw new Error(`${where}: ${wrong}`);
        const changed = difference(engineState(), before);
        if (changed !== null) throw new Error(`${where}: a refused call changed the engine: ${changed}`);
        return;
      }
      const next = apply(c, model, s.act);
      if (next === null) {
        if (!legalNoOp(model, s.act)) return; // beyond the model's bounds (out of snapshot ids): not a step
        // A legal call that is no step of the spec: the engine must answer it and change nothing.
        const before = engineState();
        const got = step(w, s.act);
        const changed = difference(engineState(), before);
        if (got.ret !== 0 || got.written !== 0 || changed !== null) {
          throw new Error(`${where}: a call that is no step changed the engine: ${changed ?? JSON.stringify(got)}`);
        }
        oracle.apply(s.act);
        return;
      }
      const got = step(w, s.act);
      const want = recorded(next.last);
      // Auto-eviction adds faults the model does not have; everything else is exact.
      if (got.ret !== want.ret || got.written !== want.written || got.skipped !== want.skipped) {
        throw new Error(`${where}: engine results ${JSON.stringify(got)}, model ${JSON.stringify(want)}`);
      }
      const conventional = oracle.apply(s.act);
      if (conventional !== got.ret) {
        throw new Error(`${where}: engine returned ${got.ret}, conventional I/O ${conventional}`);
      }
      model = next;
      taken++;
      const engine = engineState();
      const diff = difference(engine, model);
      if (diff !== null) throw new Error(`${where}: engine and model differ: ${diff}`);
      const bad = violated(c, engine, invariantsOnEngine);
      if (bad.length > 0) throw new Error(`${where}: the engine's state violates ${bad.join(', ')}`);
    });
  } finally {
    readOnly.close();
    w.close();
  }
  return taken;
}

// --- generators -----------------------------------------------------------

const B = fuzzConstants.B;
/** Addresses and offsets: page-aligned, near a boundary, or anywhere. */
const offsetIn = (limit: number) => fc.oneof(
  fc.integer({ min: 0, max: Math.floor((limit - 1) / B) }).map((p) => p * B),
  fc.tuple(fc.integer({ min: 1, max: Math.floor((limit - 1) / B) }), fc.integer({ min: -3, max: 3 })).map(([p, d]) => p * B + d),
  fc.integer({ min: 0, max: limit - 1 }),
);
const lengthUpTo = (limit: number) => fc.oneof(
  fc.integer({ min: 1, max: Math.min(limit, 64) }),
  fc.integer({ min: 1, max: Math.min(limit, 4 * B) }),
  fc.integer({ min: 1, max: limit }),
);
const span = offsetIn(NA).chain((addr) => lengthUpTo(NA - addr).map((len) => ({ addr, len })));
const file = fc.constantFrom('f1', 'f2');
const pos = (len: number) => offsetIn(fuzzConstants.MaxLen - len + 1);
const byte = fc.integer({ min: 0, max: 255 });

/** A read and a later write-back of the same range is what deferred I/O is for: weight it. */
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(file, span).chain(([f, s]) => pos(s.len).map((p) => ({ op: 'read', file: f, pos: p, ...s }) as const)) },
  { weight: 3, arbitrary: offsetIn(NA).map((addr) => ({ op: 'load', addr }) as const) },
  { weight: 3, arbitrary: fc.tuple(offsetIn(NA), byte).map(([addr, val]) => ({ op: 'store', addr, val }) as const) },
  {
    weight: 3,
    arbitrary: fc.tuple(file, span, fc.boolean()).chain(([f, s, rebind]) =>
      fc.oneof(fc.constant(s.addr), pos(s.len)).map((p) => ({ op: 'write', file: f, pos: p, rebind, ...s }) as const)),
  },
  { weight: 1, arbitrary: span.map((s) => ({ op: 'zero', ...s }) as const) },
  {
    weight: 2,
    arbitrary: fc.tuple(file, fc.integer({ min: 1, max: 3 * B }), fc.integer()).chain(([f, len, seed]) =>
      pos(len).map((p) => ({ op: 'fileWrite', file: f, pos: p, data: Array.from({ length: len }, (_, i) => (seed + i * 31) & 0xff) }) as const)),
  },
  { weight: 1, arbitrary: fc.tuple(file, offsetIn(fuzzConstants.MaxLen + 1)).map(([f, len]) => ({ op: 'fileTruncate', file: f, len }) as const) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: fuzzConstants.P - 1 }).map((page) => ({ op: 'evict', page }) as const) },
);

const invalid: fc.Arbitrary<InvalidCall> = fc.oneof(
  fc.tuple(fc.constantFrom(-1, NA, 0.5, Number.NaN), fc.integer({ min: 1, max: 8 })).map(([addr, len]) => ({ call: 'read', addr, len, pos: 0 }) as const),
  fc.tuple(fc.integer({ min: 0, max: NA - 1 }), fc.constantFrom(-1, Number.NaN, NA + 1)).map(([addr, len]) => ({ call: 'read', addr, len, pos: 0 }) as const),
  fc.integer({ min: 0, max: NA - 8 }).map((addr) => ({ call: 'write', addr, len: 8, pos: -1 }) as const),
  fc.integer({ min: 0, max: NA - 8 }).map((addr) => ({ call: 'writeReadOnly', addr, len: 8 }) as const),
  fc.constantFrom(-1, NA, 1.5).map((addr) => ({ call: 'load', addr }) as const),
  fc.tuple(fc.integer({ min: 0, max: NA - 1 }), fc.constantFrom(256, -1, 0.5)).map(([addr, val]) => ({ call: 'store', addr, val }) as const),
  fc.integer({ min: 1, max: NA }).map((len) => ({ call: 'zero', addr: NA - len + 1, len: len + 1 }) as const),
  fc.constantFrom(-1, fuzzConstants.P, Number.NaN).map((page) => ({ call: 'evict', page }) as const),
  fc.constantFrom(-1, 0.5).map((len) => ({ call: 'truncate', len }) as const),
);

export const fuzzSetup: fc.Arbitrary<FuzzSetup> = fc.record({
  sizes: fc.tuple(fc.integer({ min: 0, max: 2 << 20 }), fc.integer({ min: 0, max: 1 << 20 })),
  seed: fc.integer(),
});

export const fuzzSteps = (maxLength: number): fc.Arbitrary<FuzzStep[]> => fc.array(
  fc.oneof({ weight: 9, arbitrary: action.map((act) => ({ act })) }, { weight: 1, arbitrary: invalid.map((bad) => ({ invalid: bad })) }),
  // Long sequences are the point: interactions need a read, changes, then a write-back.
  { minLength: Math.min(20, maxLength), maxLength, size: 'max' },
);

/** A shrunk failure as a vitest case, ready to paste. */
export function regressionTest(seed: number, setup: FuzzSetup, steps: readonly FuzzStep[]): string {
  return [
    `// import { test } from 'vitest';`,
    `// import { runSequence } from '../conformance/fuzz.ts';`,
    `test('fuzz regression (fast-check seed ${seed})', () => {`,
    `  runSequence(${JSON.stringify(setup)}, ${JSON.stringify(steps)});`,
    `});`,
  ].join('\n');
}

export interface FuzzReport {
  readonly sequences: number;
  readonly steps: number;
  readonly seconds: number;
  /** The shrunk failure, if any: its seed, the counterexample and a vitest case reproducing it. */
  readonly failure: { readonly seed: number; readonly message: string; readonly regression: string } | null;
}

/**
 * Fuzzes for a time budget: batches of fast-check runs with fresh seeds
 * until the budget is spent or a run fails (then fast-check shrinks it).
 */
export function fuzzFor(seconds: number, progress?: (r: Omit<FuzzReport, 'failure'>) => void): FuzzReport {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let sequences = 0;
  let steps = 0;
  while (elapsed() < seconds) {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const result = fc.check(
      fc.property(fuzzSetup, fuzzSteps(60), (setup, seq) => {
        steps += runSequence(setup, seq);
        sequences++;
      }),
      { seed, numRuns: 5, interruptAfterTimeLimit: Math.max(1, (seconds - elapsed()) * 1000), markInterruptAsFailure: false },
    );
    if (result.failed) {
      const [setup, seq] = result.counterexample!;
      return {
        sequences, steps, seconds: elapsed(),
        failure: {
          seed,
          message: fc.defaultReportMessage(result) ?? String(result.errorInstance),
          regression: regressionTest(seed, setup, seq),
        },
      };
    }
    progress?.({ sequences, steps, seconds: elapsed() });
  }
  return { sequences, steps, seconds: elapsed(), failure: null };
}
