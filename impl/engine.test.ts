/**
 * The engine: its defaults, and the stores and descriptors it owns.
 */
import * as fs from 'node:fs';
import { inspect as nodeInspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { MemoryBackend } from './memory-backend.ts';
import { memoryEngine, memoryFile } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { descriptorsIn, pattern, tempDir, tempFile } from './testing/temp.ts';
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
    const fail = (which: string) => () =>
      new Engine({
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
    const engine = new Engine({ pageSize: 4096, memory: 2 ** 16, swapDir: dir });
    expect(descriptorsIn(dir)).toBe(2);
    const image = tempFile(dir, 'image', pattern(8192));
    const seg = engine.segment(8192);
    for (let i = 0; i < 3; i++) {
      const file = engine.open(image, 'r');
      seg.read(file, 0, 8192, 0);
      file.close();
    }
    expect(descriptorsIn(dir)).toBe(3);
    seg.close();
    expect(descriptorsIn(dir)).toBe(2);
    engine.open(image, 'r+');
    engine.close();
    expect(descriptorsIn(dir)).toBe(0);
  });
});

describe('Node conventions', () => {
  it('using: an engine, a segment and a file are closed at the end of their scope', () => {
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    let outer: Engine;
    {
      using engine = memoryEngine(4, 4);
      outer = engine;
      {
        using file = engine.attach(backend);
        using seg = engine.segment(8);
        seg.read(file, 0, 4, 0);
        expect(seg.getUint8(3)).toBe(4);
      }
      // The segment went first (declared last), then the file: its backend closes with its last snapshot.
      expect(backend.calls.close).toBe(1);
      expect(engine.stats().liveSnapshots).toBe(0);
      expect(() => engine.segment(1)).not.toThrow();
    }
    expect(thrown(() => outer.segment(1))).toMatchObject({ name: 'ClosedError', what: 'engine' });
  });

  it('util.inspect shows what a file, a segment and an engine are now', () => {
    const inspect = (value: unknown) => nodeInspect(value, { breakLength: Infinity });
    const engine = memoryEngine(4, 4);
    const { file } = memoryFile(engine, 'disk.img', [1, 2, 3, 4, 5, 6]);
    const seg = engine.segment(16);
    seg.read(file, 0, 6, 0);
    seg.setUint8(0, 9);
    seg.getUint8(4);
    seg.setUint8(8, 1);
    seg.evict(2);
    expect(inspect(file)).toBe(
      "DeferredFile { name: 'disk.img', size: 6, position: 0, readOnly: false, isolated: false }",
    );
    expect(inspect(seg)).toBe('Segment { length: 16, pageSize: 4, pages: 4, resident: 2, swapped: 1, dirty: 2 }');
    expect(inspect(engine)).toContain('Engine { pageSize: 4, frames: 4, segments: 1, files: 1, faults: 3,');
    expect(inspect(engine)).toContain('residentPages: 2, swappedPages: 1, liveSnapshots: 1, preservedBlocks: 0 }');
    file.write(Uint8Array.of(7, 7));
    expect(inspect(file)).toContain('position: 2');
    file.close();
    seg.close();
    expect(inspect(file)).toBe("DeferredFile { name: 'disk.img', closed: true, readOnly: false, isolated: false }");
    expect(inspect(seg)).toBe('Segment { length: 16, pageSize: 4, pages: 4, closed: true }');
    engine.close();
    expect(inspect(engine)).toBe('Engine { closed: true }');
  });
});
