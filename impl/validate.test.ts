import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { ArgumentError, ClosedError, ReadOnlyError } from './errors.ts';
import { internals } from './internals.ts';
import { MemoryBackend } from './memory-backend.ts';
import { memoryEngine, memoryFile } from './testing/engines.ts';
import { tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

function setup() {
  const engine = memoryEngine(4, 8);
  const seg = engine.segment(16);
  const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
  const readOnly = engine.attach(new MemoryBackend('ro', Uint8Array.of(1, 2)), { readOnly: true });
  seg.read(file, 2, 8, 0);
  seg.setUint8(12, 5);
  return { engine, seg, file, readOnly };
}

type Setup = ReturnType<typeof setup>;

// [description, call, the argument the error must name]
const badArguments: [string, (s: Setup) => unknown, string][] = [
  ['read: file of another engine', (s) => s.seg.read(memoryFile(memoryEngine(4, 2), 'x', []).file, 0, 1, 0), 'file'],
  ['read: file not a file', (s) => s.seg.read({} as never, 0, 1, 0), 'file'],
  ['read: negative addr', (s) => s.seg.read(s.file, -1, 1, 0), 'addr'],
  ['read: fractional addr', (s) => s.seg.read(s.file, 0.5, 1, 0), 'addr'],
  ['read: NaN length', (s) => s.seg.read(s.file, 0, NaN, 0), 'length'],
  ['read: past the segment', (s) => s.seg.read(s.file, 10, 7, 0), 'length'],
  ['read: negative position', (s) => s.seg.read(s.file, 0, 1, -1), 'position'],
  ['read: position beyond 2^53', (s) => s.seg.read(s.file, 0, 2, 2 ** 53 - 1), 'position'],
  ['write: addr beyond the segment', (s) => s.seg.write(s.file, 17, 0, 0), 'addr'],
  ['write: string length', (s) => s.seg.write(s.file, 0, '4' as never, 0), 'length'],
  ['write: rebind not boolean', (s) => s.seg.write(s.file, 0, 4, 0, { rebind: 1 as never }), 'options.rebind'],
  ['write: unknown option', (s) => s.seg.write(s.file, 0, 4, 0, { fsync: true } as never), 'options.fsync'],
  ['write: sync not boolean', (s) => s.seg.write(s.file, 0, 4, 0, { sync: 'yes' as never }), 'options.sync'],
  ['zero: past the segment', (s) => s.seg.zero(8, 9), 'length'],
  ['zero: Infinity', (s) => s.seg.zero(Infinity, 1), 'addr'],
  ['evict: page out of range', (s) => s.seg.evict(4), 'page'],
  ['evict: negative page', (s) => s.seg.evict(-1), 'page'],
  ['getUint8: addr at the end', (s) => s.seg.getUint8(16), 'addr'],
  ['setUint8: value 256', (s) => s.seg.setUint8(0, 256), 'value'],
  ['setUint8: fractional value', (s) => s.seg.setUint8(0, 1.5), 'value'],
  ['getUint32: straddling the end', (s) => s.seg.getUint32(13), 'addr'],
  ['getInt16: littleEndian not boolean', (s) => s.seg.getInt16(0, 1 as never), 'littleEndian'],
  ['setInt16: out of range', (s) => s.seg.setInt16(0, 40000), 'value'],
  ['setFloat64: not a number', (s) => s.seg.setFloat64(0, '1' as never), 'value'],
  ['setBigUint64: negative', (s) => s.seg.setBigUint64(0, -1n), 'value'],
  ['setBigInt64: a number', (s) => s.seg.setBigInt64(0, 1 as never), 'value'],
  ['copyOut: not bytes', (s) => s.seg.copyOut(0, [0, 0] as never), 'target'],
  ['copyOut: past the end', (s) => s.seg.copyOut(15, new Uint8Array(2)), 'addr'],
  ['copyIn: past the end', (s) => s.seg.copyIn(15, new Uint8Array(2)), 'addr'],
  ['file.write: not bytes', (s) => s.file.write('ab' as never, 0, 2, 0), 'buffer'],
  ['file.write: offset past buffer', (s) => s.file.write(new Uint8Array(2), 3, 0, 0), 'offset'],
  ['file.write: length past buffer', (s) => s.file.write(new Uint8Array(2), 1, 2, 0), 'length'],
  ['file.write: negative position', (s) => s.file.write(new Uint8Array(2), 0, 2, -3), 'position'],
  ['file.truncate: negative', (s) => s.file.truncate(-1), 'length'],
  ['segment: negative length', (s) => s.engine.segment(-1), 'length'],
  ['segment: beyond 2^53', (s) => s.engine.segment(2 ** 53 + 2), 'length'],
  ['open: path not a string', (s) => s.engine.open(7 as never), 'path'],
  ['open: URL not file:', (s) => s.engine.open(new URL('https://example.com/x')), 'path'],
  ['open: a null byte', (s) => s.engine.open(Buffer.from('/tmp/x\0')), 'path'],
  ['open: flags', (s) => s.engine.open('/tmp/x', 'a' as never), 'flags'],
  ['open: isolate not boolean', (s) => s.engine.open('/tmp/x', 'r', { isolate: 'yes' as never }), 'options.isolate'],
  ['attach: not a backend', (s) => s.engine.attach({ name: 'x' } as never), 'backend'],
];

describe('argument validation', () => {
  for (const [description, call, argument] of badArguments) {
    it(`${description}: ArgumentError naming ${argument}, state unchanged`, () => {
      const s = setup();
      const before = internals(s.engine);
      const stats = s.engine.stats();
      let error: unknown;
      try {
        call(s);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ArgumentError);
      expect((error as ArgumentError).argument).toBe(argument);
      expect((error as Error).message).toContain(argument);
      expect(internals(s.engine)).toEqual(before);
      expect(s.engine.stats()).toEqual(stats);
    });
  }

  it('rejects bad engine options', () => {
    const cases: [object, string][] = [
      [{ pageSize: 0 }, 'options.pageSize'],
      [{ pageSize: 2.5 }, 'options.pageSize'],
      [{ memory: 100, pageSize: 4096 }, 'options.memory'],
      // More frames than an Int32Array numbers (framesMax).
      [{ memory: 2 ** 31, pageSize: 1 }, 'options.memory'],
      [{ pageSize: 4, memory: 8, readahead: 2 }, 'options.readahead'],
      [{ swapDir: '' }, 'options.swapDir'],
      [{ createStore: 'file' }, 'options.createStore'],
      [{ pages: 3 }, 'options.pages'],
    ];
    for (const [options, argument] of cases) {
      expect(() => new Engine(options as never)).toThrow(expect.objectContaining({ name: 'ArgumentError', argument }));
    }
  });

  it('refuses writes and truncation through a read-only file, changing nothing', () => {
    const s = setup();
    const before = internals(s.engine);
    expect(() => s.seg.write(s.readOnly, 0, 2, 0)).toThrow(ReadOnlyError);
    expect(() => s.readOnly.write(Uint8Array.of(1), 0, 1, 0)).toThrow(ReadOnlyError);
    expect(() => s.readOnly.truncate(0)).toThrow(ReadOnlyError);
    expect(internals(s.engine)).toEqual(before);
  });

  it('refuses calls on closed files, segments and engines', () => {
    const s = setup();
    s.readOnly.close();
    expect(() => s.seg.read(s.readOnly, 0, 1, 0)).toThrow(
      expect.objectContaining({ name: 'ClosedError', what: 'file' }),
    );
    expect(() => s.readOnly.size).toThrow(ClosedError);
    const other = s.engine.segment(4);
    other.close();
    other.close();
    expect(() => other.getUint8(0)).toThrow(expect.objectContaining({ name: 'ClosedError', what: 'segment' }));
    s.engine.close();
    expect(() => s.seg.getUint8(0)).toThrow(expect.objectContaining({ name: 'ClosedError', what: 'engine' }));
    expect(() => s.file.write(Uint8Array.of(1), 0, 1, 0)).toThrow(ClosedError);
    expect(() => s.engine.segment(4)).toThrow(ClosedError);
  });

  it('keeps bytes read from a file valid after the file is closed', () => {
    const s = setup();
    s.file.close();
    expect(s.seg.getUint8(3)).toBe(2);
  });

  it('reports a missing file as an IOError with its code', () => {
    const s = setup();
    expect(() => s.engine.open('/nonexistent/deferred-io', 'r')).toThrow(
      expect.objectContaining({ name: 'IOError', code: 'ENOENT' }),
    );
  });
});

describe('argument shapes', () => {
  it('refuses an options bag that is not a plain object', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(8);
    const { file } = memoryFile(engine, 'f', [1, 2]);
    for (const bag of [5, null, [], 'rebind', true]) {
      const error = thrown(() => seg.write(file, 0, 2, 0, bag as never));
      expect(error, JSON.stringify(bag)).toBeInstanceOf(ArgumentError);
      expect((error as ArgumentError).argument).toBe('options');
    }
    expect(thrown(() => new Engine(null as never))).toMatchObject({ name: 'ArgumentError', argument: 'options' });
    expect(thrown(() => seg.write(file, 0, 2, 0, null as never)).message).toBe('options must be an object, got null');
    expect(engine.stats().written).toBe(0);
  });

  it('attach: refuses anything that is not a whole FileBackend', () => {
    const engine = memoryEngine(4, 4);
    const whole = new MemoryBackend('m');
    const methods = ['read', 'write', 'writev', 'truncate', 'sync', 'datasync', 'identity', 'clone', 'close'] as const;
    const partial = (without: string) => {
      const backend: Record<string, unknown> = { name: 'p', siblings: null };
      for (const m of methods) if (m !== without) backend[m] = () => 0;
      return backend;
    };
    const directory = { open: () => null, create: () => 0, remove: () => 0, sync: () => 0 };
    const { open: _, ...withoutOpen } = directory;
    const bad: unknown[] = [
      null,
      undefined,
      'm',
      { ...partial(''), name: 7 },
      ...methods.map(partial),
      { ...partial(''), siblings: undefined },
      { ...partial(''), siblings: 'dir' },
      { ...partial(''), siblings: withoutOpen },
    ];
    for (const backend of bad) {
      const error = thrown(() => engine.attach(backend as never));
      expect(error).toBeInstanceOf(ArgumentError);
      expect(error.message).toBe(
        'backend must implement FileBackend (name, siblings: Siblings (open, create, remove, sync) or null, read, write, writev, truncate, sync, datasync, identity, clone, close)',
      );
    }
    expect(engine.attach(whole).name).toBe('m');
    expect(engine.attach(partial('') as never).name).toBe('p');
    expect(engine.attach({ ...partial(''), name: 'q', siblings: directory } as never).name).toBe('q');
    expect(thrown(() => engine.attach(whole, { readOnly: 'yes' as never }))).toMatchObject({
      argument: 'options.readOnly',
    });
    expect(thrown(() => engine.attach(whole, { sync: true } as never))).toMatchObject({ argument: 'options.sync' });
  });

  it('open: read-only by default and with "r"; "r+" and "w+" write, "w+" creating or truncating', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4, memory: 64, swapDir: dir });
    const image = tempFile(dir, 'image', Uint8Array.of(1, 2, 3, 4, 5, 6));
    for (const file of [engine.open(image), engine.open(image, 'r')]) {
      expect(file.readOnly).toBe(true);
      expect(() => file.truncate(0)).toThrow(ReadOnlyError);
    }
    const rw = engine.open(image, 'r+');
    expect(rw.readOnly).toBe(false);
    expect(rw.size).toBe(6);
    const fresh = engine.open(path.join(dir, 'new'), 'w+');
    expect(fresh.readOnly).toBe(false);
    expect(fresh.size).toBe(0);
    expect(engine.open(image, 'w+').size).toBe(0);
    expect(thrown(() => engine.open(path.join(dir, 'missing'), 'r+'))).toMatchObject({
      name: 'IOError',
      role: 'file',
      code: 'ENOENT',
    });
    expect(thrown(() => engine.open(image, 'r', { sync: true } as never))).toMatchObject({
      name: 'ArgumentError',
      argument: 'options.sync',
    });
    expect(rw.isolated).toBe(false);
    engine.close();
  });
});
