/**
 * npm run crash:9p -- --kills N: the file server killed with SIGKILL N
 * times under load and restarted, with a line per kill (kill-loop.ts);
 * exits 1 if any restart found the image unclean or its files wrong.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { numberOption, readCommandLine } from '../../cli/command-line.ts';
import { killLoop } from './kill-loop.ts';

const { kills, seed } = readCommandLine(
  {
    name: 'npm run crash:9p --',
    help: `usage: npm run crash:9p -- [--kills N] [--seed S]

deferred-io-9p serving an ext2 image under diodload and a client's creates,
removes and fsyncs, killed with SIGKILL at random moments and restarted:
e2fsck -fn clean and the client's synced files there after every restart,
a recovery logged whenever a kill left a journal. Needs diod and e2fsprogs.

  --kills N   kills (default 50)
  --seed S    the seed of the kill moments and the client's changes
              (default: random, printed)
  -h, --help  this text
`,
    options: { kills: { type: 'string' }, seed: { type: 'string' } },
  },
  ({ values }) => ({
    kills: numberOption('--kills', values.kills, 50, { min: 1, integer: true }),
    seed: numberOption('--seed', values.seed, Math.floor(Math.random() * 2 ** 31), { min: 1, integer: true }),
  }),
);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-loop-'));
console.log(`crash:9p: ${kills} kills, seed ${seed}`);
try {
  const r = await killLoop({ dir, kills, seed, progress: (line) => console.log(`  ${line}`) });
  console.log(
    `crash:9p: ${r.kills} kills in ${r.seconds.toFixed(0)} s, ${r.changesSynced} changes synced; ` +
      `${r.journalsLeft} kills left a journal, recoveries ${r.replayed} replayed and ${r.discarded} discarded; ` +
      `${r.tornBeforeRecovery} images torn as killed; ${r.fsckRuns} e2fsck runs`,
  );
  if (r.failures.length > 0) {
    console.error(`\nFAILED (seed ${seed}):\n${r.failures.join('\n')}`);
    process.exitCode = 1;
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
