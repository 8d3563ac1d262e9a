/**
 * Model checking in CI, where there is no TLC: the wasm checker explores
 * smoke.cfg completely and must find exactly the states TLC certified, and
 * re-checks the seeded-bug mutants TLC rejected on smoke.cfg by an
 * invariant (it cannot load Refinement.tla). It runs through the project's
 * wrapper, as conformance/ runs every checker, with no TLC to be found.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { currentCertificate } from './certificate.ts';
import { writeModules } from './mutants/modules.ts';
import { readMutants } from './mutants/mutant.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const smokeCfg = join(repoRoot, 'spec', 'smoke.cfg');

/** What `npx tlc --json` reports, as far as these tests read it. */
interface Checked {
  engine: string;
  distinctStates: number;
  violation: { invariant: string | null } | null;
}

/** `npx tlc --json -config CFG SPEC` with neither TLA2TOOLS_JAR nor a cached jar, so the wasm checker checks. */
function checkWithoutTlc(spec: string, cfg: string): Checked {
  const cache = mkdtempSync(join(tmpdir(), 'deferred-io-no-tlc-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cache };
    delete env.TLA2TOOLS_JAR;
    const run = spawnSync(process.execPath, [join(repoRoot, 'bin', 'tlc.js'), '--json', '-config', cfg, spec], {
      env,
      encoding: 'utf8',
    });
    if (run.stdout === '') throw new Error(`npx tlc printed no result (exit status ${run.status}):\n${run.stderr}`);
    const result = JSON.parse(run.stdout) as Checked & { error: unknown };
    expect({ engine: result.engine, error: result.error }, run.stderr).toEqual({ engine: 'wasm', error: null });
    return result;
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

test('the wasm checker explores smoke.cfg completely and finds the states TLC found', { tags: ['slow'] }, () => {
  const result = checkWithoutTlc(join(repoRoot, 'spec', 'DeferredIO.tla'), smokeCfg);
  expect(result.violation).toBeNull();
  expect(result.distinctStates).toBe(currentCertificate(smokeCfg).tlcDistinctStates);
});

describe('the wasm checker rejects the smoke mutants as TLC did', () => {
  for (const mutant of readMutants().filter((m) => m.cfg === 'smoke' && m.expect !== 'Refines')) {
    test(`${mutant.name}: ${mutant.expect}`, { tags: ['slow'] }, () => {
      expect(checkWithoutTlc(writeModules(mutant).spec, smokeCfg).violation?.invariant).toBe(mutant.expect);
    });
  }
});
