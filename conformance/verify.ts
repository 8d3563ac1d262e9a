/**
 * `npm run verify [-- --quick] [--fuzz-seconds N] [--simulate-seconds N]`:
 * the main job. Checks every layer against the one above it and prints one
 * table; writes verify-report.json.
 *
 *   1. model-check smoke.cfg (TLC when a jar is found, else the wasm
 *      checker, in a child process so that progress keeps printing);
 *   2. every certificate and mutant verdict is current (bound to the
 *      sources by sha256);
 *   3. the model's graphs equal the TLC-certified ones, and every edge
 *      refines conventional I/O;
 *   4. every certified edge replays on the engine;
 *   5. TLC's simulation traces (committed) replay on the model and the
 *      engine; with TLC present, a fresh simulation is run and replayed too;
 *   6. differential fuzzing of engine vs model vs conventional I/O.
 *
 * `--quick` (the edit loop, under 2 minutes): smoke.cfg only, 20 traces, a
 * few seconds of fuzzing. Every phase prints what it will do and an
 * estimate first, then a progress line at least every 10 seconds.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readConfig } from '../model/config.ts';
import { enumerate, type ModelGraph } from '../model/graph.ts';
import { actionOf } from '../model/next.ts';
import { initRefines, stepRefines } from '../model/refinement.ts';
import { digestGraph } from '../tla/graph.ts';
import { checkAgainstCertificate, currentCertificate, fileSha256, readVerdicts } from './certificate.ts';
import { fuzzFor } from './fuzz.ts';
import { regressionCase, replayGraph } from './replay.ts';
import { simulate } from './simulate.ts';
import { readTraceFile, replayTraces, traceConstants } from './traces.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'fuzz-seconds': { type: 'string' },
    'simulate-seconds': { type: 'string' },
  },
});
const quick = values.quick!;
function seconds(name: string, given: string | undefined, byDefault: number): number {
  const n = Number(given ?? byDefault);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`verify: --${name} must be a number >= 0, got ${given}`);
    process.exit(2);
  }
  return n;
}
const fuzzSeconds = seconds('fuzz-seconds', values['fuzz-seconds'], quick ? 10 : 60);
const simulateSeconds = seconds('simulate-seconds', values['simulate-seconds'], quick ? 0 : 30);

const replayed = quick ? ['spec/smoke.cfg'] : ['spec/smoke.cfg', 'spec/conformance.cfg', 'spec/isolation.cfg'];
const countsOnly = ['spec/twofiles.cfg', 'spec/twopages.cfg', 'spec/span.cfg', 'spec/fourstep.cfg'];

/** Prints `line` at most every 10 s (the first call included): call it as often as convenient. */
function ticker(): (line: () => string) => void {
  let last = performance.now();
  return (line) => {
    const now = performance.now();
    if (now - last < 10_000) return;
    last = now;
    console.log(`   ${line()}`);
  };
}

interface Row {
  phase: string;
  result: string;
  ok: boolean;
  seconds: number;
}
const rows: Row[] = [];
const report: Record<string, unknown> = {};

/** Per-edge and per-step costs measured on this 2-core machine under load (2026-12-01): for the estimates only. */
const cost = { enumerateEdge: 0.15e-3, refineEdge: 0.05e-3, replayEdge: 0.6e-3, traceStep: 2e-3, wasmState: 30e-3 };

async function phase(
  name: string,
  estimate: number,
  run: () => Promise<{ result: string; ok: boolean; details?: unknown }>,
): Promise<void> {
  console.log(`\n== ${name} (estimate ${estimate < 1 ? 'under a second' : `${Math.ceil(estimate)} s`})`);
  const started = performance.now();
  let outcome: { result: string; ok: boolean; details?: unknown };
  try {
    outcome = await run();
  } catch (e) {
    outcome = { result: e instanceof Error ? e.message : String(e), ok: false };
  }
  const took = (performance.now() - started) / 1000;
  rows.push({ phase: name, result: outcome.result, ok: outcome.ok, seconds: took });
  report[name] = { ...outcome, seconds: took };
  console.log(`   ${outcome.ok ? 'ok' : 'FAILED'}: ${outcome.result} (${took.toFixed(1)} s)`);
}

