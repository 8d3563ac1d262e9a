/** The sizes of the CI test (crashes.test.ts) and of the full run (npm run crashes). */
import type { Bounds } from '../impl/testing/crash-states.ts';
import type { Geometry, WriteBackMode } from './history.ts';

export interface Run {
  readonly geometry: Geometry;
  readonly modes: readonly WriteBackMode[];
  readonly maxSteps: number;
  readonly histories: number;
  readonly bounds: Bounds;
}

// 64-byte pages: a journal of one or two runs spans a handful of blocks, so
// most crash points have few enough unsynced writes for every subset.
const geometry: Geometry = { pageSize: 64, frames: 4, fileLength: 192, segmentLength: 256, lengthMax: 384 };

const modes: readonly WriteBackMode[] = ['plain', 'fsync', 'fdatasync', 'atomic', 'atomic-fdatasync'];

/** About 8 s on a loaded 2-core machine; a random seed each run, as npm test's properties have. */
export const ciRun: Run = { geometry, modes, maxSteps: 12, histories: 200, bounds: { exhaustive: 8, samples: 16 } };

/** About 90 s: more and longer histories, every subset of up to 10 unsynced writes, 64 samples beyond. */
export const fullRun: Run = { geometry, modes, maxSteps: 24, histories: 5000, bounds: { exhaustive: 10, samples: 64 } };
