import { expect, test } from 'vitest';
import { seededByteArray, seededBytes } from './arbitraries.ts';

test('seeded bytes are vals[|seed + 31 i| mod m]: across zero, past the small integers, in either array', () => {
  const closedForm = (vals: readonly number[], n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => vals[Math.abs(seed + i * 31) % vals.length]!);
  const bytes = Array.from({ length: 256 }, (_, v) => v);
  for (const vals of [[0, 1, 2], [0], [5, 0, 7, 1, 9], bytes]) {
    for (const seed of [0, 1, -1, -30, -31, -32, -1000, 2 ** 31 - 1, -(2 ** 31), 2 ** 31 - 100]) {
      const want = closedForm(vals, 300, seed);
      expect(seededBytes(vals, 300, seed), `${vals.length} values, seed ${seed}`).toEqual(want);
      if (vals === bytes) expect(Array.from(seededByteArray(vals, 300, seed))).toEqual(want);
    }
  }
});
