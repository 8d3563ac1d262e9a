/**
 * npm run bench:9p: diod's load generator against our server and against
 * diod itself, side by side on one machine in one run. Ours is the
 * deferred-io-9p CLI serving a real 1 GiB ext2 image (made by mke2fs, holding
 * the /zero and /null diodload reads and writes) through the engine; diod
 * serves its own synthetic "ctl" export. After a warm-up, each load runs
 * against both servers in turn, twice, in alternating order, and the table
 * reports the mean ops/s of each, their ratio, and each server's CPU time
 * per operation. A benchmark, never a test: it passes or
 * fails nothing.
 *
 * Usage: npm run bench:9p [-- --seconds S --threads N --rounds R]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, threads: { type: 'string', default: '4' }, rounds: { type: 'string', default: '2' } },
});
const seconds = Number(values.seconds);
const threads = Number(values.threads);
const rounds = Number(values.rounds);

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
 * CPU seconds process `pid` has used (user + system, from /proc): with
 * ops/s this gives CPU time per operation, which depends much less on what
 * else the machine runs than ops/s does.
 */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** diodload's ops/s against a server on `port`. */
function diodload(port: number, getattr: boolean, runtime = seconds): number {
  const args = ['-s', `127.0.0.1:${port}`, '-n', String(threads), '-r', String(runtime), ...(getattr ? ['-g'] : [])];
  const out = run(tool('diodload'), args);
  const m = /(\d+) ops\/s/.exec(out);
  if (m === null) throw new Error(`diodload printed no ops/s: ${out}`);
  return Number(m[1]);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-9p-'));
  const children: ChildProcess[] = [];
  try {
    const src = path.join(work, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'zero'), Buffer.alloc(1 << 20));
    fs.writeFileSync(path.join(src, 'null'), '');
    const image = path.join(work, 'image.ext2');
    run(tool('mke2fs'), ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', src, image, '1G']);

    const load = os.loadavg();
    const ours = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'deferred-io-9p.ts'), 'serve', image, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    children.push(ours);
    let log = '';
    const oursPort = await new Promise<number>((resolve, reject) => {
      ours.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const m = / on 127\.0\.0\.1:(\d+)\n/.exec(log);
        if (m !== null) resolve(Number(m[1]));
      });
      ours.once('exit', (code) => reject(new Error(`deferred-io-9p exited (${code}): ${log}`)));
    });
    const diodPort = await freePort();
    const diod = spawn(tool('diod'), ['-f', '-n', '-l', `127.0.0.1:${diodPort}`, '-e', 'ctl'], { stdio: 'ignore' });
    children.push(diod);
    await accepting(diodPort);

    const loads = [
      { name: `64 KiB read + write (diodload -n ${threads} -r ${seconds})`, getattr: false },
      { name: `getattr (diodload -n ${threads} -r ${seconds} -g)`, getattr: true },
    ];
    // Warm-up, not counted: JIT compilation, the image's first page faults, /null's first blocks.
    for (const port of [oursPort, diodPort]) for (const l of loads) diodload(port, l.getattr, 2);
    const results = loads.map(() => ({ ours: [] as number[], diod: [] as number[], oursCpu: [] as number[], diodCpu: [] as number[] }));
    for (let round = 0; round < rounds; round++) {
      loads.forEach((l, i) => {
        const order = round % 2 === 0 ? (['ours', 'diod'] as const) : (['diod', 'ours'] as const);
        for (const who of order) {
          const pid = (who === 'ours' ? ours : diod).pid!;
          const before = cpuSeconds(pid);
          const ops = diodload(who === 'ours' ? oursPort : diodPort, l.getattr);
          const usPerOp = ((cpuSeconds(pid) - before) / (ops * seconds)) * 1e6;
          results[i][who].push(ops);
          results[i][who === 'ours' ? 'oursCpu' : 'diodCpu'].push(usPerOp);
          process.stderr.write(`round ${round + 1}: ${l.name}: ${who === 'ours' ? 'deferred-io-9p' : 'diod'} ${ops} ops/s, ${usPerOp.toFixed(1)} us CPU/op\n`);
        }
      });
    }
    const loadAfter = os.loadavg();

    ours.kill('SIGTERM');
    diod.kill('SIGTERM');
    const [oursExit] = await Promise.all([stopped(ours), stopped(diod)]);
    const mean = (xs: number[]): number => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
    const cpus = os.cpus();
    console.log(`machine: ${cpus[0]?.model ?? 'unknown CPU'} x ${cpus.length}, Linux ${os.release()}, Node ${process.version}`);
    console.log(`load average (1/5/15 min) before: ${load.map((x) => x.toFixed(2)).join(' ')}, after: ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`image: 1 GiB ext2, 4 KiB blocks; deferred-io-9p exit status ${oursExit}; ${rounds} rounds, mean ops/s\n`);
    console.log('| load | deferred-io-9p ops/s | diod ops/s | ratio | deferred-io-9p CPU µs/op | diod CPU µs/op |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    loads.forEach((l, i) => {
      const o = mean(results[i].ours);
      const d = mean(results[i].diod);
      const oc = results[i].oursCpu.reduce((a, b) => a + b, 0) / rounds;
      const dc = results[i].diodCpu.reduce((a, b) => a + b, 0) / rounds;
      console.log(`| ${l.name} | ${o} | ${d} | ${(o / d).toFixed(2)} | ${oc.toFixed(1)} | ${dc.toFixed(1)} |`);
    });
    console.log(`\nsyncs logged by deferred-io-9p:\n${log.split('\n').filter((line) => line.includes('sync (')).join('\n')}`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
