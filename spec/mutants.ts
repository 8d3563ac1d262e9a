/**
 * Seeded-bug mutants of spec/DeferredIO.tla.
 *
 * Each mutant is the spec with one realistic bug, made by exact text edits,
 * and names the invariant that model checking must report. The copies in
 * spec/mutants/ are generated from this list (`npm run spec:mutants`) so they
 * never drift from the spec; the test suite checks they are up to date and
 * that the wasm checker rejects each one on the smoke bounds with the named
 * invariant. A mutant nothing rejects would mean an invariant is missing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Edit {
  /** Text that must occur exactly once in the spec. */
  readonly find: string;
  readonly replace: string;
}

export interface Mutant {
  /** Module and file name: spec/mutants/<name>.tla */
  readonly name: string;
  /** The bug, as a reviewer would describe it. */
  readonly bug: string;
  /** The invariant model checking reports first. */
  readonly expect: string;
  readonly edits: readonly Edit[];
}

export const specPath = fileURLToPath(new URL('./DeferredIO.tla', import.meta.url));
export const smokeCfgPath = fileURLToPath(new URL('./smoke.cfg', import.meta.url));
export const mutantsDir = fileURLToPath(new URL('./mutants/', import.meta.url));

export const mutants: readonly Mutant[] = [
  {
    name: 'SkipIgnoresPreserve',
    bug: 'write skips a byte bound to the same offset even when its block was preserved, i.e. the file changed since the read',
    expect: 'Equivalence',
    edits: [{
      find: String.raw`    /\ pbPos + pbI < Len(file[pbF])
    /\ snap[pbX.snap].preserved[BlockOf(pbPos + pbI)] = Absent`,
      replace: String.raw`    /\ pbPos + pbI < Len(file[pbF])`,
    }],
  },
  {
    name: 'FileWriteNoCopy',
    bug: 'another writer changes a block without copy-before-write into the snapshots that reference it',
    expect: 'Equivalence',
    edits: [{
      find: String.raw`Commit(src, frame, swap, CopyBeforeWrite(fwF, Touched(fwF, fwOffs, fwLen)),`,
      replace: String.raw`Commit(src, frame, swap, snap,`,
    }],
  },
  {
    name: 'TruncateNoPreserve',
    bug: 'truncation cuts blocks that live snapshots reference without preserving them',
    expect: 'Equivalence',
    edits: [{
      find: String.raw`Commit(src, frame, swap, CopyBeforeWrite(ftF, Touched(ftF, {}, ftLen)),`,
      replace: String.raw`Commit(src, frame, swap, snap,`,
    }],
  },
  {
    name: 'WriteNoCopyBeforeWrite',
    bug: "a segment's write-back overwrites blocks that other bindings' snapshots reference without preserving them",
    expect: 'Equivalence',
    edits: [{
      find: String.raw`\E wrSnap \in { CopyBeforeWrite(wrF, Touched(wrF, wrOffs, wrLen)) } :`,
      replace: String.raw`\E wrSnap \in { snap } :`,
    }],
  },
  {
    name: 'ReadKeepsFrame',
    bug: 'read over a resident page keeps its old frame instead of dropping or refreshing it',
    expect: 'FrameCoherent',
    edits: [{
      find: String.raw`                          [rdQ \in Pages |->
                             IF rdFull(rdQ) \/ frame[rdQ] = Absent THEN Absent
                             ELSE [rdI \in 1 .. B |->
                                     IF rdIn(rdQ * B + rdI - 1)
                                     THEN FileByte(rdF, rdPos + rdQ * B + rdI - 1 - rdA)
                                     ELSE frame[rdQ][rdI]]],`,
      replace: String.raw`                          frame,`,
    }],
  },
  {
    name: 'ReusePreservedSnap',
    bug: 'read reuses a snapshot in which a block of the range was preserved, so it binds to stale bytes',
    expect: 'Equivalence',
    edits: [{
      find: String.raw`                        /\ ruSnap[ruS].file = ruF
                        /\ \A ruB \in ruBlocks : ruSnap[ruS].preserved[ruB] = Absent }`,
      replace: String.raw`                        /\ ruSnap[ruS].file = ruF }`,
    }],
  },
  {
    name: 'NeverRelease',
    bug: 'a snapshot that no byte is bound to any more is never released',
    expect: 'NoLeak',
    edits: [{
      find: String.raw`        IF ~Live(rlSrc, rlS) THEN FreeSnap`,
      replace: String.raw`        IF rlSnap[rlS].file = NoFile THEN FreeSnap`,
    }],
  },
  {
    name: 'ReleaseBeforeRebind',
    bug: 'release judges liveness from the binding before the step, freeing the snapshot the step just bound',
    expect: 'NoDangling',
    edits: [{
      find: String.raw`        IF ~Live(rlSrc, rlS) THEN FreeSnap`,
      replace: String.raw`        IF ~Live(src, rlS) THEN FreeSnap`,
    }],
  },
  {
    name: 'StaleSwapOnRefault',
    bug: 'a fault-in keeps the page\'s swap slot, which goes stale at the next store',
    expect: 'SwapOnlyDirty',
    edits: [{
      find: String.raw`                       [swap EXCEPT ![ldP] = Absent], snap, ldRec)`,
      replace: String.raw`                       swap, snap, ldRec)`,
    }],
  },
  {
    name: 'EvictDropsDirty',
    bug: 'evicting a dirty page drops its bytes instead of writing them to its swap slot',
    expect: 'AnonBacked',
    edits: [{
      find: String.raw`[swap EXCEPT ![evP] = IF Dirty(src, evP) THEN frame[evP] ELSE Absent]`,
      replace: String.raw`[swap EXCEPT ![evP] = Absent]`,
    }],
  },
  {
    name: 'NeverSkip',
    bug: 'write-back writes every byte, even those provably in the file already',
    expect: 'Lazy',
    edits: [{
      find: String.raw`\E wrOffs \in { { wrPos + wrJ : wrJ \in wrNeeded } } :`,
      replace: String.raw`\E wrOffs \in { { wrPos + wrJ : wrJ \in 0 .. wrN - 1 } } :`,
    }],
  },
  {
    name: 'ZeroLoadsPages',
    bug: 'zero (the memset syscall) faults partly covered pages in, as a memset in user space would',
    expect: 'Lazy',
    edits: [
      {
        find: String.raw`                      IF zrFull(zrQ) \/ frame[zrQ] = Absent THEN Absent`,
        replace: String.raw`                      IF zrFull(zrQ) THEN Absent`,
      },
      {
        find: String.raw`                                               ELSE frame[zrQ][zrI]]],`,
        replace: String.raw`                                               ELSE PageView(zrQ)[zrI]]],`,
      },
    ],
  },
];

/** The source of a mutant: the spec with its edits applied and its module renamed. */
export function mutantSource(spec: string, mutant: Mutant): string {
  let text = spec;
  for (const edit of mutant.edits) {
    const first = text.indexOf(edit.find);
    if (first < 0 || text.indexOf(edit.find, first + 1) >= 0) {
      throw new Error(
        `mutant ${mutant.name}: edit text must occur exactly once in DeferredIO.tla, found ${first < 0 ? 0 : 'several'}:\n${edit.find}`,
      );
    }
    text = text.slice(0, first) + edit.replace + text.slice(first + edit.find.length);
  }
  const header = 'MODULE DeferredIO ';
  if (!text.includes(header)) throw new Error('DeferredIO.tla has no MODULE DeferredIO header');
  const renamed = text.replace(header, `MODULE ${mutant.name} `);
  const note = `\\* GENERATED by npm run spec:mutants from spec/mutants.ts: do not edit.\n`
    + `\\* Seeded bug: ${mutant.bug}.\n\\* Model checking must report: ${mutant.expect}.\n`;
  return note + renamed;
}

export function readSpec(): string {
  return readFileSync(specPath, 'utf8');
}
