/**
 * deferred-io-9p as users run it: its argument checks, and the program
 * itself (a child process through tsx) serving a mke2fs image: periodic and
 * shutdown syncs on SIGTERM and SIGINT with exit status 0, idle syncs
 * logged only with --verbose, read-only serving that leaves the image byte
 * for byte as it was, and images it must refuse. Then the package as npm
 * installs it, started the ways the README gives (the command itself, as
 * systemd runs it; a shell script that execs it; npx) and stopped by
 * SIGTERM to the process started: each time the shutdown sync is logged
 * and the port closes. The image afterwards is judged by e2fsck and
 * debugfs.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSuite } from '../bench/compile.ts';
import { Client } from './9p/client.ts';
import { main, parse, usage } from './cli.ts';
import { debugfsCat, e2fsprogs, fsck, mkfs } from './testing/e2fsprogs.ts';
import { entry, logOnly, start } from './testing/serving.ts';
import { journalPoints, killedAfter, recordSync } from './testing/sync-crashes.ts';
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
      exports: null,
      permChecks: true,
      verbose: false,
    });
    const all = ['serve', '--read-only', 'x', '--listen', '[::1]:0', '--sync', '0.5', '--memory', '64M', '--verbose'];
    expect(parse(all)).toEqual({
      image: 'x',
      host: '::1',
      port: 0,
      sync: 0.5,
      readOnly: true,
      memory: 64 * 2 ** 20,
      exports: null,
      permChecks: true,
      verbose: true,
    });
    const identity = ['serve', 'x', '--listen', 'h:1', '--export', '/home', '--no-perm-checks', '--export', '/srv/'];
    expect(parse(identity)).toMatchObject({ exports: ['/home', '/srv/'], permChecks: false });
    expect(parse(['--help'])).toBe('help');
    expect(parse(['serve', '-h'])).toBe('help');
    expect(parse(['--version'])).toBe('version');
  });

  it("prints help and the package's version, and refuses nonsense with status 2 and one line", async () => {
    const help = await runMain(['--help']);
    expect(help).toEqual({ status: 0, stdout: usage, stderr: '' });
    const manifest = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(await runMain(['--version'])).toEqual({
      status: 0,
      stdout: `deferred-io-9p ${manifest.version}\n`,
      stderr: '',
    });
    const cases: [string[], RegExp][] = [
      [[], /no command/],
      [['mount', 'x'], /unknown command "mount"/],
      [['serve'], /needs the IMAGE/],
      [['serve', '', '--listen', 'h:1'], /needs the IMAGE/],
      [['serve', 'a', 'b', '--listen', '1:1'], /unexpected argument "b"/],
      [['serve', 'a'], /needs --listen/],
      [['serve', 'a', '--listen', 'localhost'], /expected HOST:PORT/],
      [['serve', 'a', '--listen', 'h:70000'], /over 65535/],
      [['serve', 'a', '--listen', 'h:1', '--sync', '-1'], /'--sync' argument is ambiguous/],
      [['serve', 'a', '--listen', 'h:1', '--sync=-1'], /--sync "-1"/],
      [['serve', 'a', '--listen', 'h:1', '--sync', 'often'], /--sync "often"/],
      [['serve', 'a', '--listen', 'h:1', '--memory', '0'], /--memory "0"/],
      [['serve', 'a', '--listen', 'h:1', '--memory', '10'], /--memory "10": expected bytes from 4096/],
      [['serve', 'a', '--listen', 'h:1', '--memory', '1T'], /--memory "1T"/],
      [['serve', 'a', '--listen', 'h:1', '--bogus'], /Unknown option '--bogus'/],
      [['-x'], /Unknown option '-x'/],
      [['serve', 'a', '--listen'], /'--listen <value>' argument missing/],
      [['serve', 'a', '--listen', 'h:1', '--read-only=yes'], /'--read-only' does not take an argument/],
      [['serve', 'a', '--listen', 'h:1', '--export', 'home'], /--export "home": expected an absolute path/],
      [['serve', 'a', '--listen', 'h:1', '--export', '/home/../etc'], /--export "\/home\/..\/etc"/],
      [['serve', 'a', '--listen', 'h:1', '--export'], /'--export <value>' argument missing/],
    ];
    for (const [argv, message] of cases) {
      const r = await runMain(argv);
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr, argv.join(' ')).toMatch(message);
      expect(r.stderr, argv.join(' ')).toMatch(/^deferred-io-9p: [^\n]+ \(see deferred-io-9p --help\)\n$/);
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
      // The lock it took is released on this way out too.
      expect(fs.readdirSync(dir)).toEqual(['junk']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('suggests --read-only for an image it may read but not write', async () => {
    // A file no process may open for writing, root included (an image in a
    // file of mode 0444 would do, for anyone but root).
    const unwritable = '/sys/kernel/uevent_seqnum';
    const r = await runMain(['serve', unwritable, '--listen', '127.0.0.1:0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^deferred-io-9p: cannot open \S+: .*; to serve it without writing to it, add --read-only\n$/,
    );
    // With --read-only the permission is no obstacle: it is refused for what it is, a file of
    // sysfs, whose size does not describe its content (the engine's ENODEV).
    const ro = await runMain(['serve', unwritable, '--listen', '127.0.0.1:0', '--read-only']);
    expect(ro.status).toBe(1);
    expect(ro.stderr).toMatch(/^deferred-io-9p: cannot open \S+: .*sysfs[^\n]*\n$/);
  });
});

/** A fresh 32 MiB image with 4 KiB blocks, `name` in `dir`. */
function image(dir: string, name: string): string {
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

describeWithTools('e2fsprogs', e2fsprogs, 'deferred-io-9p serving an image', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), '9p-cli-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('syncs every --sync seconds and at SIGTERM, then exits 0 with the image clean', { timeout: 60_000 }, async () => {
    const file = image(dir, 'periodic');
    const s = await start(['serve', file, '--listen', '127.0.0.1:0', '--sync', '0.2', '--memory', '1M']);
    expect(s.log()).toMatch(/memory 1048576 bytes\) read-write, atomic sync every 0\.2 s/);
    const content = Buffer.alloc(300_000, 'p');
    await put(s.port, 'periodic', content);
    // A timer sync that wrote something: the data is in the image while the server still runs.
    await s.waitFor(
      /sync \(timer\): [1-9]\d* bytes written in [1-9]\d* runs, journaled first \([1-9]\d* bytes\), \d+ skipped/,
    );
    expect(Buffer.compare(debugfsCat(file, '/periodic'), content)).toBe(0);
    // The timer goes on, finding nothing to write: not logged without --verbose.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(s.log()).not.toMatch(/sync \(timer\): 0 bytes written/);
    await put(s.port, 'late', Buffer.from('after the last timer sync, maybe'));
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
    expect(s.log()).toMatch(
      /SIGTERM: stopping\n.*sync \(shutdown\): \d+ bytes written(?: in \d+ runs, journaled first \(\d+ bytes\))?, \d+ skipped/,
    );
    const check = fsck(file);
    expect(check.status, check.output).toBe(0);
    expect(debugfsCat(file, '/late').toString()).toBe('after the last timer sync, maybe');
  });

  it('discards at start the journal of a sync killed before its commit, logging it; refuses --read-only until then', {
    timeout: 60_000,
  }, async () => {
    const work = fs.mkdtempSync(path.join(dir, 'killed-'));
    const sync = await recordSync({ dir: work, blockSize: 4096, changesBefore: 2, changes: 3, seed: 1904 });
    const file = killedAfter(sync, journalPoints(sync.log).uncommitted, fs.mkdtempSync(path.join(work, 'before-')));
    const journal = `${file}.dio-journal`;
    expect(fs.existsSync(journal)).toBe(true);
    const ro = await runMain(['serve', file, '--listen', '127.0.0.1:0', '--read-only']);
    expect(ro.status).toBe(1);
    expect(ro.stderr).toMatch(
      /^deferred-io-9p: cannot open \S+: .*; serve it once without --read-only to recover it\n$/,
    );
    const s = await start(['serve', file, '--listen', '127.0.0.1:0', '--sync', '0']);
    expect(s.log()).toMatch(
      /^deferred-io-9p: recovery: discarded the journal of a sync a crash interrupted before its commit \(.+\): the image is the last completed sync's\ndeferred-io-9p: serving /,
    );
    expect(fs.existsSync(journal)).toBe(false);
    expect(fs.readFileSync(file).equals(sync.previous.image)).toBe(true);
    s.child.kill('SIGTERM');
    expect(await s.exit, s.log()).toBe(0);
    const check = fsck(file);
    expect(check.status, check.output).toBe(0);
  });

  it("refuses at start a committed journal that is not the image's, writing nothing", { timeout: 60_000 }, async () => {
    // The recorded sync's journal names the recording backend's file, not this one: never replayed here.
    const work = fs.mkdtempSync(path.join(dir, 'foreign-'));
    const sync = await recordSync({ dir: work, blockSize: 4096, changesBefore: 2, changes: 3, seed: 1905 });
    const file = killedAfter(sync, journalPoints(sync.log).committed, fs.mkdtempSync(path.join(work, 'after-')));
    const image = fs.readFileSync(file);
    const ran = await runMain(['serve', file, '--listen', '127.0.0.1:0']);
    expect(ran.status).toBe(1);
    expect(ran.stderr).toMatch(/^deferred-io-9p: cannot open \S+: .*cannot be trusted: it is for another file .*\n$/);
    expect(fs.existsSync(`${file}.dio-journal`)).toBe(true);
    expect(fs.readFileSync(file).equals(image)).toBe(true);
  });

  it('on SIGINT writes back what it holds and exits 0, with --sync 0 that being the only sync', {
    timeout: 60_000,
  }, async () => {
    const file = image(dir, 'interrupt');
    const s = await start(['serve', file, '--listen', '127.0.0.1:0', '--sync', '0']);
    await put(s.port, 'f', Buffer.from('kept'));
    expect(() => debugfsCat(file, '/f')).toThrow();
    s.child.kill('SIGINT');
    expect(await s.exit).toBe(0);
    expect(s.log().match(/sync \(/g)).toHaveLength(1);
    expect(fsck(file).status).toBe(0);
    expect(debugfsCat(file, '/f').toString()).toBe('kept');
  });

  it('attaches only what --export names, refuses at start an export the image lacks', { timeout: 60_000 }, async () => {
    const src = path.join(dir, 'exported-tree');
    fs.mkdirSync(path.join(src, 'pub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'file'), 'not a directory');
    const file = path.join(dir, 'exported');
    mkfs(file, { blockSize: 4096, size: 32 * 2 ** 20, source: src });
    const missing = await runMain(['serve', file, '--listen', '127.0.0.1:0', '--export', '/pub', '--export', '/gone']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot serve .*: ENOENT: --export \/gone: /);
    const notDir = await runMain(['serve', file, '--listen', '127.0.0.1:0', '--export', '/file']);
    expect(notDir.stderr).toMatch(/cannot serve .*: ENOTDIR: --export \/file is not a directory/);
    const s = await start(['serve', file, '--listen', '127.0.0.1:0', '--export', '/pub', '--no-perm-checks']);
    expect(s.log()).toMatch(
      /^deferred-io-9p: exports \/pub: any other aname is refused\ndeferred-io-9p: no permission checks: the clients are trusted to have made them\n/,
    );
    const c = await Client.connect(s.port);
    try {
      await expect(c.attach('/')).rejects.toMatchObject({ code: 'EPERM' });
      // /pub is the client's whole tree: its '..' is itself.
      const pub = await c.attach('/pub');
      expect((await c.getattr(await c.walk(pub, ['..']))).qid).toEqual((await c.getattr(pub)).qid);
    } finally {
      await c.close();
    }
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('with --verbose logs the syncs that find nothing to write too', { timeout: 60_000 }, async () => {
    const s = await start(['serve', image(dir, 'verbose'), '--listen', '127.0.0.1:0', '--sync', '0.1', '--verbose']);
    await s.waitFor(/sync \(timer\): 0 bytes written, \d+ skipped/);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('with --read-only refuses changes and leaves the image byte for byte as it was', { timeout: 60_000 }, async () => {
    const file = image(dir, 'read-only');
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

describeWithTools('e2fsprogs', e2fsprogs, 'deferred-io-9p installed, run the ways the README gives', () => {
  let dir: string;
  let bin: string;
  /** The environment of a supervisor: none of the variables npm sets for the commands it runs. */
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
  const options: SpawnOptions = { ...logOnly, env };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), '9p-cli-installed-'));
    // The package as npm installs it in a project: compiled, with its
    // package.json, the command linked into node_modules/.bin.
    const pkg = path.join(dir, 'node_modules', 'deferred-io');
    compileSuite(pkg, ['impl', 'cli', 'fileserver']);
    const {
      name,
      version,
      bin: bins,
    } = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    const command = (bins['deferred-io-9p'] as string).replace(/^dist\//, '');
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name, version, type: 'module', bin: bins }));
    fs.chmodSync(path.join(pkg, command), 0o755);
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'));
    bin = path.join(dir, 'node_modules', '.bin', 'deferred-io-9p');
    fs.symlinkSync(path.join('..', 'deferred-io', command), bin);
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    fs.writeFileSync(path.join(dir, 'serve.sh'), `#!/bin/sh\nexec ${bin} serve "$@"\n`, { mode: 0o755 });
  }, 120_000);
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints its version', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'package.json'), 'utf8'));
    expect(execFileSync(bin, ['--version'], { env }).toString()).toBe(`deferred-io-9p ${version}\n`);
  });

  const ways: [string, (image: string) => ChildProcess, RegExp][] = [
    [
      'the command itself, as systemd runs ExecStart=',
      (image) => spawn(bin, ['serve', image, '--listen', '127.0.0.1:0'], options),
      /SIGTERM: stopping/,
    ],
    [
      'a shell script that execs it',
      (image) => spawn(path.join(dir, 'serve.sh'), [image, '--listen', '127.0.0.1:0'], options),
      /SIGTERM: stopping/,
    ],
    [
      // npm passes SIGTERM to the shell it ran the command in, which dies and leaves the server running.
      'npx, which does not pass SIGTERM on',
      (image) =>
        spawn('npx', ['deferred-io-9p', 'serve', image, '--listen', '127.0.0.1:0'], {
          ...logOnly,
          cwd: dir,
          env: { ...env, npm_config_update_notifier: 'false' },
        }),
      /the npm run that started this server is over \(process \d+ is gone\): stopping/,
    ],
    [
      // tsx's wrapper process, between npm's shell and the server, is left running too.
      'npx tsx in a clone',
      (image) =>
        spawn('npx', ['tsx', entry, 'serve', image, '--listen', '127.0.0.1:0'], {
          ...logOnly,
          cwd: path.join(import.meta.dirname, '..'),
          env: { ...env, npm_config_update_notifier: 'false' },
        }),
      /the npm run that started this server is over \(process \d+ is gone\): stopping/,
    ],
  ];
  it.each(ways)(
    'started by %s, stops on SIGTERM to it: syncs, closes its port, exits',
    {
      timeout: 60_000,
    },
    async (_, launch, stopping) => {
      const file = image(dir, 'image');
      const s = await start([file], ([image]) => launch(image));
      await put(s.port, 'f', Buffer.from('synced at shutdown'));
      s.child.kill('SIGTERM');
      await s.closed;
      expect(s.log()).toMatch(new RegExp(`${stopping.source}\n.*sync \\(shutdown\\): [1-9]\\d* bytes written`));
      await expect(Client.connect(s.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      expect(fsck(file).status).toBe(0);
      expect(debugfsCat(file, '/f').toString()).toBe('synced at shutdown');
      fs.rmSync(file);
    },
  );
});
