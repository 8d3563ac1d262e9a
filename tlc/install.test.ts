import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSource, PINNED_RELEASE } from './install.ts';
import { cacheJarPath, findJar } from './jar.ts';
import { isolatedEnv, runTlc, tempDir } from './testkit.ts';

const jarBytes = Buffer.from('PK\u0003\u0004 a fake tla2tools.jar '.repeat(5000));
const jarSha = createHash('sha256').update(jarBytes).digest('hex');

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/tla2tools.jar') {
      res.writeHead(200, { 'content-type': 'application/java-archive' });
      res.end(jarBytes);
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('npx tlc --install', () => {
  it('downloads, verifies and installs the jar where findJar looks', async () => {
    const env = isolatedEnv({ TLA2TOOLS_URL: `${base}/tla2tools.jar`, TLA2TOOLS_SHA256: jarSha.toUpperCase() });
    expect(findJar(env)).toBeNull();
    const run = await runTlc(['--install'], env, tempDir());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const dest = cacheJarPath(env);
    expect(dest).toBe(join(env.XDG_CACHE_HOME, 'deferred-io', 'tla2tools.jar'));
    expect(readFileSync(dest).equals(jarBytes)).toBe(true);
    expect(readdirSync(dirname(dest))).toEqual(['tla2tools.jar']);
    expect(findJar(env)).toBe(dest);
  });

  it('refuses a jar with the wrong sha256 and leaves nothing behind', async () => {
    const wrong = '0'.repeat(64);
    const env = isolatedEnv({ TLA2TOOLS_URL: `${base}/tla2tools.jar`, TLA2TOOLS_SHA256: wrong });
    const run = await runTlc(['--install'], env, tempDir());
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      `tlc: sha256 mismatch for ${base}/tla2tools.jar: expected ${wrong}, got ${jarSha}; nothing was installed\n`,
    );
    const dir = dirname(cacheJarPath(env));
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    expect(findJar(env)).toBeNull();
  });

  it('reports an HTTP error clearly', async () => {
    const env = isolatedEnv({ TLA2TOOLS_URL: `${base}/missing.jar`, TLA2TOOLS_SHA256: jarSha });
    const run = await runTlc(['--install'], env, tempDir());
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`tlc: download of ${base}/missing.jar failed: HTTP 404 Not Found\n`);
    expect(existsSync(cacheJarPath(env))).toBe(false);
  });

  it('rejects a TLA2TOOLS_SHA256 that is not a sha256', async () => {
    const run = await runTlc(['--install'], isolatedEnv({ TLA2TOOLS_SHA256: 'abc' }), tempDir());
    expect([run.status, run.stderr]).toEqual([2, 'tlc: TLA2TOOLS_SHA256=abc: not a sha256 (64 hex digits)\n']);
  });

  it('defaults to the pinned release', () => {
    expect(installSource({})).toEqual({ url: PINNED_RELEASE.url, sha256: PINNED_RELEASE.sha256 });
    expect(PINNED_RELEASE.url).toBe('https://github.com/tlaplus/tlaplus/releases/download/v1.7.4/tla2tools.jar');
  });
});
