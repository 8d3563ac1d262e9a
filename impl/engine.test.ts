/**
 * The engine stepped side by side with model/ (the spec transliterated):
 * after every step the projected state (sources, frames, swap, snapshot ids,
 * preserved blocks, files) and every result and counter must equal the
 * model's; and, under frame-pool pressure the model does not describe, with
 * the conventional eager-copy oracle, the spec's invariants holding throughout.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as model from '../model/actions.ts';
import type { Constants } from '../model/constants.ts';
import { violated } from '../model/invariants.ts';
import { Conventional } from '../model/oracle.ts';
import { initState, type State } from '../model/state.ts';
import { Engine } from './engine.ts';
import { MemoryBackend } from './memory-backend.ts';
import type { DeferredFile } from './files.ts';
import type { Segment } from './segment.ts';
import { project } from './projection.ts';
import { specState } from '../conformance/spec-state.ts';

const names = ['f', 'g'] as const;
type Name = (typeof names)[number];

type Action =
  | { op: 'read'; file: Name; pos: number; a: number; n: number }
  | { op: 'load'; a: number }
  | { op: 'store'; a: number; v: number }
  | { op: 'write'; a: number; n: number; file: Name; pos: number; rebind: boolean }
  | { op: 'zero'; a: number; n: number }
  | { op: 'fileWrite'; file: Name; pos: number; bytes: number[] }
  | { op: 'fileTruncate'; file: Name; length: number }
  | { op: 'evict'; page: number };

interface Scenario {
  B: number;
  length: number;
  files: Record<Name, number[]>;
  actions: Action[];
}

const fileOffset = fc.nat(9);
// A read or write position: mostly the segment address itself, so that write-back lands where a read came from.
const position = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fileOffset });
const byte = fc.integer({ min: 0, max: 255 });

/** Segments of 1..4 pages of 1..4 bytes (the last page partial unless `whole`), two small files. */
function scenario(whole: boolean): fc.Arbitrary<Scenario> {
  return fc
    .record({ B: fc.integer({ min: 1, max: 4 }), pages: fc.integer({ min: 1, max: 4 }), short: fc.nat(whole ? 0 : 3) })
    .chain(({ B, pages, short }) => {
      const length = pages * B - Math.min(short, B - 1);
      const span = fc.nat(length - 1).chain((a) => fc.record({ a: fc.constant(a), n: fc.integer({ min: 1, max: length - a }) }));
      const addr = fc.nat(length - 1);
      const name = fc.oneof({ weight: 3, arbitrary: fc.constant<Name>('f') }, { weight: 1, arbitrary: fc.constant<Name>('g') });
      const action: fc.Arbitrary<Action> = fc.oneof(
        {
          weight: 3,
          arbitrary: fc
            .record({ file: name, pos: position, span })
            .map(({ file, pos, span: s }) => ({ op: 'read' as const, file, pos: pos ?? s.a, ...s })),
        },
        { weight: 3, arbitrary: addr.map((a) => ({ op: 'load' as const, a })) },
        { weight: 2, arbitrary: fc.record({ a: addr, v: byte }).map(({ a, v }) => ({ op: 'store' as const, a, v })) },
        {
          weight: 3,
          arbitrary: fc
            .record({ file: name, pos: position, span, rebind: fc.boolean() })
            .map(({ file, pos, span: s, rebind }) => ({ op: 'write' as const, file, pos: pos ?? s.a, rebind, ...s })),
        },
        { weight: 1, arbitrary: span.map((s) => ({ op: 'zero' as const, ...s })) },
        {
          weight: 3,
          arbitrary: fc
            .record({ file: name, pos: fileOffset, bytes: fc.array(byte, { minLength: 1, maxLength: 4 }) })
            .map((r) => ({ op: 'fileWrite' as const, ...r })),
        },
        { weight: 1, arbitrary: fc.record({ file: name, length: fileOffset }).map((r) => ({ op: 'fileTruncate' as const, ...r })) },
        { weight: 2, arbitrary: fc.nat(Math.ceil(length / B) - 1).map((page) => ({ op: 'evict' as const, page })) },
      );
      // The scenario the seed cares most about: read, change things, write back where it came from.
      const cycle: fc.Arbitrary<Action[]> = fc
        .record({ file: name, span, between: fc.array(action, { minLength: 1, maxLength: 4 }), rebind: fc.boolean() })
        .map(({ file, span: s, between, rebind }) => [
          { op: 'read' as const, file, pos: s.a, ...s },
          ...between,
          { op: 'write' as const, file, pos: s.a, rebind, ...s },
        ]);
      return fc.record({
        B: fc.constant(B),
        length: fc.constant(length),
        files: fc.record({ f: fc.array(byte, { maxLength: 8 }), g: fc.array(byte, { maxLength: 8 }) }),
        actions: fc.array(fc.oneof(action.map((a) => [a]), cycle), { minLength: 3, maxLength: 12 }).map((groups) => groups.flat()),
      });
    });
}

