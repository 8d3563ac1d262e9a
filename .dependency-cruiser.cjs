/**
 * The import rules of the layers (README, "Layout"), checked by
 * dependency-cruiser (`npx depcruise --config .dependency-cruiser.cjs .`, and
 * in npm test by architecture.test.ts). Layers point down only:
 *
 *   tla/          TLA+ values and TLC's outputs: imports nothing of the project
 *   model/        the spec in TypeScript: tla/ only (its tests step it through actions/)
 *   actions/      each spec action, one module: model/, tla/, and the engine's public entry
 *   impl/         the engine: node builtins only, so it ships alone
 *   conformance/  relates the layers: actions/, impl/, model/, tla/
 *   tlc/          the npx tlc wrapper: tla/
 *   cli/          the scripts' command-line helper: node builtins only
 *   fileserver/   a user of the engine: impl/index.ts, its public entry, and cli/
 *   crashes/      the engine's crash states, judged by the history: impl/ (its
 *                 recording backend included) and cli/
 *   spec/         the contract (TLA+, configs, TLC's certificates, the mutants'
 *                 edits and verdicts): no code, so nothing there imports
 *
 * and no import cycle anywhere, inside a folder included. Type-only imports
 * count: a type is part of what one module needs from another.
 */
/** Modules of this repository, as opposed to node builtins and npm packages. */
const project = ['local'];

/**
 * A layer's rule: modules matching `from` (and not `fromNot`) import, of the
 * project, only modules whose path matches `allowed`.
 */
const importsOnly = (name, comment, from, allowed, fromNot) => ({
  name,
  comment,
  severity: 'error',
  from: fromNot === undefined ? { path: from } : { path: from, pathNot: fromNot },
  to: { dependencyTypes: project, pathNot: allowed },
});

const tests = '\\.test\\.ts$';
const fileserverExtras = '^fileserver/(bench|testing)/|^fileserver/.*\\.test\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    importsOnly(
      'tla-imports-nothing-of-the-project',
      'tla/ is the bottom layer: what every other layer reads TLA+ values and TLC output with.',
      '^tla/',
      '^tla/',
    ),
    importsOnly(
      'cli-imports-nothing-of-the-project',
      "cli/ is the scripts' --help and usage errors: any command can use it, so it may use none of them.",
      '^cli/',
      '^cli/',
    ),
    importsOnly(
      'model-imports-only-tla',
      'model/ is the spec transliterated: it stands on TLA+ values and on nothing that checks it.',
      '^model/',
      '^(model|tla)/',
      tests,
    ),
    importsOnly(
      'model-tests-import-model-tla-actions',
      "Tests of model/ step it by actions/, the table of the spec's actions, which model/ itself is handed.",
      '^model/.*\\.test\\.ts$',
      '^(actions|model|tla)/',
    ),
    importsOnly(
      'actions-import-model-tla-and-the-public-engine',
      "actions/ says what each spec action is to the model, the engine and conventional I/O: of the engine it calls what a user's program calls.",
      '^actions/',
      '^(actions|model|tla)/|^impl/index\\.ts$',
    ),
    {
      name: 'impl-imports-only-itself-and-node',
      comment: 'impl/ is the engine users install: it runs on node builtins alone.',
      severity: 'error',
      from: { path: '^impl/', pathNot: tests },
      // An import that does not resolve is no-unresolvable's to report.
      to: { dependencyTypesNot: ['core'], pathNot: '^impl/', couldNotResolve: false },
    },
    importsOnly(
      'impl-tests-import-only-impl',
      'Tests of impl/ may use test libraries, but no other layer of the project.',
      '^impl/.*\\.test\\.ts$',
      '^impl/',
    ),
    importsOnly(
      'conformance-imports-impl-model-tla',
      'conformance/ relates the engine to the model; it is no library of the wrapper or the file server.',
      '^conformance/',
      '^(actions|cli|conformance|impl|model|tla)/',
    ),
    importsOnly(
      'crashes-import-impl-and-cli',
      "crashes/ runs the engine over the recording backend and judges each crash state by the history alone: it may use the engine and its test backends, never the model or the spec's state, which would judge the engine by a mechanism.",
      '^crashes/',
      '^(cli|crashes|impl)/',
    ),
    importsOnly(
      'tlc-imports-only-tla',
      'tlc/ runs model checkers on any spec: it knows TLA+ values, not this project.',
      '^tlc/',
      '^(tlc|tla)/',
    ),
    importsOnly(
      'fileserver-imports-only-the-public-engine',
      'fileserver/ uses the engine as a user would, through the package entry; its command reads its command line with cli/, as the scripts do.',
      '^fileserver/',
      '^(cli/|fileserver/|impl/index\\.ts$)',
      `${fileserverExtras}|${tests}`,
    ),
    importsOnly(
      'fileserver-tests-and-comparisons',
      "The file server's tests and benchmarks may use the engine's test helpers and the bench's harness and mmap addon too; they are not shipped.",
      fileserverExtras,
      '^(cli/|fileserver/|impl/index\\.ts$|impl/testing/|bench/)',
    ),
    {
      name: 'spec-holds-no-code',
      comment:
        "spec/ is the contract, not code: what reads, generates or checks it is conformance/'s. A module there, importing anything at all, is in the wrong place.",
      severity: 'error',
      from: { path: '^spec/' },
      to: {},
    },
    {
      name: 'no-cycles',
      comment: 'An import cycle makes modules that cannot be understood, tested or loaded one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'An import that cannot be resolved would hide a dependency from every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Build output, tool sandboxes, and the consumer fixtures, which import the installed package by name.
    exclude: { path: '^(node_modules|dist|\\.stryker-tmp|reports|package/consumer)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Node 20's module resolution: package exports with the import condition.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
