/**
 * The spec's Next: every action with every argument its quantifiers range
 * over, and the Action values that name them (model/schema.ts). An Action
 * is what a step record describes, so a model-checked edge can be replayed
 * from the record in its target state, or from TLC's edge label.
 */

import { parseValueAt } from '../tla/tlc-values.ts';
import { canonical, ModelValue, type Tla, tlaSeq } from '../tla/values.ts';
import * as perByte from './actions.ts';
import { Addrs, type Constants, Pages, range } from './constants.ts';
import { decodeAction } from './schema.ts';
import type { Action, Bytes as ByteSeq, State, StepRecord } from './state.ts';

export type { Action } from './state.ts';

/** The spec's operator name for an op. */
export const actionName = (op: Action['op']): string => op[0]!.toUpperCase() + op.slice(1);

/** The operator's arguments, in the spec's parameter order. */
function actionArgs(act: Action): Tla[] {
  const f = (name: string) => new ModelValue(name);
  switch (act.op) {
    case 'read':
      return [f(act.file), act.pos, act.addr, act.len];
    case 'load':
      return [act.addr];
    case 'bytes':
      return [act.addr, act.len, act.writable];
    case 'copyOut':
      return [act.addr, act.len];
    case 'prefetch':
      return [act.page, act.len];
    case 'store':
      return [act.addr, act.val];
    case 'write':
      return [act.addr, act.len, f(act.file), act.pos, act.rebind];
    case 'zero':
      return [act.addr, act.len];
    case 'fileWrite':
      return [f(act.file), act.pos, tlaSeq(act.data)];
    case 'fileTruncate':
      return [f(act.file), act.len];
    case 'outsideWrite':
      return [f(act.file), act.pos, tlaSeq(act.data)];
    case 'outsideTruncate':
      return [f(act.file), act.len];
    case 'evict':
      return [act.page];
  }
}

/** The label TLC puts on the edge of this action: Read(f1,0,0,2). */
export const actionLabel = (act: Action): string =>
  `${actionName(act.op)}(${actionArgs(act).map(canonical).join(',')})`;

/**
 * The spec's actions over one representation S of its variables, by the
 * spec's names and parameters: model/actions.ts over the per-byte State,
 * model/runs/actions.ts over the run-length RunState. Each returns the
 * successor, or null where the spec's action is disabled.
 */
export interface ActionsOver<S> {
  Read(c: Constants, st: S, f: string, pos: number, a: number, n: number): S | null;
  Load(c: Constants, st: S, a: number): S | null;
  Bytes(c: Constants, st: S, a: number, n: number, w: boolean): S | null;
  CopyOut(c: Constants, st: S, a: number, n: number): S | null;
  Prefetch(c: Constants, st: S, p: number, n: number): S | null;
  Store(c: Constants, st: S, a: number, v: number): S | null;
  Write(c: Constants, st: S, a: number, n: number, f: string, pos: number, rebind: boolean): S | null;
  Zero(c: Constants, st: S, a: number, n: number): S | null;
  FileWrite(c: Constants, st: S, f: string, pos: number, data: ByteSeq): S | null;
  FileTruncate(c: Constants, st: S, f: string, len: number): S | null;
  OutsideWrite(c: Constants, st: S, f: string, pos: number, data: ByteSeq): S | null;
  OutsideTruncate(c: Constants, st: S, f: string, len: number): S | null;
  Evict(c: Constants, st: S, p: number): S | null;
}

/**
 * Applies an action by one representation's actions: the successor, or
 * null where the spec's action is disabled -- by its own condition, or by
 * Bounded (no step past MaxSteps), which every action of the spec states.
 * Both models step through here, so an Action means the same call in both.
 */
