/**
 * The lock a read-write server holds on its image for as long as it serves
 * it: a file beside the image, IMAGE.lock (beside the image's real path, so
 * a symlink or a relative path finds the same one), naming its holder in one
 * line of JSON. Node has no flock or fcntl locks, and a lock file is also
 * what a person can see, read and, when need be, remove.
 *
 * Taking it is atomic: the holder's line is written to a file of its own,
 * then hard-linked to the lock's name, which fails if the name exists; so
 * no one ever reads a lock file half written. A lock whose holder is gone
 * is stale and taken over: the holder is on this host (same hostname) and
 * its pid is not running, or (Linux) it is running but started at another
 * time (the pid was reused) or the machine has rebooted since. A holder on
 * another host is never judged stale: its pid means nothing here.
 *
 * It binds only the programs that look for it: deferred-io-9p serving
 * read-write. e2fsck, debugfs, mount, QEMU, dd and a --read-only server
 * never look (fileserver/README.md).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Who holds a lock: what its file says. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When it took the lock, ISO 8601. */
  readonly since: string;
  /** Linux: /proc/sys/kernel/random/boot_id, and the process's start time in clock ticks since boot (/proc/PID/stat). */
  readonly boot?: string;
  readonly ticks?: number;
}

/** The image is locked by a holder that is not gone (or the lock file names none). */
export class ImageLockedError extends Error {
  override readonly name = 'ImageLockedError';
  constructor(
    readonly lockFile: string,
    /** null: the lock file does not name a holder this code can read. */
    readonly holder: LockHolder | null,
  ) {
    super(
      holder === null
        ? `${lockFile} exists but names no holder; remove it if no server is serving the image`
        : `the image is in use: ${describeHolder(holder)} holds ${lockFile}`,
    );
  }
}

/** "process 1234 on host h since 2026-12-05T10:00:00.000Z", for log lines. */
export function describeHolder(holder: LockHolder): string {
  return `process ${holder.pid} on host ${holder.host} since ${holder.since}`;
}

/** How many times taking the lock starts over after the lock file changed under it. */
const attempts = 5;

export class ImageLock {
  /** The lock file's content as this holder wrote it: release removes only that. */
  readonly #line: string;
  #released = false;

  private constructor(
    /** The lock file's path. */
    readonly file: string,
    line: string,
    /** The holder of the stale lock taken over, if there was one. */
    readonly tookOver: LockHolder | null,
  ) {
    this.#line = line;
  }

  /**
   * Takes the lock of the image at `image`, taking over a stale one.
   * Throws ImageLockedError when a holder that is not gone has it, and the
   * file system's error when the lock file cannot be made (the image's
   * directory is not writable).
   */
  static take(image: string): ImageLock {
    const file = `${fs.realpathSync(image)}.lock`;
    const host = os.hostname();
    const line = `${JSON.stringify(self(host))}\n`;
    const staged = `${file}.${host}.${process.pid}`;
    fs.writeFileSync(staged, line);
    let tookOver: LockHolder | null = null;
    let holder: LockHolder | null = null;
    try {
      for (let i = 0; i < attempts; i++) {
        try {
          fs.linkSync(staged, file);
          return new ImageLock(file, line, tookOver);
        } catch (error) {
          if (!hasCode(error, 'EEXIST')) throw error;
        }
        const held = readIfThere(file);
        if (held === null) continue;
        holder = parse(held);
        if (holder === null || !gone(holder, host)) throw new ImageLockedError(file, holder);
        // Stale: move it aside first, then check that what moved is what was judged (another
        // server may have taken over the stale lock between the read and the move).
        const aside = `${staged}.stale`;
        try {
          fs.renameSync(file, aside);
        } catch (error) {
          if (!hasCode(error, 'ENOENT')) throw error;
          continue;
        }
        const moved = fs.readFileSync(aside, 'utf8');
        if (moved === held) tookOver = holder;
        // A live server's lock went aside by mistake: put it back, unless a third server already took the name.
        else linkUnlessThere(aside, file);
        fs.unlinkSync(aside);
      }
      throw new ImageLockedError(file, holder);
    } finally {
      fs.rmSync(staged, { force: true });
    }
  }

  /** Removes the lock file if it is still this holder's. Idempotent; synchronous, for a process's 'exit' event. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    if (readIfThere(this.file) === this.#line) fs.rmSync(this.file, { force: true });
  }
}

function self(host: string): LockHolder {
  const boot = bootId();
  const ticks = startTicks(process.pid);
  return {
    pid: process.pid,
    host,
    since: new Date().toISOString(),
    ...(boot === null ? {} : { boot }),
    ...(ticks === null ? {} : { ticks }),
  };
}

/** Whether the holder is surely not running any more. */
function gone(holder: LockHolder, host: string): boolean {
  if (holder.host !== host) return false;
  const boot = bootId();
  if (holder.boot !== undefined && boot !== null && holder.boot !== boot) return true;
  if (!running(holder.pid)) return true;
  const ticks = startTicks(holder.pid);
  return holder.ticks !== undefined && ticks !== null && holder.ticks !== ticks;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return !hasCode(error, 'ESRCH');
  }
}

/** The boot's id (Linux), or null. */
function bootId(): string | null {
  return readIfThere('/proc/sys/kernel/random/boot_id')?.trim() ?? null;
}

/** When process `pid` started, in clock ticks since boot (Linux: field 22 of /proc/PID/stat), or null. */
function startTicks(pid: number): number | null {
  const stat = readIfThere(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) is in parentheses and may hold anything: count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[22 - 3]);
  return Number.isSafeInteger(ticks) ? ticks : null;
}

function parse(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isSafeInteger(h.pid) && typeof h.host === 'string' && typeof h.since === 'string')
      return h as LockHolder;
  } catch {
    // Not JSON: a lock this code did not write.
  }
  return null;
}

function readIfThere(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return null;
    throw error;
  }
}

function linkUnlessThere(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch (error) {
    if (!hasCode(error, 'EEXIST')) throw error;
  }
}

function hasCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}
