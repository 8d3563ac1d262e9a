/**
 * FileSync(f): file.sync(), the fsync of a Persistent file: what readers
 * see becomes durable (DeferredIO.tla, FileSync).
 */
import { Schema } from 'effect';
import fc from 'fast-check';
import { nothing } from '../model/conventional.ts';
import { defineAction } from './action.ts';

export const fileSync = defineAction({
  op: 'fileSync',
  args: { file: Schema.String },
  refusable: false,
  *ranges(c) {
    for (const file of c.Persistent) yield { op: 'fileSync', file };
  },
  arbitrary: (c) =>
    c.Persistent.length === 0
      ? null
      : { weight: 1, arbitrary: fc.constantFrom(...c.Persistent).map((file) => ({ op: 'fileSync', file }) as const) },
  step: (actions, c, st, a) => actions.FileSync(c, st, a.file),
  engine: (w, a) => {
    w.file(a.file).sync();
    return {};
  },
  conventional: (conv, a) => {
    conv.fileSync(a.file);
    return nothing;
  },
});
