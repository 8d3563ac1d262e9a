/**
 * The server killed at random moments (SIGKILL: what a crash, the OOM
 * killer or an impatient operator does to it): deferred-io-9p serves
 * an ext2 image (mke2fs -d) under diodload's reads and writes and a
 * client's creates and removes, each followed by Tfsync (sync-workload.ts),
 * with a timer sync every tenth of a second; `kill -9` falls at a random
 * moment, often inside a sync. A kill keeps the page cache: the image is
 * what the sync's writes had reached. Then, with tools no one here wrote:
 * e2fsck -fn of the image as the kill left it (counted, not judged: a sync
 * cut short tears it until recovery), a restart of the server (which must
 * log a recovery exactly when the kill left a journal, and leave none),
 * e2fsck -fn of the image it serves (clean, every time), and debugfs's
 * /d against the last answered Tfsync and the change then in flight. The
 * restarted server is the next round's. The seed fixes the kill moments
 * and the client's changes; how far the server gets by each moment is the
 * machine's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Random } from '../../bench/workload.ts';
import { fsck, mkfs } from './e2fsprogs.ts';
import { type Running, start } from './serving.ts';
import { filesOf, judgeFiles, SyncWorkload, workDir } from './sync-workload.ts';
import { findTool } from './tools.ts';

export interface KillLoopOptions {
  /** An empty directory for the image and the scratch files. */
  readonly dir: string;
  readonly kills: number;
  readonly seed: number;
  /** Told one line per kill. */
  readonly progress: (line: string) => void;
}

/** What the kills did and what was found; `failures` must be empty. */
export interface KillLoopReport {
  kills: number;
  /** Changes whose Tfsync was answered, over all rounds. */
  changesSynced: number;
  /** Kills that left the image's journal (a sync was cut short after creating it). */
  journalsLeft: number;
  /** Recoveries the restarted server logged, by outcome. */
  replayed: number;
  discarded: number;
  /** Kills after which e2fsck -fn found the image, as the kill left it, not clean. */
  tornBeforeRecovery: number;
  fsckRuns: number;
  /** What was wrong after a restart: an unclean image, wrong files, a recovery missing or unexplained. */
  failures: string[];
  seconds: number;
}

/** The line a start logs for what it recovered (cli.ts), the outcome captured. */
const recoveryLine =
  /^deferred-io-9p: recovery: (?:(replayed) the journal of the sync a crash interrupted after its commit \(\d+ runs, \d+ bytes\): the image is that sync's|(discarded) the journal of a sync a crash interrupted before its commit \(.+\): the image is the last completed sync's)$/m;

/** Runs the loop; resolves with the report when the last restarted server has stopped. */
export async function killLoop(options: KillLoopOptions): Promise<KillLoopReport> {
  const { dir, kills, seed, progress } = options;
  const started = performance.now();
  const random = new Random(seed);
  const image = path.join(dir, 'disk.img');
  const journal = `${image}.dio-journal`;
  makeImage(dir, image);
  const report: KillLoopReport = {
    kills: 0,
    changesSynced: 0,
    journalsLeft: 0,
    replayed: 0,
    discarded: 0,
    tornBeforeRecovery: 0,
    fsckRuns: 0,
    failures: [],
    seconds: 0,
  };
  const serve = (): Promise<Running> =>
    start(['serve', image, '--listen', '127.0.0.1:0', '--sync', '0.1', '--memory', '2M']);
  let server = await serve();
  let files = new Map<string, Buffer>();
  let firstName = 0;
  try {
    for (let k = 1; k <= kills; k++) {
      const load = spawn(findTool('diodload')!, ['-s', `127.0.0.1:${server.port}`, '-n', '2', '-r', '3600'], {
        stdio: 'ignore',
      });
      const after = 200 + random.below(1800);
      let workload: SyncWorkload;
      try {
        workload = await SyncWorkload.connect(server.port, { files, random, firstName, most: 24, largest: 40_000 });
        const stopped = workload.run();
        await new Promise((resolve) => setTimeout(resolve, after));
        server.child.kill('SIGKILL');
        await server.closed;
        await stopped;
      } catch (error) {
        report.failures.push(`kill ${k}: the client could not connect: ${error}; the server's log:\n${server.log()}`);
        break;
      } finally {
        await killed(load);
      }
      report.kills++;
      report.changesSynced += workload.changesSynced;
      firstName = workload.nextName;

      const left = fs.existsSync(journal);
      if (left) report.journalsLeft++;
      const raw = fsck(image);
      report.fsckRuns++;
      if (raw.status !== 0) report.tornBeforeRecovery++;

      server = await serve();
      const logged = recoveryLine.exec(server.log());
      const recovery = logged === null ? null : ((logged[1] ?? logged[2]) as 'replayed' | 'discarded');
      const problems: string[] = [];
      if (recovery !== null) report[recovery]++;
      if (left !== (recovery !== null))
        problems.push(left ? 'a journal was left and no recovery logged' : 'a recovery logged with no journal left');
      if (fs.existsSync(journal)) problems.push('the journal is still there after the restart');
      // The restarted server has no client yet: its timer's syncs find nothing to write.
      const check = fsck(image);
      report.fsckRuns++;
      if (check.status !== 0) problems.push(`e2fsck -fn: status ${check.status}: ${check.output}`);
      else {
        const found = filesOf(image, path.join(dir, 'dump'));
        // One change per sync: at most one in flight.
        problems.push(...judgeFiles(found, workload.synced, workload.changes.at(-1) ?? null));
        files = found;
      }
      for (const p of problems) report.failures.push(`kill ${k}: ${p}`);
      progress(
        `kill ${k}/${kills} after ${after} ms: ${workload.changesSynced} changes synced, ` +
          `journal ${left ? 'left' : 'not left'}, image as killed ${raw.status === 0 ? 'clean' : `torn (e2fsck ${raw.status})`}, ` +
          `${recovery === null ? 'no recovery' : `recovery: ${recovery}`}, ` +
          `${problems.length === 0 ? `clean, /${workDir} as synced (${files.size} files)` : `FAILED: ${problems.join('; ')}`}`,
      );
      if (check.status !== 0) break;
    }
  } finally {
    server.child.kill('SIGTERM');
    const status = await server.exit;
    if (status !== 0) report.failures.push(`the last server exited with status ${status}:\n${server.log()}`);
  }
  const last = fsck(image);
  report.fsckRuns++;
  if (last.status !== 0) report.failures.push(`after the last stop, e2fsck -fn: ${last.output}`);
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** An image holding what diodload attaches (/ctl/zero, /ctl/null) and the workload's /d. */
function makeImage(dir: string, image: string): void {
  const src = path.join(dir, 'tree');
  fs.mkdirSync(path.join(src, 'ctl'), { recursive: true });
  fs.mkdirSync(path.join(src, workDir));
  fs.writeFileSync(path.join(src, 'ctl', 'zero'), Buffer.alloc(1 << 20));
  fs.writeFileSync(path.join(src, 'ctl', 'null'), '');
  // 1 KiB blocks: a change touches more blocks (bitmaps, descriptors, inode table, directory), a sync writes more runs.
  mkfs(image, { blockSize: 1024, size: 16 * 2 ** 20, source: src });
}

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGKILL');
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
