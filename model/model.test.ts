import { describe, expect, test } from 'vitest';
import { actionCall, actionLabel, parseActionLabel } from '../actions/labels.ts';
import { apply, conventionalCall, successors } from '../actions/next.ts';
import { type Action, decodeAction } from '../actions/table.ts';
import { Evict, Load, OutsideWrite, Read, Store } from './actions.ts';
import { readConfig } from './config.ts';
import type { Constants } from './constants.ts';
import { Known, Mem } from './derived.ts';
import { enumerate } from './graph.ts';
import { type invariants, violated } from './invariants.ts';
import { stepRefines } from './refinement.ts';
import { decodeState, encodeState } from './schema.ts';
import { initState, type State } from './state.ts';

describe('the model on the smoke graph', () => {
  const cfg = readConfig('spec/smoke.cfg');
  const c = cfg.constants;
  const graph = enumerate(c, successors);

  test('every invariant holds on every state', () => {
    const bad = graph.models.flatMap((st, id) =>
      violated(c, st).map((name) => `${name} in state ${id}:\n${graph.states[id]}`),
    );
    expect(bad).toEqual([]);
  });

  test('every invariant is exercised: each one is false on some corrupted state', () => {
    // A predicate that cannot fail proves nothing; corrupt a reachable state per invariant.
    const st = graph.models.find((s) => s.last.op === 'read' && s.last.ret === 1 && s.last.addr === 0)!;
    const resident = Load(c, st, 0);
    const written = graph.models.find((s) => s.last.op === 'write' && s.last.written > 0)!;
    const refused: State = { ...st, last: { ...st.last, op: 'load', err: 'FileChangedError' } };
    // The crash properties are about a Persistent file's crashes, which the smoke graph has none of: an
    // atomic write-back, crashed after it returned, or after its commit, and then inside the recovery.
    const k = persistent;
    const atomic = run(k, initState(k, new Map([['f1', [0, 0]]])), ['Store(0,1)', 'Write(0,2,f1,0,FALSE,TRUE,TRUE)']);
    const returned = run(k, atomic, ['Crash("kill",11,{})']);
    const committed = run(k, atomic, ['Crash("kill",7,{})']);
    const recovering = run(k, committed, ['Recover(f1)', 'Crash("kill",2,{})']);
    for (const ok of [returned, committed, recovering]) expect(violated(k, ok)).toEqual([]);
    const corruptions: Record<keyof typeof invariants, readonly [Constants, State]> = {
      TypeOK: [c, { ...st, steps: -1 }],
      NoDangling: [c, { ...st, snap: st.snap.map((e) => ({ ...e, file: c.NoFile })) }],
      AnonBacked: [c, { ...st, src: st.src.map(() => ({ kind: 'Anon', snap: 0, off: 0 })) }],
      SwapOnlyDirty: [c, { ...resident, swap: [[0, 0]] }],
      FrameCoherent: [c, { ...resident, frame: [resident.frame[0]!.map((v, i) => (i === 0 ? 1 - v : v))] }],
      NoLeak: [c, { ...st, src: st.src.map(() => ({ kind: 'Zero', snap: 0, off: 0 })) }],
      Lazy: [c, { ...written, last: { ...written.last, wrote: [], written: 0 } }],
      RefusalJustified: [c, refused],
      Kept: [c, { ...st, origin: st.origin.map((g) => (g.fact === 'intact' ? { ...g, fact: 'saved' } : g)) }],
      Refreshed: [c, { ...st, last: { ...st.last, op: 'refresh', lapsed: [[0, c.Files[0]!, 0]], reread: [] } }],
      Durable: [
        k,
        { ...returned, last: { ...returned.last, was: { ...returned.last.was, promised: [['f1', 0, 9]] } } },
      ],
      AtomicWriteBack: [k, { ...returned, last: { ...returned.last, was: { ...returned.last.was, post: [9, 9] } } }],
      RecoveryIdempotent: [
        k,
        { ...recovering, last: { ...recovering.last, was: { ...recovering.last.was, post: [9, 9] } } },
      ],
      NoGhostReplay: [
        k,
        { ...committed, interrupted: new Map([['f1', { ...committed.interrupted.get('f1')!, cut: false }]]) },
      ],
    };
    for (const [name, [constants, bad]] of Object.entries(corruptions)) {
      expect(violated(constants, bad, [name]), name).toEqual([name]);
    }
  });
});

const small: Constants = {
  Files: ['f1', 'f2'],
  Foreign: ['f1', 'f2'],
  Outside: ['f1', 'f2'],
  Isolated: ['f2'],
  NoFile: 'NoFile',
  B: 4,
  P: 4,
  MaxLen: 24,
  InitLen: 0,
  Vals: Array.from({ length: 256 }, (_, i) => i),
  MaxSnap: 18,
  MaxWrite: 8,
  MaxSteps: 10_000,
  Persistent: [],
  Syncs: [false],
  Atomics: [false],
};

/** One Persistent file of two bytes, a one-page segment: where a write-back can be crashed anywhere. */
const persistent: Constants = {
  Files: ['f1'],
  Foreign: [],
  Outside: [],
  Isolated: [],
  Persistent: ['f1'],
  Syncs: [false, true],
  Atomics: [false, true],
  NoFile: 'NoFile',
  B: 2,
  P: 1,
  MaxLen: 2,
  InitLen: 0,
  Vals: [0, 1, 9],
  MaxSnap: 3,
  MaxWrite: 1,
  MaxSteps: 100,
};

const run = (c: Constants, st: State, labels: readonly string[]): State =>
  labels.reduce<State>((s, label) => {
    const next = apply(c, s, parseActionLabel(label));
    if (next === null) throw new Error(`${label} is not enabled`);
    return next;
  }, st);

