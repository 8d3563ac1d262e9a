/**
 * `npm run spec:mutants`: writes every mutant's modules into
 * conformance/mutants/generated/ (modules.ts), to run one by hand, e.g.
 * `npx tlc -config spec/smoke.cfg conformance/mutants/generated/NeverReleaseRefinement.tla`;
 * certification and the tests write the ones they check themselves.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readCommandLine } from '../../cli/command-line.ts';
import { generatedDir, mutantModules, writeModules } from './modules.ts';
import { readMutants } from './mutant.ts';

readCommandLine(
  {
    name: 'npm run spec:mutants --',
    help: `usage: npm run spec:mutants

Writes every seeded-bug mutant's modules (spec/mutants/NAME.json applied to
spec/DeferredIO.tla) into conformance/mutants/generated/, to model-check one
by hand, e.g.
  npx tlc -config spec/smoke.cfg conformance/mutants/generated/NeverReleaseRefinement.tla
and removes the modules of mutants that no longer exist.

  -h, --help  this text
`,
    options: {},
  },
  () => undefined,
);
const mutants = readMutants();
const current = new Set(mutants.flatMap((m) => [...mutantModules(m).keys()]));
for (const m of mutants) {
  writeModules(m);
  console.log(`wrote conformance/mutants/generated/${m.name}.tla  (${m.expect} on ${m.cfg}.cfg)`);
}
// A removed or renamed mutant's modules would otherwise linger beside the current ones.
for (const stale of readdirSync(generatedDir).filter((f) => f.endsWith('.tla') && !current.has(f))) {
  rmSync(join(generatedDir, stale));
  console.log(`removed ${stale}`);
}
