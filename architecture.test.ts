/**
 * The layers' import rules (.dependency-cruiser.cjs), checked by
 * dependency-cruiser over the whole repository: one test per rule, each
 * listing the imports that break it. The rules are first run over a small
 * tree that breaks each of them once, so a rule whose paths no longer match
 * anything fails here instead of passing forever.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, test } from 'vitest';

const root = dirname(fileURLToPath(import.meta.url));
const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
const ruleNames = (options.ruleSet?.forbidden ?? []).map((r) => r.name ?? '');

/** Cruises every file under `baseDir` with the committed rules. */
async function violations(baseDir: string): Promise<IViolation[]> {
  const cruiseOptions: ICruiseOptions = { ...options, baseDir, validate: true };
  const tsConfig = extractTSConfig(join(baseDir, 'tsconfig.json'));
  const { output } = await cruise(['.'], cruiseOptions, {}, { tsConfig });
  return (output as ICruiseResult).summary.violations;
}

/** `rule: from -> to`, or for a cycle the whole loop. */
function describeViolation(v: IViolation): string {
  const path = v.type === 'cycle' && v.cycle !== undefined ? [v.from, ...v.cycle.map((c) => c.name)] : [v.from, v.to];
  return `${v.rule.name}: ${path.join(' -> ')}`;
}

describe('the rules catch what they forbid', () => {
  const tree = mkdtempSync(join(tmpdir(), 'architecture-'));
  afterAll(() => rmSync(tree, { recursive: true, force: true }));
  // Each breach points at a leaf module that imports nothing, so no breach also closes a cycle.
  const leaf = 'export const leaf = 1;';
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'NodeNext', allowImportingTsExtensions: true, noEmit: true },
    }),
    'tla/values.ts': "export { leaf } from '../model/leaf.ts';",
    'cli/command-line.ts': "export { leaf } from '../tla/leaf.ts';",
    'model/state.ts': "export { leaf } from '../conformance/leaf.ts';\nexport * from '../tla/leaf.ts';",
    'model/state.test.ts': "export { leaf } from '../conformance/leaf.ts';\nexport * from '../actions/leaf.ts';",
    'actions/read.ts':
      "export { leaf } from '../impl/leaf.ts';\nexport * from '../model/leaf.ts';\nexport * from '../tla/leaf.ts';",
    'conformance/world.ts':
      "export { leaf } from '../tlc/leaf.ts';\nexport * from '../impl/leaf.ts';\nexport * from '../model/leaf.ts';\nexport * from '../actions/leaf.ts';",
    'tlc/main.ts': "export { leaf } from '../impl/leaf.ts';\nexport * from '../tla/leaf.ts';",
    'impl/index.ts': "import { b } from './b.ts';\nexport const engine = b;",
    'impl/b.ts':
      "import { engine } from './index.ts';\nimport { leaf } from '../tla/leaf.ts';\nimport { readFileSync } from 'node:fs';\nexport const b = 1;\nexport const f = (): unknown => [engine, leaf, readFileSync];",
    'impl/b.test.ts': "import type { leaf } from '../model/leaf.ts';\nexport type X = typeof leaf;",
    'fileserver/server.ts':
      "import { engine } from '../impl/index.ts';\nimport { leaf } from '../impl/leaf.ts';\nexport const s = [engine, leaf];",
    'fileserver/server.test.ts': "import { leaf } from '../model/leaf.ts';\nexport const t = leaf;",
    'spec/mutants.ts': "export { leaf } from '../conformance/leaf.ts';",
    'crashes/run.ts': "export { leaf } from '../model/leaf.ts';\nexport * from '../impl/leaf.ts';",
    'bench/check.ts': "export { x } from './missing.ts';",
  };
  for (const folder of ['tla', 'model', 'actions', 'conformance', 'tlc', 'impl']) files[`${folder}/leaf.ts`] = leaf;
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }

  test('each rule reports exactly its breach', async () => {
    expect((await violations(tree)).map(describeViolation).sort()).toEqual(
      [
        'tla-imports-nothing-of-the-project: tla/values.ts -> model/leaf.ts',
        'cli-imports-nothing-of-the-project: cli/command-line.ts -> tla/leaf.ts',
        'model-imports-only-tla: model/state.ts -> conformance/leaf.ts',
        'model-tests-import-model-tla-actions: model/state.test.ts -> conformance/leaf.ts',
        'actions-import-model-tla-and-the-public-engine: actions/read.ts -> impl/leaf.ts',
        'conformance-imports-impl-model-tla: conformance/world.ts -> tlc/leaf.ts',
        'tlc-imports-only-tla: tlc/main.ts -> impl/leaf.ts',
        'impl-imports-only-itself-and-node: impl/b.ts -> tla/leaf.ts',
        'impl-tests-import-only-impl: impl/b.test.ts -> model/leaf.ts',
        'fileserver-imports-only-the-public-engine: fileserver/server.ts -> impl/leaf.ts',
        'fileserver-tests-and-comparisons: fileserver/server.test.ts -> model/leaf.ts',
        'no-cycles: impl/b.ts -> impl/index.ts -> impl/b.ts',
        'spec-holds-no-code: spec/mutants.ts -> conformance/leaf.ts',
        'crashes-import-impl-and-cli: crashes/run.ts -> model/leaf.ts',
        'no-unresolvable: bench/check.ts -> ./missing.ts',
      ].sort(),
    );
  });
});

describe('the repository keeps the rules', () => {
  /** One cruise of the repository (a few seconds), shared by the per-rule tests. */
  let cruised: Promise<IViolation[]> | undefined;

  test.each(ruleNames)('%s', { timeout: 120_000 }, async (rule) => {
    cruised ??= violations(root);
    const found = await cruised;
    expect(found.filter((v) => v.rule.name === rule).map(describeViolation)).toEqual([]);
  });
});
