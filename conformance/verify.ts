/**
 * `npm run verify [-- --quick] [--fuzz-seconds N] [--simulate-seconds N]`:
 * the main job. Checks every layer against the one above it, prints one
 * table and a verdict line, and writes verify-report.json.
 *
 *   1. model-check smoke.cfg and crashsmoke.cfg (TLC when a jar is found,
 *      else the wasm checker, in a child process so that progress keeps
 *      printing);
 *   2. every certificate and mutant verdict is current (bound to the
 *      sources by sha256): TLC's results taken from them, not re-run;
 *   3. the model's graphs equal the TLC-certified ones, and every edge
 *      refines conventional I/O;
 *   4. every certified edge replays on the engine (its results, its state,
 *      its I/O calls on Persistent files; a crash's state built from them);
 *   5. TLC's simulation traces (committed) replay on the model and the
 *      engine; with TLC present, a fresh simulation is run and replayed too;
 *   6. differential fuzzing of engine vs model vs conventional I/O.
 *
 * `--quick` (the edit loop: half a minute with TLC, three minutes without):
 * smoke.cfg and crashsmoke.cfg only, 20 traces, a few seconds of fuzzing. The plan and its total
 * estimate come first; every phase then prints what it does and its
 * estimate, and a progress line at least every 10 seconds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { actionOf } from '../actions/labels.ts';
import { chosenBy, conventionalCall, successors } from '../actions/next.ts';
import { numberOption, readCommandLine } from '../cli/command-line.ts';
import { readConfig } from '../model/config.ts';
import { enumerate, type ModelGraph } from '../model/graph.ts';
import { initRefines, stepRefines } from '../model/refinement.ts';
import { digestGraph } from '../tla/graph.ts';
import { checkAgainstCertificate, currentCertificate } from './certificate.ts';
import { fuzzFor } from './fuzz.ts';
import { verdictIsCurrent } from './mutants/modules.ts';
import { readMutants } from './mutants/mutant.ts';
import { regressionCase, replayGraph } from './replay.ts';
import { simulate } from './simulate.ts';
import { readTraceFile, replayTraces, traceConstants } from './traces.ts';

const { quick, fuzzSeconds, simulateSeconds } = readCommandLine(
  {
    name: 'npm run verify --',
    help: `usage: npm run verify -- [--quick] [--fuzz-seconds N] [--simulate-seconds N]

Checks every layer against the one above it: model-checks spec/smoke.cfg
and spec/crashsmoke.cfg,
checks that every certificate and mutant verdict is current, that the
model's state graphs equal TLC's and refine conventional I/O, replays every
edge and TLC's simulation traces on the engine, and fuzzes the engine. Ends
with a table, one verdict line, and verify-report.json. Exit status: 0 pass,
1 a check failed, 2 a bad command line.

  --quick               smoke.cfg and crashsmoke.cfg only, 20 traces, 10 s of
                        fuzzing, no fresh simulation (half a minute with TLC,
                        3 min without)
  --fuzz-seconds N      differential fuzzing for N s (default 60; --quick 10)
  --simulate-seconds N  with TLC installed, a fresh TLC simulation for N s
                        after TLC's initial states, replayed (default 30;
                        --quick 0: none)
  -h, --help            this text
`,
    options: {
      quick: { type: 'boolean', default: false },
      'fuzz-seconds': { type: 'string' },
      'simulate-seconds': { type: 'string' },
    },
  },
  ({ values }) => ({
    quick: values.quick,
    fuzzSeconds: numberOption('--fuzz-seconds', values['fuzz-seconds'], values.quick ? 10 : 60, { min: 0 }),
    simulateSeconds: numberOption('--simulate-seconds', values['simulate-seconds'], values.quick ? 0 : 30, { min: 0 }),
  }),
);

// The configs model-checked here (the wasm checker's, as CI has no TLC), and those whose graphs are replayed.
const checked = ['spec/smoke.cfg', 'spec/crashsmoke.cfg'] as const;
const everyReplayed: readonly Replayed[] = [
  'spec/smoke.cfg',
  'spec/crashsmoke.cfg',
  'spec/conformance.cfg',
  'spec/isolation.cfg',
  'spec/crash.cfg',
];
const replayed: readonly Replayed[] = quick ? checked : everyReplayed;
// Every other certified config: its certificate must be current, its graph is not replayed.
const countsOnly = readdirSync('spec')
  .filter((name) => name.endsWith('.cert.json'))
  .map((name) => `spec/${name.replace(/\.cert\.json$/, '.cfg')}`)
  .filter((cfg) => !everyReplayed.includes(cfg as Replayed))
  .sort();
const short = (cfg: string) => cfg.replace(/^spec\/|\.cfg$/g, '');

/**
 * How a phase's result was obtained: checked in this run, taken from a TLC
 * certificate or verdict that this run only found current (TLC is not
 * re-run), or not done at all.
 */
