/**
 * The seeded-bug mutants, checked without TLC: each one's edit applies to
 * the spec as it is now, TLC's verdict on it is for the modules generated
 * now and names what the mutant names, and together they leave no invariant
 * unexercised. (The wasm checker re-checks some of them:
 * conformance/wasm-witness.test.ts.)
 */
import { describe, expect, test } from 'vitest';
import { invariants } from '../../model/invariants.ts';
import { mutantSource, verdictIsCurrent, verdictSources } from './modules.ts';
import { type Mutant, readMutants } from './mutant.ts';

const mutants = readMutants();

describe('seeded-bug mutants', () => {
  test("TLC's verdicts are current and each names what its mutant names (npm run spec:mutants:certify)", () => {
    for (const m of mutants) {
      expect({ violated: m.verdict?.violated, sources: m.verdict?.sources }, m.name).toEqual({
        violated: m.expect,
        sources: verdictSources(m),
      });
      expect(verdictIsCurrent(m), m.name).toBe(true);
    }
  });

  test('a verdict is no longer current when the modules TLC read change, or when it names another violation', () => {
    const m = mutants[0]!;
    const edits: Mutant['edits'] = [{ ...m.edits[0], replace: `${m.edits[0].replace} ` }, ...m.edits.slice(1)];
    expect(verdictIsCurrent({ ...m, edits })).toBe(false);
    expect(verdictIsCurrent({ ...m, expect: `${m.expect}Not` })).toBe(false);
    expect(verdictIsCurrent({ ...m, verdict: undefined })).toBe(false);
  });

  test('every invariant but TypeOK, and the refinement, is the first thing some mutant breaks', () => {
    // TypeOK only guards the others' evaluation; every other check must earn its keep.
    const caught = new Set(mutants.map((m) => m.expect));
    expect([...caught].sort()).toEqual([...Object.keys(invariants).filter((n) => n !== 'TypeOK'), 'Refines'].sort());
  });

  test('an edit applies only where its text occurs exactly once', () => {
    const m = mutants[0]!;
    const spec = '---- MODULE DeferredIO ----\nA == 1\nB == 1\n====\n';
    expect(mutantSource(spec, { ...m, edits: [{ find: 'A == 1', replace: 'A == 2' }] })).toContain(
      `MODULE ${m.name} ----\nA == 2\nB == 1\n`,
    );
    expect(() => mutantSource(spec, { ...m, edits: [{ find: 'C == 1', replace: '' }] })).toThrow('found 0');
    expect(() => mutantSource(spec, { ...m, edits: [{ find: ' == 1', replace: '' }] })).toThrow('found several');
  });
});
