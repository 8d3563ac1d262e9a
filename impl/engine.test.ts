/**
 * The engine: its defaults, and the stores and descriptors it owns.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { MemoryBackend } from './memory-backend.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { pattern, tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

describe('the engine', () => {
  it('a default engine: 4 KiB pages, 64 MiB of frames', () => {
    const engine = new Engine({ swapDir: tempDir() });
    expect(engine.pageSize).toBe(4096);
    expect(engine.frames).toBe(16384);
    engine.close();
  });

  it('the swap space and preserve store: made once each, by role, closed once with the engine', () => {
    const made: FaultyBackend[] = [];
    const engine = new Engine({
      pageSize: 4,
      memory: 16,
      createStore: (role) => {
        const store = new FaultyBackend(role);
        made.push(store);
        return store;
      },
    });
    expect(made.map((s) => s.name)).toEqual(['swap', 'preserve']);
    engine.close();
    engine.close();
    expect(made.map((s) => s.calls.close)).toEqual([1, 1]);
  });

  it('a store that cannot be made is an IOError of its role', () => {
    const fail = (which: string) => () => new Engine({
      pageSize: 4,
      memory: 16,
      createStore: (role) => {
        if (role === which) throw Object.assign(new Error('no room'), { code: 'ENOSPC' });
        return new MemoryBackend(role);
      },
    });
    expect(thrown(fail('swap'))).toMatchObject({ name: 'IOError', role: 'swap', code: 'ENOSPC' });
    expect(thrown(fail('preserve'))).toMatchObject({ name: 'IOError', role: 'preserve', code: 'ENOSPC' });
  });

  it('files on disk: closing files, segments and the engine releases every descriptor', () => {
    if (!fs.existsSync('/proc/self/fd')) return;
    const dir = tempDir();
    // Descriptors open on files in dir (the unlinked stores show as "... (deleted)").
    const ours = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
      } catch {
        return false;
      }
    }).length;
    const engine = new Engine({ pageSize: 4096, memory: 2 ** 16, swapDir: dir });
    expect(ours()).toBe(2);
    const image = tempFile(dir, 'image', pattern(8192));
    const seg = engine.segment(8192);
    for (let i = 0; i < 3; i++) {
      const file = engine.open(image, 'r');
      seg.read(file, 0, 8192, 0);
      file.close();
    }
    expect(ours()).toBe(3);
    seg.close();
    expect(ours()).toBe(2);
    engine.open(image, 'r+');
    engine.close();
    expect(ours()).toBe(0);
  });
});