type Basis = 'checked' | 'certificate' | 'skipped';

interface Outcome {
  readonly ok: boolean;
  readonly basis: Basis;
  /** The row's text in the table. */
  readonly result: string;
  /** What the verdict line says of it. */
  readonly summary: string;
  readonly details?: unknown;
}

interface Row extends Outcome {
  readonly phase: string;
  readonly estimate: number;
  readonly seconds: number;
}
const rows: Row[] = [];

/**
 * What verify's work costs on the project's machine (2 cores shared with
 * other jobs), in seconds: per edge of each replayed graph, per trace step,
 * per state the wasm checker finds, and TLC's fixed costs. Each was measured
 * in a run that also timed `calibrate()` and is scaled here to the
 * calibration below (a cost measured where calibrate() took c seconds is
 * multiplied by calibration / c), so the figures compare:
 *   - trace steps and TLC on smoke.cfg: `npm run verify -- --quick`,
 *     2026-12-05, load average 6.2 (calibration 1.43 s);
 *   - the wasm checker on smoke.cfg: the same without TLC, load average
 *     6.7 (calibration 2.51 s);
 *   - the edges of smoke.cfg, crashsmoke.cfg, conformance.cfg,
 *     isolation.cfg and crash.cfg (the graph and its refinement, then the
 *     replay): a full `npm run verify`, 2026-12-05, load average 1.2
 *     to 2.8 (calibration 1.37 s);
 *   - TLC on crashsmoke.cfg: alone, 7.3 s at load average 6.7 (calibration
 *     about 1.73 s); the wasm checker on it: 87 s for 608 states, load
 *     average 5.2 (calibration about 1.75 s);
 *   - TLC's initial states of simulation.cfg: the "about a minute" of the
 *     full run that set the README's figures, unscaled;
 *   - the steps a TLC simulation yields per second: 117,804 steps in 30 s
 *     in a full run, 2026-12-05, load average 3.3 (calibration 0.7 s),
 *     scaled to 1,922 per second. A slower machine simulates fewer steps
 *     and replays each more slowly, so their replay time does not scale.
 */
const reference = {
  calibration: 1.43,
  graphEdge: {
    'spec/smoke.cfg': 0.146e-3,
    'spec/crashsmoke.cfg': 0.22e-3,
    'spec/conformance.cfg': 0.083e-3,
    'spec/isolation.cfg': 0.094e-3,
    'spec/crash.cfg': 0.142e-3,
  },
  replayEdge: {
    'spec/smoke.cfg': 0.29e-3,
    'spec/crashsmoke.cfg': 0.44e-3,
    'spec/conformance.cfg': 0.255e-3,
    'spec/isolation.cfg': 0.265e-3,
    'spec/crash.cfg': 0.327e-3,
  },
  traceStep: 1.86e-3,
  wasmState: { 'spec/smoke.cfg': 48.7e-3, 'spec/crashsmoke.cfg': 117e-3 },
  tlcCheck: { 'spec/smoke.cfg': 7.4, 'spec/crashsmoke.cfg': 6.0 },
  tlcInitialStates: 60,
  tlcSimulationSteps: 1922,
} as const;
type Replayed = keyof typeof reference.replayEdge;

