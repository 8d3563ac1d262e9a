/**
 * The kill loop (testing/kill-loop.ts) at CI's size: deferred-io-9p under
 * diodload and a client's creates, removes and fsyncs, killed with SIGKILL
 * at random moments and restarted, a few times. After every restart
 * e2fsck -fn finds the image clean, /d holds the files of the client's
 * last answered fsync (and the change then in flight, or not), and a
 * recovery is logged exactly when the kill left a journal.
 * `npm run crash:9p` runs 50 kills.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { e2fsprogs } from './testing/e2fsprogs.ts';
import { killLoop } from './testing/kill-loop.ts';
import { describeWithTools } from './testing/tools.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kill-loop-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describeWithTools('e2fsprogs', e2fsprogs, 'deferred-io-9p killed and restarted', () => {
  describeWithTools('diod', ['diodload'], 'under diodload', () => {
    it('comes back clean after every kill -9, with the synced files, recovering what a kill left', {
      tags: ['slow'],
      timeout: 180_000,
    }, async () => {
      const lines: string[] = [];
      const report = await killLoop({ dir, kills: 4, seed: 1903, progress: (line) => lines.push(line) });
      process.stderr.write(`${lines.join('\n')}\n`);
      expect(report.failures).toEqual([]);
      expect(report.kills).toBe(4);
      expect(report.changesSynced).toBeGreaterThan(0);
      expect(report.replayed + report.discarded).toBe(report.journalsLeft);
    });
  });
});
