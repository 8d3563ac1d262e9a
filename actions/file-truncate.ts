/**
 * FileTruncate(f, len): another writer truncates or extends a file,
 * through the engine; copy-before-write preserves what a cut takes from
 * live snapshots (DeferredIO.tla, FileTruncate).
 */
import { Schema } from 'effect';
import { nothing } from '../model/conventional.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { truncateArbitrary, truncatesOf } from './changes.ts';

export const fileTruncate = defineAction({
  op: 'fileTruncate',
  args: { file: Schema.String, len: Count },
  refusable: false,
  *ranges(c) {
    for (const t of truncatesOf(c, c.Foreign)) yield { op: 'fileTruncate', ...t };
  },
  arbitrary: (c, length) => {
    const ts = truncateArbitrary(c, length, c.Foreign);
    return ts === null ? null : { weight: 1, arbitrary: ts.map((t) => ({ op: 'fileTruncate', ...t }) as const) };
  },
  step: (actions, c, st, a) => actions.FileTruncate(c, st, a.file, a.len),
  engine: (w, a) => {
    w.file(a.file).truncate(a.len);
    return {};
  },
  conventional: (conv, a) => {
    conv.fileTruncate(a.file, a.len);
    return nothing;
  },
});