test('a write-back of an unchanged region after rebind writes nothing', () => {
  let st = initState(
    small,
    new Map([
      ['f1', [1, 2, 3, 4, 5, 6, 7, 8]],
      ['f2', []],
    ]),
  );
  st = Read(small, st, 'f1', 0, 0, 8)!;
  st = Store(small, st, 5, 9);
  st = run(small, st, ['Write(0,8,f1,0,TRUE,FALSE,FALSE)']);
  expect([st.last.written, st.last.skipped]).toEqual([4, 4]); // the stored page only
  st = Evict(small, st, 1)!;
  st = run(small, st, ['Write(0,8,f1,0,TRUE,FALSE,FALSE)']);
  expect([st.last.written, st.last.skipped]).toEqual([0, 8]);
});

test("a change behind the engine's back: loads of lost bytes are refused, known bytes keep their value", () => {
  let st = initState(
    small,
    new Map([
      ['f1', [1, 2, 3, 4, 5, 6, 7, 8]],
      ['f2', [1, 2, 3, 4]],
    ]),
  );
  st = run(small, st, ['Read(f1,0,0,8)', 'Load(0)', 'Read(f2,0,8,4)']);
  st = OutsideWrite(small, st, 'f1', 0, [9, 9, 9, 9, 9, 9, 9, 9])!;
  st = OutsideWrite(small, st, 'f2', 0, [9, 9, 9, 9])!;
  // Page 0 was resident (copied before the change); page 1 was not: its bytes are lost.
  expect(Known(small, st, 0) && !Known(small, st, 4)).toBe(true);
  expect(run(small, st, ['Load(3)']).last).toMatchObject({ ret: 4, err: 'none' });
  expect(run(small, st, ['Load(4)']).last).toMatchObject({ ret: 0, err: 'FileChangedError' });
  // f2 is isolated: its snapshot reads its private copy.
  expect(run(small, st, ['Load(8)']).last).toMatchObject({ ret: 1, err: 'none' });
  // Mem keeps what conventional I/O holds, known or not.
  expect([0, 4, 8].map((a) => Mem(small, st, a))).toEqual([1, 5, 1]);
});

test('an isolated snapshot is not reused once its copy is older than a change through the engine (issue 9, bug 1)', () => {
  let st = initState(
    small,
    new Map([
      ['f1', []],
      ['f2', [1, 1, 1, 1, 1, 1, 1, 1]],
    ]),
  );
  st = run(small, st, ['Read(f2,0,0,4)', 'FileWrite(f2,4,<<2, 2, 2, 2>>)']);
  const before = st;
  st = run(small, st, ['Read(f2,4,4,4)']);
  expect(st.src[4]!.snap).not.toBe(st.src[0]!.snap);
  expect(run(small, st, ['Load(4)']).last.ret).toBe(2);
  expect(stepRefines(small, before, conventionalCall(parseActionLabel('Read(f2,4,4,4)')), st)).toBeNull();
});

describe('action labels', () => {
  test("round-trip through TLC's label form", () => {
    const actions: Action[] = [
      { op: 'read', file: 'f1', pos: 0, addr: 0, len: 2 },
      { op: 'bytes', addr: 1, len: 1, writable: true },
      { op: 'write', addr: 0, len: 1, file: 'f1', pos: 3, rebind: false, sync: false, atomic: false },
      { op: 'outsideWrite', file: 'f2', pos: 1, data: [0, 1] },
      { op: 'prefetch', page: 0, len: 2 },
    ];
    for (const act of actions) expect(parseActionLabel(actionLabel(act))).toEqual(act);
    expect(actionLabel(actions[0]!)).toBe('Read(f1,0,0,2)');
  });

  test("a crash's label leaves out what it chose; its call, TLC's label with the choice appended, round-trips", () => {
    const crash: Action = { op: 'crash', kind: 'power', cut: 3, keep: [['f1', 'block', 0]] };
    expect(actionLabel(crash)).toBe('Crash("power",3)');
    expect(actionCall(crash)).toBe('Crash("power",3,{<<f1, "block", 0>>})');
    expect(parseActionLabel(actionCall(crash))).toEqual(crash);
    expect(() => parseActionLabel('Crash("power",3)')).toThrow(/takes 3 arguments/);
  });

  test('a malformed label is refused with what is wrong', () => {
    expect(() => parseActionLabel('Mmap(0)')).toThrow(/no action Mmap/);
    expect(() => parseActionLabel('Read(f1,0)')).toThrow(/takes 4 arguments/);
    expect(() => parseActionLabel('Store(0,300)')).toThrow(/val/);
    expect(() => parseActionLabel('load 0')).toThrow(/not an action label/);
  });
});

describe('schemas', () => {
  const st = initState(
    small,
    new Map([
      ['f1', [1, 2]],
      ['f2', []],
    ]),
  );

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
    const json4 = JSON.parse(JSON.stringify(encodeState(st)));
    json4.origin[0].fact = 'maybe';
    expect(() => decodeState(json4)).toThrow(/\.origin\[0\]\.fact/);
  });

  test('malformed actions are rejected with readable messages', () => {
    expect(decodeAction({ op: 'store', addr: 3, val: 7 })).toEqual({ op: 'store', addr: 3, val: 7 });
    expect(() => decodeAction({ op: 'store', addr: -1, val: 7 })).toThrow(/addr/);
    expect(() => decodeAction({ op: 'write', addr: 0, len: 1, file: 'f1', pos: 0 })).toThrow(/rebind/);
    expect(() => decodeAction({ op: 'mmap', addr: 0 })).toThrow(/op/);
    expect(() => decodeAction({ op: 'load', addr: 0, extra: 1 })).toThrow(/extra/);
  });
});
