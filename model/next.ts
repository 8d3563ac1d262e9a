/**
 * The spec's Next on the model's side, apart from what each action is:
 * the actions' bodies over one representation of the variables
 * (ActionsOver), the sets Next quantifies over (Lengths, WriteData), and
 * Next as the model's graph enumeration takes it. Each action's arguments,
 * their ranges, and which body it calls are its module in actions/, the
 * layer above (CONTRIBUTING.md), which hands them to the model.
 */

import * as perByte from './actions.ts';
import { type Constants, range } from './constants.ts';
import type { Token } from './file-system.ts';
import type { Bytes as ByteSeq, State } from './state.ts';

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
  Write(
    c: Constants,
    st: S,
    a: number,
    n: number,
    f: string,
    pos: number,
    rebind: boolean,
    sync: boolean,
    atomic: boolean,
  ): S | null;
  Zero(c: Constants, st: S, a: number, n: number): S | null;
  Refresh(c: Constants, st: S, a: number, n: number): S | null;
  FileWrite(c: Constants, st: S, f: string, pos: number, data: ByteSeq): S | null;
  FileTruncate(c: Constants, st: S, f: string, len: number): S | null;
  OutsideWrite(c: Constants, st: S, f: string, pos: number, data: ByteSeq): S | null;
  OutsideTruncate(c: Constants, st: S, f: string, len: number): S | null;
  OutsideMetadata(c: Constants, st: S, f: string): S | null;
  Evict(c: Constants, st: S, p: number): S | null;
  FileSync(c: Constants, st: S, f: string): S | null;
  /** Every choice crash(kind, cut) makes inside itself (keep), or null where it is not enabled. */
  Keeps(c: Constants, st: S, kind: 'kill' | 'power', cut: number): Token[][] | null;
  /** The choice nearest the tokens wanted (the fuzzer's way to choose), or null where the crash is not enabled. */
  NearestKeep(c: Constants, st: S, kind: 'kill' | 'power', cut: number, wanted: readonly Token[]): Token[] | null;
  Crash(c: Constants, st: S, kind: 'kill' | 'power', cut: number, keep: readonly Token[]): S | null;
  Recover(c: Constants, st: S, f: string): S | null;
}

/** The per-byte actions as a plain object: a call through a module's namespace object is slower. */
export const perByteActions: ActionsOver<State> = { ...perByte };

/** The lengths of a read, write, zero or refresh at address a (spec: Lengths): zero-length calls at address 0 only. */
export const Lengths = (c: Constants, a: number): number[] => range(a === 0 ? 0 : 1, c.P * c.B - a);

/** Another writer's data: every sequence of 1..MaxWrite values (spec: WriteData). */
export function WriteData(c: Constants): ByteSeq[] {
  const out: ByteSeq[] = [];
  let level: ByteSeq[] = [[]];
  for (let n = 1; n <= c.MaxWrite; n++) {
    level = level.flatMap((head) => c.Vals.map((v) => [...head, v]));
    out.push(...level);
  }
  return out;
}

/** The spec's Next as the model enumerates it (model/graph.ts): every enabled step from st, with TLC's label of its edge. */
export type Next = (c: Constants, st: State) => Iterable<{ readonly label: string; readonly next: State }>;
