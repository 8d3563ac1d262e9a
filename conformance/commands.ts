/**
 * Conformance as fast-check commands: one command per spec action, its
 * arguments drawn by the action's arbitrary (its module in actions/), with
 * a check (does Next offer it in the model's state) and a run that takes
 * it on
 *  - the model (per byte, run-length, or both side by side),
 *  - conventional I/O under the refinement mapping (spec/Refinement.tla):
 *    a call not refused returns what the conventional call returns and
 *    leaves memory (Mem) and files as it does; a refused call changes
 *    nothing; and the model's invariants hold,
 *  - and, when there is one, the engine (world.ts): its results and its
 *    state, projected into the spec's variables, must be the model's.
 * Interleaved invalid calls must throw their typed error and change nothing.
 *
 * The same commands serve the model against conventional I/O (no engine),
 * the differential test (small geometries, per-byte state equality) and the
 * fuzzer (realistic geometry, the run-length model). With fewer frames than
 * pages, or readahead, the engine evicts and fills pages by itself: those
 * are Evict and Prefetch steps of the spec, which the model then takes too
 * (after the call: they commute with it, as they touch other pages), so the
 * states stay equal, residency included.
 *
 * A segment whose last page is partial has no counterpart in the spec
 * (every page there has B bytes: a store makes all of them Anon, a read
 * up to the segment's end does not cover the page), so such an engine is
 * held to conventional I/O instead: every call it does not refuse returns
 * what the conventional call returns, and its files are conventional I/O's
 * (a refused call changes nothing). A failing run is reported as the
 * TLC edge labels of every model step and the initial files, in the form
 * conformance/replay.ts's replayLabels accepts, with a cfg written for it.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Chosen } from '../actions/action.ts';
import { actionCall, actionLabel, withChosen } from '../actions/labels.ts';
import { apply, applyRuns, chosenBy, conventionalCall } from '../actions/next.ts';
import { type Action, actionDefs } from '../actions/table.ts';
import type { DeferredFile } from '../impl/deferred-file.ts';
import { ArgumentError, ReadOnlyError } from '../impl/errors.ts';
import { MemoryBackend } from '../impl/memory-backend.ts';
import { Addrs, type Constants } from '../model/constants.ts';
import { Conventional, type Returned } from '../model/conventional.ts';
import { Mem } from '../model/derived.ts';
import { violated } from '../model/invariants.ts';
import { recovered } from '../model/refinement.ts';
import { fileSystem as runsFileSystem } from '../model/runs/actions.ts';
import { MemInto } from '../model/runs/derived.ts';
import { toState } from '../model/runs/expand.ts';
import { Lazy } from '../model/runs/invariants.ts';
import { initState as initRuns, type RunState } from '../model/runs/state.ts';
import { initState, Now, type State } from '../model/state.ts';
import { toTla } from '../model/tla.ts';
import { canonicalState } from '../tla/values.ts';
import { firstDifference } from './difference.ts';
import { modelCall } from './io-calls.ts';
import type { Projection } from './projection.ts';
import { runState, runStateDifference } from './run-state.ts';
import {
  type Backing,
  makeWorld,
  type Observed,
  observe,
  persistentOf,
  projectWorld,
  recorded,
  step,
  type World,
} from './world.ts';

/** Which model the commands step: per byte (the spec transliterated), run-length (fast), or both, compared after every step. */
export type ModelKind = 'bytes' | 'runs' | 'twin';

export interface EngineSetup {
  readonly backing: Backing;
  /** Frames in the pool: fewer than the segment's pages make the engine evict by itself. */
  readonly frames: number;
  /** Pages the engine fills after a sequential fault. */
  readonly readahead: number;
}

export interface Setup {
  readonly c: Constants;
  /** The segment's length, at most P * B: a shorter one has a partial last page (the model's rest reads as Zero). */
  readonly length: number;
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly model: ModelKind;
  readonly engine: EngineSetup | null;
  /** How a failure report writes the initial files; a JSON object literal by default. */
  readonly filesExpression?: string;
}

// --- the model side ---------------------------------------------------------

