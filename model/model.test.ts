import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Addrs, type Constants } from './constants.ts';
import { readConfig } from './config.ts';
import { View } from './derived.ts';
import { enumerate } from './graph.ts';
import { invariants, violated } from './invariants.ts';
import { apply, type Action } from './next.ts';
import { Conventional } from './oracle.ts';
import { decodeAction, decodeState, encodeState } from './schema.ts';
import { initState, type State } from './state.ts';
import { Store, Load, Read, Evict } from './actions.ts';

describe('the model on the conformance graph', () => {
  const cfg = readConfig('spec/conformance.cfg');
  const graph = enumerate(cfg.constants);

  test('explores the state count TLC reported for conformance.cfg', () => {
    expect(graph.states.length).toBe(30263);
  });

  test('every invariant holds on every state', () => {
    const bad = graph.models.flatMap((st, id) =>
      violated(cfg.constants, st).map((name) => `${name} in state ${id}:\n${graph.states[id]}`));
    expect(bad).toEqual([]);
  });

  test('every invariant is exercised: each one is false on some corrupted state', () => {
    // A predicate that cannot fail proves nothing; corrupt a reachable state per invariant.
    const c = cfg.constants;
    const st = graph.models.find((s) => s.last.op === 'read' && s.last.ret === 2)!;
    const resident = Load(c, st, 0);
    const corruptions: Record<keyof typeof invariants, State> = {
      TypeOK: { ...st, steps: -1 },
      NoDangling: { ...st, snap: st.snap.map((e) => ({ ...e, file: c.NoFile })) },
      AnonBacked: { ...st, src: st.src.map(() => ({ kind: 'Anon', snap: 0, off: 0 })) },
      SwapOnlyDirty: { ...resident, swap: [[0, 0]] },
      FrameCoherent: { ...resident, frame: [resident.frame[0]!.map((v) => 1 - v)] },
      NoLeak: { ...st, src: st.src.map(() => ({ kind: 'Zero', snap: 0, off: 0 })) },
      Equivalence: { ...st, mem: st.mem.map((v) => 1 - v) },
      Lazy: { ...st, last: { ...st.last, fault: true } },
    };
    for (const [name, bad] of Object.entries(corruptions)) {
      expect(violated(c, bad, [name]), name).toEqual([name]);
    }
  });
});

/** Realistic-ish bounds for random sequences: several pages, unaligned offsets, two files. */
const fuzz: Constants = {
  Files: ['f1', 'f2'], Foreign: ['f1', 'f2'], NoFile: 'NoFile',
  B: 4, P: 4, MaxLen: 24, InitLen: 0, Vals: Array.from({ length: 256 }, (_, i) => i),
  MaxSnap: 40, MaxWrite: 8, MaxSteps: 10_000,
};
const na = fuzz.P * fuzz.B;
const byte = fc.integer({ min: 0, max: 255 });
const fileName = fc.constantFrom(...fuzz.Files);
const span = fc.integer({ min: 0, max: na - 1 }).chain((addr) =>
  fc.integer({ min: 1, max: na - addr }).map((len) => ({ addr, len })));
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.tuple(fileName, fc.integer({ min: 0, max: fuzz.MaxLen }), span)
    .map(([file, pos, s]) => ({ op: 'read', file, pos, ...s }) as const),
  fc.integer({ min: 0, max: na - 1 }).map((addr) => ({ op: 'load', addr }) as const),
  fc.tuple(fc.integer({ min: 0, max: na - 1 }), byte).map(([addr, val]) => ({ op: 'store', addr, val }) as const),
  fc.tuple(span, fileName, fc.integer({ min: 0, max: fuzz.MaxLen }), fc.boolean())
    .filter(([s, , pos]) => pos + s.len <= fuzz.MaxLen)
    .map(([s, file, pos, rebind]) => ({ op: 'write', ...s, file, pos, rebind }) as const),
  span.map((s) => ({ op: 'zero', ...s }) as const),
  fc.tuple(fileName, fc.integer({ min: 0, max: fuzz.MaxLen - 1 }), fc.array(byte, { minLength: 1, maxLength: fuzz.MaxWrite }))
    .filter(([, pos, data]) => pos + data.length <= fuzz.MaxLen)
    .map(([file, pos, data]) => ({ op: 'fileWrite', file, pos, data }) as const),
  fc.tuple(fileName, fc.integer({ min: 0, max: fuzz.MaxLen })).map(([file, len]) => ({ op: 'fileTruncate', file, len }) as const),
  fc.integer({ min: 0, max: fuzz.P - 1 }).map((page) => ({ op: 'evict', page }) as const),
);

