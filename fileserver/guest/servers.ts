/**
 * The two 9P servers the guest can mount, each started on 127.0.0.1 on a
 * free port over the same starting tree, and stopped with SIGTERM:
 *
 * - ours: deferred-io-9p serving an ext2 image that mke2fs -d filled,
 *   judged afterwards by e2fsck -fn;
 * - diod: Debian's diod exporting a directory, as root, without
 *   authentication, in the foreground, and without reading /etc/diod.conf
 *   (so that the machine's configuration cannot change what is measured).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { dumpImage } from './left.ts';

export type ServerKind = 'ours' | 'diod';

export interface ServerEnd {
  /** How the process ended after SIGTERM: "exit 0", "signal SIGKILL (did not stop in 60 s)". */
  ending: string;
  /** ours: e2fsck -fn's exit status and output on the image after the server stopped. */
  fsck?: { status: number; output: string };
  /**
   * The guest's /work as the server stored it, read without the server:
   * diod's export directory, or for ours a copy debugfs made from the image
   * (or why it could not).
   */
  work: string | Error;
}

export interface Served {
  port: number;
  /** What the client attaches: diod wants the exported path; ours takes any name. */
  aname: string;
  stop(): Promise<ServerEnd>;
}

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const sbin = (tool: string): string =>
  ['/usr/sbin', '/sbin'].map((dir) => path.join(dir, tool)).find(fs.existsSync) ?? tool;

/** The image holds the tree, dd's file and the big directory with room to spare. */
const imageSize = '256M';

/** The tree both servers start from: what a fresh export has, a file and an empty directory. */
function seed(dir: string): void {
  fs.mkdirSync(path.join(dir, 'empty'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'README'), 'The guest workload works under work/.\n');
}

export async function startServer(kind: ServerKind, work: string, log: fs.WriteStream): Promise<Served> {
  const tree = path.join(work, kind === 'ours' ? 'seed' : 'export');
  seed(tree);
  if (kind === 'diod') {
    const port = await freePort();
    const child = spawn(
      sbin('diod'),
      ['-f', '-n', '-l', `127.0.0.1:${port}`, '-e', tree, '-L', 'stderr', '-c', '/dev/null'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = logged(child, log);
    const ended = exited(child);
    await started(child, ended, output, listening(port));
    return {
      port,
      aname: tree,
      stop: async () => ({ ending: await terminate(child, ended), work: path.join(tree, 'work') }),
    };
  }
  const image = path.join(work, 'ours.ext2');
  execFileSync(sbin('mke2fs'), ['-q', '-t', 'ext2', '-b', '4096', '-d', tree, image, imageSize]);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repo, 'fileserver', 'deferred-io-9p.ts'), 'serve', image, '--listen', '127.0.0.1:0'],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = logged(child, log);
  const ended = exited(child);
  const port = await started(child, ended, output, announcedPort(child));
  return {
    port,
    aname: '/',
    stop: async () => {
      const ending = await terminate(child, ended);
      const fsck = spawnSync(sbin('e2fsck'), ['-fn', image], { encoding: 'utf8' });
      let stored: string | Error;
      try {
        stored = dumpImage(sbin('debugfs'), image, path.join(work, 'dumped'));
      } catch (error) {
        stored = error as Error;
      }
      return { ending, fsck: { status: fsck.status ?? -1, output: `${fsck.stdout}${fsck.stderr}` }, work: stored };
    },
  };
}

/**
 * What `ready` resolves to once the server is up. If the server exits
 * first or `ready` fails, it is killed, and this rejects with what it said.
 */
async function started<T>(
  child: ChildProcess,
  ended: Promise<string>,
  output: () => string,
  ready: Promise<T>,
): Promise<T> {
  try {
    return await Promise.race([ready, ended.then((ending) => Promise.reject(new Error(`ended at start (${ending})`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${child.spawnfile}: ${(error as Error).message}; its output:\n${output()}`);
  }
}

/** A port nothing listens on now (diod needs one named; ours is given 0 and says which it took). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Resolves once a TCP connection to the port succeeds (tries for 30 s). */
async function listening(port: number): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after 30 s`);
}

/** The port in deferred-io-9p's "serving ... on HOST:PORT" line (which it logs within 120 s or is given up on). */
function announcedPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error('deferred-io-9p did not say where it listens within 120 s')),
      120_000,
    );
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const m = / on 127\.0\.0\.1:(\d+)\s*$/m.exec(text);
      if (m === null) return;
      child.stderr!.off('data', onData);
      clearTimeout(timer);
      resolve(Number(m[1]));
    };
    child.stderr!.on('data', onData);
  });
}

/** Copies the server's output to `log`; returns a function that gives what it has said so far. */
function logged(child: ChildProcess, log: fs.WriteStream): () => string {
  let text = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      log.write(chunk);
    });
  }
  return () => text;
}

/** How the server ended: "exit N" or "signal NAME". */
function exited(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(signal === null ? `exit ${code}` : `signal ${signal}`));
  });
}

/** SIGTERM, then SIGKILL if the server has not stopped within 60 s. */
async function terminate(child: ChildProcess, ended: Promise<string>): Promise<string> {
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const ending = await ended;
  clearTimeout(timer);
  return ending === 'signal SIGKILL' ? `${ending} (did not stop within 60 s of SIGTERM)` : ending;
}
