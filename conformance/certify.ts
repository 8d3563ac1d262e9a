/**
 * `npm run spec:certify -- spec/conformance.cfg [more cfgs...] [--no-graph]`:
 * model-checks the spec (spec/Refinement.tla: DeferredIO.tla, its
 * invariants, and its refinement of Conventional.tla) with TLC, reads the
 * state graph TLC dumps, and writes the certificate beside the cfg
 * (conformance/certificate.ts). `--no-graph` certifies a config too large
 * for CI to enumerate by TLC's counts alone.
 *
 * The seeded-bug mutants are certified by `npm run spec:mutants:certify`
 * (conformance/mutants/certify.ts).
 *
 * Only TLC may certify: the project's `npx tlc` wrapper falls back to the
 * wasm checker when it finds no tla2tools.jar, and that checker's graph is
 * exactly what a certificate is meant to be an independent witness against.
 * The wrapper refuses `-dump` without TLC, and the engine its `--json`
 * result names is checked as well.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCommandLine, UsageError } from '../cli/command-line.ts';
import { readCfg } from '../tla/cfg.ts';
import { readDotGraph } from '../tla/dot.ts';
import { digestGraph } from '../tla/graph.ts';
import { repoRelative, sourceHashes, specPath, writeCertificate } from './certificate.ts';
import { RefusedError, runWrapper, statesGenerated, tlcVersion } from './tlc-run.ts';

async function certify(cfgArg: string, withGraph: boolean, workers: string): Promise<void> {
  if (!existsSync(cfgArg)) throw new RefusedError(`no such cfg: ${cfgArg}`);
  const cfg = repoRelative(cfgArg);
  const parsed = readCfg(cfgArg);
  // Hashed before TLC reads them, so an edit during the run cannot be certified.
  const hashes = sourceHashes(cfgArg);
  const scratch = await mkdtemp(join(tmpdir(), 'deferred-io-certify-'));
  try {
    console.log(`certifying ${specPath} with ${cfg}${withGraph ? '' : ' (counts only, no graph)'}: running TLC...`);
    const load = loadavg()[0]!;
    const { status, result, log } = await runWrapper([
      '-workers',
      workers,
      '-metadir',
      join(scratch, 'meta'),
      '-noGenerateSpecTE',
      ...(withGraph ? ['-dump', 'dot,actionlabels', join(scratch, 'graph')] : []),
      '-config',
      cfg,
      specPath,
    ]);
    if (result.violation !== null || status !== 0) {
      throw new RefusedError(
        `TLC found a violation in ${cfg} (exit status ${status}): a spec that fails its invariants is not certified`,
      );
    }
    if (result.distinctStates === null) throw new RefusedError(`TLC reported no distinct-state count for ${cfg}`);
    let graph = null;
    if (withGraph) {
      // TLC appends .dot to a dump name that lacks it.
      console.log('reading graph...');
      graph = digestGraph(await readDotGraph(join(scratch, 'graph.dot')));
      console.log(`${graph.distinctStates} states, ${graph.edges} edges`);
      if (graph.distinctStates !== result.distinctStates) {
        throw new RefusedError(
          `TLC reported ${result.distinctStates} distinct states but its dump holds ${graph.distinctStates}`,
        );
      }
    }
    const written = writeCertificate({
      spec: specPath,
      cfg,
      ...hashes,
      invariants: (parsed.names.get('INVARIANT') ?? []).map((n) => n.name),
      properties: (parsed.names.get('PROPERTY') ?? []).map((n) => n.name),
      tlcDistinctStates: result.distinctStates,
      tlcStatesGenerated: statesGenerated(log),
      graph,
      tlc: tlcVersion(log),
      seconds: result.seconds,
      loadAverage: Math.round(load * 100) / 100,
      certifiedAt: new Date().toISOString(),
    });
    console.log(`wrote ${repoRelative(written)}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const { cfgs, withGraph, workers } = readCommandLine(
  {
    name: 'npm run spec:certify --',
    help: `usage: npm run spec:certify -- spec/NAME.cfg [more cfgs...] [--no-graph]

Model-checks spec/Refinement.tla on each cfg with TLC (every invariant and
the refinement) and writes spec/NAME.cert.json: TLC's counts, the sha256 of
every spec source and of the cfg, and a digest of the state graph TLC dumps.
Needs TLC (npx tlc --install). Exit status: 0 certified, 1 refused, 2 a bad
command line.

  --no-graph     counts only, no graph: for a config too large for CI to enumerate
  --workers N    TLC's worker threads (default 2; 1 on a machine others share)
  -h, --help     this text
`,
    options: { 'no-graph': { type: 'boolean', default: false }, workers: { type: 'string', default: '2' } },
    positionals: true,
  },
  ({ values, positionals }) => {
    if (positionals.length === 0) throw new UsageError('no cfg given');
    if (!/^[1-9][0-9]*$/.test(values.workers))
      throw new UsageError(`--workers takes a positive count, got ${values.workers}`);
    return { cfgs: positionals, withGraph: !values['no-graph'], workers: values.workers };
  },
);
try {
  for (const cfg of cfgs) await certify(cfg, withGraph, workers);
} catch (e) {
  if (!(e instanceof RefusedError)) throw e;
  console.error(`spec:certify: not certified: ${e.message}`);
  process.exitCode = 1;
}
