/**
 * Recover(f): the open of a Persistent file whose journal an atomic
 * write-back cut by a crash left: a committed journal it can trust is
 * replayed, one not committed discarded, either way removed durably; a
 * committed one it cannot trust is refused (EJOURNALCORRUPT) and left
 * (DeferredIO.tla, Recover). To a program it changes nothing it can see.
 */
import { Schema } from 'effect';
import fc from 'fast-check';
import { nothing } from '../model/conventional.ts';
import { defineAction } from './action.ts';

export const recover = defineAction({
  op: 'recover',
  args: { file: Schema.String },
  refusable: true,
  *ranges(c) {
    for (const file of c.Persistent) yield { op: 'recover', file };
  },
  arbitrary: (c) =>
    c.Persistent.length === 0
      ? null
      : { weight: 3, arbitrary: fc.constantFrom(...c.Persistent).map((file) => ({ op: 'recover', file }) as const) },
  step: (actions, c, st, a) => actions.Recover(c, st, a.file),
  engine: (w, a) => {
    w.recover(a.file);
    return {};
  },
  // Whether the replay's fsync made the file durable is the step's; conventional I/O allows either.
  conventional: (conv, a, chosen) => {
    conv.recover(a.file, chosen.after());
    return nothing;
  },
});
