/**
 * The vitest config Stryker runs for every mutant (`npm run mutate`, see
 * stryker.config.mjs): the engine's unit tests and the conformance suites that
 * drive it, each kept short enough to run hundreds of times.
 *
 * - impl/*.test.ts: the unit tests.
 * - conformance/differential.test.ts: engine beside the model at small random
 *   geometries (as in CI).
 * - conformance/graph.test.ts with DEFERRED_IO_REPLAY=spec/smoke.cfg: every
 *   edge of the smoke graph instead of the conformance graph (about 10 s
 *   instead of 45 s).
 * - conformance/fuzz.test.ts only when DEFERRED_IO_MUTATE_FUZZ_SECONDS is set
 *   (then with that budget): one fuzz sequence at realistic sizes takes 3-5 s
 *   whatever the budget, which over the ~500 mutants the unit tests do not kill
 *   would push a run well past an hour, and in a sample it killed no mutant
 *   the differential test and the replay had not.
 *
 * Files run cheapest first, so that with Stryker's bail a mutant the unit
 * tests kill never pays for the conformance suites. Every fast-check property
 * runs from one fixed seed (impl/testing/fixed-seed.ts): a verdict on a
 * mutant is then the same in every run, as incremental mode assumes.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.ts';

const fuzzSeconds = process.env.DEFERRED_IO_MUTATE_FUZZ_SECONDS;

const suites = [
  'impl/**/*.test.ts',
  'conformance/differential.test.ts',
  'conformance/graph.test.ts',
  ...(fuzzSeconds === undefined ? [] : ['conformance/fuzz.test.ts']),
];

const order = [
  /\/impl\/[^/]+\.test\.ts$/,
  /\/conformance\/differential\.test\.ts$/,
  /\/conformance\/graph\.test\.ts$/,
  /\/conformance\/fuzz\.test\.ts$/,
];
const rank = (spec: TestSpecification) => {
  const i = order.findIndex((re) => re.test(spec.moduleId));
  return i < 0 ? order.length : i;
};

class CheapestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

// On top of the main config, for its excludes and its tags (a test's tag must be declared).
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: suites,
      setupFiles: ['impl/testing/fixed-seed.ts'],
      env: {
        DEFERRED_IO_REPLAY: 'spec/smoke.cfg',
        ...(fuzzSeconds === undefined ? {} : { DEFERRED_IO_FUZZ_SECONDS: fuzzSeconds }),
      },
      sequence: { sequencer: CheapestFirst },
    },
  }),
);
