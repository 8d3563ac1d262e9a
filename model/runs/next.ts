/**
 * The run-length actions behind the same seam as the per-byte ones
 * (model/next.ts ActionsOver), so that an action's module (actions/) makes
 * the same call in both models.
 */
import type { ActionsOver } from '../next.ts';
import * as runs from './actions.ts';
import type { RunState } from './state.ts';

/** The run-length actions as a plain object: a call through a module's namespace object is slower. */
export const runActions: ActionsOver<RunState> = { ...runs };
