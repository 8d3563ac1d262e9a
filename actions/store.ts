/**
 * Store(a, v): faults the page in, sets the byte, and makes every byte of
 * the page Anon; refused like a load (DeferredIO.tla, Store).
 */
import fc from 'fast-check';
import { Addrs } from '../model/constants.ts';
import { nothing } from '../model/conventional.ts';
import { Byte, Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { address } from './arbitraries.ts';

export const store = defineAction({
  op: 'store',
  args: { addr: Count, val: Byte },
  refusable: true,
  *ranges(c) {
    for (const addr of Addrs(c)) for (const val of c.Vals) yield { op: 'store', addr, val };
  },
  arbitrary: (c, length) => ({
    weight: 3,
    arbitrary: fc
      .tuple(address(c, length), fc.constantFrom(...c.Vals))
      .map(([addr, val]) => ({ op: 'store', addr, val }) as const),
  }),
  step: (actions, c, st, a) => actions.Store(c, st, a.addr, a.val),
  engine: (w, a) => {
    w.segment.setUint8(a.addr, a.val);
    return {};
  },
  conventional: (conv, a) => {
    conv.store(a.addr, a.val);
    return nothing;
  },
});
