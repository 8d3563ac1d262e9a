/**
 * Read(f, pos, a, n): read(2) into the segment. It returns
 * k = min(n, len(f) - pos) and binds bytes a..a+k-1 to a snapshot of f at
 * pos, copying nothing (DeferredIO.tla, Read).
 */
import { Schema } from 'effect';
import fc from 'fast-check';
import { Addrs, range } from '../model/constants.ts';
import { Lengths } from '../model/next.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { fileOffset, span } from './arbitraries.ts';

export const read = defineAction({
  op: 'read',
  args: { file: Schema.String, pos: Count, addr: Count, len: Count },
  refusable: false,
  *ranges(c) {
    for (const file of c.Files) {
      for (const pos of range(0, c.MaxLen)) {
        for (const addr of Addrs(c)) {
          for (const len of Lengths(c, addr)) yield { op: 'read', file, pos, addr, len };
        }
      }
    }
  },
  arbitrary: (c, length) => ({
    weight: 4,
    arbitrary: fc.tuple(fc.constantFrom(...c.Files), span(c, length, length)).chain(([file, s]) =>
      // Half of them from the file offset equal to the address, where a later write-back of the range lands.
      (s.addr <= c.MaxLen
        ? fc.oneof(fc.constant(s.addr), fileOffset(c, length, c.MaxLen + 1))
        : fileOffset(c, length, c.MaxLen + 1)
      ).map((pos) => ({ op: 'read', file, pos, ...s }) as const),
    ),
  }),
  step: (actions, c, st, a) => actions.Read(c, st, a.file, a.pos, a.addr, a.len),
  engine: (w, a) => ({ ret: w.segment.read(w.file(a.file), a.addr, a.len, a.pos) }),
  conventional: (conv, a) => ({ ret: conv.read(a.file, a.pos, a.addr, a.len), out: [] }),
});
