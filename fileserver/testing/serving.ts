/**
 * deferred-io-9p as a process of its own, for the tests that run the
 * program: started (from source, through tsx, unless told how), its log
 * (stderr) collected, its port read from the line that says it listens.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import * as path from 'node:path';

/** The program serving; its log so far; its port once it listens. */
export interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  log(): string;
  /** Resolves when a log line matches. */
  waitFor(line: RegExp): Promise<void>;
  /** The exit status of the process started (for npx, npm's). */
  exit: Promise<number | null>;
  /** Resolves when every process writing to the log is gone: the one started and whatever it started. */
  closed: Promise<void>;
}

/** The command's source, which tsx runs. */
export const entry = path.join(import.meta.dirname, '..', 'deferred-io-9p.ts');

/** Only stderr, the log, is read. */
export const logOnly: SpawnOptions = { stdio: ['ignore', 'ignore', 'pipe'] };

/** The command line that runs the program from source: node and its arguments. */
export function fromSource(args: readonly string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', entry, ...args]];
}

/** Starts the program (by default from source, through tsx) and waits until it listens. */
export async function start(
  args: string[],
  launch = (a: string[]) => spawn(...fromSource(a), logOnly),
): Promise<Running> {
  const child = launch(args);
  let log = '';
  const waiters: { line: RegExp; resolve: () => void }[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    for (const w of waiters.filter((w) => w.line.test(log))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // 'close' waits for the log's pipe too, which every process holding it keeps open.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const waitFor = (line: RegExp): Promise<void> =>
    line.test(log)
      ? Promise.resolve()
      : Promise.race([
          new Promise<void>((resolve) => waiters.push({ line, resolve })),
          exit.then((code) =>
            Promise.reject(new Error(`deferred-io-9p exited (${code}) before logging ${line}:\n${log}`)),
          ),
        ]);
  await waitFor(/ on 127\.0\.0\.1:\d+\n/);
  const port = Number(/ on 127\.0\.0\.1:(\d+)\n/.exec(log)![1]);
  return { child, port, log: () => log, waitFor, exit, closed };
}
