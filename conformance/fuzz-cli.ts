/**
 * npm run fuzz -- --minutes N: differential fuzzing with progress (steps per
 * second included), for as long as asked. --seed S runs the one case that
 * seed generates (a failure reports its seed).
 */
import { numberOption, readCommandLine } from '../cli/command-line.ts';
import { fuzzFor } from './fuzz.ts';

const { minutes, seed } = readCommandLine(
  {
    name: 'npm run fuzz --',
    help: `usage: npm run fuzz -- [--minutes N] [--seed S]

Differential fuzzing: the engine against the run-length model and
conventional I/O, with a progress line every 10 s and steps per second.

  --minutes N  fuzz for N minutes (default 5)
  --seed S     run only the case seed S generates (a failure prints its seed)
  -h, --help   this text
`,
    options: { minutes: { type: 'string' }, seed: { type: 'string' } },
  },
  ({ values }) => ({
    minutes: numberOption('--minutes', values.minutes, 5, { min: 0, above: true }),
    seed: values.seed === undefined ? undefined : numberOption('--seed', values.seed, 0, { integer: true }),
  }),
);
console.log(
  seed === undefined
    ? `fuzz: engine vs run-length model vs conventional I/O for ${minutes} min (4 KiB pages, 64 pages, 16 frames, files up to 2 MiB)`
    : `fuzz: the case of seed ${seed}`,
);
let printed = 0;
const report = fuzzFor(
  minutes * 60,
  (r) => {
    if (r.seconds - printed < 10) return;
    printed = r.seconds;
    console.log(
      `  ${r.seconds.toFixed(0).padStart(5)} s  ${r.sequences} sequences  ${r.steps} steps  ${r.stepsPerSecond.toFixed(1)} steps/s`,
    );
  },
  seed === undefined ? {} : { seed },
);
console.log(
  `fuzz: ${report.sequences} sequences, ${report.steps} steps in ${report.seconds.toFixed(0)} s (${report.stepsPerSecond.toFixed(1)} steps/s)`,
);
if (report.failure) {
  console.error(
    `\nFAILED: rerun with npm run fuzz -- --seed ${report.failure.seed}\n${report.failure.message}\n\nregression test:\n${report.failure.regression}`,
  );
  process.exit(1);
}
