/**
 * The engine stepped beside the model by the conformance commands at small
 * random geometries: pages of 1..4 bytes, a last page that may be partial,
 * one to three files changed through the engine, behind its back, or
 * isolated; the engine on memory and on real files, with a frame pool that
 * may be smaller than the segment (it then evicts by itself) and readahead.
 * After every call the engine's results and its whole state, projected into
 * the spec's variables (both the per-byte and the run-length state
 * relation), equal the model's; the per-byte and run-length models agree,
 * and both refine conventional I/O. Invalid calls are refused with their
 * typed error and change nothing. Complements edge replay (exhaustive,
 * fixed geometry) and fuzzing (realistic sizes).
 */
import fc from 'fast-check';
import { test } from 'vitest';
import { commandsArbitrary, type EngineSetup, runCommands, smallGeometry } from './commands.ts';

const cases = smallGeometry(true).chain((g) => {
  const pages = Math.ceil(g.length / g.c.B);
  const engine: fc.Arbitrary<EngineSetup> = fc
    .record({
      backing: fc.constantFrom('memory', 'disk' as const),
      // Every page (then residency must match exactly), or pressure.
      frames: fc.oneof(fc.constant(pages), fc.integer({ min: 1, max: pages })),
      readahead: fc.constant(0),
    })
    .chain((e) => (e.frames > 1 ? fc.constantFrom(e, { ...e, readahead: 1 }) : fc.constant(e)));
  return fc.tuple(fc.constant(g), engine, commandsArbitrary(g.c, g.length, { maxCommands: 60, invalid: true }));
});

test('the engine equals the model after every call, results and state (with a partial last page: conventional I/O)', () => {
  fc.assert(
    fc.property(cases, ([g, engine, commands]) => {
      runCommands({ ...g, model: 'twin', engine }, commands);
    }),
    { numRuns: 400 },
  );
});
