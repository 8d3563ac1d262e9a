/**
 * The run-length actions behind the same seam as the per-byte ones
 * (model/next.ts ActionsOver), so that an action's module (actions/) makes
 * the same call in both models.
 */
import type { ActionsOver } from '../next.ts';
import { actions } from './actions.ts';
import type { RunState } from './state.ts';

export const runActions: ActionsOver<RunState> = actions;
