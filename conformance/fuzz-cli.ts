/**
 * npm run fuzz -- --minutes N: differential fuzzing with progress (steps per
 * second included), for as long as asked. --seed S runs the one case that
 * seed generates (a failure reports its seed).
 */
import { parseArgs } from 'node:util';
import { fuzzFor } from './fuzz.ts';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '5' }, seed: { type: 'string' } },
});
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`fuzz: --minutes must be a positive number, got ${values.minutes}`);
  process.exit(2);
}
if (values.seed !== undefined && !Number.isInteger(Number(values.seed))) {
  console.error(`fuzz: --seed must be an integer, got ${values.seed}`);
  process.exit(2);
}
const seed = values.seed === undefined ? undefined : Number(values.seed);
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
