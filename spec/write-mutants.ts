/** Regenerates spec/mutants/*.tla from spec/mutants.ts (npm run spec:mutants). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutantFiles, mutants, mutantsDir } from './mutants.ts';

const files = mutantFiles();
mkdirSync(mutantsDir, { recursive: true });
for (const stale of readdirSync(mutantsDir).filter((f) => f.endsWith('.tla') && !files.has(f))) {
  rmSync(join(mutantsDir, stale));
  console.log(`removed ${stale}`);
}
for (const [name, text] of files) writeFileSync(join(mutantsDir, name), text);
for (const mutant of mutants)
  console.log(`wrote spec/mutants/${mutant.name}.tla  (${mutant.expect} on ${mutant.cfg}.cfg)`);
