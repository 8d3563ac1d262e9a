/**
 * Every crash state of one server sync on a real ext2 image under a real
 * 9P workload (testing/sync-crashes.ts): recovered as the server recovers
 * at start, each image is the previous sync's or this one's, byte for
 * byte (this one's once the journal's commit is durable), no journal is
 * left, and e2fsck -fn and debugfs find each distinct image clean and
 * holding exactly that sync's files. The control: the same sync's
 * in-place writes without the journal leave images e2fsck finds torn, so
 * the judges are not blind to what the journal prevents.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { e2fsprogs } from './testing/e2fsprogs.ts';
import { checkCrashStates, recordSync, tornPlain } from './testing/sync-crashes.ts';
import { describeWithTools } from './testing/tools.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-crashes-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const configs = [
  { blockSize: 1024, seed: 1901 },
  { blockSize: 4096, seed: 1902 },
] as const;

describeWithTools('e2fsprogs', e2fsprogs, 'every crash state of a server sync', () => {
  for (const { blockSize, seed } of configs)
    it(`${blockSize}-byte blocks: recovered to the previous sync or this one, e2fsck clean`, {
      tags: ['slow'],
      timeout: 300_000,
    }, async () => {
      const work = fs.mkdtempSync(path.join(dir, `${blockSize}-`));
      const sync = await recordSync({ dir: work, blockSize, changesBefore: 6, changes: 5, seed });
      const report = checkCrashStates(sync, { exhaustive: 10, samples: 64, seed }, work);
      process.stderr.write(
        `sync-crashes ${blockSize}: ${JSON.stringify({ ...report, problems: report.problems.length })}\n`,
      );
      expect(report.problems).toEqual([]);
      // The sync journaled and wrote something, and its crash states reached both outcomes.
      expect(report.replayed).toBeGreaterThan(0);
      expect(report.discarded).toBeGreaterThan(0);
      expect(report.previous).toBeGreaterThan(0);
      expect(report.next).toBeGreaterThan(0);
      expect(report.distinct).toBe(2);
      expect(report.insideRecovery).toBeGreaterThan(0);

      const control = tornPlain(sync, { exhaustive: 6, samples: 8, seed }, work);
      process.stderr.write(`sync-crashes ${blockSize} without the journal: ${JSON.stringify(control)}\n`);
      expect(control.torn).toBeGreaterThan(0);
    });
});
