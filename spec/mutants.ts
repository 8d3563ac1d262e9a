/**
 * Seeded-bug mutants of spec/DeferredIO.tla.
 *
 * Each mutant is the spec with one realistic bug, made by exact text edits,
 * and names the invariant -- or Refines, the refinement of Conventional.tla
 * -- that model checking must report, and the config it is rejected on. The
 * copies in spec/mutants/ are generated from this list (`npm run
 * spec:mutants`) so they never drift from the spec. TLC checks every mutant
 * (`npm run spec:certify -- --mutants`) and its verdicts are committed in
 * spec/mutants/verdicts.json, bound to the sources by sha256; CI checks the
 * copies and verdicts are current, and re-checks with the wasm checker the
 * mutants rejected on smoke.cfg by an invariant (it cannot load Refinement.tla).
 * A mutant nothing rejects would mean an invariant is missing.
 */
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileSha256 } from '../conformance/certificate.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export interface Edit {
  /** Text that must occur exactly once in the spec. */
  readonly find: string;
  readonly replace: string;
}

export interface Mutant {
  /** Module and file name: spec/mutants/<name>.tla (and <name>Refinement.tla for TLC). */
  readonly name: string;
  /** The bug, as a reviewer would describe it. */
  readonly bug: string;
  /** The invariant, or Refines (the refinement of Conventional.tla), that model checking reports. */
  readonly expect: string;
  /** The config it is rejected on (spec/<cfg>.cfg), by TLC when certified. */
  readonly cfg: string;
  readonly edits: readonly Edit[];
}

export const specPath = fileURLToPath(new URL('./DeferredIO.tla', import.meta.url));
export const refinementPath = fileURLToPath(new URL('./Refinement.tla', import.meta.url));
export const conventionalPath = fileURLToPath(new URL('./Conventional.tla', import.meta.url));
export const smokeCfgPath = fileURLToPath(new URL('./smoke.cfg', import.meta.url));
export const mutantsDir = fileURLToPath(new URL('./mutants/', import.meta.url));

const edit = (find: string, replace: string): Edit => ({ find, replace });

