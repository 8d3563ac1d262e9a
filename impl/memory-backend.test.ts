import { describe, expect, it } from 'vitest';
import { MemoryBackend } from './memory-backend.ts';
import { memoryEngine } from './testing/engines.ts';
import { thrown } from './testing/thrown.ts';

describe('MemoryBackend', () => {
  it('MemoryBackend: reads short at its end, grows with zeros however far, and refuses beyond the largest buffer', () => {
    const m = new MemoryBackend('m', Uint8Array.of(1, 2, 3));
    const buffer = new Uint8Array(8).fill(0xee);
    expect(m.read(buffer, 0, 8, 1)).toBe(2);
    expect([...buffer.subarray(0, 3)]).toEqual([2, 3, 0xee]);
    expect(m.read(buffer, 0, 8, 3)).toBe(0);
    expect(m.read(buffer, 0, 8, 100)).toBe(0);
    m.truncate(1);
    m.truncate(40);
    const grown = new Uint8Array(40).fill(0xee);
    expect(m.read(grown, 0, 40, 0)).toBe(40);
    expect([...grown]).toEqual([1, ...new Array(39).fill(0)]);
    m.write(Uint8Array.of(7), 0, 1, 1000);
    const far = new Uint8Array(1001).fill(0xee);
    expect(m.read(far, 0, 1001, 0)).toBe(1001);
    expect(far[0]).toBe(1);
    expect(far.subarray(1, 1000).every((b) => b === 0)).toBe(true);
    expect(far[1000]).toBe(7);
    expect(thrown(() => m.truncate(2 ** 40))).toMatchObject({ code: 'EFBIG' });
    expect(m.size()).toBe(1001);
    // Through the engine, that is an IOError with the code.
    const engine = memoryEngine(4, 4);
    expect(thrown(() => engine.attach(m).write(Uint8Array.of(1), 0, 1, 2 ** 40))).toMatchObject({
      name: 'IOError',
      role: 'file',
      code: 'EFBIG',
    });
  });
});
