/**
 * Write(a, n, f, pos, rebind): write(2) of View(a..a+n-1) to f at pos,
 * skipping exactly the bytes provably in the file already; with rebind
 * the bytes are bound to the written range afterwards, so the next
 * write-back of an unchanged region writes nothing. Refused if a byte it
 * must write is lost (DeferredIO.tla, Write).
 */
import { Schema } from 'effect';
import fc from 'fast-check';
import { Addrs, range } from '../model/constants.ts';
import { nothing } from '../model/conventional.ts';
import { Lengths } from '../model/next.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { fileOffset, span } from './arbitraries.ts';

export const write = defineAction({
  op: 'write',
  args: { addr: Count, len: Count, file: Schema.String, pos: Count, rebind: Schema.Boolean },
  refusable: true,
  *ranges(c) {
    for (const file of c.Files) {
      for (const addr of Addrs(c)) {
        for (const len of Lengths(c, addr)) {
          for (const pos of range(0, c.MaxLen - len)) {
            for (const rebind of [false, true]) yield { op: 'write', addr, len, file, pos, rebind };
          }
        }
      }
    }
  },
  arbitrary: (c, length) => {
    // Mostly the segment address itself, so that a write-back lands where its read came from.
    const pos = (s: { addr: number; len: number }) =>
      s.addr + s.len <= c.MaxLen
        ? fc.oneof(
            { weight: 2, arbitrary: fc.constant(s.addr) },
            { weight: 1, arbitrary: fileOffset(c, length, c.MaxLen - s.len + 1) },
          )
        : fileOffset(c, length, c.MaxLen - s.len + 1);
    return {
      weight: 4,
      // At most MaxLen bytes (spec: Next), so that a position exists.
      arbitrary: fc
        .tuple(fc.constantFrom(...c.Files), span(c, length, c.MaxLen), fc.boolean())
        .chain(([file, s, rebind]) => pos(s).map((p) => ({ op: 'write', file, pos: p, rebind, ...s }) as const)),
    };
  },
  step: (actions, c, st, a) => actions.Write(c, st, a.addr, a.len, a.file, a.pos, a.rebind),
  engine: (w, a) => w.segment.write(w.file(a.file), a.addr, a.len, a.pos, { rebind: a.rebind }),
  conventional: (conv, a) => {
    conv.write(a.addr, a.len, a.file, a.pos);
    return nothing;
  },
});
