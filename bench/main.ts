/**
 * The benchmark suite: the engine against conventional node:fs I/O and a
 * private mmap, side by side in one process run.
 *
 *   npm run bench                          # everything; writes bench/results/
 *   npm run bench -- --json out.json       # also every figure to out.json
 *   npm run bench -- --only P3,P4          # some benchmarks; bench/results/ untouched
 *   npm run bench -- --dir /mnt/x          # temp files there (default: os.tmpdir())
 *   npm run bench -- --no-mmap             # skip building and using the mmap addon
 *   npm run bench -- --cpu-prof DIR        # V8 CPU profiles of the run into DIR (read them with bench/cpuprofile.ts)
 *
 * The suite runs as plain JavaScript: this entry point transpiles impl/ and
 * bench/ into a temporary directory and runs the result in a child node
 * (see compile.ts); --tsx runs it in this process from source instead.
 *
 * Benchmarks are measurements, not tests: a missed target is reported, and
 * the exit status is 0 unless the suite itself broke.
 */

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCommandLine, UsageError } from '../cli/command-line.ts';
import { compiled, compileSuite, root } from './compile.ts';
import { createContext } from './context.ts';
import { since } from './harness.ts';
import { loadMmap } from './mmap/index.ts';
import * as p1 from './p1-read-latency.ts';
import * as p2 from './p2-sparse-touch.ts';
import * as p3 from './p3-write-back.ts';
import * as p4 from './p4-resync.ts';
import * as p5 from './p5-memory.ts';
import * as p6 from './p6-hit-path.ts';
import * as p7 from './p7-sequential-scan.ts';
import * as p8 from './p8-periodic-sync.ts';
import * as p9 from './p9-unaligned-sync.ts';
import * as p10 from './p10-close.ts';
import * as p11 from './p11-atomic-sync.ts';
import * as p12 from './p12-mixed-segments.ts';
import { type BenchResult, machine, markdown, type Report, writeReport } from './report.ts';

const benchmarks = [
  { id: 'P1', title: 'read() latency: 1 MiB, 1 GiB, 64 GiB, 1 TiB', module: p1 },
  { id: 'P2', title: 'touching 1% of the pages of 1 GiB at random', module: p2 },
  { id: 'P3', title: 'write-back of 1 GiB with 1% of the pages dirty', module: p3 },
  { id: 'P4', title: 'a second write-back with nothing changed', module: p4 },
  { id: 'P5', title: 'scanning 4× the memory budget: peak RSS', module: p5 },
  { id: 'P6', title: 'resident hit path: typed getters vs DataView', module: p6 },
  { id: 'P7', title: 'sequential scan of 1 GiB', module: p7 },
  { id: 'P8', title: 'periodic sync of a 1 GiB image', module: p8 },
  { id: 'P9', title: 'periodic sync of an image read at an unaligned address', module: p9 },
  { id: 'P10', title: 'closing a segment with 100,000 extents', module: p10 },
  { id: 'P11', title: 'atomic sync of a 1 GiB image: journal vs plain write-back vs a careful copy', module: p11 },
  { id: 'P12', title: 'resident hit path over segments of four kinds from one call site', module: p12 },
];

const values = readCommandLine(
  {
    name: 'npm run bench --',
    help: `usage: npm run bench -- [--json FILE] [--only P1,P3] [--dir DIR] [--no-mmap] [--cpu-prof DIR] [--tsx]

The engine against conventional node:fs I/O and a private mmap, side by side
in one run (bench/README.md). Without --only, writes bench/results/ and the
results section of README.md.

  --json FILE     also every figure to FILE
  --only IDS      only these benchmarks (${benchmarks.map((b) => b.id).join(', ')}); bench/results/ untouched
  --dir DIR       temp files in DIR (default: os.tmpdir())
  --no-mmap       skip building and using the mmap addon
  --cpu-prof DIR  V8 CPU profiles of the run into DIR (read them with bench/cpuprofile.ts)
  --tsx           run in this process from the TypeScript sources, not transpiled
  -h, --help      this text
`,
    options: {
      json: { type: 'string' },
      only: { type: 'string' },
      dir: { type: 'string' },
      'no-mmap': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      tsx: { type: 'boolean', default: false },
    },
  },
  ({ values }) => {
    const only = values.only?.split(',').map((id) => id.trim().toUpperCase());
    const unknown = only?.filter((id) => !benchmarks.some((b) => b.id === id)) ?? [];
    if (unknown.length > 0)
      throw new UsageError(
        `unknown benchmark ${unknown.join(', ')}: choose from ${benchmarks.map((b) => b.id).join(', ')}`,
      );
    return { ...values, only };
  },
);
const only = values.only;
const chosen = benchmarks.filter((b) => only === undefined || only.includes(b.id));

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

