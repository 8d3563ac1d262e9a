/**
 * The engine: its defaults, and the stores and descriptors it owns.
 */
import { execFileSync } from 'node:child_process';
import type { PathLike } from 'node:fs';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect as nodeInspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { internals } from './internals.ts';
import { readaheadMax } from './limits.ts';
import { MemoryBackend } from './memory-backend.ts';
import { NodeFileBackend } from './node-backend.ts';
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
  it('a closed segment leaves the engine: it counts only open segments', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(8);
    engine.segment(8);
    expect(nodeInspect(engine)).toContain('segments: 2,');
    seg.close();
    expect(nodeInspect(engine)).toContain('segments: 1,');
    engine.close();
  });

  it('prefetch fills the longest run readahead allows (readaheadMax + 1 pages) with one read', () => {
    const pages = readaheadMax + 1;
    const engine = memoryEngine(1, pages + 1);
    const backend = new FaultyBackend('f', pattern(pages));
    const file = engine.attach(backend);
    const seg = engine.segment(pages);
    seg.read(file, 0, pages, 0);
    seg.prefetch(0, pages);
    expect(backend.calls.read).toBe(1);
    expect(engine.stats()).toMatchObject({ faults: pages, fills: pages, bytesFilled: pages });
    engine.close();
  });
});

describe('NodeFileBackend', () => {
  it('open refuses a directory (EISDIR) and a FIFO (ENODEV), saying so and naming the file', () => {
    const dir = tempDir();
    expect(thrown(() => NodeFileBackend.open(dir, 'r'))).toMatchObject({
      code: 'EISDIR',
      message: `EISDIR: a directory, open '${dir}'`,
    });
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(thrown(() => NodeFileBackend.open(fifo, 'r'))).toMatchObject({
      code: 'ENODEV',
      message: `ENODEV: not a regular file, open '${fifo}'`,
    });
  });

  it('a temporary and a copy are named for what they are, and neither is ever copied', () => {
    const dir = tempDir();
    const original = NodeFileBackend.open(tempFile(dir, 'f', Uint8Array.of(1, 2, 3)), 'r+');
    const copy = original.clone(dir);
    original.write(Uint8Array.of(9), 0, 1, 0);
    expect(copy.name).toBe(`copy of ${original.name}`);
    const bytes = new Uint8Array(3);
    expect(copy.read(bytes, 0, 3, 0)).toBe(3);
    expect([...bytes]).toEqual([1, 2, 3]);
    const store = NodeFileBackend.temporary(dir, 'swap');
    expect(store.name).toBe(`swap in ${dir}`);
    // The copy's name on disk, which lives until it is open, says what it is.
    expect(thrown(() => original.clone(path.join(dir, 'missing'))).message).toMatch(/\.copy'$/);
    for (const temporary of [copy, store])
      expect(
        thrown(() => temporary.clone(dir)),
        temporary.name,
      ).toMatchObject({ code: 'EINVAL' });
    for (const backend of [original, copy, store]) backend.close();
  });

  it("siblings: the file's directory, where a journal is created exclusively, found, removed and made durable", () => {
    const dir = tempDir();
    const backend = NodeFileBackend.open(tempFile(dir, 'f', Uint8Array.of(1)), 'r+');
    const siblings = backend.siblings!;
    expect(siblings.open('j')).toBeNull();
    const made = siblings.create('j');
    made.write(Uint8Array.of(5, 6), 0, 2, 0);
    made.close();
    expect(thrown(() => siblings.create('j'))).toMatchObject({ code: 'EEXIST' });
    const found = siblings.open('j')!;
    const bytes = new Uint8Array(2);
    expect(found.read(bytes, 0, 2, 0)).toBe(2);
    expect([...bytes]).toEqual([5, 6]);
    found.close();
    siblings.remove('j');
    siblings.sync();
    expect(fs.readdirSync(dir)).toEqual(['f']);
    expect(thrown(() => siblings.remove('j'))).toMatchObject({ code: 'ENOENT' });
    // A temporary has no directory to speak of: it is unlinked as soon as it is made.
    expect(NodeFileBackend.temporary(dir, 'swap').siblings).toBeNull();
    backend.close();
  });

  it('sync and datasync go to the descriptor; close releases it once, a second close does nothing', () => {
    const dir = tempDir();
    const backend = NodeFileBackend.open(tempFile(dir, 'f', Uint8Array.of(1)), 'r+');
    backend.sync();
    backend.datasync();
    backend.close();
    backend.close();
    // The descriptor is gone: fsync and fdatasync of it fail.
    expect(thrown(() => backend.sync())).toMatchObject({ code: 'EBADF' });
    expect(thrown(() => backend.datasync())).toMatchObject({ code: 'EBADF' });
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
    // What the file exposes: no position (position-less writes keep one, but it is no property).
    expect(inspect(file)).toBe("DeferredFile { name: 'disk.img', size: 6, readOnly: false, isolated: false }");
    expect([file.name, file.size, file.readOnly, file.isolated]).toEqual(['disk.img', 6, false, false]);
    expect('position' in file).toBe(false);
    expect(inspect(seg)).toBe('Segment { length: 16, pageSize: 4, pages: 4, resident: 2, swapped: 1, dirty: 2 }');
    expect(inspect(engine)).toContain('Engine { pageSize: 4, frames: 4, segments: 1, files: 1, faults: 3,');
    expect(inspect(engine)).toContain('residentPages: 2, swappedPages: 1, liveSnapshots: 1, preservedBlocks: 0 }');
    file.write(Uint8Array.of(7, 7));
    expect(inspect(file)).toBe("DeferredFile { name: 'disk.img', size: 6, readOnly: false, isolated: false }");
    file.close();
    seg.close();
    expect(inspect(file)).toBe("DeferredFile { name: 'disk.img', closed: true, readOnly: false, isolated: false }");
    expect(inspect(seg)).toBe('Segment { length: 16, pageSize: 4, pages: 4, closed: true }');
    engine.close();
    expect(inspect(engine)).toBe('Engine { closed: true }');
  });
});

describe('paths, as node:fs takes them', () => {
  it('open: a string, a Buffer, any Uint8Array or a file: URL, all naming the same file', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4, memory: 64, swapDir: dir });
    const image = tempFile(dir, 'image é%', Uint8Array.of(1, 2, 3));
    const url = pathToFileURL(image);
    const given: PathLike[] = [
      image,
      Buffer.from(image),
      new TextEncoder().encode(image) as Buffer,
      url,
      new URL(`file://localhost${url.pathname}`),
    ];
    given.forEach((name, i) => {
      const file = engine.open(name, 'r+');
      expect(file.name, String(name)).toBe(image);
      file.write(Uint8Array.of(10 + i), 0, 1, i);
    });
    expect([...fs.readFileSync(image)]).toEqual([10, 11, 12, 13, 14]);
    engine.close();
  });

  it('open: a Buffer path is opened byte for byte, even where it is not UTF-8; its name is its UTF-8 reading', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4, memory: 64, swapDir: dir });
    const raw = Buffer.concat([Buffer.from(`${dir}/`), Buffer.of(0xff, 0x41)]);
    fs.writeFileSync(raw, Uint8Array.of(1, 2));
    const file = engine.open(raw);
    expect([file.name, file.size]).toEqual([`${dir}/\ufffdA`, 2]);
    // The name is not the file: the same bytes read as a string name none.
    expect(thrown(() => engine.open(file.name))).toMatchObject({ name: 'IOError', code: 'ENOENT' });
    engine.close();
  });

  it('swapDir: a file: URL or a Buffer, the stores and isolation copies made there', () => {
    const dir = tempDir();
    const image = tempFile(tempDir(), 'image', Uint8Array.of(1, 2, 3, 4));
    for (const swapDir of [pathToFileURL(dir), Buffer.from(dir)]) {
      const engine = new Engine({ pageSize: 4, memory: 64, swapDir });
      expect(descriptorsIn(dir)).toBe(2);
      const seg = engine.segment(4);
      seg.read(engine.open(image, 'r', { isolate: true }), 0, 4, 0);
      // The swap file, the preserve store and the isolation copy.
      expect(descriptorsIn(dir)).toBe(3);
      engine.close();
      expect(descriptorsIn(dir)).toBe(0);
    }
  });
});

