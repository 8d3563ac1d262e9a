/**
 * npm run bench:9p: diod's load generator against our server and against
 * diod itself, side by side on one machine in one run. Ours is the
 * deferred-io-9p CLI serving a real 1 GiB ext2 image (made by mke2fs, holding
 * the /ctl/zero and /ctl/null diodload reads and writes: its aname "ctl" is
 * the image's /ctl) through the engine; diod serves its own synthetic "ctl"
 * export; and, to tell the protocol's cost from the file system's, the
 * same server over the tests' in-memory FileSystem (memory-server.ts). Both
 * of ours run as plain JavaScript transpiled from the sources
 * (bench/compile.ts), as the CLI ships, each in a process of its own. After a warm-up, each load runs against the three
 * in turn, each round starting with another, and the table reports the
 * mean ops/s of each, the image's ratio to diod, and each server's CPU time
 * per operation. Then one client (ours, fileserver/9p/client.ts) writes a
 * new 5 MiB file to the image server and to diod (into a directory of its
 * own export) in 64 KiB Twrites, one in flight, as `cp` over a 9P mount
 * would: the median time, the image's ratio to diod, and each server's CPU
 * time per file. A benchmark, never a test: it passes or fails nothing.
 *
 * A run rewrites the table between the bench:9p markers of
 * fileserver/README.md.
 *
 * Usage: npm run bench:9p [-- --seconds S --threads N --rounds R] [--no-readme]
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { compileSuite } from '../../bench/compile.ts';
import { median } from '../../bench/harness.ts';
import { machine, machineLine } from '../../bench/report.ts';
import { numberOption, readCommandLine } from '../../cli/command-line.ts';
import { Client } from '../9p/client.ts';
import { refreshReadme } from './readme.ts';

const execFileAsync = promisify(execFile);

const values = readCommandLine(
  {
    name: 'npm run bench:9p --',
    help: `usage: npm run bench:9p -- [--seconds S] [--threads N] [--rounds R] [--no-readme]

diod's load generator (diodload) against deferred-io-9p serving a 1 GiB ext2
image, the same server over an in-memory file system, and diod, in turn;
then one client writing new 5 MiB files to the image server and to diod;
prints the table and writes it into fileserver/README.md. Needs diod and
e2fsprogs.

  --seconds S   each load's run, in whole seconds (default 5)
  --threads N   diodload's threads (default 4)
  --rounds R    rounds of the three servers (default 2)
  --no-readme   leave fileserver/README.md as it is
  -h, --help    this text
`,
    options: {
      seconds: { type: 'string' },
      threads: { type: 'string' },
      rounds: { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
    },
  },
  ({ values }) => ({
    ...values,
    // diodload takes whole seconds.
    seconds: numberOption('--seconds', values.seconds, 5, { min: 1, integer: true }),
    threads: numberOption('--threads', values.threads, 4, { min: 1, integer: true }),
    rounds: numberOption('--rounds', values.rounds, 2, { min: 1, integer: true }),
  }),
);
const { seconds, threads, rounds } = values;

const sbin = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
function tool(name: string): string {
  const found = sbin.map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
  if (found === undefined) throw new Error(`${name} not found: apt-get install -y diod e2fsprogs`);
  return found;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: status ${r.status}: ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function accepting(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing accepts connections on port ${port}`);
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/**
 * Starts a server that logs `... on 127.0.0.1:PORT` on stderr once it
 * listens; resolves with the process, the port, and what it has logged.
 */
