/**
 * Every crash state of one server sync, on a real ext2 image under a real
 * 9P workload, as ALICE and CrashMonkey test applications: mke2fs -d makes
 * the image; the server (ext2 over the segment store) serves it from the
 * recording backend (impl/testing/recording-backend.ts), which logs every
 * call that reaches the image's directory; a client puts and removes files
 * in /d and syncs (Tfsync), which is the previous sync; then changes more
 * and syncs again: the sync under test, its calls recorded. Every crash
 * state of that log (impl/testing/crash-states.ts: a process kill after
 * each call, and the power cuts there, every subset of the writes not yet
 * fsynced up to a bound, seeded samples beyond) is recovered as the server
 * recovers at start (SegmentStore.attach: the engine replays or discards
 * the journal), and then:
 *
 * - the image is byte for byte the previous sync's or this one's, and this
 *   one's after the journal's commit was fsynced (the first fsync of the
 *   journal after its commit record) and once the sync has returned;
 * - no journal is left;
 * - for a process kill whose journal is replayed, every crash state of the
 *   recovery itself, recovered again, is a whole sync's image, and the
 *   replayed one once the recovery has begun writing the image (a kill
 *   may leave a commit in the page cache only: recovery must make it
 *   durable before it acts on it);
 * - e2fsck -fn finds each distinct recovered image clean, and debugfs
 *   reads in /d exactly the files of the sync it is the image of.
 *
 * killedAfter writes a kill state to a real directory, for the tests of
 * the server's start (the recovery it logs).
 *
 * `tornPlain` is the control: the same sync's in-place writes and fsyncs
 * without its journal, which is what a plain write-back makes, and its
 * crash states judged by the same tools, which find torn images there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Random } from '../../bench/workload.ts';
import type { Recovery } from '../../impl/index.ts';
import { type Bounds, crashPoints, crashStates } from '../../impl/testing/crash-states.ts';
import {
  type DirectoryState,
  durableDirectory,
  type RecordedCall,
  RecordingDirectory,
} from '../../impl/testing/recording-backend.ts';
import { Server } from '../9p/server.ts';
import { openExt2 } from '../ext2/ext2.ts';
import { SegmentStore } from '../segment-store.ts';
import { fsck, mkfs } from './e2fsprogs.ts';
import { type Files, filesOf, judgeFiles, SyncWorkload, workDir } from './sync-workload.ts';

const imageName = 'disk.img';
const journalName = `${imageName}.dio-journal`;

export interface SyncCrashOptions {
  /** An empty directory for the image and the scratch files. */
  readonly dir: string;
  readonly blockSize: 1024 | 4096;
  /** The client's changes before the previous sync, and between it and the sync under test. */
  readonly changesBefore: number;
  readonly changes: number;
  readonly seed: number;
}

/** One sync recorded: the state before it, its calls, and the image before and after it, with their files. */
export interface RecordedSync {
  readonly blockSize: number;
  readonly before: DirectoryState;
  readonly log: readonly RecordedCall[];
  readonly previous: { readonly image: Buffer; readonly files: Files };
  readonly next: { readonly image: Buffer; readonly files: Files };
}

/** What checking every crash state found. `problems` must be empty. */
export interface SyncCrashReport {
  /** Calls of the sync. */
  readonly calls: number;
  kills: number;
  powerCuts: number;
  /** Crash states inside the recovery of a kill state whose journal was replayed, each recovered again. */
  insideRecovery: number;
  replayed: number;
  discarded: number;
  /** Recovered images equal to the previous sync's, and to this one's. */
  previous: number;
  next: number;
  /** Distinct recovered images, each judged by e2fsck -fn and debugfs. */
  distinct: number;
  fsckRuns: number;
  problems: string[];
}

