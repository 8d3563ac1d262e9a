/**
 * Evict(p): a resident page leaves memory; a dirty one goes to its swap
 * slot, a clean one is dropped (DeferredIO.tla, Evict).
 */
import fc from 'fast-check';
import { Pages } from '../model/constants.ts';
import { nothing } from '../model/conventional.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';

export const evict = defineAction({
  op: 'evict',
  args: { page: Count },
  refusable: false,
  *ranges(c) {
    for (const page of Pages(c)) yield { op: 'evict', page };
  },
  arbitrary: (c, length) => ({
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: Math.ceil(length / c.B) - 1 }).map((page) => ({ op: 'evict', page }) as const),
  }),
  step: (actions, c, st, a) => actions.Evict(c, st, a.page),
  engine: (w, a) => {
    w.segment.evict(a.page);
    return {};
  },
  // A hint: conventional I/O keeps everything in memory.
  conventional: () => nothing,
});
