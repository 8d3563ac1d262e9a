/**
 * Bytes(a, n, w): a view of n bytes of one page, faulted in like a load; a
 * writable view detaches the page first (DeferredIO.tla, Bytes).
 */
import { Schema } from 'effect';
import fc from 'fast-check';
import { Addrs, range } from '../model/constants.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { address } from './arbitraries.ts';

export const bytes = defineAction({
  op: 'bytes',
  args: { addr: Count, len: Count, writable: Schema.Boolean },
  refusable: true,
  *ranges(c) {
    for (const addr of Addrs(c)) {
      for (const writable of [false, true]) {
        for (const len of range(1, c.B - (addr % c.B))) yield { op: 'bytes', addr, len, writable };
      }
    }
  },
  arbitrary: (c, length) => ({
    weight: 1,
    arbitrary: fc
      .tuple(address(c, length), fc.boolean())
      .chain(([addr, writable]) =>
        fc
          .integer({ min: 1, max: Math.min(c.B - (addr % c.B), length - addr) })
          .map((len) => ({ op: 'bytes', addr, len, writable }) as const),
      ),
  }),
  step: (actions, c, st, a) => actions.Bytes(c, st, a.addr, a.len, a.writable),
  engine: (w, a) => ({ out: Array.from(w.segment.bytes(a.addr, a.len, { writable: a.writable })) }),
  conventional: (conv, a) => ({ ret: 0, out: conv.memory(a.addr, a.len) }),
});
