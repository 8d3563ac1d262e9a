/**
 * The run-length model against the per-byte model on the spec's own
 * configs: from states the per-byte model reaches (random walks of Next
 * from Init), every action Next offers -- enabled or not -- must give the
 * same successor, step record included, once expanded (expand.ts). Random
 * action sequences at other geometries are checked by the conformance
 * commands (conformance/model-vs-conventional.test.ts, the "twin" models).
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { actionLabel } from '../../actions/labels.ts';
import { apply, applyRuns, candidates } from '../../actions/next.ts';
import { canonicalState } from '../../tla/values.ts';
import { readConfig } from '../config.ts';
import type { Constants } from '../constants.ts';
import { Lazy as LazyPerByte } from '../invariants.ts';
import { initStates, type State, type StepRecord } from '../state.ts';
import { toTla } from '../tla.ts';
import { fromRecord, fromState, toState } from './expand.ts';
import { contains, elements, fromElements, type Interval, intersect, normalize, subtract, union } from './intervals.ts';
import { Lazy } from './invariants.ts';

const text = (c: Constants, st: State | null) => (st === null ? 'disabled' : canonicalState(toTla(c, st)));

/** The state a walk reaches: choice i picks the first enabled action from position i among those Next offers. */
function walk(c: Constants, inits: readonly State[], start: number, choices: readonly number[]): State {
  let st = inits[start % inits.length]!;
  for (const choice of choices) {
    const offered = [...candidates(c, st)];
    let next: State | null = null;
    for (let k = 0; k < offered.length && next === null; k++)
      next = apply(c, st, offered[(choice + k) % offered.length]!);
    if (next === null) break;
    st = next;
  }
  return st;
}

describe('run-length model = per-byte model on every action from sampled states of the certified configs', () => {
  // Every config there is: each reaches what the others do not (two blocks, isolation, two files, spans, two pages, long behaviours).
  const configs = readdirSync('spec')
    .filter((name) => name.endsWith('.cfg'))
    .map((name) => `spec/${name}`);
  for (const cfg of configs) {
    test(cfg, () => {
      const c = readConfig(cfg).constants;
      const inits = initStates(c);
      fc.assert(
        fc.property(fc.nat(), fc.array(fc.nat(), { maxLength: Math.max(0, c.MaxSteps - 1) }), (start, choices) => {
          const st = walk(c, inits, start, choices);
          const runs = fromState(c, st);
          expect(text(c, toState(c, runs)), 'the expansion of the compressed state').toBe(text(c, st));
          for (const act of candidates(c, st)) {
            const next = applyRuns(c, runs, act);
            expect(text(c, next === null ? null : toState(c, next)), actionLabel(act)).toBe(text(c, apply(c, st, act)));
          }
        }),
        // About 10,000 actions compared per config, whatever its size.
        { numRuns: Math.max(3, Math.round(10_000 / [...candidates(c, inits[0]!)].length)) },
      );
    });
  }
});

describe('interval lists are the sets they stand for', () => {
  const set = fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 20 });
  const sorted = (xs: Iterable<number>) => [...new Set(xs)].sort((x, y) => x - y);

  test('normal form, union, intersection, difference and membership agree with sets of integers', () => {
    fc.assert(
      fc.property(set, set, fc.integer({ min: -1, max: 41 }), (xs, ys, z) => {
        const a = fromElements(xs);
        const b = fromElements(ys);
        expect(elements(a)).toEqual(sorted(xs));
        expect(a.every(([lo, hi], i) => lo < hi && (i === 0 || a[i - 1]![1] < lo))).toBe(true);
        expect(elements(union(a, b))).toEqual(sorted([...xs, ...ys]));
        expect(elements(intersect(a, b))).toEqual(sorted(xs.filter((x) => ys.includes(x))));
        expect(elements(subtract(a, b))).toEqual(sorted(xs.filter((x) => !ys.includes(x))));
        expect(contains(a, z)).toBe(xs.includes(z));
      }),
    );
  });

  test('normalize merges overlapping and touching intervals and drops empty ones', () => {
    const list: Interval[] = [
      [5, 7],
      [0, 2],
      [2, 3],
      [6, 9],
      [4, 4],
    ];
    expect(normalize(list)).toEqual([
      [0, 3],
      [5, 9],
    ]);
  });
});

test('Lazy over runs judges every step record as the per-byte Lazy does', () => {
  const c = readConfig('spec/span.cfg').constants;
  const offs = fc.uniqueArray(fc.integer({ min: 0, max: c.MaxLen - 1 })).map((xs) => xs.sort((x, y) => x - y));
  const pairs = (max: number) =>
    fc
      .uniqueArray(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max })), {
        selector: ([s, x]) => `${s},${x}`,
      })
      .map((ps) => ps.sort((x, y) => x[0] - y[0] || x[1] - y[1]));
  const record = fc.record({
    op: fc.constantFrom('read', 'zero', 'copyOut', 'write', 'fileWrite', 'load' as const),
    err: fc.constantFrom('none', 'FileChangedError' as const),
    fault: fc.boolean(),
    wrote: offs,
    needed: offs,
    excused: offs,
    bound: pairs(c.MaxLen - 1),
    preserved: pairs(1),
  });
  fc.assert(
    fc.property(record, (fields) => {
      const rec: StepRecord = { ...initStates(c)[0]!.last, ...fields };
      const st = { ...initStates(c)[0]!, last: rec };
      expect(Lazy(c, { ...fromState(c, initStates(c)[0]!), last: fromRecord(c, rec) })).toBe(LazyPerByte(c, st));
    }),
    { numRuns: 2000 },
  );
});
