import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExtentMap } from './extents.ts';

const size = 40;

/** The map as one value per integer, read back through walk, plus structural checks. */
function expand(map: ExtentMap<number>): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  let previous: { end: number; value: number } | null = null;
  let count = 0;
  map.forEach((start, end, value) => {
    expect(start).toBeLessThan(end);
    if (previous !== null) {
      expect(start).toBeGreaterThanOrEqual(previous.end);
      // Coalescing: equal neighbours never stay apart.
      if (start === previous.end) expect(value).not.toBe(previous.value);
    }
    previous = { end, value };
    count++;
  });
  expect(map.extents).toBe(count);
  map.walk(0, size, (start, end, value) => {
    for (let i = start; i < end; i++) out[i] = value;
  });
  return out;
}

describe('ExtentMap', () => {
  it('binds a 2^53-byte range as a single extent', () => {
    const map = new ExtentMap<string>();
    map.set(0, 2 ** 53, 'a');
    map.set(2 ** 40, 2 ** 40 + 10, 'b');
    expect(map.extents).toBe(3);
    expect(map.at(2 ** 40 + 5)?.value).toBe('b');
    expect(map.at(2 ** 52)).toEqual(expect.objectContaining({ start: 2 ** 40 + 10, end: 2 ** 53, value: 'a' }));
    map.set(2 ** 40, 2 ** 40 + 10, 'a');
    expect(map.extents).toBe(1);
  });

  it('walks gaps and clipped extents that tile the range exactly', () => {
    const map = new ExtentMap<number>();
    map.set(5, 10, 1);
    map.set(20, 30, 2);
    const pieces: [number, number, number | undefined][] = [];
    map.walk(7, 25, (s, e, v) => pieces.push([s, e, v]));
    expect(pieces).toEqual([
      [7, 10, 1],
      [10, 20, undefined],
      [20, 25, 2],
    ]);
    expect(map.overlaps(10, 20)).toBe(false);
    expect(map.overlaps(9, 20)).toBe(true);
    expect(map.overlaps(10, 21)).toBe(true);
  });

  it('reports the extents a set removes, clipped to the range', () => {
    const map = new ExtentMap<number>();
    map.set(0, 10, 1);
    map.set(10, 20, 2);
    const removed: [number, number, number][] = [];
    map.set(5, 15, 3, (s, e, v) => removed.push([s, e, v]));
    expect(removed).toEqual([
      [5, 10, 1],
      [10, 15, 2],
    ]);
  });

  it('refuses to change while walking', () => {
    const map = new ExtentMap<number>();
    map.set(0, 4, 1);
    expect(() => map.walk(0, 4, () => map.set(0, 1, 2))).toThrow(/during a walk/);
  });

  it('agrees with an array of values under random set and update', () => {
    const range = fc
      .tuple(fc.nat(size - 1), fc.integer({ min: 1, max: size }))
      .map(([lo, n]) => [lo, Math.min(size, lo + n)] as const);
    // Disjoint, sorted, non-empty runs: from sorted distinct cut points, the first gap and any of the
    // others, so that runs may touch (updateRuns takes them as they come, coalesced or not).
    const runs = fc
      .tuple(
        fc.uniqueArray(fc.integer({ min: 0, max: size }), { minLength: 2, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      )
      .map(([cuts, keep]) => {
        const sorted = cuts.sort((a, b) => a - b);
        return sorted.flatMap((cut, i) =>
          i + 1 < sorted.length && (i === 0 || keep[i]) ? [[cut, sorted[i + 1]] as const] : [],
        );
      });
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        range,
        value: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('update' as const), range, delta: fc.integer({ min: -1, max: 2 }) }),
      fc.record({ kind: fc.constant('runs' as const), runs, delta: fc.integer({ min: -1, max: 2 }) }),
      fc.record({ kind: fc.constant('clear' as const) }),
      fc.record({ kind: fc.constant('walk' as const), range }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const map = new ExtentMap<number>();
        const model: (number | undefined)[] = new Array(size).fill(undefined);
        for (const o of ops) {
          if (o.kind === 'walk') {
            // A walk of any part of the map: the model's values there, as maximal pieces in order.
            const [lo, hi] = o.range;
            const pieces: [number, number, number | undefined][] = [];
            map.walk(lo, hi, (s, e, v) => pieces.push([s, e, v]));
            const expected: [number, number, number | undefined][] = [];
            for (let i = lo; i < hi; i++) {
              const last = expected.at(-1);
              if (last !== undefined && last[2] === model[i]) last[1] = i + 1;
              else expected.push([i, i + 1, model[i]]);
            }
            expect(pieces).toEqual(expected);
            continue;
          }
          if (o.kind === 'clear') {
            map.clear();
            model.fill(undefined);
          } else if (o.kind === 'runs') {
            const f = (v: number | undefined) => {
              const next = (v ?? 0) + o.delta;
              return next <= 0 ? undefined : next;
            };
            const seen: [number, number][] = [];
            map.updateRuns(o.runs, (v, start, end) => {
              for (let i = start; i < end; i++) expect(v).toBe(model[i]);
              seen.push([start, end]);
              return f(v);
            });
            // fn saw exactly the runs, in pieces, in order.
            expect(seen.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i))).toEqual(
              o.runs.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i)),
            );
            for (const [lo, hi] of o.runs) for (let i = lo; i < hi; i++) model[i] = f(model[i]);
          } else if (o.kind === 'set') {
            const [lo, hi] = o.range;
            const removed: (number | undefined)[] = new Array(size).fill(undefined);
            map.set(lo, hi, o.value, (s, e, v) => {
              for (let i = s; i < e; i++) removed[i] = v;
            });
            for (let i = lo; i < hi; i++) {
              expect(removed[i]).toBe(model[i]);
              model[i] = o.value;
            }
          } else {
            const [lo, hi] = o.range;
            const f = (v: number | undefined) => {
              const next = (v ?? 0) + o.delta;
              return next <= 0 ? undefined : next;
            };
            map.update(lo, hi, f);
            for (let i = lo; i < hi; i++) model[i] = f(model[i]);
          }
          expect(expand(map)).toEqual(model);
          for (let i = 0; i < size; i++) expect(map.at(i)?.value).toBe(model[i]);
          // next(x): the extent holding x, else the first after it.
          for (let i = 0; i < size; i++) {
            const first = model.findIndex((v, j) => j >= i && v !== undefined);
            const next = map.next(i);
            if (first < 0) expect(next).toBeNull();
            else expect([next!.start <= first && first < next!.end, next!.value]).toEqual([true, model[first]]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
