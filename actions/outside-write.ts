/**
 * OutsideWrite(f, pos, data): another process writes the file behind the
 * engine's back: no copy-before-write, and every snapshot of the file
 * becomes stale (DeferredIO.tla, OutsideWrite).
 */
import { Schema } from 'effect';
import { nothing } from '../model/conventional.ts';
import { ByteSeq, Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { writeArbitrary, writesTo } from './changes.ts';

export const outsideWrite = defineAction({
  op: 'outsideWrite',
  args: { file: Schema.String, pos: Count, data: ByteSeq },
  refusable: false,
  *ranges(c) {
    for (const w of writesTo(c, c.Outside)) yield { op: 'outsideWrite', ...w };
  },
  arbitrary: (c, length) => {
    const ws = writeArbitrary(c, length, c.Outside);
    return ws === null ? null : { weight: 1, arbitrary: ws.map((w) => ({ op: 'outsideWrite', ...w }) as const) };
  },
  step: (actions, c, st, a) => actions.OutsideWrite(c, st, a.file, a.pos, a.data),
  engine: (w, a) => {
    w.changeOutside(a.file, { data: a.data, pos: a.pos });
    return {};
  },
  // To a program using conventional I/O, a change behind the engine's back is another writer's change.
  conventional: (conv, a) => {
    conv.fileWrite(a.file, a.pos, a.data);
    return nothing;
  },
});
