/**
 * Prefetch(p, n): the batched fill (madvise WILLNEED) -- pages p..p+n-1
 * not resident are faulted in, in order, up to the first that cannot be
 * (DeferredIO.tla, Prefetch). The engine's readahead after a sequential
 * fault is a load followed by this.
 */
import fc from 'fast-check';
import { Pages, range } from '../model/constants.ts';
import { nothing } from '../model/conventional.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';

export const prefetch = defineAction({
  op: 'prefetch',
  args: { page: Count, len: Count },
  refusable: false,
  *ranges(c) {
    for (const page of Pages(c)) for (const len of range(1, c.P - page)) yield { op: 'prefetch', page, len };
  },
  arbitrary: (c, length) => {
    // Whole pages only: the engine call asks for len * B bytes, past the end of a partial last page.
    const whole = Math.floor(length / c.B);
    if (whole === 0) return null;
    return {
      weight: 1,
      arbitrary: fc
        .integer({ min: 0, max: whole - 1 })
        .chain((page) =>
          fc.integer({ min: 1, max: whole - page }).map((len) => ({ op: 'prefetch', page, len }) as const),
        ),
    };
  },
  step: (actions, c, st, a) => actions.Prefetch(c, st, a.page, a.len),
  engine: (w, a) => {
    const from = a.page * w.segment.pageSize;
    w.segment.prefetch(from, Math.min(a.len * w.segment.pageSize, w.segment.length - from));
    return {};
  },
  // A hint: conventional I/O has no pages to fill.
  conventional: () => nothing,
});
