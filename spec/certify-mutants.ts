/**
 * `npm run spec:mutants:certify [-- NAME...]`: checks every seeded-bug
 * mutant (spec/mutants.ts) with TLC on its config, demands the violation the
 * mutant names, and records the verdicts in spec/mutants/verdicts.json,
 * bound to the mutant's sources by sha256 (spec.test.ts checks they are
 * current). Run `npm run spec:mutants` first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVerdicts, repoRelative, type Verdict, verdictsPath, writeVerdicts } from '../conformance/certificate.ts';
import { RefusedError, runWrapper, tlcVersion } from '../conformance/tlc-run.ts';
import { mutantFiles, mutantSources, mutants, mutantsDir } from './mutants.ts';

async function certifyMutants(names: readonly string[]): Promise<void> {
  for (const [file, text] of mutantFiles()) {
    const path = join(mutantsDir, file);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== text)
      throw new RefusedError(`spec/mutants/${file} is not current: run npm run spec:mutants`);
  }
  const chosen =
    names.length === 0
      ? mutants
      : names.map((n) => {
          const m = mutants.find((x) => x.name === n);
          if (m === undefined) throw new RefusedError(`no mutant ${n} in spec/mutants.ts`);
          return m;
        });
  const verdicts = new Map<string, Verdict>(existsSync(verdictsPath) ? readVerdicts().map((v) => [v.mutant, v]) : []);
  const scratch = await mkdtemp(join(tmpdir(), 'deferred-io-mutants-'));
  try {
    for (const m of chosen) {
      console.log(`\n== ${m.name} on ${m.cfg}.cfg: TLC must report ${m.expect}\n   (${m.bug})`);
      const sources = mutantSources(m);
      const { result, log } = await runWrapper([
        '-workers',
        '2',
        '-metadir',
        join(scratch, m.name),
        '-noGenerateSpecTE',
        '-config',
        join(mutantsDir, '..', `${m.cfg}.cfg`),
        join(mutantsDir, `${m.name}Refinement.tla`),
      ]);
      const violated = result.violation?.invariant ?? null;
      if (violated !== m.expect) {
        throw new RefusedError(
          `${m.name}: TLC reported ${violated === null ? 'no violation' : violated}, the mutant names ${m.expect}`,
        );
      }
      verdicts.set(m.name, {
        mutant: m.name,
        cfg: m.cfg,
        sources,
        violated,
        steps: result.violation!.trace.length - 1,
        tlc: tlcVersion(log),
        seconds: result.seconds,
        certifiedAt: new Date().toISOString(),
      });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  writeVerdicts(mutants.flatMap((m) => verdicts.get(m.name) ?? []));
  console.log(`\nwrote ${repoRelative(verdictsPath)}: ${chosen.length} mutants rejected as they name`);
}

try {
  await certifyMutants(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof RefusedError)) throw e;
  console.error(`spec:mutants:certify: not certified: ${e.message}`);
  process.exitCode = 1;
}
