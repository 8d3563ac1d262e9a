/**
 * Differential fuzzing at sizes model checking cannot reach: the engine on
 * real files, the run-length model and conventional I/O, driven by the
 * conformance commands (commands.ts) at a realistic geometry -- 4 KiB
 * pages, 64 of them, a pool of 16 frames (so the engine evicts by itself),
 * three files of up to 2 MiB, one isolated, two changed behind the engine's
 * back, one Persistent (written back with sync or atomically, crashed by a
 * kill or a power cut anywhere in a write-back, recovered) -- and compared
 * after every call: results, I/O calls, and the whole state in run-length
 * form. fast-check shrinks a failure to a minimal sequence;
 * `npm run fuzz -- --seed S` generates the same case again (and shrinks it
 * again), and the report's replayLabels call replays the shrunk one.
 */
import fc from 'fast-check';
import { seededByteArray } from '../actions/arbitraries.ts';
import type { Constants } from '../model/constants.ts';
import { commandsArbitrary, RunFailure, runCommands, type Setup } from './commands.ts';
import { threeFiles } from './three-files.ts';

/** Realistic geometry; the bounds that only the per-byte model would feel (MaxSnap, MaxSteps) are loose. */
export const fuzzConstants: Constants = {
  ...threeFiles,
  Isolated: ['f3'],
  B: 4096,
  P: 64,
  MaxLen: 2 << 20,
  MaxSnap: 100_000,
  MaxWrite: 3 * 4096,
  MaxSteps: 100_000,
};
export const fuzzFrames = 16;
/** Calls per sequence, at most: interactions need a read, changes, then a write-back. */
const maxCalls = 100;
/** The largest initial size of each file. */
const maxSizes = [2 << 20, 1 << 20, 256 << 10] as const;

/** The initial files: their sizes and a seed for their bytes (megabytes are not worth shrinking byte by byte). */
export interface FuzzFiles {
  readonly sizes: readonly number[];
  readonly seed: number;
}

/** The initial files' contents. */
const fuzzContents = (files: FuzzFiles): Map<string, Uint8Array> =>
  new Map(fuzzConstants.Files.map((f, i) => [f, seededByteArray(fuzzConstants.Vals, files.sizes[i]!, files.seed + i)]));

/** The initial files' contents, as replayLabels takes them. */
export const fuzzFiles = (files: FuzzFiles): Record<string, number[]> =>
  Object.fromEntries([...fuzzContents(files)].map(([f, b]) => [f, Array.from(b)]));

const filesArbitrary: fc.Arbitrary<FuzzFiles> = fc.record({
  sizes: fc.tuple(...maxSizes.map((max) => fc.oneof(fc.nat(max), fc.nat(64 << 10)))),
  seed: fc.integer(),
});

function setup(files: FuzzFiles, readahead: number): Setup {
  return {
    c: fuzzConstants,
    length: fuzzConstants.P * fuzzConstants.B,
    files: fuzzContents(files),
    model: 'runs',
    engine: { backing: 'disk', frames: fuzzFrames, readahead },
    filesExpression: `fuzzFiles(${JSON.stringify(files)}) /* import { fuzzFiles } from './conformance/fuzz.ts' */`,
  };
}

export interface FuzzReport {
  readonly sequences: number;
  /** Calls taken, each on the model, conventional I/O and the engine. */
  readonly steps: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  /**
   * The shrunk failure: the seed that generates it, the report, and a
   * vitest case that replays its model steps on the engine (replayLabels).
   */
  readonly failure: { readonly seed: number; readonly message: string; readonly regression: string } | null;
}

export interface FuzzOptions {
  /** Run the one case this seed generates (the seed a failure reported). */
  readonly seed?: number;
  /** Explicit limit on shrinking a failure, in seconds (default 300). */
  readonly shrinkSeconds?: number;
}

/** A failure's replay as a vitest case, ready to paste. */
function regressionTest(seed: number, replay: string): string {
  return [
    `// import { expect, test } from 'vitest';`,
    `// import { replayLabels } from '../conformance/replay.ts';`,
    `// import { fuzzFiles } from '../conformance/fuzz.ts';`,
    `test('fuzz regression (seed ${seed})', () => {`,
    `  const r = ${replay};`,
    `  expect(r.actual).toEqual(r.expected);`,
    `});`,
  ].join('\n');
}

/**
 * Fuzzes for a time budget, one sequence per fast-check run with a fresh
 * seed, until the budget is spent or a run fails (then fast-check shrinks
 * it, for at most shrinkSeconds). What `npm run verify` and the CLI call.
 */
export function fuzzFor(
  seconds: number,
  progress?: (r: Omit<FuzzReport, 'failure'>) => void,
  opts: FuzzOptions = {},
): FuzzReport {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let sequences = 0;
  let steps = 0;
  const counts = () => ({ sequences, steps, seconds: elapsed(), stepsPerSecond: steps / Math.max(elapsed(), 1e-9) });
  const property = fc.property(
    filesArbitrary,
    fc.constantFrom(0, 4),
    commandsArbitrary(fuzzConstants, fuzzConstants.P * fuzzConstants.B, { maxCommands: maxCalls, invalid: true }),
    (files, readahead, commands) => {
      const run = runCommands(setup(files, readahead), commands);
      sequences++;
      steps += run.calls;
    },
  );
  while (opts.seed !== undefined || elapsed() < seconds) {
    const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
    const result = fc.check(property, {
      seed,
      numRuns: 1,
      interruptAfterTimeLimit: (opts.shrinkSeconds ?? 300) * 1000,
      markInterruptAsFailure: false,
    });
    if (result.failed) {
      const failure = result.errorInstance;
      return {
        ...counts(),
        failure: {
          seed,
          regression:
            failure instanceof RunFailure
              ? regressionTest(seed, failure.replay)
              : '(the failure happened outside a run: no replay)',
          message: `${fc.defaultReportMessage(result) ?? ''}\n${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`,
        },
      };
    }
    progress?.(counts());
    if (opts.seed !== undefined) break;
  }
  return { ...counts(), failure: null };
}
