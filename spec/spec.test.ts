/**
 * Model checking in CI, where there is no TLC: the wasm checker explores
 * smoke.cfg completely and must find exactly the states TLC found, and it
 * must reject every seeded-bug mutant with the invariant the mutant names.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCertificate } from '../conformance/certificate.ts';
import { checkWithWasm } from '../tlc/wasm.ts';
import { mutants, mutantSource, mutantsDir, readSpec, smokeCfgPath, specPath } from './mutants.ts';


// Model checking with the wasm checker takes 10 s to minutes a run: slow (vitest.config.ts).
test('the wasm checker explores smoke.cfg completely and finds the states TLC found', { tags: ['slow'] }, () => {
  const result = checkWithWasm(specPath, smokeCfgPath);
  expect(result.violation).toBeNull();
  expect(result.distinctStates).toBe(readCertificate(smokeCfgPath).tlcDistinctStates);
});

describe('seeded-bug mutants', () => {
  const spec = readSpec();

  test('spec/mutants/ holds exactly the generated copies (npm run spec:mutants)', () => {
    const onDisk = readdirSync(mutantsDir).filter((f) => f.endsWith('.tla')).sort();
    expect(onDisk).toEqual(mutants.map((m) => `${m.name}.tla`).sort());
    for (const mutant of mutants) {
      expect(readFileSync(join(mutantsDir, `${mutant.name}.tla`), 'utf8'), mutant.name).toBe(mutantSource(spec, mutant));
    }
  });

  test('every invariant but TypeOK is the first one some mutant breaks', () => {
    // TypeOK only guards the others' evaluation; every other invariant must earn its keep.
    const caught = new Set(mutants.map((m) => m.expect));
    expect([...caught].sort()).toEqual(
      ['AnonBacked', 'Equivalence', 'FrameCoherent', 'Lazy', 'NoDangling', 'NoLeak', 'SwapOnlyDirty']);
  });

  for (const mutant of mutants) {
    test(`${mutant.name} is rejected: ${mutant.expect}`, { tags: ['slow'] }, () => {
      const result = checkWithWasm(join(mutantsDir, `${mutant.name}.tla`), smokeCfgPath);
      expect(result.violation?.invariant).toBe(mutant.expect);
    });
  }
});
