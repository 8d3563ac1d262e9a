/**
 * Load(a): a load returns View(a), faulting the page in if it is not
 * resident; refused if a byte of the page is lost (DeferredIO.tla, Load).
 */
import { Addrs } from '../model/constants.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { address } from './arbitraries.ts';

export const load = defineAction({
  op: 'load',
  args: { addr: Count },
  refusable: true,
  *ranges(c) {
    for (const addr of Addrs(c)) yield { op: 'load', addr };
  },
  arbitrary: (c, length) => ({
    weight: 3,
    arbitrary: address(c, length).map((addr) => ({ op: 'load', addr }) as const),
  }),
  step: (actions, c, st, a) => actions.Load(c, st, a.addr),
  engine: (w, a) => ({ ret: w.segment.getUint8(a.addr) }),
  conventional: (conv, a) => ({ ret: conv.load(a.addr), out: [] }),
});
