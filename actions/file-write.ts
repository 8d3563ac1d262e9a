/**
 * FileWrite(f, pos, data): another writer's write to a file, through the
 * engine, so that copy-before-write first preserves the blocks live
 * snapshots still need (DeferredIO.tla, FileWrite).
 */
import { Schema } from 'effect';
import { nothing } from '../model/conventional.ts';
import { ByteSeq, Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { writeArbitrary, writesTo } from './changes.ts';

export const fileWrite = defineAction({
  op: 'fileWrite',
  args: { file: Schema.String, pos: Count, data: ByteSeq },
  refusable: false,
  *ranges(c) {
    for (const w of writesTo(c, c.Foreign)) yield { op: 'fileWrite', ...w };
  },
  arbitrary: (c, length) => {
    const ws = writeArbitrary(c, length, c.Foreign);
    return ws === null ? null : { weight: 2, arbitrary: ws.map((w) => ({ op: 'fileWrite', ...w }) as const) };
  },
  step: (actions, c, st, a) => actions.FileWrite(c, st, a.file, a.pos, a.data),
  engine: (w, a) => {
    w.file(a.file).write(Uint8Array.from(a.data), 0, a.data.length, a.pos);
    return {};
  },
  conventional: (conv, a) => {
    conv.fileWrite(a.file, a.pos, a.data);
    return nothing;
  },
});