export function applyWith<S extends { readonly steps: number }>(
  actions: ActionsOver<S>,
  c: Constants,
  st: S,
  act: Action,
): S | null {
  if (st.steps >= c.MaxSteps) return null;
  switch (act.op) {
    case 'read':
      return actions.Read(c, st, act.file, act.pos, act.addr, act.len);
    case 'load':
      return actions.Load(c, st, act.addr);
    case 'bytes':
      return actions.Bytes(c, st, act.addr, act.len, act.writable);
    case 'copyOut':
      return actions.CopyOut(c, st, act.addr, act.len);
    case 'prefetch':
      return actions.Prefetch(c, st, act.page, act.len);
    case 'store':
      return actions.Store(c, st, act.addr, act.val);
    case 'write':
      return actions.Write(c, st, act.addr, act.len, act.file, act.pos, act.rebind);
    case 'zero':
      return actions.Zero(c, st, act.addr, act.len);
    case 'fileWrite':
      return actions.FileWrite(c, st, act.file, act.pos, act.data);
    case 'fileTruncate':
      return actions.FileTruncate(c, st, act.file, act.len);
    case 'outsideWrite':
      return actions.OutsideWrite(c, st, act.file, act.pos, act.data);
    case 'outsideTruncate':
      return actions.OutsideTruncate(c, st, act.file, act.len);
    case 'evict':
      return actions.Evict(c, st, act.page);
  }
}

/** The per-byte actions as a plain object: a call through a module's namespace object is slower. */
const perByteActions: ActionsOver<State> = { ...perByte };

/** Applies an action to the per-byte state: the successor, or null where the spec's action is disabled. */
export const apply = (c: Constants, st: State, act: Action): State | null => applyWith(perByteActions, c, st, act);

/** Every sequence of 1..MaxWrite values (spec: WriteData). */
function writeData(c: Constants): ByteSeq[] {
  const out: ByteSeq[] = [];
  let level: ByteSeq[] = [[]];
  for (let n = 1; n <= c.MaxWrite; n++) {
    level = level.flatMap((head) => c.Vals.map((v) => [...head, v]));
    out.push(...level);
  }
  return out;
}

/** The lengths of a read, write or zero at address a (spec: Lengths): zero-length calls at address 0 only. */
const Lengths = (c: Constants, a: number): number[] => range(a === 0 ? 0 : 1, c.P * c.B - a);

/** Every action Next's quantifiers range over in state st (some may be disabled). */
export function* candidates(c: Constants, _st: State): Generator<Action> {
  for (const file of c.Files) {
    for (const pos of range(0, c.MaxLen)) {
      for (const addr of Addrs(c)) {
        for (const len of Lengths(c, addr)) yield { op: 'read', file, pos, addr, len };
      }
    }
  }
  for (const addr of Addrs(c)) yield { op: 'load', addr };
  for (const addr of Addrs(c)) {
    for (const writable of [false, true]) {
      for (const len of range(1, c.B - (addr % c.B))) yield { op: 'bytes', addr, len, writable };
    }
  }
  for (const addr of Addrs(c)) for (const len of Lengths(c, addr)) yield { op: 'copyOut', addr, len };
  for (const page of Pages(c)) for (const len of range(1, c.P - page)) yield { op: 'prefetch', page, len };
  for (const addr of Addrs(c)) for (const val of c.Vals) yield { op: 'store', addr, val };
  for (const file of c.Files) {
    for (const addr of Addrs(c)) {
      for (const len of Lengths(c, addr)) {
        for (const pos of range(0, c.MaxLen - len)) {
          for (const rebind of [false, true]) yield { op: 'write', addr, len, file, pos, rebind };
        }
      }
    }
  }
  for (const addr of Addrs(c)) for (const len of Lengths(c, addr)) yield { op: 'zero', addr, len };
  const datas = writeData(c);
  for (const file of c.Foreign) {
    for (const data of datas) {
      for (const pos of range(0, c.MaxLen - data.length)) yield { op: 'fileWrite', file, pos, data };
    }
  }
  for (const file of c.Foreign) for (const len of range(0, c.MaxLen)) yield { op: 'fileTruncate', file, len };
  for (const file of c.Outside) {
    for (const data of datas) {
      for (const pos of range(0, c.MaxLen - data.length)) yield { op: 'outsideWrite', file, pos, data };
    }
  }
  for (const file of c.Outside) for (const len of range(0, c.MaxLen)) yield { op: 'outsideTruncate', file, len };
  for (const page of Pages(c)) yield { op: 'evict', page };
}