/** The spec's constants for a scenario: bounds loose enough never to disable an action. */
function constants(s: Scenario): Constants {
  const P = Math.ceil(s.length / s.B);
  return {
    Files: [...names], Foreign: [...names], NoFile: '', B: s.B, P, MaxLen: 32, InitLen: 0,
    Vals: Array.from({ length: 256 }, (_, v) => v),
    // Live snapshots each hold a byte; one more id is allocated before release.
    MaxSnap: P * s.B + 1, MaxWrite: 4, MaxSteps: 1000,
  };
}

interface World {
  engine: Engine;
  segment: Segment;
  files: Record<Name, DeferredFile>;
}

function world(s: Scenario, frames: number, readahead = 0): World {
  const engine = new Engine({ pageSize: s.B, memory: s.B * frames, readahead, createStore: (role) => new MemoryBackend(role) });
  const files = {
    f: engine.attach(new MemoryBackend('f', Uint8Array.from(s.files.f))),
    g: engine.attach(new MemoryBackend('g', Uint8Array.from(s.files.g))),
  };
  return { engine, segment: engine.segment(s.length), files };
}

/** Applies an action to the engine; returns what the spec's step record holds for it. */
function apply(w: World, action: Action): unknown {
  const { engine, segment, files } = w;
  const before = engine.stats();
  const faulted = () => engine.stats().faults - before.faults === 1;
  switch (action.op) {
    case 'read':
      return { ret: segment.read(files[action.file], action.a, action.n, action.pos), fault: faulted() };
    case 'load':
      return { ret: segment.getUint8(action.a), fault: faulted() };
    case 'store':
      segment.setUint8(action.a, action.v);
      return { fault: faulted() };
    case 'write': {
      const { written, skipped } = segment.write(files[action.file], action.a, action.n, action.pos, { rebind: action.rebind });
      const after = engine.stats();
      expect([after.written - before.written, after.skipped - before.skipped]).toEqual([written, skipped]);
      return { written, skipped, fault: faulted() };
    }
    case 'zero':
      segment.zero(action.a, action.n);
      return { fault: faulted() };
    case 'fileWrite':
      files[action.file].write(Uint8Array.from(action.bytes), 0, action.bytes.length, action.pos);
      return {};
    case 'fileTruncate':
      files[action.file].truncate(action.length);
      return {};
    case 'evict':
      return { evicted: segment.evict(action.page) };
  }
}

/** The model's successor, or null where the spec's action is not enabled (a read past EOF, ...). */
function successor(c: Constants, st: State, action: Action): State | null {
  switch (action.op) {
    case 'read':
      return model.Read(c, st, action.file, action.pos, action.a, action.n);
    case 'load':
      return model.Load(c, st, action.a);
    case 'store':
      return model.Store(c, st, action.a, action.v);
    case 'write':
      return model.Write(c, st, action.a, action.n, action.file, action.pos, action.rebind);
    case 'zero':
      return model.Zero(c, st, action.a, action.n);
    case 'fileWrite':
      return model.FileWrite(c, st, action.file, action.pos, action.bytes);
    case 'fileTruncate':
      return model.FileTruncate(c, st, action.file, action.length);
    case 'evict':
      return model.Evict(c, st, action.page);
  }
}

