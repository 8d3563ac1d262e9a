/**
 * What every benchmark shares in one run: the temporary directory its
 * sparse files live in (removed at the end), the mmap addon or the reason it
 * is missing, one reusable 1 GiB buffer for the conventional side, and
 * conventional figures that several benchmarks compare against (measured
 * once per run, so they sit side by side with every engine figure).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GiB, type Timing, time } from './harness.ts';
import type { MmapAddon } from './mmap/index.ts';

export interface Context {
  /** Temporary directory: sparse files, the engine's swap space and preserve store. */
  readonly dir: string;
  /** The private-mmap addon, or null with `mmapReason` saying why. */
  readonly mmap: MmapAddon | null;
  readonly mmapReason: string | null;
  readonly mmapPath: string | null;
  /** One progress line on stderr. */
  log(line: string): void;
  /** A sparse file of `length` bytes (ftruncate), created once per name. */
  sparseFile(name: string, length: number): string;
  /** Removes the files sparseFile made so far (after each benchmark: disk space, and untimed). */
  removeFiles(): void;
  /** One 1 GiB buffer for conventional reads and writes, allocated on first use. */
  gibBuffer(): Buffer;
  /**
   * Conventional write-back of a whole 1 GiB image (writeSync of the whole
   * buffer): what P3 measured alongside the engine, else measured now, once per run.
   */
  conventionalRewrite(): Timing;
  /** Records P3's conventional rewrite for the benchmarks after it. */
  recordConventionalRewrite(timing: Timing): void;
}

export function createContext(
  dir: string,
  mmap: { addon: MmapAddon | null; reason: string | null; path: string | null },
  log: (line: string) => void,
): Context {
  let buffer: Buffer | null = null;
  let rewrite: Timing | null = null;
  const files = new Set<string>();
  const context: Context = {
    dir,
    mmap: mmap.addon,
    mmapReason: mmap.reason,
    mmapPath: mmap.path,
    log,
    sparseFile(name, length) {
      const file = path.join(dir, name);
      if (!files.has(file)) {
        fs.writeFileSync(file, '');
        fs.truncateSync(file, length);
        files.add(file);
      }
      return file;
    },
    removeFiles() {
      for (const file of files) fs.rmSync(file, { force: true });
      files.clear();
    },
    gibBuffer() {
      buffer ??= Buffer.alloc(GiB);
      return buffer;
    },
    recordConventionalRewrite(timing) {
      rewrite = timing;
    },
    conventionalRewrite() {
      if (rewrite === null) {
        const file = context.sparseFile('conventional-rewrite', GiB);
        const fd = fs.openSync(file, 'r+');
        const data = context.gibBuffer();
        try {
          rewrite = time(() => writeAll(fd, data, 0), { warmup: 1, repeats: 5 });
        } finally {
          fs.closeSync(fd);
        }
        log(
          `  conventional write of 1 GiB (writeSync of the whole buffer): median ${(rewrite.median * 1e3).toFixed(0)} ms`,
        );
      }
      return rewrite;
    },
  };
  return context;
}

/** fs.readSync of all of `into` from `position`, looping over short reads (Linux caps one read near 2 GiB). */
export function readAll(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const count = fs.readSync(fd, into, done, into.length - done, position + done);
    if (count === 0) break;
    done += count;
  }
  return done;
}

/** fs.writeSync of all of `from` at `position`. */
export function writeAll(fd: number, from: Uint8Array, position: number): void {
  let done = 0;
  while (done < from.length) done += fs.writeSync(fd, from, done, from.length - done, position + done);
}
