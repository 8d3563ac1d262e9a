import { describe, expect, it } from 'vitest';
import { IOError } from './errors.ts';
import { SlotStore } from './slots.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';

describe('SlotStore', () => {
  it('reuses freed slots, so the file only grows to the high-water mark', () => {
    const backend = new FaultyBackend('swap');
    const store = new SlotStore(backend, 'swap', 4);
    const a = store.put(Uint8Array.of(1, 2, 3, 4), 0);
    const b = store.put(Uint8Array.of(5, 6, 7, 8), 0);
    store.free(a);
    const c = store.put(Uint8Array.of(9, 9, 9, 9), 0);
    expect(c).toBe(a);
    expect(backend.inner.size()).toBe(8);
    const out = new Uint8Array(2);
    store.get(b, 1, 2, out, 0);
    expect([...out]).toEqual([6, 7]);
    expect(store.used).toBe(2);
  });

  it('takes no slot when the write fails (ENOSPC)', () => {
    const backend = new FaultyBackend('swap').fail('write', 'ENOSPC', { times: 1 });
    const store = new SlotStore(backend, 'swap', 4);
    const error = (() => {
      try {
        store.put(new Uint8Array(4), 0);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(IOError);
    expect(error).toMatchObject({ code: 'ENOSPC', role: 'swap' });
    expect(store.used).toBe(0);
    expect(store.put(new Uint8Array(4), 0)).toBe(0);
  });
});
