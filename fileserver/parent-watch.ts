/**
 * Stopping when npm is stopped. npx (npm exec), npm run and npm start run a
 * command as `sh -c COMMAND`, and npm passes SIGINT and SIGTERM on to that
 * shell only. dash, Debian's sh, waits for the command instead of
 * replacing itself with it, and dies of the signal: the server it started
 * is left running, listening, orphaned, and nothing ever tells it to sync
 * and stop (npm 11.19 on Linux, checked by hand: `npx deferred-io-9p serve
 * ... &`, then `kill -TERM` of the npx process). A wrapper between the shell
 * and the server (`npx tsx deferred-io-9p.ts`) is orphaned the same way,
 * and keeps the server as its child.
 *
 * So a server that npm started (npm puts npm_lifecycle_event in the
 * environment of every command it runs) notes, at start, the processes
 * from its parent up to npm, and checks every second that they are all
 * still there; when one is gone, npm's run is over, and the server stops
 * the way SIGTERM stops it. A server started any other way never does: one
 * left running on purpose (nohup, a shell that exits) must outlive its
 * parent.
 */
import { readFileSync } from 'node:fs';

/** Whether npm (npx, npm exec, npm run, npm start) started this process or one of its ancestors. */
export function startedByNpm(): boolean {
  return process.env.npm_lifecycle_event !== undefined;
}

/**
 * Calls `gone` once, within a second of the death of any process from this
 * one's parent up to npm (as they were when the watch began). Returns what
 * stops the watch. The check does not keep the process alive.
 */
export function watchNpmAncestors(gone: (pid: number) => void): () => void {
  const ancestors = npmAncestors();
  const timer = setInterval(() => {
    // A dead process is reaped at once by its parent (npm, or init once
    // npm is gone too), and then its pid is no more.
    const dead = ancestors.find((pid) => !alive(pid));
    if (dead === undefined) return;
    clearInterval(timer);
    gone(dead);
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * This process's parent, its parent, and so on up to the first that npm
 * did not start (npm itself), read from /proc. Without /proc (not Linux),
 * the parent alone.
 */
function npmAncestors(): number[] {
  const ancestors: number[] = [];
  for (let pid = process.ppid; pid > 1; ) {
    ancestors.push(pid);
    const status = procStatus(pid);
    if (status === null || !status.startedByNpm) break;
    pid = status.parent;
  }
  return ancestors;
}

/** Process `pid`'s parent and whether npm started it, or null if /proc does not tell (no /proc, another user's). */
function procStatus(pid: number): { parent: number; startedByNpm: boolean } | null {
  try {
    // stat's fourth field is the parent's pid; the second, the command's name in parentheses, may hold anything.
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    return { parent, startedByNpm: environ.some((v) => v.startsWith('npm_lifecycle_event=')) };
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
