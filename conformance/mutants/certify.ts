/**
 * `npm run spec:mutants:certify [-- NAME...]`: checks each seeded-bug
 * mutant (spec/mutants/NAME.json; every one without arguments) with TLC on
 * its config, demands the violation the mutant names, and records TLC's
 * verdict in the mutant's file, bound to the modules TLC read (modules.ts;
 * mutants.test.ts checks every verdict is current). A mutant is written as
 * soon as it is certified, so a refusal keeps the verdicts before it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCommandLine, UsageError } from '../../cli/command-line.ts';
import { RefusedError, runWrapper, tlcVersion } from '../tlc-run.ts';
import { cfgPath, verdictSources, writeModules } from './modules.ts';
import { type Mutant, readMutants, writeMutant } from './mutant.ts';

async function certifyMutants(chosen: readonly Mutant[]): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'deferred-io-mutants-'));
  try {
    for (const m of chosen) {
      console.log(`\n== ${m.name} on ${m.cfg}.cfg: TLC must report ${m.expect}\n   (${m.bug})`);
      const { refinement } = writeModules(m);
      const sources = verdictSources(m);
      // One worker: TLC then explores breadth-first in a fixed order, so the
      // violation it stops at first, and its counterexample, are the same in
      // every run.
      const { result, log } = await runWrapper([
        '-workers',
        '1',
        '-metadir',
        join(scratch, m.name),
        '-noGenerateSpecTE',
        '-config',
        cfgPath(m),
        refinement,
      ]);
      const violated = result.violation?.invariant ?? null;
      if (violated !== m.expect) {
        throw new RefusedError(
          `${m.name}: TLC reported ${violated === null ? 'no violation' : violated}, the mutant names ${m.expect}`,
        );
      }
      writeMutant({
        ...m,
        verdict: {
          sources,
          violated,
          steps: result.violation!.trace.length - 1,
          tlc: tlcVersion(log),
          seconds: result.seconds,
          certifiedAt: new Date().toISOString(),
        },
      });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  console.log(`\n${chosen.length} mutants rejected as they name; their verdicts are written in spec/mutants/`);
}

const mutants = readMutants();
const width = Math.max(...mutants.map((m) => m.name.length));
const chosen = readCommandLine(
  {
    name: 'npm run spec:mutants:certify --',
    help: `usage: npm run spec:mutants:certify -- [NAME...]

Model-checks each seeded-bug mutant named (every one without a NAME) with TLC
on its config, demands the violation the mutant names, and writes TLC's
verdict into spec/mutants/NAME.json. Needs TLC (npx tlc --install). Exit
status: 0 certified, 1 refused, 2 a bad command line.

  -h, --help  this text

The mutants, with the violation each must show and its config:
${mutants.map((m) => `  ${m.name.padEnd(width)}  ${m.expect} on spec/${m.cfg}.cfg`).join('\n')}
`,
    options: {},
    positionals: true,
  },
  ({ positionals }) =>
    positionals.length === 0
      ? mutants
      : positionals.map((name) => {
          const m = mutants.find((x) => x.name === name);
          if (m === undefined) throw new UsageError(`no mutant ${name}; --help lists the mutants`);
          return m;
        }),
);
try {
  await certifyMutants(chosen);
} catch (e) {
  if (!(e instanceof RefusedError)) throw e;
  console.error(`spec:mutants:certify: not certified: ${e.message}`);
  process.exitCode = 1;
}
