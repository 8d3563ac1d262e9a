/**
 * A Linux guest mounts a 9P server on this host with the kernel's own
 * client and runs workload.sh on it; this prints what each step did.
 * See README.md beside this file.
 *
 * Exit 0: every step passed, the server stopped cleanly on SIGTERM and (for
 * ours) e2fsck found the image clean. Exit 1: anything else. Exit 2: a
 * command line that makes no sense.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { exercises, pattern } from './exercises.ts';
import { initramfs, installedKernel } from './initramfs.ts';
import { checkLeft, type Expected, md5 } from './left.ts';
import { bootGuest, type GuestEnd } from './qemu.ts';
import { parseReport, table } from './results.ts';
import { type ServerKind, startServer } from './servers.ts';
import { inputArchive } from './tree.ts';

/** Seconds one step may take in the guest before it is killed. */
const stepTimeout = 600;

const usage = `Usage: npx tsx fileserver/guest/run.ts --server ours|diod [--cache none|loose] [--entries N] [--mb N] [--ops N] [--timeout SECONDS] [--keep]

Boots a Linux guest under QEMU that mounts the server (on 127.0.0.1, a free
port) with version=9p2000.L over TCP, runs fileserver/guest/workload.sh on
it, powers off; prints one row per step, whether the files the workload
left are in what the server stored and, for ours, e2fsck's verdict.

  --server ours|diod  deferred-io-9p on an ext2 image, or diod on a directory
  --cache MODE        the client's cache= mount option: none (default) or loose
  --entries N         files in the big directory (default 10000)
  --mb N              size of dd's file in MiB, written and read back (default 50)
  --ops N             operations of fsx and of each fsstress process (default 1000)
  --timeout SECONDS   the whole guest run, boot included (default 1800);
                      a single step is killed after ${stepTimeout} s
  --keep              keep the work directory (image or export, console and
                      server logs) and print where it is
  --help              this text`;

class UsageError extends Error {}

const options = {
  server: { type: 'string' },
  cache: { type: 'string' },
  entries: { type: 'string' },
  mb: { type: 'string' },
  ops: { type: 'string' },
  timeout: { type: 'string' },
  keep: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`--${name} ${JSON.stringify(text)}: expected a positive integer`);
  return Number(text);
}

/** The run's settings, or null for --help. */
function parse(argv: string[]) {
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return null;
  if (values.server !== 'ours' && values.server !== 'diod') throw new UsageError('--server must be ours or diod');
  const cache = values.cache ?? 'none';
  if (cache !== 'none' && cache !== 'loose') throw new UsageError('--cache must be none or loose');
  return {
    server: values.server as ServerKind,
    cache,
    entries: positive('entries', values.entries, 10_000),
    mb: positive('mb', values.mb, 50),
    ops: positive('ops', values.ops, 1000),
    timeout: positive('timeout', values.timeout, 1800),
    keep: values.keep === true,
  };
}

/**
 * The files the workload leaves under /work: untar's tree (first names), dd-write's zeros, fsx's file and
 * fsstress's files, nothing else in fsstress's directory.
 */
function leftBehind(tree: Expected['files'], generated: ReturnType<typeof exercises>['left'], mb: number): Expected {
  const files: Expected['files'] = new Map();
  for (const [name, file] of tree) files.set(`untar/${name}`, file);
  const zeros = Buffer.alloc(mb << 20);
  files.set('dd-write/big', { md5: md5(zeros), size: zeros.length });
  for (const [step, left] of Object.entries(generated)) {
    for (const [name, data] of left) files.set(`${step}/${name}`, { md5: md5(data), size: data.length });
  }
  return { files, exact: ['fsstress'] };
}

