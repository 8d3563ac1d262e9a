/**
 * The spec's Next: every action with every argument its quantifiers range
 * over, and the Action values that name them. An Action is what a step
 * record describes, so a model-checked edge can be replayed from the
 * record in its target state.
 */
import { Addrs, Pages, range, type Constants } from './constants.ts';
import { canonical, ModelValue, tlaSeq, type Tla } from '../tla/values.ts';
import { Evict, FileTruncate, FileWrite, Load, Read, Store, Write, Zero } from './actions.ts';
import type { Bytes, State, StepRecord } from './state.ts';

export type Action =
  | { readonly op: 'read'; readonly file: string; readonly pos: number; readonly addr: number; readonly len: number }
  | { readonly op: 'load'; readonly addr: number }
  | { readonly op: 'store'; readonly addr: number; readonly val: number }
  | { readonly op: 'write'; readonly addr: number; readonly len: number; readonly file: string; readonly pos: number; readonly rebind: boolean }
  | { readonly op: 'zero'; readonly addr: number; readonly len: number }
  | { readonly op: 'fileWrite'; readonly file: string; readonly pos: number; readonly data: Bytes }
  | { readonly op: 'fileTruncate'; readonly file: string; readonly len: number }
  | { readonly op: 'evict'; readonly page: number };

/** The spec's operator name for an op. */
export const actionName = (op: Action['op']): string => op[0]!.toUpperCase() + op.slice(1);

/** The operator's arguments, in the spec's parameter order. */
function actionArgs(act: Action): Tla[] {
  const f = (name: string) => new ModelValue(name);
  switch (act.op) {
    case 'read': return [f(act.file), act.pos, act.addr, act.len];
    case 'load': return [act.addr];
    case 'store': return [act.addr, act.val];
    case 'write': return [act.addr, act.len, f(act.file), act.pos, act.rebind];
    case 'zero': return [act.addr, act.len];
    case 'fileWrite': return [f(act.file), act.pos, tlaSeq(act.data)];
    case 'fileTruncate': return [f(act.file), act.len];
    case 'evict': return [act.page];
  }
}

/** The label TLC puts on the edge of this action: Read(f1,0,0,2). */
export const actionLabel = (act: Action): string =>
  `${actionName(act.op)}(${actionArgs(act).map(canonical).join(',')})`;

/** Applies an action: the successor, or null where the spec's action is disabled. */
export function apply(c: Constants, st: State, act: Action): State | null {
  if (st.steps >= c.MaxSteps) return null;
  switch (act.op) {
    case 'read': return Read(c, st, act.file, act.pos, act.addr, act.len);
    case 'load': return Load(c, st, act.addr);
    case 'store': return Store(c, st, act.addr, act.val);
    case 'write': return Write(c, st, act.addr, act.len, act.file, act.pos, act.rebind);
    case 'zero': return Zero(c, st, act.addr, act.len);
    case 'fileWrite': return FileWrite(c, st, act.file, act.pos, act.data);
    case 'fileTruncate': return FileTruncate(c, st, act.file, act.len);
    case 'evict': return Evict(c, st, act.page);
  }
}

/** Every sequence of 1..MaxWrite values (spec: WriteData). */
function writeData(c: Constants): Bytes[] {
  const out: Bytes[] = [];
  let level: Bytes[] = [[]];
  for (let n = 1; n <= c.MaxWrite; n++) {
    level = level.flatMap((head) => c.Vals.map((v) => [...head, v]));
    out.push(...level);
  }
  return out;
}

/** Every action Next's quantifiers range over in state st (some may be disabled). */
export function* candidates(c: Constants, st: State): Generator<Action> {
  const na = c.P * c.B;
  for (const file of c.Files) {
    for (const pos of range(0, c.MaxLen)) {
      for (const addr of Addrs(c)) {
        for (const len of range(1, na - addr)) yield { op: 'read', file, pos, addr, len };
      }
    }
  }
  for (const addr of Addrs(c)) yield { op: 'load', addr };
  for (const addr of Addrs(c)) for (const val of c.Vals) yield { op: 'store', addr, val };
  for (const file of c.Files) {
    for (const addr of Addrs(c)) {
      for (const len of range(1, na - addr)) {
        for (const pos of range(0, c.MaxLen - len)) {
          for (const rebind of [false, true]) yield { op: 'write', addr, len, file, pos, rebind };
        }
      }
    }
  }
  for (const addr of Addrs(c)) for (const len of range(1, na - addr)) yield { op: 'zero', addr, len };
  const datas = writeData(c);
  for (const file of c.Foreign) {
    for (const data of datas) {
      for (const pos of range(0, c.MaxLen - data.length)) yield { op: 'fileWrite', file, pos, data };
    }
  }
  for (const file of c.Foreign) for (const len of range(0, c.MaxLen)) yield { op: 'fileTruncate', file, len };
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
    case 'read': return { op: 'read', file: rec.file, pos: rec.pos, addr: rec.addr, len: rec.len };
    case 'load': return { op: 'load', addr: rec.addr };
    case 'store': return { op: 'store', addr: rec.addr, val: rec.val };
    case 'write': return { op: 'write', addr: rec.addr, len: rec.len, file: rec.file, pos: rec.pos, rebind: rec.rebind };
    case 'zero': return { op: 'zero', addr: rec.addr, len: rec.len };
    case 'fileWrite': return { op: 'fileWrite', file: rec.file, pos: rec.pos, data: rec.data };
    case 'fileTruncate': return { op: 'fileTruncate', file: rec.file, len: rec.len };
    case 'evict': return { op: 'evict', page: rec.page };
    case 'init': throw new Error('the initial step record describes no action');
  }
}
