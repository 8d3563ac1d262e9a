/** Test helpers: run the CLI in-process with captured output and a controlled environment. */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from './main.ts';

/** A fresh empty directory under the system temp dir. */
export function tempDir(prefix = 'tlc-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * An environment in which no jar is found: an empty cache, no TLA2TOOLS_JAR,
 * whatever the developer's own environment holds; PATH kept so scripts run.
 */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = tempDir('tlc-home-');
  return { PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: join(home, 'cache'), ...extra };
}

/** What one in-process run of the CLI did. */
export interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Runs `npx tlc argv` in-process. */
export async function runTlc(argv: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  const out = sink();
  const err = sink();
  const status = await main(argv, { stdout: out.stream, stderr: err.stream, env, cwd });
  return { status, stdout: out.text(), stderr: err.text() };
}
