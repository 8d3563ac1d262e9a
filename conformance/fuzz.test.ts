import { expect, test } from 'vitest';
import { fuzzFor } from './fuzz.ts';

/** CI's budget; `npm run fuzz -- --minutes N` runs longer. */
const seconds = Number(process.env.DEFERRED_IO_FUZZ_SECONDS ?? 150);

test(`differential fuzzing: engine vs model vs conventional I/O for ${seconds} s`, { tags: ['slow'], timeout: (seconds + 600) * 1000 }, () => {
  const report = fuzzFor(seconds);
  console.log(`fuzz: ${report.sequences} sequences, ${report.steps} steps in ${report.seconds.toFixed(0)} s`);
  if (report.failure) console.log(`${report.failure.message}\n\nregression test:\n${report.failure.regression}`);
  expect(report.failure).toBeNull();
  expect(report.steps).toBeGreaterThan(0);
});