/**
 * How long this machine takes now to enumerate the smoke graph with the
 * model: a second or two, which every estimate is scaled by (the reference
 * costs times calibration / reference.calibration), so that a busier or
 * slower machine gets longer estimates. The progress lines then measure each
 * phase's own rate.
 */
function calibrate(): number {
  const started = performance.now();
  enumerate(readConfig('spec/smoke.cfg').constants, successors);
  return (performance.now() - started) / 1000;
}

/** The engine `npx tlc` will check with: TLC's version line, or null when only the wasm checker is there. */
function tlcInstalled(): string | null {
  const ran = spawnSync(process.execPath, ['bin/tlc.js', '--version'], { encoding: 'utf8' });
  return /^TLC: (TLC2 Version .*)$/m.exec(ran.stdout)?.[1] ?? null;
}

const duration = (s: number) => (s < 1 ? '<1 s' : s < 120 ? `${Math.ceil(s)} s` : `${Math.round(s / 60)} min`);

/**
 * Prints a progress line at most every 10 s (call it as often as convenient)
 * with the rate so far and, when the total is known, the time left at that rate.
 */
function ticker(unit: string): (done: number, total: number | null, what?: string) => void {
  const started = performance.now();
  let last = started;
  return (done, total, what = '') => {
    const now = performance.now();
    if (now - last < 10_000) return;
    last = now;
    const rate = done / ((now - started) / 1000);
    const left = total === null || rate === 0 ? '' : `, about ${duration((total - done) / rate)} left`;
    console.log(`   ${what}${done}${total === null ? '' : `/${total}`} ${unit}, ${rate.toFixed(0)} ${unit}/s${left}`);
  };
}

async function phase(name: string, estimate: number, run: () => Promise<Outcome>): Promise<void> {
  console.log(`\n== ${name} (estimate ${duration(estimate)})`);
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    outcome = { ok: false, basis: 'checked', result: message, summary: `${name}: ${message}` };
  }
  const seconds = (performance.now() - started) / 1000;
  rows.push({ phase: name, estimate, seconds, ...outcome });
  const status = outcome.basis === 'skipped' ? 'skipped' : outcome.ok ? 'ok' : 'FAILED';
  console.log(`   ${status}: ${outcome.result} (${seconds.toFixed(1)} s)`);
}

/**
 * The model check of a config, through the project's wrapper in a child
 * process (TLC if present, else the wasm checker): its messages pass
 * through, and a line every 10 s says it is alive.
 */
function modelCheck(
  cfg: string,
  estimate: number,
): Promise<{
  engine: string;
  distinctStates: number | null;
  violation: { invariant: string | null } | null;
}> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['bin/tlc.js', '--json', '-workers', '2', '-config', cfg, 'spec/DeferredIO.tla'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const started = performance.now();
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      console.log(`   still checking: ${Math.round(elapsed)} s of about ${Math.ceil(estimate)} s`);
    }, 10_000);
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      // The wrapper's own elapsed-time lines would repeat the line above.
      for (const line of chunk.toString('utf8').split('\n'))
        if (/^(tlc:|Progress|Model checking)/.test(line) && !/^tlc: still checking/.test(line))
          console.log(`   ${line}`);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      try {
        resolvePromise(JSON.parse(Buffer.concat(out).toString('utf8')));
      } catch {
        reject(new Error(`npx tlc could not check (exit ${code})`));
      }
    });
  });
}

const tlc = tlcInstalled();
const simulating = simulateSeconds > 0 && tlc !== null;
const statesOf = (cfg: string) => currentCertificate(cfg).tlcDistinctStates;
const edgesOf = (cfg: string) => currentCertificate(cfg).graph?.edges ?? 0;
const traceFile = readTraceFile();
const traces = quick ? traceFile.traces.slice(0, 20) : traceFile.traces;
const traceSteps = traces.reduce((n, t) => n + t.steps.length, 0);