/** One model, as the commands drive it and compare it. */
interface ModelSide<P> {
  readonly steps: number;
  /** Takes the action; false, and nothing changes, where the spec's action is disabled. */
  apply(act: Action): boolean;
  /** The last step's results, as the engine reports them. */
  results(): Observed;
  /** The last step's ret and out, as a call of conventional I/O returns them. */
  returned(): Returned;
  /** What the last step chose that its call of conventional I/O takes as given (the bytes a refresh re-read, what a crash left). */
  chosen(): Chosen;
  /** The action the last step took, with what it chose inside itself (a crash's keep). */
  taken(act: Action): Action;
  /** The Persistent files as the refinement maps them (what recovery makes of each, durable and seen). */
  mapped(): Mapped;
  refused(): boolean;
  resident(p: number): boolean;
  /** The refinement mapping's memory: Mem of every address. */
  memory(): ArrayLike<number>;
  readonly files: ReadonlyMap<string, ArrayLike<number>>;
  /** The invariants this model judges that its state violates. */
  violated(): string[];
  /**
   * The engine's state in this model's form (ghosts from the model), and
   * where it differs from the model's; with `swapAnonOnly`, swap slots are
   * compared at Anon bytes only.
   */
  project(w: World): P;
  residentIn(p: P, page: number): boolean;
  difference(w: World, p: P, swapAnonOnly: boolean): string | null;
}

/** The Persistent files as the refinement maps them, in a model's own byte sequences. */
interface Mapped {
  readonly file: ReadonlyMap<string, ArrayLike<number>>;
  readonly durable: ReadonlyMap<string, ArrayLike<number>>;
}

const engineVariables = (st: State) => ({ src: st.src, frame: st.frame, swap: st.swap, snap: st.snap, file: st.file });

class BytesModel implements ModelSide<Projection> {
  st: State;
  constructor(
    readonly c: Constants,
    files: ReadonlyMap<string, Uint8Array>,
  ) {
    this.st = initState(c, new Map([...files].map(([f, b]) => [f, Array.from(b)])));
  }
  get steps() {
    return this.st.steps;
  }
  get files() {
    return this.st.file;
  }
  apply(act: Action): boolean {
    const next = apply(this.c, this.st, act);
    if (next === null) return false;
    this.st = next;
    return true;
  }
  results(): Observed {
    return recorded(this.st);
  }
  returned(): Returned {
    return { ret: this.st.last.ret, out: this.st.last.out };
  }
  chosen(): Chosen {
    return chosenBy(this.c, this.st);
  }
  taken(act: Action): Action {
    return withChosen(act, this.st.last);
  }
  mapped(): Mapped {
    return recovered(this.c, Now(this.c, this.st));
  }
  refused(): boolean {
    return this.st.last.err !== 'none';
  }
  resident(p: number): boolean {
    return this.st.frame[p] !== null;
  }
  memory(): number[] {
    return Addrs(this.c).map((a) => Mem(this.c, this.st, a));
  }
  violated(): string[] {
    return violated(this.c, this.st);
  }
  project(w: World): Projection {
    return projectWorld(w);
  }
  residentIn(p: Projection, page: number): boolean {
    return (p.frame[page] ?? null) !== null;
  }
  difference(w: World, p: Projection, swapAnonOnly: boolean): string | null {
    const engine = observe(this.c, w, this.st, p);
    const swap = (st: State) =>
      swapAnonOnly
        ? st.swap.map((slot, q) =>
            slot === null ? null : slot.map((v, i) => (this.st.src[q * this.c.B + i]!.kind === 'Anon' ? v : 0)),
          )
        : st.swap;
    return firstDifference(
      { ...engineVariables(this.st), swap: swap(this.st) },
      { ...engineVariables(engine), swap: swap(engine) },
      'model vs engine',
    );
  }
}

class RunsModel implements ModelSide<RunState> {
  st: RunState;
  constructor(
    readonly c: Constants,
    files: ReadonlyMap<string, Uint8Array>,
  ) {
    this.st = initRuns(c, files);
  }
  get steps() {
    return this.st.steps;
  }
  get files() {
    return this.st.file;
  }
  apply(act: Action): boolean {
    const next = applyRuns(this.c, this.st, act);
    if (next === null) return false;
    this.st = next;
    return true;
  }
  results(): Observed {
    const r = this.st.last;
    return {
      ret: r.ret,
      out: Array.from(r.out),
      err: r.err,
      fault: r.fault,
      written: r.written,
      skipped: r.skipped,
      preserved: r.preserved.length,
      recovery: r.recovery,
      calls: this.st.log.map(modelCall),
    };
  }
  returned(): Returned {
    return { ret: this.st.last.ret, out: this.st.last.out };
  }
  chosen(): Chosen {
    return { reread: this.st.last.reread, err: this.st.last.err, after: () => this.mapped() };
  }
  taken(act: Action): Action {
    return withChosen(act, this.st.last);
  }
  mapped(): Mapped {
    return runsFileSystem.Mapped(this.c, Now(this.c, this.st));
  }
  refused(): boolean {
    return this.st.last.err !== 'none';
  }
  resident(p: number): boolean {
    return this.st.frame[p] !== null;
  }
  memory(): Uint8Array {
    const na = this.c.P * this.c.B;
    const out = new Uint8Array(na);
    MemInto(this.c, this.st, 0, na, out, 0);
    return out;
  }
  violated(): string[] {
    return Lazy(this.c, this.st) ? [] : ['Lazy'];
  }
  project(w: World): RunState {
    const names = new Map([...w.files].map(([name, f]) => [f.name, name]));
    const persistent = persistentOf(w, (f, i) => this.st.journal.get(f)!.records[i - 1]?.pre ?? []);
    return runState(this.c, w.engine, w.segment, names, this.st, persistent);
  }
  residentIn(p: RunState, page: number): boolean {
    return p.frame[page] !== null;
  }
  difference(_w: World, p: RunState, swapAnonOnly: boolean): string | null {
    return runStateDifference(this.c, this.st, p, swapAnonOnly);
  }
}

