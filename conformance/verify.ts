/**
 * npm run verify: the main job. Model-checks the smoke config (TLC when a
 * jar is found, else the wasm checker), proves the model's graphs equal the
 * TLC-certified ones, replays every certified edge against the engine, and
 * fuzzes engine vs model vs conventional I/O for a fixed budget. Prints
 * progress, one summary table, and writes verify-report.json.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readConfig } from '../model/config.ts';
import { enumerate } from '../model/graph.ts';
import { checkAgainstCertificate, readCertificate } from './certificate.ts';
import { fuzzFor } from './fuzz.ts';
import { digestGraph } from '../tla/graph.ts';
import { regressionCase, replayGraph } from './replay.ts';

const { values } = parseArgs({ options: { 'fuzz-seconds': { type: 'string', default: '60' } } });
const fuzzSeconds = Number(values['fuzz-seconds']);
if (!Number.isFinite(fuzzSeconds) || fuzzSeconds < 0) {
  console.error(`verify: --fuzz-seconds must be a number >= 0, got ${values['fuzz-seconds']}`);
  process.exit(2);
}

interface Row { phase: string; result: string; ok: boolean; seconds: number }
const rows: Row[] = [];
const report: Record<string, unknown> = {};

function phase(name: string, run: () => { result: string; ok: boolean; details?: unknown }): void {
  console.log(`\n== ${name}`);
  const started = performance.now();
  let outcome: { result: string; ok: boolean; details?: unknown };
  try {
    outcome = run();
  } catch (e) {
    outcome = { result: e instanceof Error ? e.message : String(e), ok: false };
  }
  const seconds = (performance.now() - started) / 1000;
  rows.push({ phase: name, result: outcome.result, ok: outcome.ok, seconds });
  report[name] = { ...outcome, seconds };
  console.log(`   ${outcome.ok ? 'ok' : 'FAILED'}: ${outcome.result} (${seconds.toFixed(1)} s)`);
}

phase('model-check smoke.cfg', () => {
  // Through the wrapper, so TLC is used when present; its progress goes to stderr (shown), the JSON to stdout.
  const run = spawnSync(process.execPath, ['bin/tlc.js', '--json', '-workers', '2', '-config', 'spec/smoke.cfg', 'spec/DeferredIO.tla'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status === 2 || run.stdout.trim() === '') throw new Error(`npx tlc could not check (exit ${run.status})`);
  const out = JSON.parse(run.stdout) as { engine: string; distinctStates: number; violation: { invariant: string } | null };
  const expected = readCertificate('spec/smoke.cfg').tlcDistinctStates;
  const ok = out.violation === null && out.distinctStates === expected;
  return {
    ok,
    result: out.violation !== null ? `${out.engine}: ${out.violation.invariant} violated`
      : `${out.engine}: ${out.distinctStates} distinct states (TLC certified ${expected})`,
    details: out,
  };
});

const graphs = new Map<string, ReturnType<typeof enumerate>>();
for (const cfg of ['spec/smoke.cfg', 'spec/conformance.cfg']) {
  phase(`model graph = certified TLC graph: ${cfg}`, () => {
    const graph = enumerate(readConfig(cfg).constants, {
      progress: (found, depth) => console.log(`   depth ${depth}: ${found} states`),
    });
    graphs.set(cfg, graph);
    const digest = digestGraph(graph);
    checkAgainstCertificate(cfg, digest);
    return { ok: true, result: `${digest.distinctStates} states, ${digest.edges} edges`, details: digest };
  });
}

phase('edge replay on the engine: spec/conformance.cfg', () => {
  const cfg = 'spec/conformance.cfg';
  const graph = graphs.get(cfg);
  if (graph === undefined) throw new Error('no graph: the certificate phase failed');
  const { constants } = readConfig(cfg);
  const r = replayGraph(constants, graph, {
    diskEvery: 20,
    progress: (done, total) => console.log(`   ${done}/${total} edges`),
  });
  for (const d of r.divergences) console.log(regressionCase(constants, cfg, d));
  return {
    ok: r.divergences.length === 0 && r.covered === r.edges,
    result: `${r.covered}/${r.edges} edges (${((100 * r.covered) / r.edges).toFixed(0)}%), ${r.onDisk} on real files, ${r.divergences.length} divergences`,
    details: { ...r, divergences: r.divergences.length },
  };
});

phase(`differential fuzzing for ${fuzzSeconds} s`, () => {
  const r = fuzzFor(fuzzSeconds, (p) => console.log(`   ${p.seconds.toFixed(0)} s: ${p.sequences} sequences, ${p.steps} steps`));
  if (r.failure) console.log(`${r.failure.message}\n\nregression test:\n${r.failure.regression}`);
  return { ok: r.failure === null, result: `${r.sequences} sequences, ${r.steps} steps${r.failure ? ', FAILED' : ''}`, details: r };
});

const width = Math.max(...rows.map((r) => r.phase.length));
console.log(`\n${'phase'.padEnd(width)}  ok      time  result`);
for (const r of rows) {
  console.log(`${r.phase.padEnd(width)}  ${(r.ok ? 'yes' : 'NO').padEnd(4)} ${r.seconds.toFixed(1).padStart(7)} s  ${r.result}`);
}
writeFileSync('verify-report.json', `${JSON.stringify({ when: new Date().toISOString(), phases: report }, null, 2)}\n`);
console.log('\nwrote verify-report.json');
process.exit(rows.every((r) => r.ok) ? 0 : 1);