const load = loadavg()[0]!;
console.log(
  `verify${quick ? ' --quick' : ''}: load average ${load.toFixed(1)} on ${availableParallelism()} cores; ` +
    `checker: ${tlc ?? 'the wasm checker (TLC is not installed: npx tlc --install)'}`,
);
const calibration = calibrate();
const speed = calibration / reference.calibration;
const estimates = {
  check: (cfg: (typeof checked)[number]) =>
    tlc !== null ? reference.tlcCheck[cfg] * speed : statesOf(cfg) * reference.wasmState[cfg] * speed,
  graph: (cfg: Replayed) => edgesOf(cfg) * reference.graphEdge[cfg] * speed,
  replay: (cfg: Replayed) => edgesOf(cfg) * reference.replayEdge[cfg] * speed,
  traces: traceSteps * reference.traceStep * speed,
  simulation: simulating
    ? reference.tlcInitialStates +
      simulateSeconds +
      simulateSeconds * reference.tlcSimulationSteps * reference.traceStep
    : 0,
};
const total =
  checked.reduce((s, cfg) => s + estimates.check(cfg), 0) +
  1 +
  replayed.reduce((s, cfg) => s + estimates.graph(cfg) + estimates.replay(cfg), 0) +
  estimates.traces +
  estimates.simulation +
  fuzzSeconds;
console.log(
  `estimate: about ${duration(total)} in all: this machine enumerated the smoke graph in ${calibration.toFixed(1)} s, ` +
    `${speed.toFixed(1)}x the reference runs' ${reference.calibration} s, so each estimate is their cost per state, ` +
    `edge or trace step times ${speed.toFixed(1)} (fuzzing and the simulation run for the time they are given, ` +
    `and a simulation's replay takes what the reference run's did).\n` +
    `plan: model-check ${checked.map(short).join(', ')}; certificates and mutant verdicts current; ${replayed.map(short).join(', ')}: ` +
    `model graph = TLC's, refinement, edge replay on the engine; ${traces.length} TLC traces replayed; ` +
    `${simulating ? `a fresh ${simulateSeconds} s TLC simulation; ` : ''}${fuzzSeconds} s of fuzzing` +
    `${simulateSeconds > 0 && !simulating ? '. Skipped: the fresh TLC simulation (TLC is not installed)' : ''}`,
);

for (const cfg of checked) {
  await phase(`model-check ${short(cfg)}.cfg`, estimates.check(cfg), async () => {
    const out = await modelCheck(cfg, estimates.check(cfg));
    const ok = out.violation === null && out.distinctStates === statesOf(cfg);
    const engine = out.engine === 'tlc' ? 'TLC' : 'the wasm checker';
    return {
      ok,
      basis: 'checked',
      result:
        out.violation !== null
          ? `${engine}: ${out.violation.invariant} violated`
          : `${engine}: ${out.distinctStates} distinct states (TLC certified ${statesOf(cfg)}), every invariant holds`,
      summary: `${short(cfg)}.cfg model-checked by ${engine}`,
      details: out,
    };
  });
}

await phase('certificates and mutant verdicts are current', 1, async () => {
  const certs = [...replayed, ...(quick ? [] : countsOnly)].map((cfg) => currentCertificate(cfg));
  const mutants = readMutants();
  const stale = mutants.filter((m) => !verdictIsCurrent(m));
  if (stale.length > 0)
    return {
      ok: false,
      basis: 'certificate',
      result: `verdicts not current for ${stale.map((m) => m.name).join(', ')}: run npm run spec:mutants:certify`,
      summary: `mutant verdicts not current (${stale.length})`,
    };
  return {
    ok: true,
    basis: 'certificate',
    result:
      `TLC's results, not re-run, bound to the current sources: ${certs.length} config${certs.length === 1 ? '' : 's'} ` +
      `(${certs.map((c) => `${short(c.cfg)} ${c.tlcDistinctStates}`).join(', ')} states, every invariant and the refinement hold), ` +
      `${mutants.length} seeded-bug mutants each rejected with the violation it names`,
    summary: `TLC's checks of ${certs.length} config${certs.length === 1 ? '' : 's'} and ${mutants.length} mutant verdicts`,
  };
});