/** Both models side by side: after every step the run-length state must expand to the per-byte one. */
class TwinModel implements ModelSide<Projection> {
  readonly bytes: BytesModel;
  readonly runs: RunsModel;
  constructor(
    readonly c: Constants,
    files: ReadonlyMap<string, Uint8Array>,
  ) {
    this.bytes = new BytesModel(c, files);
    this.runs = new RunsModel(c, files);
  }
  get steps() {
    return this.bytes.steps;
  }
  get files() {
    return this.runs.files;
  }
  apply(act: Action): boolean {
    const took = this.bytes.apply(act);
    if (this.runs.apply(act) !== took)
      throw new Error(
        `${actionLabel(act)}: enabled in ${took ? 'the per-byte model only' : 'the run-length model only'}`,
      );
    const expanded = canonicalState(toTla(this.c, toState(this.c, this.runs.st)));
    if (took && expanded !== canonicalState(toTla(this.c, this.bytes.st))) {
      const d = firstDifference(toState(this.c, this.runs.st), this.bytes.st, 'run-length vs per-byte');
      throw new Error(
        `${actionLabel(act)}: the run-length model's state does not expand to the per-byte model's: ${d}`,
      );
    }
    return took;
  }
  results(): Observed {
    return this.bytes.results();
  }
  returned(): Returned {
    return this.bytes.returned();
  }
  chosen(): Chosen {
    return this.bytes.chosen();
  }
  taken(act: Action): Action {
    return this.bytes.taken(act);
  }
  mapped(): Mapped {
    return this.bytes.mapped();
  }
  refused(): boolean {
    return this.bytes.refused();
  }
  resident(p: number): boolean {
    return this.bytes.resident(p);
  }
  memory(): number[] {
    return this.bytes.memory();
  }
  violated(): string[] {
    const bad = this.bytes.violated();
    // The run-length Lazy must judge as the per-byte one does.
    if (bad.includes('Lazy') !== this.runs.violated().includes('Lazy'))
      return [...bad, 'Lazy (run-length and per-byte disagree)'];
    return bad;
  }
  project(w: World): Projection {
    return this.bytes.project(w);
  }
  residentIn(p: Projection, page: number): boolean {
    return this.bytes.residentIn(p, page);
  }
  /** Both state relations, per byte and run-length: the fuzzer's is checked against the per-byte one here. */
  difference(w: World, p: Projection, swapAnonOnly: boolean): string | null {
    return this.bytes.difference(w, p, swapAnonOnly) ?? this.runs.difference(w, this.runs.project(w), swapAnonOnly);
  }
}

function modelSide(kind: ModelKind, c: Constants, files: ReadonlyMap<string, Uint8Array>): ModelSide<unknown> {
  switch (kind) {
    case 'bytes':
      return new BytesModel(c, files) as ModelSide<unknown>;
    case 'runs':
      return new RunsModel(c, files) as ModelSide<unknown>;
    case 'twin':
      return new TwinModel(c, files) as ModelSide<unknown>;
  }
}

// --- a run: the model, conventional I/O, and the record of what was done --

