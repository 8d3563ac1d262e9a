import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, Framer } from './frames.ts';

/** A message of `size` bytes whose body bytes all equal `fill`. */
function frame(size: number, fill: number): Buffer {
  const b = Buffer.alloc(size, fill);
  b.writeUInt32LE(size, 0);
  return b;
}

describe('Framer', () => {
  it('returns the messages of a stream exactly, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 7, max: 300 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        (sizes, cuts) => {
          const frames = sizes.map((size, i) => frame(size, i + 1));
          const stream = Buffer.concat(frames);
          const framer = new Framer();
          const out: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const n = cuts[i % cuts.length];
            framer.push(stream.subarray(at, at + n));
            at += n;
            for (let f = framer.next(1000); f !== null; f = framer.next(1000)) out.push(Buffer.from(f));
          }
          expect(out).toEqual(frames);
          expect(framer.pending).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a size under the header or over the limit as soon as the size field is in', () => {
    const framer = new Framer();
    framer.push(Buffer.from([0x00, 0x10]));
    expect(framer.next(4096)).toBeNull();
    framer.push(Buffer.from([0x00, 0x00]));
    // 4096 announced: within the limit, waits for the rest.
    expect(framer.next(4096)).toBeNull();
    expect(() => framer.next(4095)).toThrow(FrameError);
    const six = new Framer();
    six.push(Buffer.from([6, 0, 0, 0, 1, 2]));
    expect(() => six.next(100)).toThrow(/size 6/);
  });
});
