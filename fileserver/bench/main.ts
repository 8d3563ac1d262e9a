/**
 * The file server benchmark: the same ext2 code over the three stores
 * (the engine's segment, a shared mmap, a pread/pwrite block cache) on a
 * 1 GiB image, in one run. Each store runs in a child process of its own,
 * on a fresh sparse copy of the image, in rounds that rotate which store
 * goes first; the table gives medians and the ratios that matter. The code
 * runs as plain JavaScript transpiled from the sources (bench/compile.ts),
 * as the engine ships. Never part of npm test; a missed target is reported,
 * not failed.
 *
 *   npm run bench:fileserver [-- --rounds 3] [--dir DIR] [--cpu-prof DIR] [--no-readme]
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileSuite, root } from '../../bench/compile.ts';
import { bytesText, median } from '../../bench/harness.ts';
import { loadMmap } from '../../bench/mmap/index.ts';
import { machine, machineLine } from '../../bench/report.ts';
import { numberOption, readCommandLine } from '../../cli/command-line.ts';
import { layout, pattern } from './layout.ts';
import { linesOfCode } from './lines.ts';
import type { Measurement } from './measure.ts';
import { refreshReadme } from './readme.ts';

const MiB = 2 ** 20;
const memory = 64 * MiB;
const stores = ['segment', 'mmap', 'cache'] as const;
type StoreName = (typeof stores)[number];

const values = readCommandLine(
  {
    name: 'npm run bench:fileserver --',
    help: `usage: npm run bench:fileserver -- [--rounds N] [--dir DIR] [--cpu-prof DIR] [--no-readme]

The same ext2 code over the engine's segment, a shared mmap and a block cache
on a 1 GiB image, each store in a process of its own, in rounds; prints the
table of medians and writes it into fileserver/README.md. Needs e2fsprogs.

  --rounds N      rounds of the three stores (default 3)
  --dir DIR       the images in DIR (default: os.tmpdir())
  --cpu-prof DIR  V8 CPU profiles of the segment store's runs into DIR
  --no-readme     leave fileserver/README.md as it is
  -h, --help      this text
`,
    options: {
      rounds: { type: 'string' },
      dir: { type: 'string', default: os.tmpdir() },
      'cpu-prof': { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
    },
  },
  ({ values }) => ({ ...values, rounds: numberOption('--rounds', values.rounds, 3, { min: 1, integer: true }) }),
);
const { rounds } = values;

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000 });
  if (result.error !== undefined) throw new Error(`${command}: ${result.error.message} (apt-get install -y e2fsprogs)`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
}

/** Writes the layout's files under `source`. */
function writeSource(source: string): void {
  for (const dir of layout.directories) fs.mkdirSync(path.join(source, dir), { recursive: true });
  for (const [i, file] of layout.smallFiles.entries())
    fs.writeFileSync(path.join(source, file.path), pattern(file.size, i));
  const fd = fs.openSync(path.join(source, layout.large.path), 'w');
  for (let at = 0; at < layout.large.size; at += MiB) fs.writeSync(fd, pattern(MiB, at / MiB), 0, MiB, at);
  fs.closeSync(fd);
}

