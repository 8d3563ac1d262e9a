/** Regenerates spec/mutants/*.tla from spec/mutants.ts (npm run spec:mutants). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutants, mutantSource, mutantsDir, readSpec } from './mutants.ts';

const spec = readSpec();
mkdirSync(mutantsDir, { recursive: true });
const wanted = new Set(mutants.map((m) => `${m.name}.tla`));
for (const stale of readdirSync(mutantsDir).filter((f) => f.endsWith('.tla') && !wanted.has(f))) {
  rmSync(join(mutantsDir, stale));
  console.log(`removed ${stale}`);
}
for (const mutant of mutants) {
  writeFileSync(join(mutantsDir, `${mutant.name}.tla`), mutantSource(spec, mutant));
  console.log(`wrote spec/mutants/${mutant.name}.tla  (${mutant.expect})`);
}
