/**
 * Refresh(a, n): the program accepts the files' current bytes for what it
 * lost. Every byte of a..a+n-1 the engine no longer knows, whose offset is
 * inside its file now, is bound to that offset of the file as it is now (a
 * reusable snapshot of the file, else a new one, as a read binds); a byte
 * at or past the end of its file stays lost, and a byte the engine knows is
 * never touched. Returns how many bytes it bound (DeferredIO.tla, Refresh).
 * To a program using conventional I/O it is a re-read of exactly those
 * bytes from where they came: the step record's reread.
 */
import { Addrs } from '../model/constants.ts';
import { Lengths } from '../model/next.ts';
import { Count } from '../model/schema.ts';
import { defineAction } from './action.ts';
import { span } from './arbitraries.ts';

export const refresh = defineAction({
  op: 'refresh',
  args: { addr: Count, len: Count },
  refusable: false,
  *ranges(c) {
    for (const addr of Addrs(c)) for (const len of Lengths(c, addr)) yield { op: 'refresh', addr, len };
  },
  // Which bytes are lost depends on residency, and a segment with a partial
  // last page keeps different pages resident than the model's whole pages
  // (a read to its end covers the short page, so drops its frame): there
  // the model cannot say which bytes conventional I/O re-reads, so such
  // segments are not refreshed; impl/refresh.test.ts covers them.
  arbitrary: (c, length) =>
    length < c.P * c.B
      ? null
      : { weight: 1, arbitrary: span(c, length, length).map((s) => ({ op: 'refresh', ...s }) as const) },
  step: (actions, c, st, a) => actions.Refresh(c, st, a.addr, a.len),
  engine: (w, a) => ({ ret: w.segment.refresh(a.addr, a.len) }),
  // Which bytes it re-reads is the step's choice (Refreshed judges it); conventional I/O re-reads the same ones.
  conventional: (conv, a, chosen) => ({ ret: conv.refresh(a.addr, a.len, chosen.reread), out: [] }),
});
