/**
 * One store's run of the file server benchmark, in a process of its own
 * (so that its peak RSS is its own): the same ext2 code over the store
 * named on the command line, on a fresh copy of the benchmark image.
 * Prints one JSON object (Measurement) on stdout.
 *
 *   node measure.js --store segment|mmap|cache --image IMAGE --small SMALL_IMAGE --memory BYTES
 */
import { median, memoryStatus, once } from '../../bench/harness.ts';
import { numberOption, readCommandLine, UsageError } from '../../cli/command-line.ts';
import { CacheStore } from '../cache-store.ts';
import { type Ext2, openExt2 } from '../ext2/ext2.ts';
import { RecordingStore } from '../recording-store.ts';
import { SegmentStore } from '../segment-store.ts';
import type { Store } from '../store.ts';
import { layout, pattern } from './layout.ts';
import { MmapStore, mmapAddon } from './mmap-store.ts';

export interface Measurement {
  store: string;
  /** Seconds to open the store and the file system (median of several), on the 1 GiB image and on the 64 MiB one. */
  startup: number;
  startupSmall: number;
  /** lookup + getattr per second, walking every directory. */
  metadata: number;
  /** Small files read whole per second (lookup, getattr, read). */
  smallReads: number;
  /** Bytes per second reading the large file in 1 MiB reads. */
  sequentialRead: number;
  /** Bytes per second writing a new file in 1 MiB writes (allocation included, sync not). */
  write: number;
  /** A sync after 1,000 small updates (the median of three): seconds, bytes the store reports written, blocks stored into. */
  sync: { seconds: number; written: number; blocksStored: number };
  /** Peak resident set size (VmHWM), bytes. */
  peakRss: number;
  /**
   * The four throughputs again per second of this process's CPU time (user
   * + system) over the same calls: on a machine shared with other jobs,
   * CPU time depends far less than elapsed time on what else runs.
   */
  cpu: { metadata: number; smallReads: number; sequentialRead: number; write: number };
}

const stores = ['segment', 'mmap', 'cache'] as const;

/** A required option's value. */
function required(name: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`${name} is required`);
  return value;
}

const args = readCommandLine(
  {
    name: 'fileserver/bench/measure',
    help: `usage: node measure.js --store segment|mmap|cache --image IMAGE --small SMALL_IMAGE --memory BYTES

One store's run of npm run bench:fileserver, which compiles this module and
runs it in a process of its own per store and round (from the sources: npx
tsx fileserver/bench/measure.ts). Prints one JSON object on stdout.

  --store NAME    the store: segment (the engine), mmap or cache
  --image IMAGE   the 1 GiB benchmark image, a fresh copy (it is written)
  --small IMAGE   the 64 MiB image, opened only to time the start-up
  --memory BYTES  the memory budget of the engine's frames and the cache's blocks
  -h, --help      this text
`,
    options: {
      store: { type: 'string' },
      image: { type: 'string' },
      small: { type: 'string' },
      memory: { type: 'string' },
    },
  },
  ({ values }) => {
    const given = required('--store', values.store);
    const store = stores.find((name) => name === given);
    if (store === undefined)
      throw new UsageError(`--store must be one of ${stores.join(', ')}, got ${JSON.stringify(given)}`);
    return {
      store,
      image: required('--image', values.image),
      small: required('--small', values.small),
      memory: numberOption('--memory', required('--memory', values.memory), 0, { min: 0, above: true, integer: true }),
    };
  },
);
const { memory } = args;

function open(image: string): Store {
  switch (args.store) {
    case 'segment':
      return SegmentStore.open(image, { memory });
    case 'cache':
      return CacheStore.open(image, { memory });
    case 'mmap': {
      const { addon, reason } = mmapAddon();
      if (addon === null) throw new Error(`mmap store unavailable: ${reason}`);
      return MmapStore.open(image, addon);
    }
  }
}

/** Seconds of CPU time this process has used (user + system). */
function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** Runs `body` once: the elapsed seconds and the CPU seconds it took. */
function timed(body: () => void): { elapsed: number; cpu: number } {
  const cpu = cpuSeconds();
  const elapsed = once(body);
  return { elapsed, cpu: cpuSeconds() - cpu };
}

/**
 * Runs `body(n)` with n doubling until one call lasts `seconds`; returns
 * operations per second of that last call, elapsed and of CPU time.
 */
function rate(body: (n: number) => number, seconds = 1): { elapsed: number; cpu: number } {
  for (let n = 1; ; n *= 2) {
    let operations = 0;
    const t = timed(() => {
      operations = body(n);
    });
    if (t.elapsed >= seconds || n >= 2 ** 20) return { elapsed: operations / t.elapsed, cpu: operations / t.cpu };
  }
}

