/** `npx tlc --install`: download the pinned TLC release and verify it. */

import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JarEnv } from './jar.ts';
import { CheckError } from './result.ts';

/**
 * The pinned release: tlaplus v1.7.4 (TLC2 Version 2.19, rev 5a47802), the
 * newest non-prerelease. v1.8.0 is a rolling prerelease whose jar is rebuilt
 * in place, so no hash of it stays valid.
 */
export const PINNED_RELEASE = {
  version: 'v1.7.4',
  url: 'https://github.com/tlaplus/tlaplus/releases/download/v1.7.4/tla2tools.jar',
  sha256: '936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88',
} as const;

/** How to get TLC, for the messages of a check only TLC can do. */
export const GET_TLC =
  `To install TLC: npx tlc --install (downloads tla2tools.jar ${PINNED_RELEASE.version} into ` +
  '~/.cache/deferred-io/ and checks its sha256; TLC runs on Java 11 or later), or set TLA2TOOLS_JAR to a jar you have.';

/** Where to download from and the hash to demand: the pin, unless overridden. */
export function installSource(env: JarEnv = process.env): { url: string; sha256: string } {
  const url = env.TLA2TOOLS_URL || PINNED_RELEASE.url;
  const sha256 = (env.TLA2TOOLS_SHA256 || PINNED_RELEASE.sha256).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new CheckError(`TLA2TOOLS_SHA256=${sha256}: not a sha256 (64 hex digits)`);
  return { url, sha256 };
}

/**
 * Downloads `url` to `dest`, accepting it only if its sha256 is `sha256`. The
 * bytes go to a temporary file beside `dest` and are renamed into place only
 * once verified, so `dest` is never a partial or unverified jar; on any
 * failure the temporary file is removed and a CheckError says why.
 */
export async function installJar(url: string, sha256: string, dest: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new CheckError(`download of ${url} failed: ${(e as Error).cause ?? (e as Error).message}`);
  }
  if (!response.ok || response.body === null) {
    throw new CheckError(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`);
  }
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  const hash = createHash('sha256');
  try {
    await pipeline(
      Readable.fromWeb(response.body),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(tmp),
    );
    const actual = hash.digest('hex');
    if (actual !== sha256) {
      throw new CheckError(`sha256 mismatch for ${url}: expected ${sha256}, got ${actual}; nothing was installed`);
    }
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof CheckError) throw e;
    throw new CheckError(`download of ${url} failed: ${(e as Error).message}`);
  }
}
