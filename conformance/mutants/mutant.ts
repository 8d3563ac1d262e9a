/**
 * The seeded-bug mutants as committed: `spec/mutants/NAME.json` holds one
 * mutant of the spec -- its bug, its edit of DeferredIO.tla, the invariant
 * or property model checking must report and the config it is rejected on
 * -- and, once TLC has checked it (`npm run spec:mutants:certify`), TLC's
 * verdict, bound to the modules TLC read (modules.ts).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Schema } from 'effect';
import { Count, decode, Hashes, readJson, repoRelative } from '../certificate.ts';

export const mutantsDir = fileURLToPath(new URL('../../spec/mutants/', import.meta.url));

const EditSchema = Schema.Struct({
  /** Text that must occur exactly once in the module. */
  find: Schema.String,
  replace: Schema.String,
});

export const VerdictSchema = Schema.Struct({
  /** sha256 of every file TLC read: the mutant's modules, as generated, and the cfg. */
  sources: Hashes,
  /** The invariant, or the property (Refines), TLC reported violated. */
  violated: Schema.String,
  /** How many steps the counterexample TLC printed takes. */
  steps: Count,
  tlc: Schema.String,
  seconds: Schema.Number,
  certifiedAt: Schema.String,
});

export type Verdict = typeof VerdictSchema.Type;

/** A mutant's file; its name is the file's. */
const MutantFileSchema = Schema.Struct({
  /** The bug, as a reviewer would describe it. */
  bug: Schema.String,
  /** The invariant, or Refines (the refinement of Conventional.tla), that model checking reports. */
  expect: Schema.String,
  /** The config it is rejected on: spec/<cfg>.cfg. */
  cfg: Schema.String,
  /** The module the edits apply to, in order. */
  module: Schema.Literal('spec/DeferredIO.tla'),
  edits: Schema.NonEmptyArray(EditSchema),
  /** TLC's, absent until the mutant is certified. */
  verdict: Schema.optional(VerdictSchema),
});

export interface Mutant extends Schema.Schema.Type<typeof MutantFileSchema> {
  /** A TLA+ module name: the generated modules are <name>.tla and <name>Refinement.tla. */
  readonly name: string;
}

const namePattern = /^[A-Za-z][A-Za-z0-9]*$/;

function mutantPath(name: string): string {
  return join(mutantsDir, `${name}.json`);
}

/** Every mutant in spec/mutants/, by name. */
export function readMutants(): readonly Mutant[] {
  return readdirSync(mutantsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const name = basename(f, '.json');
      const path = resolve(mutantsDir, f);
      const renew = 'its fields are described in conformance/mutants/mutant.ts';
      if (!namePattern.test(name)) throw new Error(`${repoRelative(path)}: a mutant's name must be a TLA+ module name`);
      return { name, ...decode(MutantFileSchema, readJson(path, renew), repoRelative(path), renew) };
    });
}

/** Writes a mutant back to its file (certification adds its verdict). */
export function writeMutant(mutant: Mutant): void {
  const { name, ...file } = mutant;
  writeFileSync(mutantPath(name), `${JSON.stringify(Schema.encodeSync(MutantFileSchema)(file), null, 2)}\n`);
}
