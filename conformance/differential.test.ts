/**
 * The engine stepped beside the model at small random geometries (pages of
 * 1..4 bytes, a last page that may be partial, two files): after every step
 * the projected state and every result must equal the model's, exactly;
 * and, under frame-pool pressure and readahead, which the model does not
 * describe, the engine must stay equivalent to conventional I/O with the
 * spec's invariants intact. Complements edge replay (exhaustive, fixed
 * geometry) and fuzzing (realistic sizes).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Constants } from '../model/constants.ts';
import { violated } from '../model/invariants.ts';
import { apply, type Action } from '../model/next.ts';
import { Conventional } from '../model/oracle.ts';
import { initState, type State } from '../model/state.ts';
import { makeWorld, observe, recorded, step } from './world.ts';

interface Scenario {
  readonly B: number;
  readonly length: number;
  readonly files: { readonly f: number[]; readonly g: number[] };
  readonly actions: readonly Action[];
}

const byte = fc.integer({ min: 0, max: 255 });
const fileOffset = fc.nat(9);

function scenario(whole: boolean): fc.Arbitrary<Scenario> {
  return fc
    .record({ B: fc.integer({ min: 1, max: 4 }), pages: fc.integer({ min: 1, max: 4 }), short: fc.nat(whole ? 0 : 3) })
    .chain(({ B, pages, short }) => {
      const length = pages * B - Math.min(short, B - 1);
      const span = fc.nat(length - 1).chain((addr) => fc.record({ addr: fc.constant(addr), len: fc.integer({ min: 1, max: length - addr }) }));
      const addr = fc.nat(length - 1);
      const file = fc.oneof({ weight: 3, arbitrary: fc.constant('f') }, { weight: 1, arbitrary: fc.constant('g') });
      // Mostly the segment address itself, so that a write-back lands where its read came from.
      const position = (s: { addr: number }) => fc.oneof({ weight: 3, arbitrary: fc.constant(s.addr) }, { weight: 1, arbitrary: fileOffset });
      const action: fc.Arbitrary<Action> = fc.oneof(
        { weight: 3, arbitrary: fc.tuple(file, span).chain(([f, s]) => position(s).map((pos) => ({ op: 'read', file: f, pos, ...s }) as const)) },
        { weight: 3, arbitrary: addr.map((a) => ({ op: 'load', addr: a }) as const) },
        { weight: 2, arbitrary: fc.tuple(addr, byte).map(([a, val]) => ({ op: 'store', addr: a, val }) as const) },
        {
          weight: 3,
          arbitrary: fc.tuple(file, span, fc.boolean()).chain(([f, s, rebind]) =>
            position(s).map((pos) => ({ op: 'write', file: f, pos, rebind, ...s }) as const)),
        },
        { weight: 1, arbitrary: span.map((s) => ({ op: 'zero', ...s }) as const) },
        {
          weight: 3,
          arbitrary: fc.tuple(file, fileOffset, fc.array(byte, { minLength: 1, maxLength: 4 }))
            .map(([f, pos, data]) => ({ op: 'fileWrite', file: f, pos, data }) as const),
        },
        { weight: 1, arbitrary: fc.tuple(file, fileOffset).map(([f, len]) => ({ op: 'fileTruncate', file: f, len }) as const) },
        { weight: 2, arbitrary: fc.nat(Math.ceil(length / B) - 1).map((page) => ({ op: 'evict', page }) as const) },
      );
      // What the seed cares most about: read, change things, write back where it came from.
      const cycle: fc.Arbitrary<Action[]> = fc
        .tuple(file, span, fc.array(action, { minLength: 1, maxLength: 4 }), fc.boolean())
        .map(([f, s, between, rebind]) => [
          { op: 'read', file: f, pos: s.addr, ...s } as const,
          ...between,
          { op: 'write', file: f, pos: s.addr, rebind, ...s } as const,
        ]);
      return fc.record({
        B: fc.constant(B),
        length: fc.constant(length),
        files: fc.record({ f: fc.array(byte, { maxLength: 8 }), g: fc.array(byte, { maxLength: 8 }) }),
        actions: fc.array(fc.oneof(action.map((a) => [a]), cycle), { minLength: 3, maxLength: 12 }).map((groups) => groups.flat()),
      });
    });
}

/** The spec's constants for a scenario: bounds loose enough never to disable an action. */
function constants(s: Scenario): Constants {
  const P = Math.ceil(s.length / s.B);
  return {
    Files: ['f', 'g'], Foreign: ['f', 'g'], NoFile: 'NoFile', B: s.B, P, MaxLen: 32, InitLen: 0,
    Vals: Array.from({ length: 256 }, (_, v) => v),
    // Live snapshots each hold a byte; one more id is allocated before release.
    MaxSnap: P * s.B + 1, MaxWrite: 4, MaxSteps: 1000,
  };
}

const files = (s: Scenario) => new Map([['f', s.files.f], ['g', s.files.g]]);
const variables = (st: State) => ({ src: st.src, frame: st.frame, swap: st.swap, snap: st.snap, file: st.file });

describe('engine beside the model at small random geometries', () => {
  test('matches the model\'s state, results and counters exactly after every step', () => {
    fc.assert(
      fc.property(scenario(true), (s) => {
        const c = constants(s);
        const w = makeWorld(c, files(s), 'memory', { length: s.length, frames: c.P + 1 });
        let st = initState(c, files(s));
        try {
          for (const act of s.actions) {
            const label = JSON.stringify(act);
            const next = apply(c, st, act);
            const got = step(w, act);
            if (next === null) {
              // No step of the spec (a read past EOF, a truncate to the same length, evicting a page not resident): nothing changes.
              expect(variables(observe(c, w, st)), label).toEqual(variables(st));
              continue;
            }
            expect(got, label).toEqual(recorded(next.last));
            expect(variables(observe(c, w, next)), label).toEqual(variables(next));
            expect(violated(c, next), label).toEqual([]);
            st = next;
          }
        } finally {
          w.close();
        }
      }),
      { numRuns: 400 },
    );
  }, 120_000);

  test('stays equivalent to conventional I/O, invariants intact, under frame-pool pressure and readahead', () => {
    fc.assert(
      fc.property(scenario(false), fc.integer({ min: 1, max: 2 }), fc.nat(1), (s, frames, readahead) => {
        const c = constants(s);
        const w = makeWorld(c, files(s), 'memory', { length: s.length, frames, readahead: Math.min(readahead, frames - 1) });
        const oracle = new Conventional(s.length, files(s));
        try {
          for (const act of s.actions) {
            const label = JSON.stringify(act);
            const got = step(w, act);
            expect(got.ret, label).toBe(oracle.apply(act));
            const now = observe(c, w, { ...initState(c, files(s)), mem: oracle.mem, cfile: oracle.files });
            expect(violated(c, now, ['NoDangling', 'AnonBacked', 'SwapOnlyDirty', 'FrameCoherent', 'NoLeak', 'Equivalence']), label).toEqual([]);
          }
          const bytes = new Uint8Array(s.length);
          w.segment.copyOut(0, bytes);
          expect([...bytes]).toEqual(oracle.mem);
        } finally {
          w.close();
        }
      }),
      { numRuns: 400 },
    );
  }, 120_000);
});
