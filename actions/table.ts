/**
 * Every spec action, by its op: the one list of them on the TypeScript
 * side. The ops are the step record's (model/schema.ts, the spec's
 * last.op), so an op without its module here, or a module without its op
 * there, does not compile. The order is the spec's Next (DeferredIO.tla),
 * which the model's enumeration follows.
 */
import { Schema } from 'effect';
import { decoder } from '../model/schema.ts';
import type { ActionDef, ActionOp } from './action.ts';
import { bytes } from './bytes.ts';
import { copyOut } from './copy-out.ts';
import { crash } from './crash.ts';
import { evict } from './evict.ts';
import { fileSync } from './file-sync.ts';
import { fileTruncate } from './file-truncate.ts';
import { fileWrite } from './file-write.ts';
import { load } from './load.ts';
import { outsideMetadata } from './outside-metadata.ts';
import { outsideTruncate } from './outside-truncate.ts';
import { outsideWrite } from './outside-write.ts';
import { prefetch } from './prefetch.ts';
import { read } from './read.ts';
import { recover } from './recover.ts';
import { refresh } from './refresh.ts';
import { store } from './store.ts';
import { write } from './write.ts';
import { zero } from './zero.ts';

export const actionDefs = {
  read,
  load,
  bytes,
  copyOut,
  prefetch,
  store,
  write,
  zero,
  refresh,
  fileWrite,
  fileTruncate,
  outsideWrite,
  outsideTruncate,
  outsideMetadata,
  evict,
  fileSync,
  crash,
  recover,
} satisfies { readonly [K in ActionOp]: ActionDef<{ readonly op: K }> };

/** A spec action: its op and arguments, as the model, the engine and conventional I/O all take it. */
export type Action = (typeof actionDefs)[ActionOp] extends infer D ? (D extends ActionDef<infer A> ? A : never) : never;

/**
 * The table's entry for act's own op. Each op's entry takes that op's
 * arguments, which TypeScript cannot see through an index by a union.
 */
export const defOf = (act: Action): ActionDef<Action> => actionDefs[act.op] as ActionDef<Action>;

/** Every action's Schema, one struct per op; each is its module's arguments, so the union is Action's. */
const ActionSchema = Schema.Union(
  ...Object.values(actionDefs).map((def) => Schema.Struct({ op: Schema.Literal(def.op), ...def.args, ...def.chosen })),
) as unknown as Schema.Schema<Action>;

/** An Action from outside (a replay file, a regression case), or an error naming each bad field. */
export const decodeAction: (input: unknown) => Action = decoder(ActionSchema, 'Action');