/** Every enabled step from st: the spec's Next. */
export function* successors(c: Constants, st: State): Generator<{ action: Action; next: State }> {
  for (const action of candidates(c, st)) {
    const next = apply(c, st, action);
    if (next !== null) yield { action, next };
  }
}

/** The action a step record describes (the arguments of the step that produced the state). */
export function actionOf(rec: StepRecord): Action {
  switch (rec.op) {
    case 'read':
      return { op: 'read', file: rec.file, pos: rec.pos, addr: rec.addr, len: rec.len };
    case 'load':
      return { op: 'load', addr: rec.addr };
    case 'bytes':
      return { op: 'bytes', addr: rec.addr, len: rec.len, writable: rec.writable };
    case 'copyOut':
      return { op: 'copyOut', addr: rec.addr, len: rec.len };
    case 'prefetch':
      return { op: 'prefetch', page: rec.page, len: rec.len };
    case 'store':
      return { op: 'store', addr: rec.addr, val: rec.val };
    case 'write':
      return { op: 'write', addr: rec.addr, len: rec.len, file: rec.file, pos: rec.pos, rebind: rec.rebind };
    case 'zero':
      return { op: 'zero', addr: rec.addr, len: rec.len };
    case 'fileWrite':
      return { op: 'fileWrite', file: rec.file, pos: rec.pos, data: rec.data };
    case 'fileTruncate':
      return { op: 'fileTruncate', file: rec.file, len: rec.len };
    case 'outsideWrite':
      return { op: 'outsideWrite', file: rec.file, pos: rec.pos, data: rec.data };
    case 'outsideTruncate':
      return { op: 'outsideTruncate', file: rec.file, len: rec.len };
    case 'evict':
      return { op: 'evict', page: rec.page };
    case 'init':
      throw new Error('the initial step record describes no action');
  }
}

const labelPattern = /^([A-Z][A-Za-z]*)\((.*)\)$/;

/**
 * The Action a TLC edge label names (the inverse of actionLabel): what
 * replay files, regression cases and failing fuzz runs are written in. The
 * arguments are TLA+ values; the result is decoded by the Action schema, so
 * a malformed label is an error naming what is wrong.
 */
export function parseActionLabel(label: string): Action {
  const m = labelPattern.exec(label.replace(/\s+/g, ''));
  if (m === null) throw new Error(`not an action label: ${JSON.stringify(label)} (expected e.g. Read(f1,0,0,2))`);
  const op = m[1]![0]!.toLowerCase() + m[1]!.slice(1);
  const args: Tla[] = [];
  const text = m[2]!;
  for (let at = 0; at < text.length; ) {
    const { value, end } = parseValueAt(text, at);
    args.push(value);
    if (end < text.length && text[end] !== ',') throw new Error(`action label ${label}: expected "," at ${end}`);
    at = end + 1;
  }
  const plain = (v: Tla): unknown => {
    if (v instanceof ModelValue) return v.name;
    if (typeof v === 'object' && v.kind === 'fn') return v.entries.map(([, x]) => plain(x));
    return v;
  };
  const names: Record<string, readonly string[]> = {
    read: ['file', 'pos', 'addr', 'len'],
    load: ['addr'],
    store: ['addr', 'val'],
    bytes: ['addr', 'len', 'writable'],
    copyOut: ['addr', 'len'],
    prefetch: ['page', 'len'],
    write: ['addr', 'len', 'file', 'pos', 'rebind'],
    zero: ['addr', 'len'],
    fileWrite: ['file', 'pos', 'data'],
    fileTruncate: ['file', 'len'],
    outsideWrite: ['file', 'pos', 'data'],
    outsideTruncate: ['file', 'len'],
    evict: ['page'],
  };
  const params = names[op];
  if (params === undefined) throw new Error(`action label ${label}: no action ${m[1]}`);
  if (params.length !== args.length) throw new Error(`action label ${label}: ${m[1]} takes ${params.length} arguments`);
  return decodeAction({ op, ...Object.fromEntries(params.map((p, i) => [p, plain(args[i]!)])) });
}
