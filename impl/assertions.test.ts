/**
 * Issue 18: assertions where the design relies on something (TigerBeetle's
 * TIGER_STYLE). impl/ makes at least one assert per function on average,
 * none of them compound, and every core function below (the write-skip and
 * each function that carries out a spec action or operator, or the frame,
 * binding and snapshot bookkeeping they stand on) asserts something. The
 * figures are impl/testing/assertions.ts's, which says what counts; first
 * it is run over a small tree whose figures are known, so a miscount fails
 * here instead of passing forever.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  type AssertCall,
  type MeasuredFunction,
  measureAssertions,
  perFunction,
  summary,
} from './testing/assertions.ts';
import { tempDir } from './testing/temp.ts';

/**
 * The core functions, by the name the measurement gives them (`Class.member`
 * or a module's function), and what of the spec each carries out: the
 * mechanism of every spec action, the operators they rest on, and the
 * frame, binding and snapshot bookkeeping. Looked up by name across impl/,
 * so a function may move between files; one renamed, gone or named twice
 * fails until this table follows it.
 */
const core: readonly (readonly [name: string, spec: string])[] = [
  ['read', 'Read'],
  ['load', 'Load off the hit path: the frame of a page, faulted in, with readahead'],
  ['fault', 'a fault (Load, Store, Bytes, Prefetch): PageView into a frame'],
  ['Pager.sources', 'PageView: the bytes of pages not resident, from their sources'],
  ['copyPages', 'Load of a value across pages'],
  ['store', 'Store'],
  ['Pager.detach', 'Store and a writable Bytes: the page becomes Anon'],
  ['bytes', 'Bytes'],
  ['copyOut', 'CopyOut'],
  ['Pager.view', 'View'],
  ['Pager.checkKnown', 'Known, before a copy or a write-back changes anything'],
  ['prefetch', 'Prefetch'],
  ['fillBatch', "Prefetch's batched fill"],
  ['write', 'Write'],
  ['provable', 'Provable: the write-skip'],
  ['writePlan', 'Write: the bytes not provable, in runs, each Known before anything changes'],
  ['writeRuns', 'Write: the runs written in place, copy-before-write first'],
  ['atomicWriteBack', 'the atomic write-back: journal, commit, the runs in place (AtomicWriteBack)'],
  ['scanJournal', 'recovery: what a journal says (committed, uncommitted, untrusted)'],
  ['recover', 'recovery at open: a committed journal replayed, any other discarded (RecoveryIdempotent)'],
  ['changedSince', 'NoGhostReplay: a journal replayed only over its own file, unchanged since'],
  ['rebindWritten', "Write's rebind"],
  ['zero', 'Zero'],
  ['refresh', 'Refresh: every lost byte within its file, bound to the file as it is now'],
  ['lostRuns', "Refresh's lost bytes: not Known, within the file's current length"],
  ['fileWrite', 'FileWrite'],
  ['fileTruncate', 'FileTruncate'],
  ['evict', 'Evict'],
  ['evictResident', 'Evict of a resident page, and of the victim of a fault'],
  ['frameFor', 'a frame for a fault: a free one, else the victim, evicted'],
  ['FramePool.victim', "the frame pool's victim choice (CLOCK)"],
  ['change', 'a change through the engine: CopyBeforeWrite, then Changed'],
  ['copyBeforeWrite', 'CopyBeforeWrite'],
  ['preserve', "CopyBeforeWrite: one snapshot's block"],
  ['Snapshots.snapByte', 'SnapByte, refusing an unknown byte (Known)'],
  ['Snapshots.reusable', 'Reusable'],
  ['Snapshots.create', 'ChosenSnap: a new snapshot, lowest free id'],
  ['Snapshots.release', 'Release'],
  ['Snapshots.#releaseUnreferenced', 'Release of preserved blocks no byte references'],
  ['Snapshots.#free', 'Release of a snapshot no byte is bound to'],
  ['Bindings.bind', 'rebinding a range (src)'],
  ['Bindings.bindRuns', "rebinding a write-back's runs"],
  ['Pager.rebound', 'pages of rebound bytes drop frame and swap slot (Read, Zero, Write with rebind)'],
  ['Pager.#partlyRebound', 'SwapKept on a page rebound in part'],
  ['commit', 'Commit'],
];

