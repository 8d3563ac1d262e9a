/**
 * Model checking in CI, where there is no TLC: the wasm checker explores
 * smoke.cfg completely and must find exactly the states TLC certified; the
 * seeded-bug mutants are current, TLC's verdicts on them are current and
 * say what each mutant names, and the wasm checker re-checks the mutants
 * rejected on smoke.cfg by an invariant.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { currentCertificate, readVerdicts } from '../conformance/certificate.ts';
import { invariants } from '../model/invariants.ts';
import { checkWithWasm } from '../tlc/wasm.ts';
import { mutantFiles, mutantSources, mutants, mutantsDir, smokeCfgPath, specPath } from './mutants.ts';

test('the wasm checker explores smoke.cfg completely and finds the states TLC found', { tags: ['slow'] }, () => {
  const result = checkWithWasm(specPath, smokeCfgPath);
  expect(result.violation).toBeNull();
  expect(result.distinctStates).toBe(currentCertificate(smokeCfgPath).tlcDistinctStates);
});

describe('seeded-bug mutants', () => {
  test('spec/mutants/ holds exactly the generated copies (npm run spec:mutants)', () => {
    const files = mutantFiles();
    const onDisk = readdirSync(mutantsDir)
      .filter((f) => f.endsWith('.tla'))
      .sort();
    expect(onDisk).toEqual([...files.keys()].sort());
    for (const [name, text] of files) expect(readFileSync(join(mutantsDir, name), 'utf8'), name).toBe(text);
  });

  test("TLC's verdicts are current and each names what its mutant names (npm run spec:mutants:certify)", () => {
    const verdicts = new Map(readVerdicts().map((v) => [v.mutant, v]));
    expect([...verdicts.keys()].sort()).toEqual(mutants.map((m) => m.name).sort());
    for (const m of mutants) {
      const v = verdicts.get(m.name)!;
      expect({ cfg: v.cfg, violated: v.violated, sources: v.sources }, m.name).toEqual({
        cfg: m.cfg,
        violated: m.expect,
        sources: mutantSources(m),
      });
    }
  });

  test('every invariant but TypeOK, and the refinement, is the first thing some mutant breaks', () => {
    // TypeOK only guards the others' evaluation; every other check must earn its keep.
    const caught = new Set(mutants.map((m) => m.expect));
    expect([...caught].sort()).toEqual([...Object.keys(invariants).filter((n) => n !== 'TypeOK'), 'Refines'].sort());
  });

  for (const mutant of mutants.filter((m) => m.cfg === 'smoke' && m.expect !== 'Refines')) {
    test(`the wasm checker rejects ${mutant.name} too: ${mutant.expect}`, { tags: ['slow'] }, () => {
      const path = join(mutantsDir, `${mutant.name}.tla`);
      expect(existsSync(path)).toBe(true);
      expect(checkWithWasm(path, smokeCfgPath).violation?.invariant).toBe(mutant.expect);
    });
  }
});