const sameBytes = (x: ArrayLike<number> | undefined, y: ArrayLike<number> | undefined): boolean => {
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  // Memory and files of megabytes: a memcmp.
  if (x instanceof Uint8Array && y instanceof Uint8Array) return Buffer.compare(x, y) === 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

/** A call's results as JSON shows them (bytes as an array: a Uint8Array would print as an object). */
const shownReturned = (r: Returned): string => JSON.stringify({ ret: r.ret, out: Array.from(r.out) });

function firstUnequal(x: ArrayLike<number>, y: ArrayLike<number>): string {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return `at ${i}: ${x[i]} vs ${y[i]}`;
  return `lengths ${x.length} vs ${y.length}`;
}

/** What fast-check's model is here: the model side, conventional I/O, and the trail of the run. */
export class Run {
  readonly side: ModelSide<unknown>;
  readonly oracle: Conventional;
  /**
   * Every model step taken, Evict and Prefetch steps the engine took by
   * itself included: its TLC edge label is written only for a failure
   * report (a fuzzer's write carries kilobytes of data to print).
   */
  readonly taken: Action[] = [];
  /** Everything done, invalid calls included, for the failure report: each entry's text is made only for one. */
  readonly trail: (() => string)[] = [];
  /** Calls taken: spec steps and invalid calls, not the engine's own evictions. */
  calls = 0;
  /** Conventional I/O as the engine's calls drive it, for an engine held to conventional I/O (a partial last page). */
  readonly engineOracle: Conventional | null;

  constructor(readonly setup: Setup) {
    const { c, files } = setup;
    if (setup.length > c.P * c.B || setup.length < 1)
      throw new Error(`segment length ${setup.length} is not in 1..P * B`);
    this.side = modelSide(setup.model, c, files);
    const durable = new Map(c.Persistent.map((f) => [f, files.get(f)!]));
    this.oracle = new Conventional(c.P * c.B, files, c.B, durable);
    this.engineOracle =
      setup.engine !== null && setup.length < c.P * c.B ? new Conventional(setup.length, files, c.B, durable) : null;
  }

  /**
   * Takes an action on the model and on conventional I/O and checks the
   * refinement mapping and the invariants; false where the spec's action
   * is disabled.
   */
  modelStep(act: Action): boolean {
    const before = this.side.files;
    if (!this.side.apply(act)) return false;
    const taken = this.side.taken(act);
    this.taken.push(taken);
    this.trail.push(() => actionCall(taken));
    const got = this.side.returned();
    const want = conventionalCall(taken, this.side.chosen())(this.oracle);
    if (got.ret !== want.ret || !sameBytes(got.out, want.out)) {
      throw new Error(`the model returned ${shownReturned(got)}, conventional I/O ${shownReturned(want)}`);
    }
    const mem = this.side.memory();
    if (!sameBytes(mem, this.oracle.mem))
      throw new Error(`memory (Mem) differs from conventional I/O ${firstUnequal(mem, this.oracle.mem)}`);
    const after = this.side.files;
    const { c } = this.setup;
    // A Persistent file is what recovery makes of it, durable and as seen (the refinement mapping).
    const touched = (f: string) => ('file' in act && act.file === f) || act.op === 'crash';
    const mapped = c.Persistent.some(touched) ? this.side.mapped() : null;
    for (const f of c.Files) {
      // A file the model did not replace and conventional I/O did not touch is as equal as it was.
      if (after.get(f) === before.get(f) && !touched(f)) continue;
      const view = mapped?.file.get(f) ?? after.get(f) ?? [];
      if (!sameBytes(view, this.oracle.file.get(f)))
        throw new Error(`file ${f} differs from conventional I/O ${firstUnequal(view, this.oracle.file.get(f) ?? [])}`);
      const durable = mapped?.durable.get(f);
      if (durable !== undefined && !sameBytes(durable, this.oracle.durable.get(f)))
        throw new Error(
          `the durable content of ${f} differs from conventional I/O ${firstUnequal(durable, this.oracle.durable.get(f) ?? [])}`,
        );
    }
    const bad = this.side.violated();
    if (bad.length > 0) throw new Error(`the model violates ${bad.join(', ')}`);
    return true;
  }

  /** The cfg replayLabels needs, for as many steps as this run took (MaxSnap as small as the ASSUME allows). */
  cfgText(): string {
    const { c } = this.setup;
    const steps = this.taken.length;
    const set = (xs: readonly (string | number)[]) => `{${xs.join(', ')}}`;
    const lines = [
      `\\* written by conformance/commands.ts for the replay of a failing run`,
      'CONSTANTS',
      ...Object.entries({
        Files: set(c.Files),
        Foreign: set(c.Foreign),
        Outside: set(c.Outside),
        Isolated: set(c.Isolated),
        Persistent: set(c.Persistent),
        Syncs: set(c.Syncs.map((b) => (b ? 'TRUE' : 'FALSE'))),
        Atomics: set(c.Atomics.map((b) => (b ? 'TRUE' : 'FALSE'))),
        NoFile: 'NoFile',
        B: c.B,
        P: c.P,
        MaxLen: c.MaxLen,
        InitLen: 0,
        Vals: set(c.Vals),
        MaxSnap: Math.max(1, Math.min(c.P * c.B + maxNew(c), steps * maxNew(c))),
        MaxWrite: c.MaxWrite,
        MaxSteps: steps,
      }).map(([k, v]) => `    ${k} = ${v}`),
      'INIT Init',
      'NEXT Next',
      'CHECK_DEADLOCK FALSE',
    ];
    return `${lines.join('\n')}\n`;
  }

  /** Writes cfgText() to a temp file named by its content; returns its path. */
  writeCfg(): string {
    const cfg = this.cfgText();
    const path = join(
      tmpdir(),
      `deferred-io-replay-${createHash('sha256').update(cfg).digest('hex').slice(0, 12)}.cfg`,
    );
    writeFileSync(path, cfg);
    return path;
  }

  /** The replayLabels call that replays this run's model steps with the cfg at cfgPath. */
  replayCall(cfgPath: string): string {
    const { setup } = this;
    const files =
      setup.filesExpression ?? JSON.stringify(Object.fromEntries([...setup.files].map(([f, b]) => [f, Array.from(b)])));
    return `replayLabels(${JSON.stringify(cfgPath)}, ${files}, ${JSON.stringify(this.taken.map(actionCall))}, ${JSON.stringify(setup.engine?.backing ?? 'memory')})`;
  }

  /** The failing run: what it was, every call, and the replayLabels call with its cfg. */
  report(cfgPath: string): string {
    const { setup } = this;
    const engine = setup.engine;
    return [
      `model: ${setup.model}; segment of ${setup.length} bytes (P * B = ${setup.c.P * setup.c.B})` +
        (engine === null
          ? '; no engine'
          : `; engine on ${engine.backing}, ${engine.frames} frames, readahead ${engine.readahead}`),
      `every call (invalid ones marked; they are not steps): ${this.trail.map((t) => t()).join(' ')}`,
      `replay (import { replayLabels } from './conformance/replay.ts'; the engine's own evictions and fills are in the labels):`,
      `  ${this.replayCall(cfgPath)}`,
      `${cfgPath}:`,
      this.cfgText(),
    ].join('\n');
  }
}

/** The most snapshots one step creates: a refresh makes one per file changed behind the engine's back (the spec's MaxNew). */
const maxNew = (c: Constants): number => Math.max(1, c.Outside.length);

/** A run that failed: the message says why and how to replay it; `replay` is the replayLabels call. */
export class RunFailure extends Error {
  override readonly name = 'RunFailure';
  constructor(
    message: string,
    readonly replay: string,
    options: ErrorOptions,
  ) {
    super(message, options);
  }
}

// --- the engine side --------------------------------------------------------

const noResults: Observed = {
  ret: 0,
  out: [],
  err: 'none',
  fault: false,
  written: 0,
  skipped: 0,
  preserved: 0,
  recovery: 'none',
  calls: [],
};

/**
 * Where the engine's results differ from the model's, or null. Under frame
 * pressure a prefetch may leave out pages it would have to evict again at
 * once (the model's Prefetch then Evict): whether it faulted is its own.
 */
function resultsDifference(act: Action, pressure: boolean, got: Observed, want: Observed): string | null {
  const fields =
    act.op === 'prefetch' && pressure
      ? (['ret', 'err', 'written', 'skipped', 'preserved', 'recovery'] as const)
      : (['ret', 'err', 'fault', 'written', 'skipped', 'preserved', 'recovery'] as const);
  for (const k of fields) {
    if (got[k] !== want[k]) return `${k}: engine ${String(got[k])}, model ${String(want[k])}`;
  }
  // The order of the I/O calls is part of the contract.
  const calls = got.calls.findIndex((k, i) => k !== want.calls[i]);
  if (calls >= 0 || got.calls.length !== want.calls.length)
    return `I/O calls: engine ${JSON.stringify(got.calls)}, model ${JSON.stringify(want.calls)}`;
  return sameBytes(got.out, want.out) ? null : `out: ${firstUnequal(got.out, want.out)} (engine vs model)`;
}

/** The engine has fewer frames than the segment has pages, so it evicts by itself. */
const pressed = (setup: Setup): boolean =>
  setup.engine !== null && setup.engine.frames < Math.ceil(setup.length / setup.c.B);

/**
 * After the engine took a call: its own evictions (a frame pool smaller
 * than the segment) and fills (readahead) become the model's Evict and
 * Prefetch steps, then the states must be equal. One thing is left out
 * under pressure: a prefetch may skip a page it would have to evict again
 * at once -- the model's Prefetch then Evict -- and then the page's swap
 * slot keeps its older bytes where the page is not Anon, bytes that no
 * action reads (View reads a swap slot at Anon bytes only).
 */
function settle(run: Run, w: World): void {
  const { side, setup } = run;
  const engine = setup.engine!;
  const pages = Math.ceil(setup.length / setup.c.B);
  const projected = side.project(w);
  const take = (act: Action) => {
    if (!run.modelStep(act))
      throw new Error(`the engine took ${actionLabel(act)} by itself, which the model cannot (MaxSteps reached?)`);
  };
  for (let p = 0; p < pages; p++) {
    const inEngine = side.residentIn(projected, p);
    if (side.resident(p) && !inEngine && pressed(setup)) take({ op: 'evict', page: p });
    if (!side.resident(p) && inEngine && engine.readahead > 0) take({ op: 'prefetch', page: p, len: 1 });
  }
  const d = side.difference(w, projected, pressed(setup));
  if (d !== null) throw new Error(`engine and model differ: ${d}`);
}

/** An engine held to conventional I/O: the call's results, and the files, are conventional I/O's unless it refused. */
function conventionally(run: Run, w: World, act: Action, got: Observed): void {
  const oracle = run.engineOracle!;
  // The engine re-reads what the model does, at the addresses its shorter segment has.
  const chosen = run.side.chosen();
  const reread = chosen.reread
    .filter((r) => r.start < run.setup.length)
    .map((r) => ({ ...r, end: Math.min(r.end, run.setup.length) }));
  const want = conventionalCall(act, { ...chosen, reread, err: got.err })(oracle);
  if (got.err !== 'none') return;
  if (got.ret !== want.ret || !sameBytes(got.out, want.out)) {
    throw new Error(
      `${actionLabel(act)}: the engine returned ${shownReturned(got)}, conventional I/O ${shownReturned(want)}`,
    );
  }
  const files = projectWorld(w).files;
  for (const [f, bytes] of oracle.file) {
    if (!sameBytes(files.get(f), bytes))
      throw new Error(
        `${actionLabel(act)}: file ${f} differs from conventional I/O ${firstUnequal(files.get(f) ?? [], bytes)}`,
      );
  }
}

/** A spec action as a fast-check command. */
export class SpecStep implements fc.Command<Run, World | null> {
  constructor(readonly act: Action) {}

  /**
   * Whether Next offers the action: within MaxSteps, since its arbitrary
   * keeps its arguments within Next's ranges (an Evict of a page not
   * resident is a call the engine must ignore).
   */
  check(run: Readonly<Run>): boolean {
    return run.side.steps < run.setup.c.MaxSteps;
  }

  run(run: Run, w: World | null): void {
    run.calls++;
    const took = run.modelStep(this.act);
    if (!took) run.trail.push(() => `${actionLabel(this.act)}(disabled)`);
    // A call the spec has no step for is not made, but for an Evict of a page not resident, which the engine must ignore.
    if (w === null || (!took && this.act.op !== 'evict')) return;
    // The engine makes the call the model took: with what it chose inside itself (a crash's keep).
    const act = took ? run.side.taken(this.act) : this.act;
    const got = step(w, act, took);
    if (run.engineOracle !== null) {
      conventionally(run, w, act, got);
      return;
    }
    const d = resultsDifference(act, pressed(run.setup), got, took ? run.side.results() : noResults);
    if (d !== null) throw new Error(`${actionLabel(act)}: results differ: ${d}`);
    settle(run, w);
  }

  toString(): string {
    return actionLabel(this.act);
  }
}

// --- invalid calls ------------------------------------------------------------

/** A call the engine must refuse with a typed error, changing nothing. */
export type InvalidCall =
  | { readonly call: 'read'; readonly addr: number; readonly len: number; readonly pos: number }
  | { readonly call: 'write'; readonly addr: number; readonly len: number; readonly pos: number }
  | { readonly call: 'writeReadOnly'; readonly addr: number; readonly len: number }
  /** An atomic write-back that does not sync, or of a file with no directory to keep its journal in. */
  | { readonly call: 'writeAtomic'; readonly addr: number; readonly unsynced: boolean }
  | { readonly call: 'load'; readonly addr: number }
  | { readonly call: 'store'; readonly addr: number; readonly val: number }
  | { readonly call: 'zero'; readonly addr: number; readonly len: number }
  | { readonly call: 'copyOut'; readonly addr: number; readonly len: number }
  | { readonly call: 'evict'; readonly page: number }
  | { readonly call: 'truncate'; readonly len: number };

/** A read-only handle on a file (on disk the world's first), for as long as `use` runs. */
function withReadOnly(w: World, use: (f: DeferredFile) => void): void {
  const way = [...w.outside.values()][0]!;
  const f =
    'path' in way ? w.engine.open(way.path, 'r') : w.engine.attach(new MemoryBackend('read-only'), { readOnly: true });
  try {
    use(f);
  } finally {
    f.close();
  }
}

/** A file of the engine's in no directory (a bare MemoryBackend), for as long as `use` runs. */
function withNoDirectory(w: World, use: (f: DeferredFile) => void): void {
  const f = w.engine.attach(new MemoryBackend('no directory'));
  try {
    use(f);
  } finally {
    f.close();
  }
}

export class InvalidStep implements fc.Command<Run, World | null> {
  constructor(readonly bad: InvalidCall) {}

  check(run: Readonly<Run>): boolean {
    return run.setup.engine !== null;
  }

  run(run: Run, w: World | null): void {
    run.calls++;
    run.trail.push(() => `#${this.toString()}`);
    const bad = this.bad;
    // Unchanged: equal to the model still, or (held to conventional I/O) to what the engine was.
    const before = run.engineOracle === null ? null : projectWorld(w!);
    // A file of the engine's: the first open one (after a crash, before any recovery, there may be none).
    const [first] = [...w!.files.values()];
    const withFile = (use: (f: DeferredFile) => void) => (first === undefined ? withNoDirectory(w!, use) : use(first));
    const expected = bad.call === 'writeReadOnly' ? ReadOnlyError : ArgumentError;
    const seg = w!.segment;
    let thrown: unknown = null;
    try {
      switch (bad.call) {
        case 'read':
          withFile((f) => seg.read(f, bad.addr, bad.len, bad.pos));
          break;
        case 'write':
          withFile((f) => seg.write(f, bad.addr, bad.len, bad.pos));
          break;
        case 'writeAtomic':
          if (bad.unsynced) withFile((f) => seg.write(f, bad.addr, 1, 0, { atomic: true, sync: false }));
          else withNoDirectory(w!, (f) => seg.write(f, bad.addr, 1, 0, { atomic: true }));
          break;
        case 'writeReadOnly':
          withReadOnly(w!, (f) => seg.write(f, bad.addr, bad.len, 0));
          break;
        case 'load':
          seg.getUint8(bad.addr);
          break;
        case 'store':
          seg.setUint8(bad.addr, bad.val);
          break;
        case 'zero':
          seg.zero(bad.addr, bad.len);
          break;
        case 'copyOut':
          seg.copyOut(bad.addr, new Uint8Array(bad.len));
          break;
        case 'evict':
          seg.evict(bad.page);
          break;
        case 'truncate':
          withFile((f) => f.truncate(bad.len));
          break;
      }
    } catch (e) {
      thrown = e;
    }
    if (!(thrown instanceof expected)) {
      throw new Error(
        `${this.toString()}: ${thrown === null ? 'accepted' : `threw ${String(thrown)}`} instead of throwing ${expected.name}`,
      );
    }
    const d =
      before === null
        ? run.side.difference(w!, run.side.project(w!), pressed(run.setup))
        : firstDifference(before, projectWorld(w!), 'engine before vs after');
    if (d !== null) throw new Error(`${this.toString()}: a refused call changed the engine: ${d}`);
  }

  toString(): string {
    return `Invalid(${JSON.stringify(this.bad)})`;
  }
}

// --- arbitraries ----------------------------------------------------------------

/** The calls of every spec action at this geometry, within Next's quantifier ranges, each action weighted by its module. */
function actionArbitrary(c: Constants, length: number): fc.Arbitrary<Action> {
  const arbs: fc.WeightedArbitrary<Action>[] = Object.values(actionDefs).flatMap(
    (def) => def.arbitrary(c, length) ?? [],
  );
  return fc.oneof(...arbs);
}

export function invalidArbitrary(c: Constants, length: number): fc.Arbitrary<InvalidCall> {
  const pages = Math.ceil(length / c.B);
  const addr = fc.integer({ min: 0, max: length - 1 });
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(-1, length, 0.5, Number.NaN), fc.integer({ min: 1, max: 8 }))
      .map(([a, len]) => ({ call: 'read', addr: a, len, pos: 0 }) as const),
    fc
      .tuple(addr, fc.constantFrom(-1, Number.NaN))
      .map(([a, len]) => ({ call: 'read', addr: a, len, pos: 0 }) as const),
    addr.map((a) => ({ call: 'read', addr: a, len: length - a + 1, pos: 0 }) as const),
    addr.map((a) => ({ call: 'write', addr: a, len: 1, pos: -1 }) as const),
    addr.map((a) => ({ call: 'writeReadOnly', addr: a, len: 1 }) as const),
    fc.tuple(addr, fc.boolean()).map(([a, unsynced]) => ({ call: 'writeAtomic', addr: a, unsynced }) as const),
    fc.constantFrom(-1, length, 1.5).map((a) => ({ call: 'load', addr: a }) as const),
    fc.tuple(addr, fc.constantFrom(256, -1, 0.5)).map(([a, val]) => ({ call: 'store', addr: a, val }) as const),
    addr.map((a) => ({ call: 'zero', addr: a, len: length - a + 1 }) as const),
    addr.map((a) => ({ call: 'copyOut', addr: a, len: length - a + 1 }) as const),
    fc.constantFrom(-1, pages, Number.NaN).map((p) => ({ call: 'evict', page: p }) as const),
    fc.constantFrom(-1, 0.5).map((len) => ({ call: 'truncate', len }) as const),
  );
}