const where = (x: MeasuredFunction | AssertCall): string => `${x.file}:${x.line}`;

const impl = measureAssertions(fileURLToPath(new URL('.', import.meta.url)));
const found = core.map(([name, spec]) => ({ name, spec, functions: impl.functions.filter((f) => f.name === name) }));
const atZero = found.flatMap(({ functions }) => functions.filter((f) => f.asserts.length === 0));
console.log(`impl/ asserts: ${summary(impl, atZero.length)}`);

describe('the measurement', () => {
  test('counts functions, asserts and compound asserts as documented', () => {
    const dir = tempDir();
    const files: Record<string, string> = {
      'assert.ts': 'export function assert(c: boolean): asserts c {\n  if (!c) throw new Error();\n}\n',
      'a.ts': [
        "import { assert as check } from './assert.ts';",
        'check(true);',
        'export function overloaded(x: number): number;',
        'export function overloaded(x: number): number {',
        '  check(x > 0 && x < 9);',
        '  check(!(x === 1 || x === 2));',
        '  check((x > 1) === (x >= 2));',
        '  return x;',
        '}',
        'export class Box {',
        '  #n = 0;',
        '  readonly twice = (x: number): number => x * 2;',
        '  constructor() {',
        '    check(this.#n === 0);',
        '  }',
        '  get n(): number {',
        '    return this.#n;',
        '  }',
        '  set n(v: number) {',
        '    check(v >= 0);',
        '    this.#n = v;',
        '  }',
        '  each(xs: number[]): void {',
        '    xs.forEach((x) => {',
        '      check(x >= 0);',
        '    });',
        '    const inner = (): void => check(xs.length > 0);',
        '    inner();',
        '  }',
        '}',
      ].join('\n'),
      // Another module's assert is not the folder's.
      'd.ts': "import { strict as assert } from 'node:assert';\nexport function d(): void {\n  assert(true);\n}\n",
      'd.test.ts': "import { assert } from './assert.ts';\nexport function t(): void {\n  assert(true);\n}\n",
      'testing/helper.ts': "import { assert } from '../assert.ts';\nexport function h(): void {\n  assert(true);\n}\n",
    };
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    const m = measureAssertions(dir);
    expect(m.functions.map((f) => [f.name, f.asserts.length])).toEqual([
      ['overloaded', 3],
      ['Box.twice', 0],
      ['Box.constructor', 1],
      ['Box.get n', 0],
      ['Box.set n', 1],
      ['Box.each', 1],
      ['Box.each/inner', 1],
      ['assert', 0],
      ['d', 0],
    ]);
    expect(m.compound.map((a) => `${where(a)} ${a.text}`)).toEqual([
      'a.ts:5 check(x > 0 && x < 9)',
      'a.ts:6 check(!(x === 1 || x === 2))',
    ]);
    // The top-level assert counts in its file, in no function.
    expect(m.asserts).toHaveLength(8);
    expect(summary(m, 1)).toBe('9 functions, 8 asserts, 0.89 per function, 2 compound, 1 core functions at 0');
  });
});

describe('impl/', () => {
  test('every core function is found, once', () => {
    const missing = found.filter((c) => c.functions.length !== 1);
    expect(missing.map((c) => `core function ${c.name} found ${c.functions.length} times`)).toEqual([]);
  });

  test('every core function asserts', () => {
    const spec = new Map(core);
    expect(atZero.map((f) => `${f.name} (${spec.get(f.name)}) at ${where(f)} has no assert`)).toEqual([]);
  });

  test('no assert is compound', () => {
    expect(impl.compound.map((a) => `${where(a)} ${a.text}`)).toEqual([]);
  });

  test('at least one assert per function on average', () => {
    expect(perFunction(impl)).toBeGreaterThanOrEqual(1);
  });
});
