/**
 * CopyOut(a, n): copies View(a..a+n-1) out of the segment without
 * faulting a page in; refused if a byte is lost (DeferredIO.tla, CopyOut).
 */
import { Addrs } from '../model/constants.ts';
import { Lengths } from '../model/next.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { span } from './arbitraries.ts';

export const copyOut = defineAction({
  op: 'copyOut',
  args: { addr: Count, len: Count },
  refusable: true,
  *ranges(c) {
    for (const addr of Addrs(c)) for (const len of Lengths(c, addr)) yield { op: 'copyOut', addr, len };
  },
  arbitrary: (c, length) => ({
    weight: 1,
    arbitrary: span(c, length, length).map((s) => ({ op: 'copyOut', ...s }) as const),
  }),
  step: (actions, c, st, a) => actions.CopyOut(c, st, a.addr, a.len),
  engine: (w, a) => {
    const into = new Uint8Array(a.len);
    w.segment.copyOut(a.addr, into);
    return { out: Array.from(into) };
  },
  conventional: (conv, a) => ({ ret: 0, out: conv.memory(a.addr, a.len) }),
});