/** Serves an image from the recording backend, runs the workload, and records the second sync's calls. */
export async function recordSync(options: SyncCrashOptions): Promise<RecordedSync> {
  const { dir, blockSize, seed } = options;
  const src = path.join(dir, 'tree');
  fs.mkdirSync(path.join(src, workDir), { recursive: true });
  const image = path.join(dir, imageName);
  mkfs(image, { blockSize, size: 2 * 2 ** 20, source: src });
  const directory = new RecordingDirectory(durableDirectory(blockSize, { [imageName]: fs.readFileSync(image) }));
  // A small frame budget: the clients' changes go to the engine's swap file between syncs, as on a busy server.
  const store = SegmentStore.attach(directory.open(imageName)!, { memory: 32 * blockSize, swapDir: dir });
  const server = new Server(openExt2(store), { syncInterval: 0 });
  const { port } = await server.listen(0, '127.0.0.1');
  try {
    const workload = await SyncWorkload.connect(port, {
      files: new Map(),
      random: new Random(seed),
      firstName: 0,
      most: 12,
      largest: 3 * blockSize + 100,
    });
    for (let i = 0; i < options.changesBefore; i++) await workload.change();
    await workload.sync();
    const previous = { image: Buffer.from(directory.content(imageName)!), files: workload.synced };
    const before = directory.state();
    const start = directory.log.length;
    for (let i = 0; i < options.changes; i++) await workload.change();
    await workload.sync();
    const next = { image: Buffer.from(directory.content(imageName)!), files: workload.synced };
    await workload.close();
    return { blockSize, before, log: directory.log.slice(start), previous, next };
  } finally {
    await server.close({ sync: false });
    store.close();
  }
}

/** Recovers every crash state of `sync` and judges it (see the module's comment). */
export function checkCrashStates(sync: RecordedSync, bounds: Bounds, scratch: string): SyncCrashReport {
  const { log, previous, next } = sync;
  const committed = commitDurable(log);
  const report: SyncCrashReport = {
    calls: log.length,
    kills: 0,
    powerCuts: 0,
    insideRecovery: 0,
    replayed: 0,
    discarded: 0,
    previous: 0,
    next: 0,
    distinct: 0,
    fsckRuns: 0,
    problems: [],
  };
  const images = new Map<string, { image: Buffer; where: string }>();
  for (const { after, kind, state } of crashStates(sync.before, log, bounds)) {
    if (kind === 'kill') report.kills++;
    else report.powerCuts++;
    const where = `${kind} after call ${after} of ${log.length}`;
    const crashed = new RecordingDirectory(state);
    const recovery = recover(crashed, sync.blockSize, scratch);
    if (recovery !== null) report[recovery.outcome]++;
    if (crashed.names().includes(journalName)) report.problems.push(`${where}: the journal is left after recovery`);
    const image = Buffer.from(crashed.content(imageName)!);
    // A crash inside the recovery of a replayed journal, then recovery again: a whole sync's
    // image, no journal left; and once recovery has begun writing the image, the image it replays.
    if (kind === 'kill' && recovery?.outcome === 'replayed') {
      const replaying = crashed.log.findIndex(
        (call) => (call.op === 'write' || call.op === 'writev') && call.name === imageName,
      );
      for (const inner of crashStates(state, crashed.log, bounds)) {
        const again = new RecordingDirectory(inner.state);
        recover(again, sync.blockSize, scratch);
        report.insideRecovery++;
        const twice = Buffer.from(again.content(imageName)!);
        const inside = `${where}, then a ${inner.kind} after call ${inner.after} of the recovery's ${crashed.log.length}, and recovery again`;
        if (again.names().includes(journalName)) report.problems.push(`${inside}: the journal is left`);
        if (inner.after > replaying ? !twice.equals(image) : !twice.equals(previous.image) && !twice.equals(next.image))
          report.problems.push(`${inside}: ${inner.after > replaying ? 'not the image replayed' : 'a torn image'}`);
      }
    }
    const isPrevious = image.equals(previous.image);
    const isNext = image.equals(next.image);
    if (isPrevious) report.previous++;
    if (isNext) report.next++;
    if (!isPrevious && !isNext)
      report.problems.push(`${where}: the image is neither the previous sync's nor this one's`);
    else if (!isNext && (after === log.length || (committed !== null && after >= committed)))
      report.problems.push(
        `${where}: the image is the previous sync's, after ${after === log.length ? 'the sync returned' : 'the commit'}`,
      );
    const key = image.toString('base64');
    if (!images.has(key)) images.set(key, { image, where });
  }
  report.distinct = images.size;
  for (const { image, where } of images.values()) {
    const problems = judgeImage(image, scratch, image.equals(next.image) ? next.files : previous.files);
    report.fsckRuns++;
    for (const p of problems) report.problems.push(`${where}: ${p}`);
  }
  return report;
}

