// @ts-check
/**
 * Mutation testing of the engine: `npm run mutate`. Every mutant of impl/
 * (its tests and impl/testing/ excluded) runs against the unit tests and the
 * conformance suites (vitest.mutate.config.ts: differential test, smoke-graph
 * replay; fuzzing opt-in). Reports: the table on stdout, reports/mutation/
 * index.html and mutation.json.
 *
 * Mutants inside `assert(...)` calls are ignored (reported as Ignored, not
 * scored): an assertion that holds in a correct engine cannot be observed by
 * any test when it is weakened or its message changed, and each such mutant
 * would cost a full run of every suite (about 100 of them, ~15 minutes). So
 * are those of a statement that only asserts: an implication
 * `if (a) assert(b)` (TIGER_STYLE's form of `!a || b`) or a loop asserting
 * over a collection, whose condition or bounds would otherwise be mutated
 * outside any assert call, equivalently.
 *
 * Incremental: a run reuses the verdicts of reports/stryker-incremental.json
 * for every mutant whose code and covering tests are unchanged, and retests
 * the rest. Stryker compares only the mutated files and the test files' own
 * text: after a change to what the tests import from elsewhere (model/,
 * conformance/commands.ts, spec/*.cfg, a dependency), run it all again with
 * `npm run mutate -- --force`. The file stays out of git (reports/ is
 * ignored): it is a cache of one machine's last run, megabytes that change
 * with every run, and Stryker's own CI keeps it as a build artifact, not in
 * the repository.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: ['impl/**/*.ts', '!impl/**/*.test.ts', '!impl/testing/**'],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner', import.meta.url],
  ignorers: ['assertions'],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  incremental: true,
  // Other work shares the two cores: allow for a suite running at half speed
  // before calling a mutant a timeout (a timeout counts as killed). An
  // infinite loop costs nothing extra: Stryker stops a mutant hit far more
  // often than in the dry run without waiting for the timeout.
  timeoutFactor: 2,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Survivors are listed (with diffs) above the score table; the tests each mutant ran are not.
  clearTextReporter: { logTests: false, reportTests: false },
  ignorePatterns: ['bench', 'scratch', 'states', 'reports'],
  tempDirName: '.stryker-tmp',
};

/**
 * Whether `path` is a call of impl/assert.ts's assert().
 * @param {any} path a Babel NodePath
 */
const isAssertCall = (path) => path.isCallExpression() && path.get('callee').isIdentifier({ name: 'assert' });

/**
 * Whether the statement at `path` only asserts: an assert() call, a block of
 * such statements, an `if` whose branches only assert, or a loop whose body
 * only asserts. Its conditions and bounds then serve the assertions alone.
 * @param {any} path a Babel NodePath
 * @returns {boolean}
 */
function onlyAsserts(path) {
  if (path.isExpressionStatement()) return isAssertCall(path.get('expression'));
  if (path.isBlockStatement()) return path.get('body').every(onlyAsserts);
  if (path.isIfStatement()) {
    const alternate = path.get('alternate');
    return onlyAsserts(path.get('consequent')) && (!alternate.node || onlyAsserts(alternate));
  }
  if (path.isLoop()) return onlyAsserts(path.get('body'));
  return false;
}

/**
 * Ignores every mutant inside a call of impl/assert.ts's assert(), and
 * inside an `if` or a loop that only asserts (see onlyAsserts).
 */
const assertions = {
  /** @param {any} path a Babel NodePath */
  shouldIgnore(path) {
    if (isAssertCall(path) || ((path.isIfStatement() || path.isLoop()) && onlyAsserts(path))) {
      return 'defensive assertion: holds in a correct engine, so weakening it or its message is unobservable';
    }
    return undefined;
  },
};

export const strykerPlugins = [{ kind: 'Ignore', name: 'assertions', value: assertions }];
