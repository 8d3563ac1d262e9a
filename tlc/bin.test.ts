import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isolatedEnv } from './testkit.ts';

const bin = fileURLToPath(new URL('../bin/tlc.js', import.meta.url));
const fixtures = fileURLToPath(new URL('fixtures', import.meta.url));

describe('bin/tlc.js', () => {
  it('runs the TypeScript CLI without a build step and sets the exit status', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], { cwd: fixtures, env: isolatedEnv(), encoding: 'utf8' });
    const pass = run('--json', '-config', 'Counter.cfg', 'Counter.tla');
    expect(pass.stderr).toMatch(/^tlc: no tla2tools.jar/);
    expect(JSON.parse(pass.stdout)).toMatchObject({ engine: 'wasm', distinctStates: 9, edges: 12, violation: null });
    expect(pass.status).toBe(0);
    expect(run('-config', 'CounterSmall.cfg', 'Counter.tla').status).toBe(1);
    expect(run('-nonsense', 'Counter.tla').status).toBe(2);
  });
});