describe('a segment of length 0', () => {
  it('engine.segment(file.size) of an empty file: every call of length 0 does nothing, any byte is out of range', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4, memory: 64, swapDir: dir });
    const file = engine.open(tempFile(dir, 'empty', new Uint8Array(0)), 'r+');
    const seg = engine.segment(file.size);
    expect([seg.length, seg.pages]).toEqual([0, 0]);
    const before = internals(engine);
    const stats = engine.stats();
    expect(seg.read(file, 0, file.size, 0)).toBe(0);
    expect(seg.write(file, 0, 0, 0, { rebind: true, sync: true })).toEqual({ written: 0, skipped: 0 });
    seg.zero(0, 0);
    seg.prefetch(0, 0);
    seg.copyOut(0, new Uint8Array(0));
    seg.copyIn(0, new Uint8Array(0));
    expect(internals(engine)).toEqual(before);
    expect(engine.stats()).toEqual(stats);
    const outside: (() => unknown)[] = [
      () => seg.getUint8(0),
      () => seg.setUint8(0, 1),
      () => seg.getBigUint64(0),
      () => seg.setFloat64(0, 1),
      () => seg.bytes(0, 1),
      () => seg.evict(0),
      () => seg.copyOut(0, new Uint8Array(1)),
      () => seg.copyIn(0, Uint8Array.of(1)),
      () => seg.read(file, 0, 1, 0),
      () => seg.read(file, 1, 0, 0),
      () => seg.write(file, 0, 1, 0),
      () => seg.zero(0, 1),
      () => seg.prefetch(0, 1),
    ];
    for (const call of outside)
      expect(thrown(call), String(call)).toMatchObject({ name: 'ArgumentError', code: 'ERR_OUT_OF_RANGE' });
    expect(internals(engine)).toEqual(before);
    expect(nodeInspect(seg, { breakLength: Infinity })).toBe(
      'Segment { length: 0, pageSize: 4, pages: 0, resident: 0, swapped: 0, dirty: 0 }',
    );
    seg.close();
    expect(file.size).toBe(0);
    engine.close();
  });
});
