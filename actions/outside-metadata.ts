/**
 * OutsideMetadata(f): another process changes only the file's metadata
 * behind the engine's back (chmod, chown, a link, an xattr, a utimes that
 * puts mtime back). No byte changes, and the engine loses nothing
 * (DeferredIO.tla, OutsideMetadata): a chmod is not a write.
 */
import { Schema } from 'effect';
import fc from 'fast-check';
import { nothing } from '../model/conventional.ts';
import { defineAction } from './action.ts';

export const outsideMetadata = defineAction({
  op: 'outsideMetadata',
  args: { file: Schema.String },
  refusable: false,
  *ranges(c) {
    for (const file of c.Outside) yield { op: 'outsideMetadata', file };
  },
  arbitrary: (c) =>
    c.Outside.length === 0
      ? null
      : {
          weight: 1,
          arbitrary: fc.constantFrom(...c.Outside).map((file) => ({ op: 'outsideMetadata', file }) as const),
        },
  step: (actions, c, st, a) => actions.OutsideMetadata(c, st, a.file),
  engine: (w, a) => {
    w.changeOutside(a.file, { metadata: true });
    return {};
  },
  // Nothing a program can see changes.
  conventional: () => nothing,
});