async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`run.ts: ${error.message} (--help for usage)\n`);
    return 2;
  }
  if (args === null) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const kernel = installedKernel();
  const base = initramfs(kernel);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `guest-${args.server}-`));
  // The client's first attach is as "nobody", who must be able to reach diod's export inside this directory.
  fs.chmodSync(work, 0o755);
  try {
    // The kernel unpacks the two archives one after the other: the cached
    // system, then this run's /input.
    const initrd = path.join(work, 'initrd.cpio');
    const generated = exercises(args.ops);
    const input = inputArchive(work, [
      { kind: 'file', path: 'input/fsx.pat', data: pattern() },
      ...Object.entries(generated.scripts).map(([name, text]) => ({
        kind: 'file' as const,
        path: `input/${name}`,
        data: Buffer.from(text),
      })),
    ]);
    fs.writeFileSync(initrd, Buffer.concat([fs.readFileSync(base), fs.readFileSync(input.archive)]));
    const expected = leftBehind(input.files, generated.left, args.mb);
    const serverLog = fs.createWriteStream(path.join(work, 'server.log'));
    const served = await startServer(args.server, work, serverLog);
    process.stderr.write(
      `${args.server} on 127.0.0.1:${served.port}; booting ${kernel.version} (cache=${args.cache})\n`,
    );
    // The server is stopped whatever became of the guest, and only then is the image checked.
    let guest: GuestEnd | Error;
    try {
      guest = await bootGuest({
        kernel: kernel.image,
        initrd,
        append: [
          `guest.port=${served.port}`,
          `guest.aname=${served.aname}`,
          `guest.cache=${args.cache}`,
          `guest.entries=${args.entries}`,
          `guest.mb=${args.mb}`,
          `guest.timeout=${stepTimeout}`,
        ],
        timeout: args.timeout,
        log: fs.createWriteStream(path.join(work, 'console.log')),
        onLine: (line) => {
          const at = line.indexOf('@@ step=');
          if (at >= 0) process.stderr.write(`  ${line.slice(at + 3)}\n`);
        },
      });
    } catch (error) {
      guest = error as Error;
    }
    const end = await served.stop();
    serverLog.end();
    if (guest instanceof Error) throw guest;
    const report = parseReport(guest.console);

    const out: string[] = [
      `server ${args.server}, cache=${args.cache}, ${args.entries} entries, dd ${args.mb} MiB, kernel ${kernel.version}`,
      `mount: ${report.mount ?? '(not mounted)'}`,
      '',
      table(report.steps),
      '',
      `guest: ${guest.ending} after ${guest.seconds.toFixed(1)} s${report.ended ? '' : ' (the workload did not finish)'}`,
    ];
    if (!report.ended) {
      // What the kernel or init said last is the likeliest clue.
      const said = guest.console.split('\n').filter((line) => line.trim() !== '' && !line.includes('@@ '));
      out.push('  console, last lines:', ...said.slice(-20).map((line) => `    ${line}`));
    }
    out.push(`server: ${end.ending} on SIGTERM`);
    const problems = end.work instanceof Error ? [end.work.message] : checkLeft(end.work, expected);
    out.push(
      problems.length === 0
        ? `files left: ${expected.files.size} as expected (${args.server === 'ours' ? 'debugfs rdump of the image' : 'the export'})`
        : `files left: ${problems.length} wrong`,
      ...problems.slice(0, 20).map((line) => `  ${line}`),
    );
    if (end.fsck !== undefined) {
      const verdict = end.fsck.status === 0 ? 'clean' : `NOT clean (exit ${end.fsck.status})`;
      out.push(`e2fsck -fn: ${verdict}`);
      if (end.fsck.status !== 0)
        out.push(
          ...end.fsck.output
            .trimEnd()
            .split('\n')
            .slice(0, 30)
            .map((l) => `  ${l}`),
        );
    }
    if (args.keep) out.push(`kept: ${work}`);
    process.stdout.write(`${out.join('\n')}\n`);
    const passed =
      report.ended &&
      report.steps.every((step) => step.status === 'ok') &&
      end.ending === 'exit 0' &&
      problems.length === 0 &&
      (end.fsck === undefined || end.fsck.status === 0);
    return passed ? 0 : 1;
  } finally {
    if (!args.keep) fs.rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));
