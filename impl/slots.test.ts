import { describe, expect, it } from 'vitest';
import type { FileBackend } from './backend.ts';
import { IOError } from './errors.ts';
import { fileLengthMax } from './limits.ts';
import { SlotStore } from './slots.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { thrown } from './testing/thrown.ts';

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

  it('has as many slots as fit in the longest file, then refuses with ENOSPC', () => {
    // Two slots of half the longest file: a backend that stores nothing and a buffer that claims that length.
    const backend = { name: 'swap', write: () => {} } as unknown as FileBackend;
    const store = new SlotStore(backend, 'swap', fileLengthMax / 2);
    const bytes = { length: fileLengthMax / 2 } as Uint8Array;
    expect([store.put(bytes, 0), store.put(bytes, 0)]).toEqual([0, 1]);
    expect(thrown(() => store.put(bytes, 0))).toMatchObject({ name: 'IOError', code: 'ENOSPC', role: 'swap' });
    expect(store.used).toBe(2);
  });

  it('reports a failed read with its own code, and a short read as EIO', () => {
    const backend = new FaultyBackend('swap');
    const store = new SlotStore(backend, 'swap', 4);
    const slot = store.put(Uint8Array.of(1, 2, 3, 4), 0);
    backend.fail('read', 'EACCES', { times: 1 });
    expect(thrown(() => store.get(slot, 0, 4, new Uint8Array(4), 0))).toMatchObject({
      name: 'IOError',
      code: 'EACCES',
      role: 'swap',
    });
    backend.inner.truncate(2);
    const short = thrown(() => store.get(slot, 0, 4, new Uint8Array(4), 0));
    expect(short).toMatchObject({ name: 'IOError', code: 'EIO', role: 'swap' });
    expect((short as Error).message).toContain('slot 0 read short');
    expect((short as Error).cause).toMatchObject({ code: 'EIO' });
  });
});
