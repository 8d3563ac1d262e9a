/**
 * Zero(a, n): the "memset syscall" -- the bytes become Zero without
 * loading anything (DeferredIO.tla, Zero).
 */
import { Addrs } from '../model/constants.ts';
import { nothing } from '../model/conventional.ts';
import { Lengths } from '../model/next.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { span } from './arbitraries.ts';

export const zero = defineAction({
  op: 'zero',
  args: { addr: Count, len: Count },
  refusable: false,
  *ranges(c) {
    for (const addr of Addrs(c)) for (const len of Lengths(c, addr)) yield { op: 'zero', addr, len };
  },
  arbitrary: (c, length) => ({
    weight: 1,
    arbitrary: span(c, length, length).map((s) => ({ op: 'zero', ...s }) as const),
  }),
  step: (actions, c, st, a) => actions.Zero(c, st, a.addr, a.len),
  engine: (w, a) => {
    w.segment.zero(a.addr, a.len);
    return {};
  },
  conventional: (conv, a) => {
    conv.zero(a.addr, a.len);
    return nothing;
  },
});
