/**
 * npm run crashes -- [--histories N] [--seed S] [--samples K]: the full
 * crash-state enumeration, with progress: N random histories (fast-check,
 * from seed S), each checked at every crash point by properties.ts. The CI
 * test (crashes.test.ts) runs a few; this runs many, longer, with more
 * sampled power cuts. A failure prints the shrunk history and exits 1.
 */
import fc from 'fast-check';
import { numberOption, readCommandLine } from '../cli/command-line.ts';
import { historyArbitrary, runHistory } from './history.ts';
import { checkCrashes, crashStatesChecked, noCounts } from './properties.ts';
import { fullRun } from './runs.ts';

const { histories, seed, samples } = readCommandLine(
  {
    name: 'npm run crashes --',
    help: `usage: npm run crashes -- [--histories N] [--seed S] [--samples K]

Every crash state (a process kill, and power cuts keeping each subset of the
unsynced writes, up to 2^10 and K seeded samples beyond) after every call of
random histories run on the engine, each recovered by a new engine and
checked: Durable, Conventional, AtomicWriteBack, NoGhostReplay,
RecoveryIdempotent. A progress line every 10 s.

  --histories N  histories to check (default ${fullRun.histories})
  --seed S       fast-check's seed (default 19)
  --samples K    random power cuts per crash point beyond 2^10 (default ${fullRun.bounds.samples})
  -h, --help     this text
`,
    options: { histories: { type: 'string' }, seed: { type: 'string' }, samples: { type: 'string' } },
  },
  ({ values }) => ({
    histories: numberOption('--histories', values.histories, fullRun.histories, { integer: true, min: 1 }),
    seed: numberOption('--seed', values.seed, 19, { integer: true }),
    samples: numberOption('--samples', values.samples, fullRun.bounds.samples!, { integer: true, min: 0 }),
  }),
);

const { geometry, modes, maxSteps } = fullRun;
const bounds = { ...fullRun.bounds, samples };
console.log(
  `crashes: ${histories} histories of up to ${maxSteps} steps (${modes.join(', ')}), seed ${seed}; ` +
    `${geometry.pageSize}-byte pages, a ${geometry.fileLength}-byte file growing to ${geometry.lengthMax}`,
);
const counts = noCounts();
const started = performance.now();
let printed = 0;
const progress = (): string => {
  const seconds = (performance.now() - started) / 1000;
  return `${seconds.toFixed(0).padStart(5)} s  ${counts.histories} histories  ${counts.calls} calls  ${crashStatesChecked(counts)} crash states (${counts.kills} kills, ${counts.powerCuts} power cuts, ${counts.insideRecovery} inside recovery; ${counts.replayed} replayed, ${counts.discarded} discarded)`;
};
const result = fc.check(
  fc.property(historyArbitrary(geometry, modes, maxSteps), ({ initial, steps }) => {
    checkCrashes(runHistory(geometry, initial, steps), bounds, counts);
    if (performance.now() - started - printed * 1000 >= 10_000) {
      printed = (performance.now() - started) / 1000;
      console.log(progress());
    }
  }),
  { numRuns: histories, seed, endOnFailure: false },
);
console.log(`crashes: ${progress().trim()}`);
if (result.failed) {
  console.error(`\nFAILED (seed ${seed}):\n${fc.defaultReportMessage(result)}\n${String(result.errorInstance)}`);
  process.exit(1);
}
