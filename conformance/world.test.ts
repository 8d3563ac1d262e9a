/**
 * What world.ts's reading of a Persistent file's directory rests on: the
 * directory (impl/testing/recording-backend.ts) changes only by a call it
 * logs, so a directory with no more calls logged holds what it held, and
 * is not read again.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { durableDirectory, RecordingDirectory } from '../impl/testing/recording-backend.ts';

type Call = (d: RecordingDirectory) => unknown;

const name = fc.constantFrom('f', 'f.journal', 'g');
const offset = fc.integer({ min: 0, max: 20 });
const calls: fc.Arbitrary<Call> = fc.oneof(
  fc.tuple(name, offset, fc.uint8Array({ maxLength: 9 })).map(
    ([n, at, data]): Call =>
      (d) =>
        d.open(n)?.write(data, 0, data.length, at),
  ),
  fc.tuple(name, offset, fc.array(fc.uint8Array({ maxLength: 5 }), { maxLength: 3 })).map(
    ([n, at, data]): Call =>
      (d) =>
        d.open(n)?.writev(data, at),
  ),
  fc.tuple(name, offset).map(
    ([n, len]): Call =>
      (d) =>
        d.open(n)?.truncate(len),
  ),
  name.map(
    (n): Call =>
      (d) =>
        d.open(n)?.sync(),
  ),
  name.map(
    (n): Call =>
      (d) =>
        d.open(n)?.datasync(),
  ),
  name.map(
    (n): Call =>
      (d) =>
        d.create(n),
  ),
  name.map(
    (n): Call =>
      (d) =>
        d.remove(n),
  ),
  fc.tuple(name, name).map(
    ([n, to]): Call =>
      (d) =>
        d.rename(n, to),
  ),
  fc.constant<Call>((d) => d.sync()),
  // Calls that change nothing.
  fc.tuple(name, offset).map(
    ([n, at]): Call =>
      (d) =>
        d.open(n)?.read(new Uint8Array(8), 0, 8, at),
  ),
  name.map(
    (n): Call =>
      (d) =>
        d.open(n)?.identity(),
  ),
  name.map(
    (n): Call =>
      (d) =>
        d.content(n),
  ),
  name.map(
    (n): Call =>
      (d) =>
        d.open(n)?.clone(),
  ),
);

test('a recording directory with no more calls logged holds what it held, whatever was called', () => {
  fc.assert(
    fc.property(fc.array(calls, { maxLength: 40 }), fc.boolean(), (made, lying) => {
      const d = new RecordingDirectory(durableDirectory(4, { f: Uint8Array.of(1, 2, 3, 4, 5) }), {
        // A disk that ignores some syncs: neither logged nor made.
        ignoreSync: () => lying,
      });
      for (const call of made) {
        const [logged, held] = [d.log.length, d.state()];
        try {
          call(d);
        } catch {
          // A refused call (EEXIST, ENOENT) is a call like any other here.
        }
        if (d.log.length === logged) expect(d.state()).toEqual(held);
      }
    }),
    { numRuns: 300 },
  );
});
