/**
 * The model against conventional I/O (spec/Refinement.tla), by the
 * conformance commands without an engine: random call sequences, after
 * every step of which what the model returned, its memory (Mem) and its
 * files are conventional I/O's, and its invariants hold. At small
 * geometries the per-byte model and the run-length model step side by side
 * and must expand to the same state (the run-length model's proof of
 * equality); at a medium geometry the run-length model runs alone.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { seededByteArray } from '../actions/arbitraries.ts';
import type { Constants } from '../model/constants.ts';
import { commandsArbitrary, runCommands, smallGeometry } from './commands.ts';
import { threeFiles } from './three-files.ts';

test('small geometries: the per-byte and run-length models agree, and refine conventional I/O', () => {
  const runs = smallGeometry(false).chain((g) =>
    fc.tuple(fc.constant(g), commandsArbitrary(g.c, g.length, { maxCommands: 60, invalid: false })),
  );
  fc.assert(
    fc.property(runs, ([g, commands]) => {
      runCommands({ ...g, model: 'twin', engine: null }, commands);
    }),
    { numRuns: 1000 },
  );
});

/** 16 pages of 64 bytes, three files of up to 4 KiB: f2, never changed behind the engine's back, isolated. */
const medium: Constants = {
  ...threeFiles,
  Isolated: ['f2'],
  B: 64,
  P: 16,
  MaxLen: 4096,
  MaxSnap: 1000,
  MaxWrite: 256,
  MaxSteps: 1000,
};

test('a medium geometry: the run-length model refines conventional I/O', () => {
  const files = fc
    .tuple(...medium.Files.map(() => fc.tuple(fc.nat(medium.MaxLen), fc.integer())))
    .map((sizes) => new Map(medium.Files.map((f, i) => [f, seededByteArray(medium.Vals, sizes[i]![0], sizes[i]![1])])));
  const length = medium.P * medium.B;
  fc.assert(
    fc.property(
      files,
      commandsArbitrary(medium, length, { maxCommands: 100, invalid: false }),
      (contents, commands) => {
        const run = runCommands({ c: medium, length, files: contents, model: 'runs', engine: null }, commands);
        expect(run.calls).toBeGreaterThanOrEqual(0);
      },
    ),
    { numRuns: 1000 },
  );
});
