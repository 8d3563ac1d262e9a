/** Where tla2tools.jar is looked for and installed. */

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CheckError } from './result.ts';

/** The environment variables this module reads. */
export type JarEnv = Readonly<Record<string, string | undefined>>;

/**
 * The per-user cache location of the jar, where `npx tlc --install` puts it:
 * `${XDG_CACHE_HOME:-$HOME/.cache}/deferred-io/tla2tools.jar`.
 */
export function cacheJarPath(env: JarEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(cache, 'deferred-io', 'tla2tools.jar');
}

/**
 * The tla2tools.jar to run TLC from: `$TLA2TOOLS_JAR` if set, else the cache
 * copy if present, else null (check with the wasm checker instead). A set
 * TLA2TOOLS_JAR naming no file is an error rather than a silent fallback, so
 * a typo cannot quietly switch engines.
 */
export function findJar(env: JarEnv = process.env): string | null {
  const explicit = env.TLA2TOOLS_JAR;
  if (explicit) {
    if (!existsSync(explicit)) throw new CheckError(`TLA2TOOLS_JAR=${explicit}: no such file`);
    return explicit;
  }
  const cached = cacheJarPath(env);
  return existsSync(cached) ? cached : null;
}
