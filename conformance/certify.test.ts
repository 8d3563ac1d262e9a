import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

test('certification refuses when only the wasm checker is available', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certify-test-'));
  try {
    const cfg = join(dir, 'smoke.cfg');
    copyFileSync(join(repoRoot, 'spec', 'smoke.cfg'), cfg);
    // No TLA2TOOLS_JAR and an empty cache: the wrapper has no TLC to run.
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
    delete env.TLA2TOOLS_JAR;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'conformance/certify.ts', cfg], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('spec:certify: not certified');
    expect(readdirSync(dir)).toEqual(['smoke.cfg']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