async function serving(
  command: string,
  args: string[],
): Promise<{ child: ChildProcess; port: number; log: () => string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const m = / on 127\.0\.0\.1:(\d+)\n/.exec(log);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${path.basename(args[0])} exited (${code}): ${log}`)));
  });
  return { child, port, log: () => log };
}

/**
 * CPU seconds process `pid` has used (user + system, from /proc): with
 * ops/s this gives CPU time per operation, which depends much less on what
 * else the machine runs than ops/s does.
 */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** diodload's ops/s against a server on `port` (asynchronous: one of the servers runs in this process). */
async function diodload(port: number, getattr: boolean, runtime = seconds): Promise<number> {
  const args = ['-s', `127.0.0.1:${port}`, '-n', String(threads), '-r', String(runtime), ...(getattr ? ['-g'] : [])];
  const { stdout, stderr } = await execFileAsync(tool('diodload'), args, { timeout: (runtime + 60) * 1000 });
  const out = `${stdout}${stderr}`;
  const m = /(\d+) ops\/s/.exec(out);
  if (m === null) throw new Error(`diodload printed no ops/s: ${out}`);
  return Number(m[1]);
}

/** A server under load: where it listens, the aname that attaches a directory it lets us write, and the CPU seconds it has used so far. */
interface Target {
  readonly name: string;
  readonly port: number;
  readonly writable: string;
  cpu(): number;
}

/** The file one client writes whole: 5 MiB. */
const fileSize = 5 * 2 ** 20;
/** Files each server is written per round. */
const filesPerRound = 3;
const O_WRONLY = 1;
const O_CREAT = 0o100;
const O_EXCL = 0o200;

/**
 * Seconds for one client to create `name` in the directory aname
 * `writable` attaches, write `fileSize` bytes into it one msize's worth at
 * a time (64 KiB Twrites, one in flight), and clunk it.
 */
async function writeFile(target: Target, name: string): Promise<number> {
  const client = await Client.connect(target.port);
  try {
    const dir = await client.attach(target.writable, 'root', 0);
    const fid = await client.walk(dir, []);
    const data = Buffer.alloc(fileSize, 0x5a);
    const start = process.hrtime.bigint();
    await client.lcreate(fid, name, O_WRONLY | O_CREAT | O_EXCL, 0o644);
    await client.writeAll(fid, 0, data);
    await client.clunk(fid);
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-9p-'));
  const children: ChildProcess[] = [];
  try {
    const src = path.join(work, 'src');
    fs.mkdirSync(src);
    fs.mkdirSync(path.join(src, 'ctl'));
    fs.writeFileSync(path.join(src, 'ctl', 'zero'), Buffer.alloc(1 << 20));
    fs.writeFileSync(path.join(src, 'ctl', 'null'), '');
    const image = path.join(work, 'image.ext2');
    run(tool('mke2fs'), ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', src, image, '1G']);

    const out = path.join(work, 'js');
    compileSuite(out, ['impl', 'cli', 'fileserver', 'bench']);
    const load = os.loadavg()[0];
    const ours = await serving(process.execPath, [
      path.join(out, 'fileserver', 'deferred-io-9p.js'),
      'serve',
      image,
      '--listen',
      '127.0.0.1:0',
    ]);
    children.push(ours.child);
    const memory = await serving(process.execPath, [path.join(out, 'fileserver', 'bench', 'memory-server.js')]);
    children.push(memory.child);
    const diodPort = await freePort();
    // The ctl export for diodload, and a directory of its own for the client's writes.
    const diodFiles = path.join(work, 'diod-files');
    fs.mkdirSync(diodFiles);
    const diod = spawn(tool('diod'), ['-f', '-n', '-l', `127.0.0.1:${diodPort}`, '-e', 'ctl', '-e', diodFiles], {
      stdio: 'ignore',
    });
    children.push(diod);
    await accepting(diodPort);

    const targets: Target[] = [
      { name: 'image', port: ours.port, writable: '/', cpu: () => cpuSeconds(ours.child.pid!) },
      { name: 'in-memory', port: memory.port, writable: '/', cpu: () => cpuSeconds(memory.child.pid!) },
      { name: 'diod', port: diodPort, writable: diodFiles, cpu: () => cpuSeconds(diod.pid!) },
    ];
    const loads = [
      { name: `64 KiB read + write (diodload -n ${threads} -r ${seconds})`, getattr: false },
      { name: `getattr (diodload -n ${threads} -r ${seconds} -g)`, getattr: true },
    ];
    // Warm-up, not counted: JIT compilation, the image's first page faults, /ctl/null's first blocks.
    for (const t of targets) for (const l of loads) await diodload(t.port, l.getattr, 2);
    // The in-memory file system grows a file by copying it whole at each write past its end: it would measure that.
    const writers = [targets[0], targets[2]];
    // Two files each: the image server's allocation and fault paths reach optimized code (one is not enough).
    for (const t of writers) for (const name of ['warm-up-1', 'warm-up-2']) await writeFile(t, name);
    const ops = loads.map(() => targets.map(() => [] as number[]));
    const cpu = loads.map(() => targets.map(() => [] as number[]));
    for (let round = 0; round < rounds; round++) {
      for (const [i, l] of loads.entries()) {
        // Each round starts with a different server, so none always runs first.
        for (let k = 0; k < targets.length; k++) {
          const j = (k + round) % targets.length;
          const before = targets[j].cpu();
          const n = await diodload(targets[j].port, l.getattr);
          const usPerOp = ((targets[j].cpu() - before) / (n * seconds)) * 1e6;
          ops[i][j].push(n);
          cpu[i][j].push(usPerOp);
          process.stderr.write(
            `round ${round + 1}: ${l.name}: ${targets[j].name}: ${n} ops/s, ${usPerOp.toFixed(1)} us CPU/op\n`,
          );
        }
      }
    }

    // One client writing new files, each round starting with another server; CPU time in ticks of 10 ms, so per
    // file over a round's files.
    const writes = writers.map(() => [] as number[]);
    const writeCpu = writers.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < writers.length; k++) {
        const j = (k + round) % writers.length;
        const before = writers[j].cpu();
        for (let i = 0; i < filesPerRound; i++) writes[j].push(await writeFile(writers[j], `written-${round}-${i}`));
        writeCpu[j].push(((writers[j].cpu() - before) * 1e3) / filesPerRound);
        const last = writes[j].slice(-filesPerRound).map((x) => (x * 1e3).toFixed(1));
        process.stderr.write(`round ${round + 1}: write 5 MiB: ${writers[j].name}: ${last.join(', ')} ms\n`);
      }
    }

    for (const child of children) child.kill('SIGTERM');
    const [oursExit] = await Promise.all(children.map(stopped));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const lines = [
      `Machine: ${machineLine(machine(os.tmpdir(), load))}. ${rounds} rounds of ${seconds} s, ${threads} diodload threads; means; deferred-io-9p exit status ${oursExit}.`,
      "image: deferred-io-9p serving a 1 GiB ext2 image through the engine; in-memory: the same server over the tests' in-memory FileSystem; diod: diod's synthetic ctl export.",
      '',
      `| load | ${targets.map((t) => `${t.name} ops/s`).join(' | ')} | image / diod | ${targets.map((t) => `${t.name} CPU µs/op`).join(' | ')} |`,
      `| --- |${' ---: |'.repeat(2 * targets.length + 1)}`,
    ];
    for (const [i, l] of loads.entries()) {
      const o = ops[i].map(mean);
      const c = cpu[i].map(mean);
      lines.push(
        `| ${l.name} | ${o.map((x) => Math.round(x)).join(' | ')} | ${(o[0] / o[2]).toFixed(2)} | ${c.map((x) => x.toFixed(1)).join(' | ')} |`,
      );
    }
    const w = writes.map(median);
    const wc = writeCpu.map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
    lines.push(
      '',
      `| one client writes a new 5 MiB file (64 KiB Twrites, one in flight) | ${writers.map((t) => `${t.name} ms`).join(' | ')} | image / diod (time) | ${writers.map((t) => `${t.name} CPU ms/file`).join(' | ')} |`,
      `| --- |${' ---: |'.repeat(2 * writers.length + 1)}`,
      `| median of ${rounds * filesPerRound} files | ${w.map((x) => (x * 1e3).toFixed(1)).join(' | ')} | ${(w[0] / w[1]).toFixed(2)} | ${wc.map((x) => x.toFixed(1)).join(' | ')} |`,
    );
    const syncs = ours
      .log()
      .split('\n')
      .filter((line) => line.includes('sync ('));
    lines.push('', 'Syncs logged by deferred-io-9p:', '', '```', ...syncs, '```');
    const table = lines.join('\n');
    console.log(table);
    if (!values['no-readme']) refreshReadme('bench:9p', table);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
