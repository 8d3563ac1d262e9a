/** npm run fuzz -- --minutes N: differential fuzzing with progress, for as long as asked. */
import { parseArgs } from 'node:util';
import { fuzzFor } from './fuzz.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' } } });
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`fuzz: --minutes must be a positive number, got ${values.minutes}`);
  process.exit(2);
}
console.log(`fuzz: engine vs model vs conventional I/O for ${minutes} min (4 KiB pages, 64 pages, 16 frames, files up to 2 MiB)`);
const report = fuzzFor(minutes * 60, (r) =>
  console.log(`  ${r.seconds.toFixed(0).padStart(5)} s  ${r.sequences} sequences  ${r.steps} steps`));
console.log(`fuzz: ${report.sequences} sequences, ${report.steps} steps in ${report.seconds.toFixed(0)} s`);
if (report.failure) {
  console.error(`\nFAILED (seed ${report.failure.seed})\n${report.failure.message}\n\nregression test:\n${report.failure.regression}`);
  process.exit(1);
}