export const mutants: readonly Mutant[] = [
  // --- what the program sees (the refinement) ---
  {
    name: 'SkipIgnoresPreserve',
    bug: 'write-back skips a byte bound to the same offset even when its block was preserved, i.e. the file changed since the read',
    expect: 'Lazy',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`    /\ pbPos + pbI < Len(file[pbF])
    /\ snap[pbX.snap].preserved[BlockOf(pbPos + pbI)] = Absent`,
        String.raw`    /\ pbPos + pbI < Len(file[pbF])`,
      ),
    ],
  },
  {
    name: 'SkipIgnoresStale',
    bug: "write-back skips a byte bound to a snapshot whose file changed behind the engine's back",
    expect: 'Lazy',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`    /\ ~snap[pbX.snap].stale
`,
        '',
      ),
    ],
  },
  {
    name: 'FileWriteNoCopy',
    bug: 'another writer changes bound offsets through the engine without copy-before-write',
    expect: 'Refines',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`Commit(src, frame, swap, Changed(CopyBeforeWrite(fwF, fwOffs), fwF), Facts(fwF, fwOffs),`,
        String.raw`Commit(src, frame, swap, Changed(snap, fwF), Facts(fwF, fwOffs),`,
      ),
    ],
  },
  {
    name: 'TruncateNoPreserve',
    bug: 'a truncation through the engine cuts bound offsets without preserving their blocks',
    expect: 'Refines',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`Commit(src, frame, swap, Changed(CopyBeforeWrite(ftF, ftCut), ftF), Facts(ftF, ftCut),`,
        String.raw`Commit(src, frame, swap, Changed(snap, ftF), Facts(ftF, ftCut),`,
      ),
    ],
  },
  {
    name: 'WriteNoCopyBeforeWrite',
    bug: "a segment's write-back overwrites offsets other bytes are bound to without preserving their blocks",
    expect: 'Refines',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`IF wrOffs = {} THEN snap ELSE Changed(CopyBeforeWrite(wrF, wrOffs), wrF)`,
        String.raw`IF wrOffs = {} THEN snap ELSE Changed(snap, wrF)`,
      ),
    ],
  },
  {
    name: 'ForeignWriteFirstBlock',
    bug: "copy-before-write for another writer's write saves only the block of its first byte, as if a write never spanned blocks",
    expect: 'Refines',
    cfg: 'span',
    edits: [
      edit(
        String.raw`Commit(src, frame, swap, Changed(CopyBeforeWrite(fwF, fwOffs), fwF), Facts(fwF, fwOffs),`,
        String.raw`Commit(src, frame, swap, Changed(CopyBeforeWrite(fwF, { fwO \in fwOffs : BlockOf(fwO) = BlockOf(fwPos) }), fwF), Facts(fwF, fwOffs),`,
      ),
    ],
  },
  {
    name: 'ReusePreservedSnap',
    bug: 'read reuses a snapshot in which a block of the range was preserved, so it binds to old bytes',
    expect: 'Refines',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`                        /\ (ruF \in Isolated => ruSnap[ruS].fresh)
                        /\ \A ruB \in ruBlocks : ruSnap[ruS].preserved[ruB] = Absent }`,
        String.raw`                        /\ (ruF \in Isolated => ruSnap[ruS].fresh) }`,
      ),
    ],
  },
  {
    name: 'ReuseOtherFilesSnap',
    bug: 'read reuses a live snapshot of a different file',
    expect: 'Refines',
    cfg: 'twofiles',
    edits: [
      edit(
        String.raw`                        /\ ruSnap[ruS].file = ruF
`,
        '',
      ),
    ],
  },
  {
    name: 'ReuseStaleCopy',
    bug: "an isolated file's snapshot is reused although its private copy is older than a change made through the engine (issue 9, bug 1)",
    expect: 'Refines',
    cfg: 'isolation',
    edits: [
      edit(
        String.raw`                        /\ (ruF \in Isolated => ruSnap[ruS].fresh)
`,
        '',
      ),
    ],
  },
  {
    name: 'IsolatedReadsFile',
    bug: 'an isolated snapshot reads its bytes from the file instead of its private copy',
    expect: 'Refines',
    cfg: 'isolation',
    edits: [
      edit(
        String.raw`        ELSE IF snap[sbS].file \in Isolated THEN SeqByte(snap[sbS].copy, sbO)
`,
        '',
      ),
    ],
  },
  {
    name: 'StaleServed',
    bug: "a fault serves snapshot bytes of a file that changed behind the engine's back, as if nothing had changed",
    expect: 'Refines',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`    \/ ~kuSnap[kuSrc[kuA].snap].stale
`,
        String.raw`    \/ TRUE
`,
      ),
    ],
  },
  {
    name: 'PrefetchPastLost',
    bug: 'prefetch fills pages it cannot fill instead of stopping at the first one',
    expect: 'Refines',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`    LET pfIn(pfX) == pfP <= pfX /\ pfX < pfP + pfN /\ \A pfY \in pfStop : pfX < pfY IN`,
        String.raw`    LET pfIn(pfX) == pfP <= pfX /\ pfX < pfP + pfN IN`,
      ),
    ],
  },
  // --- the mechanism's own invariants ---
  {
    name: 'ReadKeepsFrame',
    bug: 'read over a resident page keeps its old frame instead of dropping or refreshing it',
    expect: 'FrameCoherent',
    cfg: 'smoke',
    edits: [
      edit(
        String.raw`                          IF rdFull(rdQ) \/ frame[rdQ] = Absent THEN Absent
                          ELSE [rdI \in 1 .. B |->
                                  IF rdIn(rdQ * B + rdI - 1)
                                  THEN FileByte(rdF, rdPos + rdQ * B + rdI - 1 - rdA)
                                  ELSE frame[rdQ][rdI]]],`,
        String.raw`                          frame[rdQ]],`,
      ),
    ],
  },
  {
    name: 'NeverRelease',
    bug: 'a snapshot that no byte is bound to any more is never released',
    expect: 'NoLeak',
    cfg: 'smoke',
    edits: [
      edit(
        String.raw`        IF ~Live(rlSrc, rlS) THEN FreeSnap`,
        String.raw`        IF rlSnap[rlS].file = NoFile THEN FreeSnap`,
      ),
    ],
  },
  {
    name: 'ReleaseBeforeRebind',
    bug: 'release judges liveness from the binding before the step, freeing the snapshot the step just bound',
    expect: 'NoDangling',
    cfg: 'smoke',
    edits: [
      edit(
        String.raw`        IF ~Live(rlSrc, rlS) THEN FreeSnap`,
        String.raw`        IF ~Live(src, rlS) THEN FreeSnap`,
      ),
    ],
  },
  {
    name: 'StaleSwapOnRefault',
    bug: "a fault-in keeps the page's swap slot, which goes stale at the next store",
    expect: 'SwapOnlyDirty',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`                       [swap EXCEPT ![ldP] = Absent], snap, origin, [ldRec EXCEPT !.ret = View(ldA)], FALSE)`,
        String.raw`                       swap, snap, origin, [ldRec EXCEPT !.ret = View(ldA)], FALSE)`,
      ),
    ],
  },
  {
    name: 'EvictDropsDirty',
    bug: 'evicting a dirty page drops its bytes instead of writing them to its swap slot',
    expect: 'AnonBacked',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`[swap EXCEPT ![evP] = IF Dirty(src, evP) THEN frame[evP] ELSE Absent]`,
        String.raw`[swap EXCEPT ![evP] = Absent]`,
      ),
    ],
  },
  {
    name: 'LoadIgnoresLost',
    bug: 'a load of a page holding a lost byte faults it in anyway (with whatever the file holds now) instead of refusing',
    expect: 'Refines',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`           ELSE IF Fillable(ldP)
           THEN Commit(src, [frame EXCEPT ![ldP] = PageView(ldP)],`,
        String.raw`           ELSE IF TRUE
           THEN Commit(src, [frame EXCEPT ![ldP] = PageView(ldP)],`,
      ),
    ],
  },
  {
    name: 'LoadRefusesKnown',
    bug: "a load refuses a page bound to a snapshot whose file changed behind the engine's back even where its bytes are still known (a private copy, a preserved block)",
    expect: 'RefusalJustified',
    cfg: 'isolation',
    edits: [
      edit(
        String.raw`           ELSE IF Fillable(ldP)
           THEN Commit(src, [frame EXCEPT ![ldP] = PageView(ldP)],`,
        String.raw`           ELSE IF \A ldX \in PageAddrs(ldP) : src[ldX].kind # "Snap" \/ ~snap[src[ldX].snap].stale
           THEN Commit(src, [frame EXCEPT ![ldP] = PageView(ldP)],`,
      ),
    ],
  },
  // --- efficiency, judged by the ghost origins (Lazy) ---
  {
    name: 'NeverSkip',
    bug: 'write-back writes every byte, even those provably in the file already',
    expect: 'Lazy',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`\E wrOffs \in { { wrPos + wrJ : wrJ \in wrNeed } } :`,
        String.raw`\E wrOffs \in { { wrPos + wrJ : wrJ \in 0 .. wrN - 1 } } :`,
      ),
    ],
  },
  {
    name: 'PageGranularSkip',
    bug: 'write-back rewrites bound bytes of a page that also holds an Anon byte, as if skipping were page-granular',
    expect: 'Lazy',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`    /\ pbX.kind = "Snap"
    /\ pbX.off = pbPos + pbI`,
        String.raw`    /\ pbX.kind = "Snap"
    /\ ~Dirty(src, PageOf(pbA + pbI))
    /\ pbX.off = pbPos + pbI`,
      ),
    ],
  },
  {
    name: 'PreserveEverything',
    bug: 'every change preserves every block any live snapshot of the file references, written or not',
    expect: 'Lazy',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`                       /\ \E cwO \in cwOffs : BlockOf(cwO) = cwB /\ Bound(cwS, cwO)`,
        String.raw`                       /\ cwB \in Refs(src, cwS)`,
      ),
    ],
  },
  {
    name: 'PreserveTouchedBlocks',
    bug: 'copy-before-write saves every referenced block a change touches, even where no byte is bound to the offsets it writes (the rule before 2026-12)',
    expect: 'Lazy',
    cfg: 'conformance',
    edits: [
      edit(
        String.raw`                       /\ \E cwO \in cwOffs : BlockOf(cwO) = cwB /\ Bound(cwS, cwO)`,
        String.raw`                       /\ \E cwO \in cwOffs : BlockOf(cwO) = cwB /\ cwB \in Refs(src, cwS)`,
      ),
    ],
  },
  {
    name: 'ZeroLoadsPages',
    bug: 'zero (the memset syscall) faults partly covered pages in, as a memset in user space would',
    expect: 'Lazy',
    cfg: 'smoke',
    edits: [
      edit(
        String.raw`                      IF zrFull(zrQ) \/ frame[zrQ] = Absent THEN Absent`,
        String.raw`                      IF zrFull(zrQ) THEN Absent`,
      ),
      edit(
        String.raw`                                               ELSE frame[zrQ][zrI]]],`,
        String.raw`                                               ELSE PageView(zrQ)[zrI]]],`,
      ),
    ],
  },
  {
    name: 'CopyOutFaults',
    bug: 'copyOut faults the pages it copies in, polluting memory like a load would',
    expect: 'Lazy',
    cfg: 'smoke',
    edits: [
      edit(
        String.raw`       THEN Commit(src, frame, swap, snap, origin,
                   [coRec EXCEPT !.out = [coJ \in 1 .. coN |-> View(coA + coJ - 1)]], FALSE)`,
        String.raw`       THEN Commit(src, [coQ \in Pages |-> IF frame[coQ] = Absent /\ Fillable(coQ) THEN PageView(coQ) ELSE frame[coQ]], swap, snap, origin,
                   [coRec EXCEPT !.out = [coJ \in 1 .. coN |-> View(coA + coJ - 1)]], FALSE)`,
      ),
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
  const note =
    `\\* GENERATED by npm run spec:mutants from spec/mutants.ts: do not edit.\n` +
    `\\* Seeded bug: ${mutant.bug}.\n\\* Model checking must report: ${mutant.expect}.\n`;
  return note + renamed;
}

/**
 * The refinement wrapper TLC checks a mutant through: Refinement.tla with
 * its EXTENDS pointed at the mutant.
 */
export function mutantRefinementSource(refinement: string, mutant: Mutant): string {
  const header = 'MODULE Refinement ';
  const extend = 'EXTENDS DeferredIO';
  if (!refinement.includes(header) || !refinement.includes(extend))
    throw new Error('Refinement.tla must be MODULE Refinement, EXTENDS DeferredIO');
  const note = `\\* GENERATED by npm run spec:mutants from spec/Refinement.tla: do not edit.\n`;
  return (
    note + refinement.replace(header, `MODULE ${mutant.name}Refinement `).replace(extend, `EXTENDS ${mutant.name}`)
  );
}

/** Every file spec/mutants/ must hold, by name: the mutants, their refinement wrappers, and Conventional.tla. */
export function mutantFiles(): Map<string, string> {
  const spec = readSpec();
  const refinement = readFileSync(refinementPath, 'utf8');
  const files = new Map<string, string>([['Conventional.tla', readFileSync(conventionalPath, 'utf8')]]);
  for (const mutant of mutants) {
    files.set(`${mutant.name}.tla`, mutantSource(spec, mutant));
    files.set(`${mutant.name}Refinement.tla`, mutantRefinementSource(refinement, mutant));
  }
  return files;
}

/** The files a mutant's verdict depends on (repository-relative paths) with their sha256 now. */
export function mutantSources(mutant: Mutant): Record<string, string> {
  const files = [`${mutant.name}.tla`, `${mutant.name}Refinement.tla`, 'Conventional.tla'].map((f) =>
    join(mutantsDir, f),
  );
  files.push(fileURLToPath(new URL(`./${mutant.cfg}.cfg`, import.meta.url)));
  return Object.fromEntries(files.map((f) => [relative(repoRoot, f).split(sep).join('/'), fileSha256(f)]));
}

export function readSpec(): string {
  return readFileSync(specPath, 'utf8');
}
