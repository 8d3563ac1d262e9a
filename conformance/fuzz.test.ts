import { expect, test } from 'vitest';
import { fuzzFor } from './fuzz.ts';

/** CI's budget, a smoke run; `npm run fuzz -- --minutes N` runs longer. */
const seconds = Number(process.env.DEFERRED_IO_FUZZ_SECONDS ?? 20);

test(`differential fuzzing: engine vs run-length model vs conventional I/O for ${seconds} s`, {
  tags: ['slow'],
  timeout: (seconds + 600) * 1000,
}, () => {
  const report = fuzzFor(seconds);
  console.log(
    `fuzz: ${report.sequences} sequences, ${report.steps} steps in ${report.seconds.toFixed(0)} s (${report.stepsPerSecond.toFixed(1)} steps/s)`,
  );
  if (report.failure)
    console.log(
      `rerun: npm run fuzz -- --seed ${report.failure.seed}\n${report.failure.message}\n\nregression test:\n${report.failure.regression}`,
    );
  expect(report.failure).toBeNull();
  expect(report.sequences).toBeGreaterThan(0);
});
