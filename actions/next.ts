/**
 * The table as the model and conventional I/O take it: an Action applied
 * to either model, Next (every action's ranges, in the spec's order) for
 * the model's graph enumeration (model/graph.ts), and an Action's call of
 * conventional I/O for the refinement check (model/refinement.ts).
 */

import { fileRunsOf } from '../model/actions-over.ts';
import type { Constants } from '../model/constants.ts';
import { type CallMade, type ConventionalCall, noCall, nothing } from '../model/conventional.ts';
import { type ActionsOver, type Next, perByteActions } from '../model/next.ts';
import { recovered } from '../model/refinement.ts';
import { runActions } from '../model/runs/next.ts';
import type { RunState } from '../model/runs/state.ts';
import { Now, type State } from '../model/state.ts';
import { type Chosen, choseNothing } from './action.ts';
import { actionLabel } from './labels.ts';
import { type Action, actionDefs, defOf } from './table.ts';

/**
 * Applies an action by one representation's actions: the successor, or
 * null where the spec's action is disabled -- by its own condition, or by
 * Bounded (no step past MaxSteps), which every action of the spec states.
 * Both models step through here, so an Action means the same call in both.
 */
function applyWith<S extends { readonly steps: number }>(
  actions: ActionsOver<S>,
  c: Constants,
  st: S,
  act: Action,
): S | null {
  if (st.steps >= c.MaxSteps) return null;
  return defOf(act).step(actions, c, st, act);
}

/** Applies an action to the per-byte state: the successor, or null where the spec's action is disabled. */
export const apply = (c: Constants, st: State, act: Action): State | null => applyWith(perByteActions, c, st, act);

/** The same over the run-length state (model/runs/). */
export const applyRuns = (c: Constants, st: RunState, act: Action): RunState | null =>
  applyWith(runActions, c, st, act);

/** The actions Next's quantifiers range over, in the spec's order, and their labels. */
interface Offered {
  readonly actions: readonly Action[];
  readonly labels: readonly string[];
}

/** What Next offers, by constants: it depends on nothing else, so it is listed once. */
const offered = new WeakMap<Constants, Offered>();

function offeredBy(c: Constants): Offered {
  let listed = offered.get(c);
  if (listed === undefined) {
    const actions = Object.values(actionDefs).flatMap((def): Action[] => [...def.ranges(c)]);
    listed = { actions, labels: actions.map(actionLabel) };
    offered.set(c, listed);
  }
  return listed;
}

/** Every action Next's quantifiers range over in state st (some may be disabled), in the spec's order. */
export const candidates = (c: Constants, _st: State): readonly Action[] => offeredBy(c).actions;

/** Every enabled step from st, with its edge's label: the spec's Next (an action that chooses inside itself: each choice). */
export const successors: Next = function* (c, st) {
  const { actions, labels } = offeredBy(c);
  for (let i = 0; i < actions.length; i++) {
    const act = actions[i]!;
    const choices = defOf(act).choices;
    for (const call of choices === undefined ? [act] : choices(perByteActions, c, st, act)) {
      const next = apply(c, st, call);
      if (next !== null) yield { label: labels[i]!, next };
    }
  }
};

/** What the step to per-byte state st chose, and how it ended (its step record; the Persistent files as the refinement maps them). */
export const chosenBy = (c: Constants, st: State): Chosen => ({
  reread: fileRunsOf(st.last.reread),
  err: st.last.err,
  after: () => recovered(c, Now(c, st)),
});

/**
 * The action's call of conventional I/O, given what the step chose: done,
 * or refused (it returns nothing and changes nothing); either way the last
 * call, with the Persistent files before it kept where a crash starts from.
 */
export const conventionalCall =
  (act: Action, chosen: Chosen = choseNothing): ConventionalCall =>
  (conv) => {
    const before = conv.now();
    const returned = chosen.err === 'none' ? defOf(act).conventional(conv, act, chosen) : nothing;
    conv.made(before, callOf(act, chosen.err));
    return returned;
  };

/** The call an action makes, as a crash after it judges it (Conventional.tla's call). */
function callOf(act: Action, err: string): CallMade {
  const args: Partial<Record<keyof CallMade, unknown>> = act;
  return { ...noCall, ...args, op: act.op, err } as CallMade;
}
