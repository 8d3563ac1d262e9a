/**
 * OutsideTruncate(f, len): another process truncates or extends the file
 * behind the engine's back (DeferredIO.tla, OutsideTruncate).
 */
import { Schema } from 'effect';
import { nothing } from '../model/conventional.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { truncateArbitrary, truncatesOf } from './changes.ts';

export const outsideTruncate = defineAction({
  op: 'outsideTruncate',
  args: { file: Schema.String, len: Count },
  refusable: false,
  *ranges(c) {
    for (const t of truncatesOf(c, c.Outside)) yield { op: 'outsideTruncate', ...t };
  },
  arbitrary: (c, length) => {
    const ts = truncateArbitrary(c, length, c.Outside);
    return ts === null ? null : { weight: 1, arbitrary: ts.map((t) => ({ op: 'outsideTruncate', ...t }) as const) };
  },
  step: (actions, c, st, a) => actions.OutsideTruncate(c, st, a.file, a.len),
  engine: (w, a) => {
    w.changeOutside(a.file, { len: a.len });
    return {};
  },
  // To a program using conventional I/O, a change behind the engine's back is another writer's change.
  conventional: (conv, a) => {
    conv.fileTruncate(a.file, a.len);
    return nothing;
  },
});
