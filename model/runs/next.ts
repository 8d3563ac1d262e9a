/**
 * The spec's Next over the run-length state: applies a model Action (the
 * same Actions as model/next.ts, with the same enabling conditions).
 */
import type { Constants } from '../constants.ts';
import type { Action } from '../schema.ts';
import {
  Bytes,
  CopyOut,
  Evict,
  FileTruncate,
  FileWrite,
  Load,
  OutsideTruncate,
  OutsideWrite,
  Prefetch,
  Read,
  Store,
  Write,
  Zero,
} from './actions.ts';
import type { RunState } from './state.ts';

/** The successor, or null where the spec's action is disabled (model/next.ts apply, over runs). */
export function apply(c: Constants, st: RunState, act: Action): RunState | null {
  if (st.steps >= c.MaxSteps) return null;
  switch (act.op) {
    case 'read':
      return Read(c, st, act.file, act.pos, act.addr, act.len);
    case 'load':
      return Load(c, st, act.addr);
    case 'bytes':
      return Bytes(c, st, act.addr, act.len, act.writable);
    case 'copyOut':
      return CopyOut(c, st, act.addr, act.len);
    case 'prefetch':
      return Prefetch(c, st, act.page, act.len);
    case 'store':
      return Store(c, st, act.addr, act.val);
    case 'write':
      return Write(c, st, act.addr, act.len, act.file, act.pos, act.rebind);
    case 'zero':
      return Zero(c, st, act.addr, act.len);
    case 'fileWrite':
      return FileWrite(c, st, act.file, act.pos, act.data);
    case 'fileTruncate':
      return FileTruncate(c, st, act.file, act.len);
    case 'outsideWrite':
      return OutsideWrite(c, st, act.file, act.pos, act.data);
    case 'outsideTruncate':
      return OutsideTruncate(c, st, act.file, act.len);
    case 'evict':
      return Evict(c, st, act.page);
  }
}
