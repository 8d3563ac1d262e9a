/**
 * Every crash state of random histories, recovered by a new engine and
 * judged by the history (properties.ts), at CI size; `npm run crashes` is
 * the full run. Then lying disks, to show each check can fail.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { IgnoredSync } from '../impl/testing/recording-backend.ts';
import { type Geometry, historyArbitrary, runHistory, type Step } from './history.ts';
import { CrashPropertyError, checkCrashes, crashStatesChecked, noCounts } from './properties.ts';
import { ciRun } from './runs.ts';

describe('every crash state of random histories', () => {
  test(`${ciRun.histories} histories: Durable, Conventional, AtomicWriteBack, NoGhostReplay, RecoveryIdempotent`, () => {
    const { geometry, modes, maxSteps, histories, bounds } = ciRun;
    const counts = noCounts();
    fc.assert(
      fc.property(historyArbitrary(geometry, modes, maxSteps), ({ initial, steps }) => {
        checkCrashes(runHistory(geometry, initial, steps), bounds, counts);
      }),
      { numRuns: histories },
    );
    console.log(
      `crashes: ${counts.histories} histories, ${counts.calls} calls, ${crashStatesChecked(counts)} crash states (${counts.kills} kills, ${counts.powerCuts} power cuts, ${counts.insideRecovery} inside recovery; ${counts.replayed} replayed, ${counts.discarded} discarded)`,
    );
    // Shrinking would have counted more: these are the histories asked for, each checked.
    expect(counts.histories).toBe(histories);
    expect(counts.powerCuts).toBeGreaterThan(counts.kills);
    expect(counts.insideRecovery).toBeGreaterThan(0);
    expect(counts.replayed).toBeGreaterThan(0);
    expect(counts.discarded).toBeGreaterThan(0);
  });
});

describe('a lying disk is caught', () => {
  const geometry: Geometry = ciRun.geometry;
  const zeros = new Uint8Array(geometry.fileLength);
  const check = (steps: Step[], ignoreSync: IgnoredSync): CrashPropertyError => {
    try {
      checkCrashes(runHistory(geometry, zeros, steps, { ignoreSync }), {}, noCounts());
    } catch (error) {
      if (error instanceof CrashPropertyError) return error;
      throw error;
    }
    throw new Error('no crash state broke a property');
  };

  test('a file fsync dropped: Durable', () => {
    const steps: Step[] = [
      { kind: 'store', segment: 0, addr: 0, value: 5 },
      { kind: 'writeBack', segment: 0, addr: 0, position: 0, length: 64, mode: 'fsync', rebind: false },
    ];
    expect(check(steps, (call) => call.op === 'sync').property).toBe('Durable');
  });

  test("directory fsyncs dropped: a completed atomic write-back's journal comes back and is replayed over a later write-back: NoGhostReplay", () => {
    const steps: Step[] = [
      { kind: 'store', segment: 0, addr: 0, value: 5 },
      { kind: 'writeBack', segment: 0, addr: 0, position: 0, length: 64, mode: 'atomic', rebind: false },
      { kind: 'store', segment: 0, addr: 0, value: 0 },
      { kind: 'writeBack', segment: 0, addr: 0, position: 0, length: 64, mode: 'fsync', rebind: false },
    ];
    expect(check(steps, (call) => call.op === 'syncDirectory').property).toBe('NoGhostReplay');
  });
});
