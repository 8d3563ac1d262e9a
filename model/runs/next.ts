/**
 * The spec's Next over the run-length state: applies a model Action by the
 * run-length actions, through the same dispatch as the per-byte model
 * (model/next.ts applyWith), so the same Action is the same call in both.
 */
import type { Constants } from '../constants.ts';
import { type ActionsOver, applyWith } from '../next.ts';
import type { Action } from '../schema.ts';
import * as runs from './actions.ts';
import type { RunState } from './state.ts';

/** The run-length actions as a plain object: a call through a module's namespace object is slower. */
const runActions: ActionsOver<RunState> = { ...runs };

/** The successor, or null where the spec's action is disabled (model/next.ts apply, over runs). */
export const apply = (c: Constants, st: RunState, act: Action): RunState | null => applyWith(runActions, c, st, act);