/** Opens the image of `directory` as the server does at start, which recovers a journal there; what recovery did. */
function recover(directory: RecordingDirectory, blockSize: number, scratch: string): Recovery | null {
  const store = SegmentStore.attach(directory.open(imageName)!, { memory: 16 * blockSize, swapDir: scratch });
  const recovery = store.recovery;
  store.close();
  return recovery;
}

/**
 * The control: the crash states of the sync's own in-place writes and
 * fsyncs of the image, without the journal (a plain write-back's calls),
 * each judged by e2fsck -fn; resolves with how many distinct images there
 * were and how many e2fsck found not clean (torn).
 */
export function tornPlain(sync: RecordedSync, bounds: Bounds, scratch: string): { distinct: number; torn: number } {
  const plain = sync.log.filter((call) => call.op !== 'syncDirectory' && call.name === imageName);
  const images = new Map<string, Buffer>();
  for (const { state } of crashStates(sync.before, plain, bounds)) {
    const image = Buffer.from(new RecordingDirectory(state).content(imageName)!);
    images.set(image.toString('base64'), image);
  }
  let torn = 0;
  for (const image of images.values()) if (judgeImage(image, scratch, null).length > 0) torn++;
  return { distinct: images.size, torn };
}

/**
 * Writes into `dir` the files a process kill leaves after `after` calls of
 * the sync (the page cache: the image, and the journal if there is one
 * then), as a real directory for the server to start on; returns the
 * image's path.
 */
export function killedAfter(sync: RecordedSync, after: number, dir: string): string {
  let state = sync.before;
  for (const point of crashPoints(sync.before, sync.log.slice(0, after))) state = point.state;
  const crashed = new RecordingDirectory(state);
  for (const name of crashed.names()) fs.writeFileSync(path.join(dir, name), crashed.content(name)!);
  return path.join(dir, imageName);
}

/** Where in the sync a kill leaves a journal to discard (written, not committed) and one to replay (committed). */
export function journalPoints(log: readonly RecordedCall[]): { uncommitted: number; committed: number } {
  const committed = commitDurable(log);
  if (committed === null) throw new Error('the sync wrote no journal');
  const uncommitted = log.findIndex((call) => call.op === 'sync' && call.name === journalName) + 1;
  return { uncommitted, committed };
}

/**
 * How many calls the sync has made once the journal's commit is durable:
 * up to the first fsync of the journal after the write of its commit
 * record (magic CMT1); null if the sync wrote no journal.
 */
function commitDurable(log: readonly RecordedCall[]): number | null {
  const commit = log.findIndex(
    (call) =>
      (call.op === 'write' || call.op === 'writev') &&
      call.name === journalName &&
      Buffer.from(call.data.subarray(0, 4)).toString('latin1') === 'CMT1',
  );
  if (commit < 0) return null;
  const synced = log.findIndex((call, i) => i > commit && call.op === 'sync' && call.name === journalName);
  return synced < 0 ? null : synced + 1;
}

/** e2fsck -fn, then (if `files`) debugfs's /d against them, on `image` written to a file in `scratch`. */
function judgeImage(image: Buffer, scratch: string, files: Files | null): string[] {
  const file = path.join(scratch, 'judged.img');
  fs.writeFileSync(file, image);
  const check = fsck(file);
  if (check.status !== 0) return [`e2fsck -fn: status ${check.status}: ${check.output}`];
  return files === null ? [] : judgeFiles(filesOf(file, path.join(scratch, 'dump')), files, null);
}
