/**
 * `npm run spec:certify -- spec/conformance.cfg [more cfgs...]`: model-checks
 * the spec with TLC, reads the state graph TLC dumps, and writes its digest
 * to `spec/<cfg name>.cert.json` (conformance/certificate.ts).
 *
 * Only TLC may certify: the project's `npx tlc` wrapper falls back to the
 * wasm checker when it finds no tla2tools.jar, and that checker's graph is
 * exactly what a certificate is meant to be an independent witness against.
 * The wrapper refuses `-dump` without TLC, and the engine its `--json`
 * result names is checked as well.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRelative, sourceHashes, specPath, writeCertificate } from './certificate.ts';
import { readDotGraph } from '../tla/dot.ts';
import { digestGraph } from '../tla/graph.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A reason not to certify. */
class RefusedError extends Error {}

/** What the wrapper's `--json` prints, as far as certification reads it. */
interface WrapperResult {
  readonly engine: string;
  readonly distinctStates: number | null;
  readonly violation: unknown;
  readonly seconds: number;
}

/**
 * Runs `node bin/tlc.js --json ...` with a dot dump into `scratch`. TLC's
 * console output (the wrapper's stderr under --json) streams through to ours
 * and is kept, for its version line; stdout carries the JSON result.
 */
function runWrapper(cfg: string, scratch: string): Promise<{ status: number; result: string; log: string }> {
  const args = [
    join(repoRoot, 'bin', 'tlc.js'), '--json',
    '-workers', '2', '-metadir', join(scratch, 'meta'), '-noGenerateSpecTE',
    '-dump', 'dot,actionlabels', join(scratch, 'graph'),
    '-config', cfg, specPath,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const log: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      log.push(chunk);
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      resolvePromise({ status: code ?? 1, result: Buffer.concat(out).toString('utf8'), log: Buffer.concat(log).toString('utf8') });
    });
  });
}

/** The wrapper's JSON result, refusing anything but a complete, error-free TLC run. */
function tlcResult(status: number, stdout: string, cfg: string): WrapperResult {
  let result: WrapperResult;
  try {
    result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as WrapperResult;
  } catch {
    throw new RefusedError(`the check of ${cfg} failed (exit status ${status}; the wrapper's message is above)`);
  }
  if (result.engine !== 'tlc') {
    throw new RefusedError(`the check ran on the ${result.engine} engine, not TLC: install TLC (npx tlc --install) or set TLA2TOOLS_JAR`);
  }
  if (result.violation !== null || status !== 0) {
    throw new RefusedError(`TLC found a violation in ${cfg} (exit status ${status}): a spec that fails its invariants is not certified`);
  }
  if (result.distinctStates === null) throw new RefusedError(`TLC reported no distinct-state count for ${cfg}`);
  return result;
}

async function certify(cfgArg: string): Promise<void> {
  if (!existsSync(cfgArg)) throw new RefusedError(`no such cfg: ${cfgArg}`);
  const cfg = repoRelative(cfgArg);
  // Hashed before TLC reads them, so an edit during the run cannot be certified.
  const hashes = sourceHashes(cfgArg);
  const scratch = await mkdtemp(join(tmpdir(), 'deferred-io-certify-'));
  try {
    console.log(`certifying ${specPath} with ${cfg}: running TLC...`);
    const run = await runWrapper(cfg, scratch);
    const result = tlcResult(run.status, run.result, cfg);
    const tlc = /^TLC2 Version .*$/m.exec(run.log)?.[0];
    if (tlc === undefined) throw new RefusedError("TLC's output has no \"TLC2 Version\" line");
    // TLC appends .dot to a dump name that lacks it.
    const dump = join(scratch, 'graph.dot');
    console.log('reading graph...');
    const digest = digestGraph(await readDotGraph(dump));
    console.log(`${digest.distinctStates} states, ${digest.edges} edges`);
    if (digest.distinctStates !== result.distinctStates) {
      throw new RefusedError(`TLC reported ${result.distinctStates} distinct states but its dump holds ${digest.distinctStates}`);
    }
    const written = writeCertificate({
      spec: specPath,
      cfg,
      ...hashes,
      ...digest,
      tlcDistinctStates: result.distinctStates,
      tlc,
      seconds: result.seconds,
      certifiedAt: new Date().toISOString(),
    });
    console.log(`wrote ${repoRelative(written)}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const cfgs = process.argv.slice(2);
if (cfgs.length === 0) {
  console.error('usage: npm run spec:certify -- spec/NAME.cfg [more cfgs...]');
  process.exitCode = 2;
}
try {
  for (const cfg of cfgs) await certify(cfg);
} catch (e) {
  if (!(e instanceof RefusedError)) throw e;
  console.error(`spec:certify: not certified: ${e.message}`);
  process.exitCode = 1;
}
