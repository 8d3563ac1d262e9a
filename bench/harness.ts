/**
 * The shared timing and measuring harness: warm-up, repeats, median; peak
 * memory from /proc; units and formatting. Benchmarks are measurements,
 * never pass/fail tests: a missed target is reported, not thrown.
 */
import * as fs from 'node:fs';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** Seconds per call: the median of the samples, and their spread. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  samples: number;
}

export interface TimeOptions {
  /** Untimed calls first (JIT, page cache, lazy allocation). Default 1. */
  warmup?: number;
  /** Timed samples; the median is reported. Default 5. */
  repeats?: number;
  /** Calls per sample, for calls too quick to time one by one. Default 1. */
  inner?: number;
  /** Runs before each sample, untimed (e.g. to reset state). */
  before?: () => void;
}

/** Seconds since `start` (from process.hrtime.bigint()). */
export function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Times one call, in seconds. */
export function once(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return since(start);
}

/** Median seconds per call of `fn` over `repeats` samples of `inner` calls, after `warmup` calls. */
export function time(fn: () => void, options: TimeOptions = {}): Timing {
  const { warmup = 1, repeats = 5, inner = 1, before } = options;
  for (let i = 0; i < warmup; i++) {
    before?.();
    fn();
  }
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    before?.();
    const start = process.hrtime.bigint();
    for (let i = 0; i < inner; i++) fn();
    samples.push(since(start) / inner);
  }
  return summarize(samples);
}

/**
 * Operations per second of each `loop(n)`, which performs n operations.
 * Each loop is warmed up first, for `warmupSeconds` in all: called with n
 * doubling from 1,024 while a call is shorter than `sampleSeconds`. Its n
 * is then what lasts `sampleSeconds` at the fastest rate any warm-up call
 * reached, so that neither a call stalled by the scheduler or a collection
 * nor code not yet optimized (V8's optimizing compiler works on a thread
 * of its own, late on a loaded machine) can leave n small and the samples
 * timing the call and the tiers below the optimized loop. (Sizing n by the
 * first call to last `sampleSeconds` once left P6's engine loop at 1,024
 * operations a sample: 14 M/s against 145.) Then the loops are sampled
 * round-robin, `repeats` times, so that background load falls on all of
 * them alike, and each one's median rate is reported.
 */
export function rates<K extends string>(
  loops: Record<K, (n: number) => void>,
  options: { repeats?: number; sampleSeconds?: number; warmupSeconds?: number } = {},
): Record<K, number> {
  const { repeats = 7, sampleSeconds = 0.05, warmupSeconds = 0.25 } = options;
  const names = Object.keys(loops) as K[];
  const sizes = new Map<K, number>();
  for (const name of names) {
    let n = 1024;
    let fastest = 0;
    for (let spent = 0; spent < warmupSeconds; ) {
      const seconds = once(() => loops[name](n));
      spent += seconds;
      fastest = Math.max(fastest, n / seconds);
      if (seconds < sampleSeconds && n < 2 ** 30) n *= 2;
    }
    sizes.set(name, Math.min(2 ** 30, 2 ** Math.ceil(Math.log2(Math.max(1024, fastest * sampleSeconds)))));
  }
  const samples = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let r = 0; r < repeats; r++) {
    for (const name of names) {
      const n = sizes.get(name)!;
      samples.get(name)!.push(n / once(() => loops[name](n)));
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples.get(name)!)])) as Record<K, number>;
}

export function summarize(samples: readonly number[]): Timing {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: samples.length };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Resident set size now and its peak (VmHWM), in bytes, from /proc/self/status. */
export function memoryStatus(): { rss: number; peak: number } {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match === null ? Number.NaN : Number(match[1]) * KiB;
  };
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Collects garbage if node runs with --expose-gc, so memory deltas mean something. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Bytes as a short human string: 1 MiB, 64 GiB, 10.24 MiB. */
export function bytesText(bytes: number): string {
  for (const [unit, size] of [
    ['TiB', TiB],
    ['GiB', GiB],
    ['MiB', MiB],
    ['KiB', KiB],
  ] as const) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
    }
  }
  return `${bytes} B`;
}

/** A duration in seconds as µs, ms or s with three significant digits. */
export function durationText(seconds: number): string {
  if (seconds < 1e-3) return `${significant(seconds * 1e6)} µs`;
  if (seconds < 1) return `${significant(seconds * 1e3)} ms`;
  return `${significant(seconds)} s`;
}

/** Three significant digits, thousands grouped: 0.0123, 1.23, 123, 12,300. */
export function significant(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