if (!compiled && !values.tsx) process.exit(await runCompiled());
await runSuite();

/** Transpiles the suite and runs it in a child node with the same arguments; returns its exit status. */
async function runCompiled(): Promise<number> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'deferred-io-bench-js-'));
  try {
    const main = compileSuite(out);
    const profile =
      values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`];
    const child = spawn(process.execPath, ['--expose-gc', ...profile, main, ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, DEFERRED_IO_ROOT: root },
    });
    // The child cleans up after itself on ^C; wait for it.
    const ignore = (): void => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    return await new Promise<number>((resolve) =>
      child.on('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 130))),
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

async function runSuite(): Promise<void> {
  const started = process.hrtime.bigint();
  const loadAtStart = os.loadavg()[0];
  const dir = fs.mkdtempSync(path.join(values.dir ?? os.tmpdir(), 'deferred-io-bench-'));
  const cleanUp = (): void => fs.rmSync(dir, { recursive: true, force: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }

  try {
    const mmap = values['no-mmap'] ? { addon: null, reason: 'skipped (--no-mmap)', path: null } : loadMmap(log);
    log(
      mmap.addon === null
        ? `mmap addon unavailable: ${mmap.reason}`
        : `mmap addon loaded (${path.relative(process.cwd(), mmap.path!)})`,
    );
    if (typeof (globalThis as { gc?: unknown }).gc !== 'function')
      log('note: run node with --expose-gc (npm run bench does) for steadier memory figures');
    const context = createContext(dir, mmap, log);
    const results: BenchResult[] = [];
    for (const benchmark of chosen) {
      log(`[${benchmark.id}] ${benchmark.title}`);
      const start = process.hrtime.bigint();
      const result = await benchmark.module.run(context);
      result.seconds = since(start);
      results.push(result);
      for (const check of result.checks) {
        log(`  ${check.met === null ? 'reported' : check.met ? 'met' : 'MISSED'}: ${check.target}: ${check.measured}`);
      }
      const removing = process.hrtime.bigint();
      context.removeFiles();
      log(`  (${result.seconds.toFixed(1)} s; its files removed in ${since(removing).toFixed(1)} s)`);
    }
    const report: Report = {
      machine: machine(dir, loadAtStart),
      mmap: { available: mmap.addon !== null, reason: mmap.reason },
      code: compiled
        ? 'JavaScript transpiled by TypeScript (transpileModule), plain node'
        : 'TypeScript under tsx (--tsx)',
      results,
      seconds: since(started),
    };
    process.stdout.write(markdown(report));
    if (values.json !== undefined) writeReport(report, { json: values.json });
    if (only === undefined) {
      const results = path.join(root, 'bench', 'results');
      fs.mkdirSync(results, { recursive: true });
      writeReport(report, {
        json: path.join(results, 'results.json'),
        markdown: path.join(results, 'results.md'),
        svg: path.join(results, 'results.svg'),
      });
      log(`wrote ${path.relative(process.cwd(), results)}/results.{md,svg,json}`);
      if (updateReadme(path.join(root, 'README.md'), markdown(report))) log('updated the results in README.md');
    }
    log(`done in ${report.seconds.toFixed(0)} s`);
  } finally {
    cleanUp();
  }
}

/** Replaces what lies between the results markers of the README with this run's table. */
function updateReadme(file: string, table: string): boolean {
  const start = '<!-- results:start (written by npm run bench) -->';
  const end = '<!-- results:end -->';
  if (!fs.existsSync(file)) return false;
  const text = fs.readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return false;
  fs.writeFileSync(
    file,
    `${text.slice(0, from + start.length)}\n${table}\n![ratios](bench/results/results.svg)\n\n${text.slice(to)}`,
  );
  return true;
}
