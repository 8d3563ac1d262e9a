/**
 * `npm run spec:simulate -- [--traces N] [--seed S] [--depth D]`: TLC walks N
 * random behaviours of spec/simulation.cfg (a fixed seed: the same
 * behaviours every time), checking every invariant and the refinement on
 * each step, and writes them to spec/simulation.traces.json, which CI
 * replays on the model and the engine (conformance/traces.ts).
 *
 * `simulate` is also verify's live phase when TLC is present: the same
 * command with a time budget instead of a count.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberOption, readCommandLine } from '../cli/command-line.ts';
import { fileSha256 } from './certificate.ts';
import { readTlcTraces, type Trace, tracesPath, writeTraceFile } from './traces.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const simulationCfg = 'spec/simulation.cfg';

export interface Simulation {
  readonly traces: Trace[];
  readonly tlc: string;
  /** TLC's verdict: null when it found no violation in the behaviours it walked. */
  readonly violation: string | null;
}

/**
 * Runs TLC's simulation through the project's wrapper: `count` behaviours,
 * or as many as fit in `seconds` (TLC is then stopped and the behaviours it
 * finished are kept; the time counts from the end of TLC's initial states).
 * Throws if no TLC is available (the wrapper refuses -simulate without one).
 */
export async function simulate(opts: {
  seed: string;
  depth: number;
  count?: number;
  seconds?: number;
  log?: (line: string) => void;
}): Promise<Simulation> {
  const dir = await mkdtemp(join(tmpdir(), 'deferred-io-simulate-'));
  try {
    const num = opts.count ?? 1_000_000;
    const args = [
      join(repoRoot, 'bin', 'tlc.js'),
      '-simulate',
      `num=${num},file=${join(dir, 'trace')}`,
      '-depth',
      String(opts.depth + 1),
      '-seed',
      opts.seed,
      '-workers',
      '1',
      '-noGenerateSpecTE',
      '-metadir',
      join(dir, 'meta'),
      '-config',
      simulationCfg,
      'spec/Refinement.tla',
    ];
    const { status, output } = await new Promise<{ status: number | null; output: string }>(
      (resolvePromise, reject) => {
        // Its own process group, so that stopping it stops the java process the wrapper runs too.
        const child = spawn(process.execPath, args, {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        const chunks: Buffer[] = [];
        let timer: NodeJS.Timeout | null = null;
        // The budget counts from the first behaviour on: in simulation mode TLC
        // spends a minute or so on this spec's initial states first.
        const keep = (chunk: Buffer) => {
          chunks.push(chunk);
          for (const line of chunk.toString('utf8').split('\n')) {
            if (line.startsWith('Progress') || line.startsWith('Finished computing initial states')) opts.log?.(line);
            if (line.startsWith('Finished computing initial states') && opts.seconds !== undefined && timer === null) {
              timer = setTimeout(() => process.kill(-child.pid!, 'SIGTERM'), opts.seconds * 1000);
            }
          }
        };
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        child.on('error', reject);
        child.on('close', (code) => {
          if (timer !== null) clearTimeout(timer);
          resolvePromise({ status: code, output: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    if (/no tla2tools\.jar/.test(output))
      throw new Error('TLC is not installed: simulation needs it (npx tlc --install, or set TLA2TOOLS_JAR)');
    const tlc = /^TLC2 Version .*$/m.exec(output)?.[0] ?? 'TLC (version not printed)';
    const violated = /^Error: (Invariant \S+ is violated|Action property .* is violated)/m.exec(output)?.[1] ?? null;
    if (violated === null && status !== 0 && opts.seconds === undefined)
      throw new Error(`TLC's simulation failed (exit ${status}):\n${output.slice(-2000)}`);
    return { traces: readTlcTraces(dir, 'trace'), tlc, violation: violated };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { count, seed, depth } = readCommandLine(
    {
      name: 'npm run spec:simulate --',
      help: `usage: npm run spec:simulate -- [--traces N] [--seed S] [--depth D]

TLC walks N random behaviours of ${simulationCfg} with a fixed seed (the same
behaviours every time), checking every invariant and the refinement on each
step, and writes them to spec/simulation.traces.json, which verify and the
tests replay on the model and the engine. Needs TLC (npx tlc --install).

  --traces N  behaviours to walk (default 200)
  --seed S    TLC's -seed (default 20261201)
  --depth D   steps per behaviour (default 12)
  -h, --help  this text
`,
      options: { traces: { type: 'string' }, seed: { type: 'string' }, depth: { type: 'string' } },
    },
    ({ values }) => ({
      count: numberOption('--traces', values.traces, 200, { min: 1, integer: true }),
      seed: String(numberOption('--seed', values.seed, 20261201, { integer: true })),
      depth: numberOption('--depth', values.depth, 12, { min: 1, integer: true }),
    }),
  );
  console.log(`simulating ${count} behaviours of ${simulationCfg} (seed ${seed}, ${depth} steps) with TLC...`);
  const sim = await simulate({ seed, depth, count, log: (l) => console.log(`  ${l}`) });
  if (sim.violation !== null) {
    console.error(`spec:simulate: TLC found a violation: ${sim.violation}`);
    process.exit(1);
  }
  writeTraceFile({
    cfg: simulationCfg,
    cfgSha256: fileSha256(join(repoRoot, simulationCfg)),
    specSha256: fileSha256(join(repoRoot, 'spec/DeferredIO.tla')),
    tlc: sim.tlc,
    seed,
    depth,
    traces: sim.traces,
  });
  console.log(
    `wrote ${tracesPath}: ${sim.traces.length} behaviours, ${sim.traces.reduce((n, t) => n + t.steps.length, 0)} steps`,
  );
}