/** The command sequences of a geometry: spec actions and, when an engine is there, invalid calls. */
export function commandsArbitrary(
  c: Constants,
  length: number,
  opts: { readonly maxCommands: number; readonly invalid: boolean },
): fc.Arbitrary<Iterable<fc.Command<Run, World | null>>> {
  const arbs: { weight: number; arbitrary: fc.Arbitrary<fc.Command<Run, World | null>> }[] = [
    { weight: 20, arbitrary: actionArbitrary(c, length).map((act) => new SpecStep(act)) },
  ];
  if (opts.invalid) arbs.push({ weight: 1, arbitrary: invalidArbitrary(c, length).map((bad) => new InvalidStep(bad)) });
  return fc.commands([fc.oneof(...arbs)], { maxCommands: opts.maxCommands, size: 'max' });
}

/**
 * Runs commands on a fresh model, conventional I/O and (per the setup)
 * engine. A failure is rethrown with the run's replay report. Returns the
 * run (for its counts).
 */
export function runCommands(setup: Setup, commands: Iterable<fc.Command<Run, World | null>>): Run {
  const run = new Run(setup);
  const { engine } = setup;
  const world =
    engine === null
      ? null
      : makeWorld(setup.c, setup.files, engine.backing, {
          frames: engine.frames,
          readahead: engine.readahead,
          length: setup.length,
        });
  try {
    fc.modelRun(() => ({ model: run, real: world }), commands);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const cfgPath = run.writeCfg();
    throw new RunFailure(`${why}\n\n${run.report(cfgPath)}`, run.replayCall(cfgPath), { cause: e });
  } finally {
    world?.close();
  }
  return run;
}

