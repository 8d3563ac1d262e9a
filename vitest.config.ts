/**
 * npm test runs every test; npm run test:quick, the edit loop, runs all but
 * those tagged `slow`, and without isolation (the test files share one
 * worker's module cache: no module is loaded twice). A test is slow when it
 * takes more than about ten seconds on a loaded 2-core machine: whole-graph
 * replays, fuzzing for a time budget, model checking, end-to-end runs of
 * external tools. Tag one test with `test(name, { tags: ['slow'] }, fn)`, a
 * whole file with a `// @module-tag slow` comment. Vitest rejects an
 * undeclared tag, so a typo cannot silently move a test between tiers.
 * Stryker's sandbox copies and reports are not tests.
 *
 * Every other test has 30 s, three times the slow threshold: on a 2-core
 * machine shared with other jobs, vitest's 5 s default fails tests that
 * merely start a few processes.
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    exclude: [...configDefaults.exclude, '.stryker-tmp/**', 'reports/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    tags: [
      {
        name: 'slow',
        description: 'left out of npm run test:quick: more than about 10 s on a loaded 2-core machine',
        timeout: 900_000,
      },
    ],
  },
});
