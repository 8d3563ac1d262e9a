/** Temporary directories for tests on real files, removed when the test ends. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onTestFinished } from 'vitest';

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deferred-io-test-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A file in `dir` holding `content`. */
export function tempFile(dir: string, name: string, content: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/**
 * How many descriptors this process holds open on files in `dir` (Linux's
 * /proc/self/fd; an unlinked file, as the engine's stores are, shows as
 * "... (deleted)" and still counts): what a test compares to see that
 * nothing leaked.
 */
export function descriptorsIn(dir: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
    } catch {
      return false;
    }
  }).length;
}

/** Deterministic pseudo-random bytes. */
export function pattern(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/**
 * Where two byte arrays first differ (-1 if equal). Compare large buffers
 * with this: a deep toEqual over a MiB takes seconds.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (Buffer.compare(a, b) === 0) return -1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
