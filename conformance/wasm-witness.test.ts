/**
 * Model checking in CI, where there is no TLC: the wasm checker explores
 * smoke.cfg and crashsmoke.cfg (the same bounds with a Persistent file:
 * write-backs plain, synced and atomic, kills and power cuts, recovery)
 * completely and must find exactly the states TLC certified, and re-checks
 * the seeded-bug mutants TLC rejected on them by an invariant (it cannot
 * load Refinement.tla). It runs through the project's wrapper, as
 * conformance/ runs every checker, with no TLC to be found.
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
/** The configs CI model-checks without TLC, by name. */
const configs = ['smoke', 'crashsmoke'];

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

describe.each(configs)('%s.cfg', (name) => {
  const cfg = join(repoRoot, 'spec', `${name}.cfg`);

  test('the wasm checker explores it completely and finds the states TLC found', { tags: ['slow'] }, () => {
    const result = checkWithoutTlc(join(repoRoot, 'spec', 'DeferredIO.tla'), cfg);
    expect(result.violation).toBeNull();
    expect(result.distinctStates).toBe(currentCertificate(cfg).tlcDistinctStates);
  });

  for (const mutant of readMutants().filter((m) => m.cfg === name && m.expect !== 'Refines')) {
    test(`the wasm checker rejects ${mutant.name} as TLC did: ${mutant.expect}`, { tags: ['slow'] }, () => {
      expect(checkWithoutTlc(writeModules(mutant).spec, cfg).violation?.invariant).toBe(mutant.expect);
    });
  }
});
