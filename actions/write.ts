/**
 * Write(a, n, f, pos, rebind, sync, atomic): write(2) of View(a..a+n-1) to
 * f at pos, skipping exactly the bytes provably in the file already; with
 * rebind the bytes are bound to the written range afterwards, so the next
 * write-back of an unchanged region writes nothing; with sync the file is
 * fsynced after; with atomic (which implies sync) the runs go through a
 * journal first, so that after any crash and recovery the file is exactly
 * as before or after. Refused if a byte it must write is lost
 * (DeferredIO.tla, Write).
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
  args: {
    addr: Count,
    len: Count,
    file: Schema.String,
    pos: Count,
    rebind: Schema.Boolean,
    sync: Schema.Boolean,
    atomic: Schema.Boolean,
  },
  refusable: true,
  *ranges(c) {
    for (const file of c.Files) {
      for (const addr of Addrs(c)) {
        for (const len of Lengths(c, addr)) {
          for (const pos of range(0, c.MaxLen - len)) {
            for (const rebind of [false, true]) {
              for (const sync of c.Syncs) {
                for (const atomic of c.Atomics) yield { op: 'write', addr, len, file, pos, rebind, sync, atomic };
              }
            }
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
    // Durability as Next gives it: sync and atomic only to a Persistent file, atomic only with sync.
    const durability = (file: string) =>
      fc
        .tuple(fc.constantFrom(...c.Syncs), fc.constantFrom(...c.Atomics))
        .filter(([sync, atomic]) => (!atomic || sync) && (!sync || c.Persistent.includes(file)));
    return {
      weight: 4,
      // At most MaxLen bytes (spec: Next), so that a position exists.
      arbitrary: fc
        .tuple(fc.constantFrom(...c.Files), span(c, length, c.MaxLen), fc.boolean())
        .chain(([file, s, rebind]) =>
          fc
            .tuple(pos(s), durability(file))
            .map(([p, [sync, atomic]]) => ({ op: 'write', file, pos: p, rebind, sync, atomic, ...s }) as const),
        ),
    };
  },
  step: (actions, c, st, a) => actions.Write(c, st, a.addr, a.len, a.file, a.pos, a.rebind, a.sync, a.atomic),
  engine: (w, a) =>
    w.segment.write(w.file(a.file), a.addr, a.len, a.pos, { rebind: a.rebind, sync: a.sync, atomic: a.atomic }),
  conventional: (conv, a) => {
    conv.write(a.addr, a.len, a.file, a.pos, a.sync);
    return nothing;
  },
});