test('model vs conventional oracle: random action sequences agree on every load and every file', () => {
  const files = fc.tuple(fc.array(byte, { maxLength: fuzz.MaxLen }), fc.array(byte, { maxLength: fuzz.MaxLen }));
  fc.assert(
    fc.property(files, fc.array(action, { minLength: 1, maxLength: 40 }), ([f1, f2], acts) => {
      let st = initState(fuzz, new Map([['f1', f1], ['f2', f2]]));
      const oracle = new Conventional(na, st.file);
      for (const act of acts) {
        const next = apply(fuzz, st, act);
        if (next === null) continue; // beyond the model's bounds (a write past MaxLen)
        const expected = oracle.apply(act);
        if (act.op === 'load' || act.op === 'read') expect(next.last.ret).toBe(expected);
        st = next;
        for (const f of fuzz.Files) expect(st.file.get(f)).toEqual(oracle.files.get(f));
        expect(Addrs(fuzz).map((a) => View(fuzz, st, a))).toEqual(oracle.mem);
        expect(violated(fuzz, st, ['NoDangling', 'AnonBacked', 'SwapOnlyDirty', 'FrameCoherent', 'NoLeak', 'Lazy'])).toEqual([]);
      }
    }),
    { numRuns: 1000 },
  );
});

test('a write-back of an unchanged region after rebind writes nothing', () => {
  let st = initState(fuzz, new Map([['f1', [1, 2, 3, 4, 5, 6, 7, 8]], ['f2', []]]));
  st = Read(fuzz, st, 'f1', 0, 0, 8)!;
  st = Store(fuzz, st, 5, 9);
  st = apply(fuzz, st, { op: 'write', addr: 0, len: 8, file: 'f1', pos: 0, rebind: true })!;
  expect([st.last.written, st.last.skipped]).toEqual([4, 4]); // the stored page only
  st = Evict(fuzz, st, 1)!;
  st = apply(fuzz, st, { op: 'write', addr: 0, len: 8, file: 'f1', pos: 0, rebind: true })!;
  expect([st.last.written, st.last.skipped]).toEqual([0, 8]);
});

describe('schemas', () => {
  const st = initState(fuzz, new Map([['f1', [1, 2]], ['f2', []]]));

  test('a state survives encode and decode', () => {
    expect(decodeState(JSON.parse(JSON.stringify(encodeState(st))))).toEqual(st);
  });

  test('a malformed state is rejected with a message naming the field', () => {
    const json = JSON.parse(JSON.stringify(encodeState(st)));
    json.src[3].kind = 'Dirty';
    expect(() => decodeState(json)).toThrow(/\.src\[3\]\.kind: Expected "Zero", actual "Dirty"/);
    const json2 = JSON.parse(JSON.stringify(encodeState(st)));
    json2.file.f1 = [1, 300];
    expect(() => decodeState(json2)).toThrow(/\.file\.f1\[1\]: Expected a number between 0 and 255, actual 300/);
    const json3 = JSON.parse(JSON.stringify(encodeState(st)));
    delete json3.steps;
    expect(() => decodeState(json3)).toThrow(/\.steps: is missing/);
  });

  test('malformed actions are rejected with readable messages', () => {
    expect(decodeAction({ op: 'store', addr: 3, val: 7 })).toEqual({ op: 'store', addr: 3, val: 7 });
    expect(() => decodeAction({ op: 'store', addr: -1, val: 7 })).toThrow(/addr/);
    expect(() => decodeAction({ op: 'write', addr: 0, len: 1, file: 'f1', pos: 0 })).toThrow(/rebind/);
    expect(() => decodeAction({ op: 'mmap', addr: 0 })).toThrow(/op/);
    expect(() => decodeAction({ op: 'load', addr: 0, extra: 1 })).toThrow(/extra/);
  });
});