/**
 * The model check of smoke.cfg, through the project's wrapper in a child
 * process (TLC if present, else the wasm checker, which runs as one long
 * call): its messages pass through, and a line every 10 s says it is alive.
 */
function modelCheckSmoke(): Promise<{
  engine: string;
  distinctStates: number | null;
  violation: { invariant: string | null } | null;
}> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['bin/tlc.js', '--json', '-workers', '2', '-config', 'spec/smoke.cfg', 'spec/DeferredIO.tla'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const started = performance.now();
    const timer = setInterval(
      () => console.log(`   still checking (${Math.round((performance.now() - started) / 1000)} s)`),
      10_000,
    );
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (/^(tlc:|Progress|Model checking)/.test(line)) console.log(`   ${line}`);
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

const smokeStates = currentCertificate('spec/smoke.cfg').tlcDistinctStates;
console.log(
  `verify${quick ? ' --quick' : ''}: ${replayed.length} certified graphs replayed, traces, ${fuzzSeconds} s of fuzzing` +
    `${simulateSeconds > 0 ? `, ${simulateSeconds} s of TLC simulation if TLC is installed` : ''}; load average ${loadavg()[0]!.toFixed(1)}`,
);

await phase('model-check smoke.cfg', smokeStates * cost.wasmState, async () => {
  const out = await modelCheckSmoke();
  const ok = out.violation === null && out.distinctStates === smokeStates;
  return {
    ok,
    result:
      out.violation !== null
        ? `${out.engine}: ${out.violation.invariant} violated`
        : `${out.engine}: ${out.distinctStates} distinct states (TLC certified ${smokeStates})`,
    details: out,
  };
});

await phase('certificates and mutant verdicts are current', 1, async () => {
  const certs = [...replayed, ...(quick ? [] : countsOnly)].map((cfg) => currentCertificate(cfg));
  const verdicts = readVerdicts();
  const stale = verdicts.filter((v) =>
    Object.entries(v.sources).some(([path, sha]) => !existsSync(path) || fileSha256(path) !== sha),
  );
  if (stale.length > 0)
    return {
      ok: false,
      result: `verdicts not current for ${stale.map((v) => v.mutant).join(', ')}: run npm run spec:mutants:certify`,
    };
  return {
    ok: true,
    result: `${certs.length} configs (${certs.map((c) => `${c.cfg.replace(/^spec\/|\.cfg$/g, '')} ${c.tlcDistinctStates}`).join(', ')} states), ${verdicts.length} mutants rejected by TLC`,
  };
});

const graphs = new Map<string, ModelGraph>();
for (const cfg of replayed) {
  const edges = currentCertificate(cfg).graph?.edges ?? 0;
  await phase(
    `model graph = TLC graph, and refines conventional I/O: ${cfg}`,
    edges * (cost.enumerateEdge + cost.refineEdge),
    async () => {
      const { constants } = readConfig(cfg);
      const tick = ticker();
      const graph = enumerate(constants, { progress: (found, depth) => tick(() => `depth ${depth}: ${found} states`) });
      graphs.set(cfg, graph);
      const digest = digestGraph(graph);
      checkAgainstCertificate(cfg, digest);
      const bad: string[] = [];
      for (const id of graph.initial) {
        const why = initRefines(constants, graph.models[id]!);
        if (why !== null) bad.push(`initial state ${id}: ${why}`);
      }
      graph.edges.forEach((e, i) => {
        const to = graph.models[e.to]!;
        const why = stepRefines(constants, graph.models[e.from]!, actionOf(to.last), to);
        if (why !== null && bad.length < 5) bad.push(`${e.action}: ${why}`);
        tick(() => `refinement: ${i + 1}/${graph.edges.length} edges`);
      });
      return {
        ok: bad.length === 0,
        result: `${digest.distinctStates} states, ${digest.edges} edges = TLC's; ${bad.length === 0 ? 'every edge refines Conventional' : bad.join('; ')}`,
        details: digest,
      };
    },
  );
}

for (const cfg of replayed) {
  const edges = currentCertificate(cfg).graph?.edges ?? 0;
  await phase(`edge replay on the engine: ${cfg}`, edges * cost.replayEdge, async () => {
    const graph = graphs.get(cfg);
    if (graph === undefined) throw new Error('no graph: the certificate phase failed');
    const { constants } = readConfig(cfg);
    const tick = ticker();
    const r = replayGraph(constants, graph, {
      diskEvery: 20,
      progress: (done, total) => tick(() => `${done}/${total} edges`),
    });
    for (const d of r.divergences) console.log(regressionCase(cfg, d));
    return {
      ok: r.divergences.length === 0 && r.covered === r.edges,
      result: `${r.covered}/${r.edges} edges (${((100 * r.covered) / r.edges).toFixed(0)}%), ${r.onDisk} on real files, ${r.divergences.length} divergences`,
      details: { ...r, divergences: r.divergences.length },
    };
  });
}

const traceFile = readTraceFile();
const traces = quick ? traceFile.traces.slice(0, 20) : traceFile.traces;
await phase(
  `TLC simulation traces replayed (${traceFile.cfg}, seed ${traceFile.seed})`,
  traces.length * traceFile.depth * cost.traceStep,
  async () => {
    const tick = ticker();
    const r = replayTraces(traceConstants(traceFile), traces, {
      diskEvery: 10,
      progress: (done) => tick(() => `${done}/${traces.length} traces`),
    });
    return {
      ok: r.failures.length === 0,
      result: `${r.traces} behaviours, ${r.steps} steps on the model and the engine${r.failures.length > 0 ? `: ${r.failures.join('; ')}` : ', 0 divergences'}`,
      details: r,
    };
  },
);

if (simulateSeconds > 0) {
  await phase(`TLC simulation for ${simulateSeconds} s, replayed`, simulateSeconds + 70, async () => {
    let sim: Awaited<ReturnType<typeof simulate>>;
    try {
      sim = await simulate({
        seed: traceFile.seed,
        depth: traceFile.depth,
        seconds: simulateSeconds,
        log: (l) => console.log(`   ${l}`),
      });
    } catch (e) {
      if (e instanceof Error && /not installed/.test(e.message)) return { ok: true, result: `skipped: ${e.message}` };
      throw e;
    }
    if (sim.violation !== null) return { ok: false, result: `TLC found a violation: ${sim.violation}` };
    const r = replayTraces(traceConstants(traceFile), sim.traces, { diskEvery: 10 });
    return {
      ok: r.failures.length === 0,
      result: `${sim.traces.length} behaviours checked by TLC, ${r.steps} steps replayed${r.failures.length > 0 ? `: ${r.failures.join('; ')}` : ', 0 divergences'}`,
      details: r,
    };
  });
}

await phase(`differential fuzzing for ${fuzzSeconds} s`, fuzzSeconds, async () => {
  const tick = ticker();
  const r = fuzzFor(fuzzSeconds, (p) =>
    tick(() => `${p.seconds.toFixed(0)} s: ${p.sequences} sequences, ${p.steps} steps`),
  );
  if (r.failure) console.log(`${r.failure.message}\n\nregression test:\n${r.failure.regression}`);
  const rate = r.seconds > 0 ? r.steps / r.seconds : 0;
  return {
    ok: r.failure === null,
    result: `${r.sequences} sequences, ${r.steps} steps (${rate.toFixed(0)} steps/s)${r.failure ? ', FAILED' : ''}`,
    details: r,
  };
});

const width = Math.max(...rows.map((r) => r.phase.length));
console.log(`\n${'phase'.padEnd(width)}  ok      time  result`);
for (const r of rows) {
  console.log(
    `${r.phase.padEnd(width)}  ${(r.ok ? 'yes' : 'NO').padEnd(4)} ${r.seconds.toFixed(1).padStart(7)} s  ${r.result}`,
  );
}
const total = rows.reduce((s, r) => s + r.seconds, 0);
console.log(`${'total'.padEnd(width)}       ${total.toFixed(1).padStart(7)} s`);
writeFileSync(
  'verify-report.json',
  `${JSON.stringify({ when: new Date().toISOString(), quick, loadAverage: loadavg()[0], phases: report }, null, 2)}\n`,
);
console.log('\nwrote verify-report.json');
process.exit(rows.every((r) => r.ok) ? 0 : 1);