/** `work` units per second of a single timed call, elapsed and of CPU time. */
function throughput(work: number, body: () => void): { elapsed: number; cpu: number } {
  const t = timed(body);
  return { elapsed: work / t.elapsed, cpu: work / t.cpu };
}

/**
 * Seconds to open the store and the file system and read the root's
 * attributes, for each of `images`: the median of five, the images taken
 * in turn (after one untimed round, which pays for compiling the code), so
 * that neither image is always the first, colder one.
 */
function startup(images: readonly string[]): number[] {
  const times = images.map(() => [] as number[]);
  const start = (image: string): number =>
    once(() => {
      const store = open(image);
      openExt2(store).getattr(2);
      store.close();
    });
  for (const image of images) start(image);
  for (let i = 0; i < 5; i++) for (const [k, image] of images.entries()) times[k].push(start(image));
  return times.map(median);
}

function lookupPath(fsys: Ext2, path: string): number {
  let ino = fsys.root;
  for (const name of path.split('/').filter((part) => part !== '')) ino = fsys.lookup(ino, name);
  return ino;
}

function main(): Measurement {
  const { image } = args;
  const result: Partial<Measurement> = { store: args.store };
  const cpu: Partial<Measurement['cpu']> = {};
  [result.startup, result.startupSmall] = startup([image, args.small]);

  const store = open(image);
  const fsys = openExt2(store);
  const B = fsys.superblock.blockSize;

  // Walks: every directory's entries looked up and their attributes read.
  const metadata = rate((n) => {
    let operations = 0;
    for (let round = 0; round < n; round++) {
      for (const dir of layout.directories) {
        const ino = lookupPath(fsys, dir);
        for (const entry of fsys.readdir(ino, 0, 1000)) {
          fsys.getattr(fsys.lookup(ino, entry.name));
          operations += 2;
        }
      }
    }
    return operations;
  });
  result.metadata = metadata.elapsed;
  cpu.metadata = metadata.cpu;

  // Reads go into one buffer, as a server reads into the reply it sends (9p/common.ts).
  const chunk = 2 ** 20;
  const buffer = new Uint8Array(chunk);
  let cursor = 0;
  const smallReads = rate((n) => {
    for (let i = 0; i < n; i++) {
      const file = layout.smallFiles[cursor++ % layout.smallFiles.length];
      const ino = lookupPath(fsys, file.path);
      const size = fsys.getattr(ino).size;
      if (fsys.read(ino, 0, size, buffer).length !== size) throw new Error(`short read of ${file.path}`);
    }
    return n;
  });
  result.smallReads = smallReads.elapsed;
  cpu.smallReads = smallReads.cpu;

  const large = lookupPath(fsys, layout.large.path);
  const sequentialRead = throughput(layout.large.size, () => {
    for (let at = 0; at < layout.large.size; at += chunk) fsys.read(large, at, chunk, buffer);
  });
  result.sequentialRead = sequentialRead.elapsed;
  cpu.sequentialRead = sequentialRead.cpu;

  // Three times: 1,000 small updates (100 bytes into small files, at deterministic places), then a sync. Through a
  // second view of the same store that notes the blocks stored into: the file system keeps nothing between
  // operations, so two views of one store agree. The sync time is mostly the kernel's fsync, which varies a lot
  // from one call to the next on a shared machine: the median of three.
  const recorder = new RecordingStore(store, B);
  const counted = openExt2(recorder);
  const update = pattern(100, 7);
  const syncs: Measurement['sync'][] = [];
  for (let cycle = 0; cycle < 3; cycle++) {
    for (let i = 0; i < 1000; i++) {
      const file = layout.smallFiles[((cycle * 1000 + i) * 7919) % layout.smallFiles.length];
      const ino = lookupPath(counted, file.path);
      counted.write(ino, ((cycle * 1000 + i) * 104_729) % Math.max(1, file.size - 100), update);
    }
    const blocksStored = recorder.touched.size;
    let report = { written: 0, skipped: 0 };
    const seconds = once(() => {
      report = counted.sync();
    });
    syncs.push({ seconds, written: report.written, blocksStored });
  }
  syncs.sort((a, b) => a.seconds - b.seconds);
  result.sync = syncs[1];

  const written = fsys.create(fsys.root, 'written', 0o644, 0, 0);
  const data = pattern(chunk, 99);
  const write = throughput(layout.writeSize, () => {
    for (let at = 0; at < layout.writeSize; at += chunk) fsys.write(written, at, data);
  });
  result.write = write.elapsed;
  cpu.write = write.cpu;
  result.cpu = cpu as Measurement['cpu'];
  fsys.sync();
  store.close();
  result.peakRss = memoryStatus().peak;
  return result as Measurement;
}

process.stdout.write(`${JSON.stringify(main())}\n`);
