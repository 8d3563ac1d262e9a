/**
 * deferred-io-9p as users run it: its argument checks, and the program
 * itself (a child process through tsx) serving a mke2fs image: periodic and
 * shutdown syncs on SIGTERM and SIGINT with exit status 0, read-only
 * serving that leaves the image byte for byte as it was, and images it
 * must refuse. The image afterwards is judged by e2fsck and debugfs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './9p/client.ts';
import { main, parse, usage } from './cli.ts';
import { debugfsCat, e2fsprogs, fsck, mkfs } from './testing/e2fsprogs.ts';
import { describeWithTools } from './testing/tools.ts';

const O_RDWR = 2;

/** main() with its output captured. */
async function runMain(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await main(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { status, stdout, stderr };
}

describe('deferred-io-9p arguments', () => {
  it('reads a serve command line', () => {
    expect(parse(['serve', 'disk.img', '--listen', '127.0.0.1:5640'])).toEqual({
      image: 'disk.img',
      host: '127.0.0.1',
      port: 5640,
      sync: 30,
      readOnly: false,
      memory: undefined,
    });
    expect(parse(['serve', '--read-only', 'x', '--listen', '[::1]:0', '--sync', '0.5', '--memory', '64M'])).toEqual({
      image: 'x',
      host: '::1',
      port: 0,
      sync: 0.5,
      readOnly: true,
      memory: 64 * 2 ** 20,
    });
    expect(parse(['--help'])).toBe('help');
    expect(parse(['serve', '-h'])).toBe('help');
  });

  it('prints help, and refuses nonsense with status 2 and a message', async () => {
    const help = await runMain(['--help']);
    expect(help).toEqual({ status: 0, stdout: usage, stderr: '' });
    const cases: [string[], RegExp][] = [
      [[], /no command/],
      [['mount', 'x'], /unknown command "mount"/],
      [['serve'], /needs the IMAGE/],
      [['serve', 'a', 'b', '--listen', '1:1'], /unexpected argument "b"/],
      [['serve', 'a'], /needs --listen/],
      [['serve', 'a', '--listen', 'localhost'], /expected HOST:PORT/],
      [['serve', 'a', '--listen', 'h:70000'], /over 65535/],
      [['serve', 'a', '--listen', 'h:1', '--sync', '-1'], /'--sync'/],
      [['serve', 'a', '--listen', 'h:1', '--sync', 'often'], /--sync "often"/],
      [['serve', 'a', '--listen', 'h:1', '--memory', '0'], /--memory "0"/],
      [['serve', 'a', '--listen', 'h:1', '--memory', '1T'], /--memory "1T"/],
      [['serve', 'a', '--listen', 'h:1', '--bogus'], /Unknown option '--bogus'/],
      [['serve', 'a', '--listen'], /--listen/],
    ];
    for (const [argv, message] of cases) {
      const r = await runMain(argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
      expect(r.stderr).toMatch(/Try 'deferred-io-9p --help'/);
    }
  });

  it('refuses with status 1 an image it cannot open or that is not ext2', async () => {
    const missing = await runMain(['serve', path.join(os.tmpdir(), 'no-such-image-9p'), '--listen', '127.0.0.1:0']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot open .*ENOENT/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), '9p-cli-'));
    try {
      const junk = path.join(dir, 'junk');
      fs.writeFileSync(junk, Buffer.alloc(1 << 20, 0x55));
      const r = await runMain(['serve', junk, '--listen', '127.0.0.1:0']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/cannot serve .*junk/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The program serving; its log so far; its port once it listens. */
interface Running {
  readonly child: ChildProcess;
  readonly port: number;
  log(): string;
  /** Resolves when a log line matches. */
  waitFor(line: RegExp): Promise<void>;
  exit: Promise<number | null>;
}

const entry = path.join(import.meta.dirname, 'deferred-io-9p.ts');

async function start(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  return { child, port, log: () => log, waitFor, exit };
}

describeWithTools('e2fsprogs', e2fsprogs, 'deferred-io-9p serving an image', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), '9p-cli-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function image(name: string): string {
    const file = path.join(dir, name);
    mkfs(file, { blockSize: 4096, size: 32 * 2 ** 20 });
    return file;
  }

  /** Creates /name holding `content` through 9P. */
  async function put(port: number, name: string, content: Buffer): Promise<void> {
    const c = await Client.connect(port);
    try {
      const fid = await c.walk(await c.attach(), []);
      await c.lcreate(fid, name, O_RDWR, 0o644);
      await c.writeAll(fid, 0, content);
    } finally {
      await c.close();
    }
  }

  it('syncs every --sync seconds and at SIGTERM, then exits 0 with the image clean', { timeout: 60_000 }, async () => {
    const file = image('periodic');
    const s = await start(['serve', file, '--listen', '127.0.0.1:0', '--sync', '0.2', '--memory', '1M']);
    expect(s.log()).toMatch(/memory 1048576 bytes\) read-write, sync every 0\.2 s/);
    const content = Buffer.alloc(300_000, 'p');
    await put(s.port, 'periodic', content);
    // A timer sync that wrote something: the data is in the image while the server still runs.
    await s.waitFor(/sync \(timer\): [1-9]\d* bytes written/);
    expect(Buffer.compare(debugfsCat(file, '/periodic'), content)).toBe(0);
    await put(s.port, 'late', Buffer.from('after the last timer sync, maybe'));
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.log()).toMatch(/SIGTERM: stopping\n.*sync \(shutdown\): \d+ bytes written, \d+ skipped/);
    const check = fsck(file);
    expect(check.status, check.output).toBe(0);
    expect(debugfsCat(file, '/late').toString()).toBe('after the last timer sync, maybe');
  });

  it('on SIGINT writes back what it holds and exits 0, with --sync 0 that being the only sync', {
    timeout: 60_000,
  }, async () => {
    const file = image('interrupt');
    const s = await start(['serve', file, '--listen', '127.0.0.1:0', '--sync', '0']);
    await put(s.port, 'f', Buffer.from('kept'));
    expect(() => debugfsCat(file, '/f')).toThrow();
    s.child.kill('SIGINT');
    expect(await s.exit).toBe(0);
    expect(s.log().match(/sync \(/g)).toHaveLength(1);
    expect(fsck(file).status).toBe(0);
    expect(debugfsCat(file, '/f').toString()).toBe('kept');
  });

  it('with --read-only refuses changes and leaves the image byte for byte as it was', { timeout: 60_000 }, async () => {
    const file = image('read-only');
    const hash = (): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const before = hash();
    const s = await start(['serve', file, '--listen', '127.0.0.1:0', '--read-only']);
    expect(s.log()).toMatch(/ read-only on /);
    await expect(put(s.port, 'f', Buffer.from('x'))).rejects.toMatchObject({ code: 'EROFS' });
    const c = await Client.connect(s.port);
    const d = await c.walk(await c.attach(), []);
    await c.lopen(d, 0);
    expect((await c.readdirAll(d)).map((e) => e.name).sort()).toEqual(['.', '..', 'lost+found']);
    await c.close();
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.log()).not.toMatch(/sync \(/);
    expect(hash()).toBe(before);
  });
});
