import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { CheckError } from './result.ts';
import { tempDir } from './testkit.ts';
import { checkInChild } from './wasm-process.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

it('checks in a child process, calling progress while it runs', async () => {
  const dir = tempDir();
  // 10,201 states: long enough, with the child's start, for several 20 ms ticks.
  writeFileSync(join(dir, 'Big.cfg'), 'CONSTANT Max = 100\nSPECIFICATION Spec\nINVARIANT Bounded\n');
  const ticks: number[] = [];
  const result = await checkInChild(
    { specPath: fixture('Counter.tla'), cfgPath: join(dir, 'Big.cfg'), noDeadlock: true },
    (seconds) => ticks.push(seconds),
    20,
  );
  expect(result).toMatchObject({ engine: 'wasm', distinctStates: 10_201, edges: 20_200, violation: null });
  expect(ticks.length).toBeGreaterThan(0);
});

it("passes the check's CheckError back with its location", async () => {
  const check = checkInChild(
    {
      specPath: fixture('errors/UnterminatedString.tla'),
      cfgPath: fixture('errors/UnterminatedString.cfg'),
      noDeadlock: false,
    },
    () => {},
  );
  await expect(check).rejects.toThrow(CheckError);
  await expect(check).rejects.toMatchObject({ location: { file: fixture('errors/UnterminatedString.tla') } });
});