function main(): void {
  const loadAtStart = os.loadavg()[0];
  const work = fs.mkdtempSync(path.join(values.dir, 'fileserver-bench-'));
  const cleanup = (): void => fs.rmSync(work, { recursive: true, force: true });
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const mmap = loadMmap((line) => console.error(line));
    if (mmap.addon === null) console.error(`the mmap store is unavailable: ${mmap.reason}`);
    const available = stores.filter((store) => store !== 'mmap' || mmap.addon !== null);

    console.error(
      'building the images (mke2fs -d of 2,000 small files and a 256 MiB file into 1 GiB; an empty 64 MiB one)',
    );
    const source = path.join(work, 'source');
    writeSource(source);
    const pristine = path.join(work, 'pristine.img');
    run('mke2fs', ['-q', '-F', '-t', 'ext2', '-b', '4096', '-d', source, pristine, '1G']);
    fs.rmSync(source, { recursive: true });
    const small = path.join(work, 'small.img');
    run('mke2fs', ['-q', '-F', '-t', 'ext2', '-b', '4096', small, '64M']);

    const out = path.join(work, 'js');
    compileSuite(out, ['impl', 'cli', 'fileserver', 'bench']);
    const child = path.join(out, 'fileserver', 'bench', 'measure.js');

    const results = new Map<StoreName, Measurement[]>(available.map((store) => [store, []]));
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < available.length; k++) {
        const store = available[(round + k) % available.length];
        const image = path.join(work, 'image.img');
        run('cp', ['--sparse=always', pristine, image]);
        const profile =
          values['cpu-prof'] !== undefined && store === 'segment'
            ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`]
            : [];
        const result = spawnSync(
          process.execPath,
          [...profile, child, '--store', store, '--image', image, '--small', small, '--memory', String(memory)],
          { encoding: 'utf8', env: { ...process.env, DEFERRED_IO_ROOT: root }, timeout: 600_000, maxBuffer: 2 ** 24 },
        );
        if (result.status !== 0) throw new Error(`the ${store} run failed: ${result.stderr}`);
        const measurement = JSON.parse(result.stdout) as Measurement;
        results.get(store)!.push(measurement);
        console.error(`round ${round + 1}/${rounds}, ${store}: ${JSON.stringify(measurement)}`);
      }
    }
    const table = report(results, machineLine(machine(values.dir, loadAtStart)));
    console.log(table);
    if (!values['no-readme']) refreshReadme('bench:fileserver', table);
  } finally {
    cleanup();
  }
}

/** The median of one figure over a store's rounds. */
function figure(
  results: Map<StoreName, Measurement[]>,
  store: StoreName,
  pick: (m: Measurement) => number | null,
): number | null {
  const runs = results.get(store);
  if (runs === undefined) return null;
  const values = runs.map(pick).filter((value): value is number => value !== null);
  return values.length === 0 ? null : median(values);
}

function report(results: Map<StoreName, Measurement[]>, machineText: string): string {
  const rate = (value: number | null, unit: string): string =>
    value === null ? '—' : `${value >= 1e4 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3)} ${unit}`;
  const time = (value: number | null): string =>
    value === null ? '—' : value < 1e-3 ? `${(value * 1e6).toFixed(0)} µs` : `${(value * 1e3).toFixed(2)} ms`;
  const bytes = (value: number | null): string =>
    value === null ? '—' : value === 0 ? '0' : `${bytesText(value)} (${value.toLocaleString('en-US')})`;
  const ratio = (a: number | null, b: number | null): string =>
    a === null || b === null || b === 0 ? '—' : (a / b).toFixed(2);
  interface Row {
    name: string;
    pick: (m: Measurement) => number | null;
    text: (value: number | null) => string;
  }
  const rows: Row[] = [
    { name: 'start-up, 1 GiB image (open + superblock)', pick: (m) => m.startup, text: time },
    { name: 'start-up, 64 MiB image', pick: (m) => m.startupSmall, text: time },
    { name: 'metadata: lookup + getattr', pick: (m) => m.metadata, text: (v) => rate(v, 'op/s') },
    {
      name: 'small-file reads (1–16 KiB, lookup + getattr + read)',
      pick: (m) => m.smallReads,
      text: (v) => rate(v, 'files/s'),
    },
    {
      name: 'sequential read, 256 MiB file, 1 MiB reads',
      pick: (m) => m.sequentialRead,
      text: (v) => rate(v === null ? null : v / MiB, 'MiB/s'),
    },
    {
      name: 'write, new 64 MiB file, 1 MiB writes',
      pick: (m) => m.write,
      text: (v) => rate(v === null ? null : v / MiB, 'MiB/s'),
    },
    { name: 'metadata, per CPU second', pick: (m) => m.cpu.metadata, text: (v) => rate(v, 'op/s') },
    { name: 'small-file reads, per CPU second', pick: (m) => m.cpu.smallReads, text: (v) => rate(v, 'files/s') },
    {
      name: 'sequential read, per CPU second',
      pick: (m) => m.cpu.sequentialRead,
      text: (v) => rate(v === null ? null : v / MiB, 'MiB/s'),
    },
    {
      name: 'write, per CPU second',
      pick: (m) => m.cpu.write,
      text: (v) => rate(v === null ? null : v / MiB, 'MiB/s'),
    },
    { name: 'sync after 1,000 small updates: time (fsync included)', pick: (m) => m.sync.seconds, text: time },
    { name: 'sync: bytes the store reports written', pick: (m) => m.sync.written, text: bytes },
    { name: 'sync: blocks stored into × 4096', pick: (m) => m.sync.blocksStored * 4096, text: bytes },
    { name: 'peak RSS (VmHWM)', pick: (m) => m.peakRss, text: (v) => (v === null ? '—' : bytesText(v)) },
  ];
  const lines = [
    `Machine: ${machineText}. Medians of ${rounds} rounds; each store in a process of its own, on a fresh copy of the image; memory budget ${bytesText(memory)} for the engine's frames and the cache's blocks (the mmap store uses the kernel's page cache, unbounded). Page cache warm: the image was just copied. Throughputs per elapsed second, then the same calls per second of the process's CPU time (user + system), which other jobs on the machine disturb far less.`,
    '',
    '| | segment (engine) | mmap (shared, msync) | block cache (pread/pwrite, LRU) | segment / mmap | segment / cache |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const [s, m, c] = stores.map((store) => figure(results, store, row.pick));
    lines.push(`| ${row.name} | ${row.text(s)} | ${row.text(m)} | ${row.text(c)} | ${ratio(s, m)} | ${ratio(s, c)} |`);
  }
  lines.push('', '| store | files | lines of code (no comments, no blank lines) |', '| --- | --- | ---: |');
  // The mmap store's loads, stores and copies are bytes-store.ts's (the tests' array store shares them): counted with it.
  for (const [store, files] of [
    ['segment', ['fileserver/segment-store.ts']],
    ['mmap', ['fileserver/bench/mmap-store.ts', 'fileserver/bytes-store.ts']],
    ['mmap (the addon it needs: mapShared, sync)', ['bench/mmap/mmap.c']],
    ['block cache', ['fileserver/cache-store.ts']],
  ] as const) {
    const count = files.reduce((sum, file) => sum + linesOfCode(fs.readFileSync(path.join(root, file), 'utf8')), 0);
    lines.push(`| ${store} | ${files.map((file) => `\`${file}\``).join(' + ')} | ${count} |`);
  }
  return lines.join('\n');
}

main();