const graphs = new Map<string, ModelGraph>();
for (const cfg of replayed) {
  await phase(`model graph = TLC graph, and refines conventional I/O: ${cfg}`, estimates.graph(cfg), async () => {
    const { constants } = readConfig(cfg);
    const tick = ticker('states');
    const states = currentCertificate(cfg).tlcDistinctStates;
    const graph = enumerate(constants, successors, {
      progress: (found, depth) => tick(found, states, `depth ${depth}: `),
    });
    graphs.set(cfg, graph);
    const digest = digestGraph(graph);
    checkAgainstCertificate(cfg, digest);
    const bad: string[] = [];
    for (const id of graph.initial) {
      const why = initRefines(constants, graph.models[id]!);
      if (why !== null) bad.push(`initial state ${id}: ${why}`);
    }
    const tickEdges = ticker('edges');
    graph.edges.forEach((e, i) => {
      const to = graph.models[e.to]!;
      const why = stepRefines(
        constants,
        graph.models[e.from]!,
        conventionalCall(actionOf(to.last), chosenBy(constants, to)),
        to,
      );
      if (why !== null && bad.length < 5) bad.push(`${e.action}: ${why}`);
      tickEdges(i + 1, graph.edges.length, 'refinement: ');
    });
    return {
      ok: bad.length === 0,
      basis: 'checked',
      result: `${digest.distinctStates} states, ${digest.edges} edges = TLC's; ${bad.length === 0 ? 'every edge refines Conventional' : bad.join('; ')}`,
      summary: `${short(cfg)} graph (${digest.edges} edges) = TLC's and refines conventional I/O`,
      details: digest,
    };
  });
}

for (const cfg of replayed) {
  await phase(`edge replay on the engine: ${cfg}`, estimates.replay(cfg), async () => {
    const graph = graphs.get(cfg);
    if (graph === undefined) throw new Error('no graph: the graph phase failed');
    const { constants } = readConfig(cfg);
    const tick = ticker('edges');
    const r = replayGraph(constants, graph, { diskEvery: 20, progress: (done, total) => tick(done, total) });
    for (const d of r.divergences) console.log(regressionCase(cfg, d));
    return {
      ok: r.divergences.length === 0 && r.covered === r.edges,
      basis: 'checked',
      result: `${r.covered}/${r.edges} edges (${((100 * r.covered) / r.edges).toFixed(0)}%), ${r.onDisk} on real files, ${r.divergences.length} divergences`,
      summary: `${short(cfg)} edges replayed on the engine`,
      details: { ...r, divergences: r.divergences.length },
    };
  });
}

await phase(`TLC simulation traces replayed (${traceFile.cfg}, seed ${traceFile.seed})`, estimates.traces, async () => {
  const tick = ticker('traces');
  const r = replayTraces(traceConstants(traceFile), traces, {
    diskEvery: 10,
    progress: (done) => tick(done, traces.length),
  });
  return {
    ok: r.failures.length === 0,
    basis: 'checked',
    result: `${r.traces} behaviours, ${r.steps} steps on the model and the engine${r.failures.length > 0 ? `: ${r.failures.join('; ')}` : ', 0 divergences'}`,
    summary: `${r.traces} TLC traces replayed`,
    details: r,
  };
});