/** The step record's fields the engine reports for an action. */
function recorded(action: Action, st: State): unknown {
  const { last } = st;
  switch (action.op) {
    case 'read':
    case 'load':
      return { ret: last.ret, fault: last.fault };
    case 'write':
      return { written: last.written, skipped: last.skipped, fault: last.fault };
    case 'store':
    case 'zero':
      return { fault: last.fault };
    case 'fileWrite':
    case 'fileTruncate':
      return {};
    case 'evict':
      return { evicted: true };
  }
}

/** Applies an action to the conventional oracle; returns what a read or load returns there. */
function conventional(o: Conventional, action: Action): number | undefined {
  switch (action.op) {
    case 'read':
      return o.read(action.file, action.pos, action.a, action.n);
    case 'load':
      return o.load(action.a);
    case 'store':
      o.store(action.a, action.v);
      break;
    case 'write':
      o.write(action.a, action.n, action.file, action.pos);
      break;
    case 'zero':
      o.zero(action.a, action.n);
      break;
    case 'fileWrite':
      o.fileWrite(action.file, action.pos, action.bytes);
      break;
    case 'fileTruncate':
      o.fileTruncate(action.file, action.length);
      break;
    case 'evict':
      break;
  }
  return undefined;
}

const variables = (st: State) => ({ src: st.src, frame: st.frame, swap: st.swap, snap: st.snap, file: st.file });

describe('engine against model/ and conventional I/O', () => {
  it('matches the model\'s state, results and counters exactly after every step (no eviction pressure)', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(scenario(true), (s) => {
        const c = constants(s);
        const w = world(s, c.P + 1);
        let st = initState(c, new Map(names.map((n) => [n, s.files[n]])));
        for (const action of s.actions) {
          const label = JSON.stringify(action);
          const next = successor(c, st, action);
          const got = apply(w, action);
          const now = specState(c, project(w.engine, w.segment), st);
          if (next === null) {
            // Not a step of the spec (a read past EOF, a truncate to the same length, evicting a page not resident): nothing changes.
            expect(variables(now), label).toEqual(variables(st));
            continue;
          }
          expect(got, label).toEqual(recorded(action, next));
          expect(variables(now), label).toEqual(variables(next));
          expect(violated(c, next), label).toEqual([]);
          st = next;
        }
        w.engine.close();
      }),
      { numRuns: 400 },
    );
  });

  it('stays equivalent to conventional I/O, invariants intact, under frame-pool pressure and readahead', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(scenario(false), fc.integer({ min: 1, max: 2 }), fc.nat(1), (s, frames, readahead) => {
        const c = constants(s);
        const w = world(s, frames, Math.min(readahead, frames - 1));
        const oracle = new Conventional(s.length, new Map(names.map((n) => [n, s.files[n]])));
        for (const action of s.actions) {
          const got = apply(w, action) as { ret?: number };
          expect(got.ret, JSON.stringify(action)).toBe(conventional(oracle, action));
          const now = specState(c, project(w.engine, w.segment), { mem: oracle.mem, cfile: oracle.files });
          expect(violated(c, now, ['NoDangling', 'AnonBacked', 'SwapOnlyDirty', 'FrameCoherent', 'NoLeak', 'Equivalence']), JSON.stringify(action)).toEqual([]);
        }
        const bytes = new Uint8Array(s.length);
        w.segment.copyOut(0, bytes);
        expect([...bytes]).toEqual(oracle.mem);
        w.engine.close();
      }),
      { numRuns: 400 },
    );
  });
});