// --- geometries -------------------------------------------------------------------

export interface Geometry {
  readonly c: Constants;
  readonly length: number;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/**
 * Small random geometries: pages of 1..4 bytes, 1..4 pages, a last page
 * that may be partial (`partial`), one to three files with any of them
 * changed through the engine, behind its back, or isolated, and byte values
 * from a small set (where equal values collide) or any byte. Any file may
 * be Persistent (written back with sync or atomically, fsynced, crashed and
 * recovered), unless the last page is partial (such an engine is held to
 * conventional I/O, whose files after a crash are what recovery makes of
 * them, not the engine's).
 */
export function smallGeometry(partial: boolean): fc.Arbitrary<Geometry> {
  return fc
    .record({
      B: fc.integer({ min: 1, max: 4 }),
      P: fc.integer({ min: 1, max: 4 }),
      short: fc.nat(partial ? 3 : 0),
      files: fc.integer({ min: 1, max: 3 }).map((n) => Array.from({ length: n }, (_, i) => `f${i + 1}`)),
      MaxLen: fc.integer({ min: 1, max: 12 }),
      MaxWrite: fc.integer({ min: 1, max: 4 }),
      Vals: fc.constantFrom(
        [0, 1, 2],
        Array.from({ length: 256 }, (_, v) => v),
      ),
    })
    .chain(({ B, P, short, files, MaxLen, MaxWrite, Vals }) =>
      fc
        .record({
          Foreign: fc.subarray(files),
          Outside: fc.subarray(files),
          Isolated: fc.subarray(files),
          Persistent: fc.subarray(files),
          contents: fc.tuple(...files.map(() => fc.array(fc.constantFrom(...Vals), { maxLength: MaxLen }))),
        })
        .map(
          ({ Foreign, Outside, Isolated, Persistent, contents }): Geometry => ({
            c: {
              Files: files,
              Foreign,
              Outside,
              Isolated,
              Persistent: short > 0 && B > 1 ? [] : Persistent,
              Syncs: [false, true],
              Atomics: [false, true],
              NoFile: 'NoFile',
              B,
              P,
              MaxLen,
              InitLen: 0,
              Vals,
              MaxSnap: P * B + Math.max(1, Outside.length),
              MaxWrite,
              MaxSteps: 1000,
            },
            length: P * B - Math.min(short, B - 1),
            files: new Map(files.map((f, i) => [f, Uint8Array.from(contents[i]!)])),
          }),
        ),
    );
}