if (simulateSeconds > 0) {
  const name = `TLC simulation for ${simulateSeconds} s, replayed`;
  if (!simulating) {
    const why = 'TLC is not installed (npx tlc --install, or set TLA2TOOLS_JAR)';
    rows.push({
      phase: name,
      estimate: 0,
      seconds: 0,
      ok: true,
      basis: 'skipped',
      result: why,
      summary: `a fresh TLC simulation (${why})`,
    });
    console.log(`\n== ${name}\n   skipped: ${why}`);
  } else {
    await phase(name, estimates.simulation, async () => {
      const sim = await simulate({
        seed: traceFile.seed,
        depth: traceFile.depth,
        seconds: simulateSeconds,
        log: (l) => console.log(`   ${l}`),
      });
      if (sim.violation !== null)
        return {
          ok: false,
          basis: 'checked',
          result: `TLC found a violation: ${sim.violation}`,
          summary: `TLC simulation: ${sim.violation}`,
        };
      const r = replayTraces(traceConstants(traceFile), sim.traces, { diskEvery: 10 });
      return {
        ok: r.failures.length === 0,
        basis: 'checked',
        result: `${sim.traces.length} behaviours checked by TLC, ${r.steps} steps replayed${r.failures.length > 0 ? `: ${r.failures.join('; ')}` : ', 0 divergences'}`,
        summary: `${sim.traces.length} fresh TLC behaviours`,
        details: r,
      };
    });
  }
}

await phase(`differential fuzzing for ${fuzzSeconds} s`, fuzzSeconds, async () => {
  let printed = 0;
  const r = fuzzFor(fuzzSeconds, (p) => {
    if (p.seconds - printed < 10) return;
    printed = p.seconds;
    console.log(`   ${p.seconds.toFixed(0)} s: ${p.sequences} sequences, ${p.steps} steps`);
  });
  if (r.failure) console.log(`${r.failure.message}\n\nregression test:\n${r.failure.regression}`);
  const rate = r.seconds > 0 ? r.steps / r.seconds : 0;
  return {
    ok: r.failure === null,
    basis: 'checked',
    result: `${r.sequences} sequences, ${r.steps} steps (${rate.toFixed(0)} steps/s)${r.failure ? ', FAILED' : ''}`,
    summary: `${fuzzSeconds} s of fuzzing (${r.steps} steps)`,
    details: r,
  };
});

const label: Record<Basis, string> = { checked: 'checked', certificate: 'from cert', skipped: 'skipped' };
const width = Math.max(...rows.map((r) => r.phase.length));
console.log(`\n${'phase'.padEnd(width)}  how        ok      time  estimate  result`);
for (const r of rows) {
  const ok = r.basis === 'skipped' ? '-' : r.ok ? 'yes' : 'NO';
  console.log(
    `${r.phase.padEnd(width)}  ${label[r.basis].padEnd(9)}  ${ok.padEnd(4)} ${r.seconds.toFixed(1).padStart(7)} s ` +
      `${r.basis === 'skipped' ? '' : duration(r.estimate).padStart(8)}  ${r.result}`,
  );
}
const seconds = rows.reduce((s, r) => s + r.seconds, 0);
console.log(
  `${'total'.padEnd(width)}                ${seconds.toFixed(1).padStart(7)} s ${duration(total).padStart(8)}`,
);

const ok = rows.every((r) => r.ok);
const of = (basis: Basis) => rows.filter((r) => r.basis === basis).map((r) => r.summary);
const failed = rows.filter((r) => !r.ok).map((r) => r.summary);
const verdict =
  `verify${quick ? ' --quick' : ''}: ${ok ? 'PASS' : `FAIL (${failed.join('; ')})`} — ` +
  `checked in this run: ${of('checked').join(', ')}; from certificates: ${of('certificate').join(', ')}; ` +
  `skipped: ${of('skipped').join(', ') || 'nothing'}`;
writeFileSync(
  'verify-report.json',
  `${JSON.stringify(
    {
      ok,
      verdict,
      when: new Date().toISOString(),
      quick,
      loadAverage: { start: load, end: loadavg()[0] },
      calibration: { seconds: calibration, reference: reference.calibration },
      estimate: total,
      seconds,
      phases: rows,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote verify-report.json\n${verdict}`);
process.exit(ok ? 0 : 1);
