/**
 * What mutation testing (`npm run mutate`) found no test checking: the
 * contract of the typed loads and stores, what error messages tell the user,
 * the shape checks on options and backends, and that the engine closes every
 * backend it opened or was given -- once, and only when nothing needs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileBackend } from './backend.ts';
import { Engine } from './engine.ts';
import {
  ArgumentError,
  ClosedError,
  DeferredIOError,
  FileChangedError,
  IOError,
  io,
  ReadOnlyError,
} from './errors.ts';
import { assert, AssertionError } from './assert.ts';
import { MemoryBackend } from './memory-backend.ts';
import { project } from './projection.ts';
import type { Segment } from './segment.ts';
import { bytesOf, memoryEngine, memoryFile } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { pattern, tempDir, tempFile } from './testing/temp.ts';

/** The error `call` throws (the test fails if it returns). */
function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

describe('typed loads and stores', () => {
  // [type, size, least, greatest, a value with distinct bytes]
  type Accessor = 'Int8' | 'Int16' | 'Uint16' | 'Int32' | 'Uint32' | 'Float32' | 'Float64' | 'BigInt64' | 'BigUint64';
  const types: [Accessor, number, number | bigint, number | bigint, number | bigint][] = [
    ['Int8', 1, -(2 ** 7), 2 ** 7 - 1, -3],
    ['Int16', 2, -(2 ** 15), 2 ** 15 - 1, -0x1234],
    ['Uint16', 2, 0, 2 ** 16 - 1, 0xfedc],
    ['Int32', 4, -(2 ** 31), 2 ** 31 - 1, -0x12345678],
    ['Uint32', 4, 0, 2 ** 32 - 1, 0xfedcba98],
    ['Float32', 4, -Infinity, Infinity, -1.5],
    ['Float64', 8, -Infinity, Infinity, Math.PI],
    ['BigInt64', 8, -(2n ** 63n), 2n ** 63n - 1n, -0x123456789abcdefn],
    ['BigUint64', 8, 0n, 2n ** 64n - 1n, 0xfedcba9876543210n],
  ];
  const get = (seg: Segment, type: Accessor, addr: number, le?: boolean) =>
    (seg[`get${type}`] as (a: number, le?: boolean) => number | bigint).call(seg, addr, le);
  const set = (seg: Segment, type: Accessor, addr: number, value: unknown, le?: boolean) =>
    (seg[`set${type}`] as (a: number, v: unknown, le?: boolean) => void).call(seg, addr, value, le);

  for (const [type, size, least, greatest, sample] of types) {
    it(`${type}: stores and loads like a DataView, both byte orders, across a page boundary`, () => {
      const engine = memoryEngine(4, 4);
      const seg = engine.segment(16);
      const expected = new DataView(new ArrayBuffer(size));
      const addr = 3; // straddles pages 0 and 1 (and 2, for 8 bytes)
      for (const le of [false, true]) {
        for (const value of [sample, least, greatest]) {
          set(seg, type, addr, value, le);
          (expected[`set${type}`] as (o: number, v: unknown, le: boolean) => void).call(expected, 0, value, le);
          expect(bytesOf(seg, addr, size)).toEqual([...new Uint8Array(expected.buffer)]);
          expect(get(seg, type, addr, le)).toBe(value);
          // The other byte order reads the same bytes reversed.
          expect(get(seg, type, addr, !le)).toEqual((expected[`get${type}`] as (o: number, le: boolean) => unknown).call(expected, 0, !le));
        }
      }
      // Big-endian is the default, as for DataView.
      set(seg, type, 0, sample);
      expect(get(seg, type, 0, false)).toBe(sample);
      expect(get(seg, type, 0)).toBe(sample);
      // The last whole value fits; one byte further does not.
      set(seg, type, 16 - size, sample, true);
      expect(get(seg, type, 16 - size, true)).toBe(sample);
      expect(thrown(() => get(seg, type, 17 - size))).toMatchObject({ name: 'ArgumentError', argument: 'addr' });
      expect(thrown(() => set(seg, type, 17 - size, sample))).toMatchObject({ name: 'ArgumentError', argument: 'addr' });
      // Loads and stores are the spec's load and store: a store makes its pages dirty.
      engine.close();
    });

    it(`${type}: refuses values outside its range or of the wrong kind, storing nothing`, () => {
      const engine = memoryEngine(4, 4);
      const seg = engine.segment(16);
      const bad: unknown[] =
        typeof least === 'bigint'
          ? [least - 1n, (greatest as bigint) + 1n, 1, '1']
          : type.startsWith('Float')
            ? ['1', 1n, undefined]
            : [least - 1, (greatest as number) + 1, 0.5, 1n, '1'];
      for (const value of bad) {
        const error = thrown(() => set(seg, type, 0, value));
        expect(error, String(value)).toBeInstanceOf(ArgumentError);
        expect((error as ArgumentError).argument).toBe('value');
      }
      expect(engine.stats().faults).toBe(0);
      expect(bytesOf(seg, 0, 16)).toEqual(new Array(16).fill(0));
      if (type.startsWith('Float')) {
        set(seg, type, 0, Number.NaN);
        expect(get(seg, type, 0)).toBeNaN();
      }
      engine.close();
    });
  }

  it('messages say what a scalar value must be', () => {
    const seg = memoryEngine(4, 4).segment(16);
    expect(thrown(() => seg.setFloat64(0, '1' as never)).message).toBe('value must be a number, got string');
    expect(thrown(() => seg.setBigInt64(0, 1 as never)).message).toBe('value must be a bigint, got number');
    expect(thrown(() => seg.setBigUint64(0, -1n)).message).toBe(`value must be in [0, ${2n ** 64n - 1n}], got -1`);
  });
});

describe('error messages', () => {
  it('name the argument, what it must be, and what it was', () => {
    const engine = memoryEngine(4, 4);
    const s = engine.segment(16);
    const { file } = memoryFile(engine, 'f', [1, 2]);
    const cases: [() => unknown, string][] = [
      [() => s.getUint8(16), 'addr must be in [0, 15], got 16'],
      [() => s.setUint8(16, 0), 'addr must be in [0, 15], got 16'],
      [() => s.write(file, 0, 2, 2 ** 53 - 1), 'position must be in [0, 9007199254740990], got 9007199254740991'],
      [() => file.write(new Uint8Array(2), 0, 2, 2 ** 53 - 1), 'position must be in [0, 9007199254740990], got 9007199254740991'],
      [() => s.getUint8(1.5), 'addr must be an integer, got 1.5'],
      [() => s.getUint8(Number.NaN), 'addr must be an integer, got NaN'],
      [() => s.getUint8(undefined as never), 'addr must be an integer, got undefined'],
      [() => s.getUint8(true as never), 'addr must be an integer, got true'],
      [() => s.getUint8(null as never), 'addr must be an integer, got null'],
      [() => s.getUint8(3n as never), 'addr must be an integer, got 3n'],
      [() => s.getUint8('abc' as never), 'addr must be an integer, got "abc"'],
      [() => s.getUint8('x'.repeat(41) as never), `addr must be an integer, got "${'x'.repeat(40)}..."`],
      [() => s.getUint8('x'.repeat(40) as never), `addr must be an integer, got "${'x'.repeat(40)}"`],
      [() => s.getUint8([] as never), 'addr must be an integer, got Array'],
      [() => s.getUint8(new Map() as never), 'addr must be an integer, got Map'],
      [() => s.getUint8(Object.create(null) as never), 'addr must be an integer, got object'],
      [() => s.getUint8((() => 0) as never), 'addr must be an integer, got function'],
      [() => s.getUint8(Symbol('a') as never), 'addr must be an integer, got symbol'],
      [() => s.copyOut(0, [0] as never), 'target must be a Uint8Array, got Array'],
      [() => s.getInt16(0, 1 as never), 'littleEndian must be a boolean, got 1'],
      [() => s.write({} as never, 0, 1, 0), 'file must be a DeferredFile opened by this engine'],
      [() => s.write(null as never, 0, 1, 0), 'file must be a DeferredFile opened by this engine'],
      [() => new Engine({ swapDir: '' }), 'options.swapDir must be a non-empty string, got ""'],
      [() => new Engine({ createStore: 1 as never }), 'options.createStore must be a function'],
      [() => new Engine({ pages: 1 } as never), 'options.pages is not a known option (pageSize, memory, swapDir, readahead, createStore)'],
      [() => s.write(memoryFile(memoryEngine(4, 4), 'f', []).file, 0, 1, 0), 'file must be a DeferredFile opened by this engine'],
      [() => memoryEngine(4, 4).open('/tmp/x', 'a' as never), "flags must be 'r', 'r+' or 'w+', got a"],
    ];
    for (const [call, message] of cases) {
      const error = thrown(call);
      expect(error, message).toBeInstanceOf(ArgumentError);
      expect(error.message).toBe(message);
    }
  });

  it('say which file or object is closed or read-only', () => {
    const engine = memoryEngine(4, 4);
    const s = engine.segment(16);
    const { file } = memoryFile(engine, 'data', [1]);
    const readOnly = engine.attach(new MemoryBackend('ro'), { readOnly: true });
    expect(thrown(() => s.write(readOnly, 0, 1, 0))).toMatchObject({ name: 'ReadOnlyError', message: 'file ro is open read-only', file: 'ro' });
    file.close();
    expect(thrown(() => s.read(file, 0, 1, 0))).toMatchObject({ name: 'ClosedError', message: 'file data is closed' });
    expect(thrown(() => file.size)).toMatchObject({ name: 'ClosedError', what: 'file', message: 'file data is closed' });
    s.close();
    expect(thrown(() => s.getUint8(0))).toMatchObject({ name: 'ClosedError', message: 'segment is closed' });
    engine.close();
    expect(thrown(() => engine.segment(1))).toMatchObject({ name: 'ClosedError', message: 'engine is closed' });
    expect(thrown(() => readOnly.size)).toMatchObject({ name: 'ClosedError', message: 'engine is closed' });
  });

  it('give every error class its own name, all of them DeferredIOErrors', () => {
    const errors = [
      new DeferredIOError('m'),
      new ArgumentError('a', 'm'),
      new ClosedError('file', 'f'),
      new ReadOnlyError('f'),
      new FileChangedError('f'),
      new IOError('swap', 't', new Error('m')),
    ];
    expect(errors.map((e) => e.name)).toEqual(['DeferredIOError', 'ArgumentError', 'ClosedError', 'ReadOnlyError', 'FileChangedError', 'IOError']);
    for (const error of errors) expect(error).toBeInstanceOf(DeferredIOError);
    // A failed invariant is a bug, told apart from every typed error by its class and name.
    expect(thrown(() => assert(false))).toMatchObject({ name: 'AssertionError', message: 'assertion failed' });
    expect(thrown(() => assert(false, 'broken'))).toMatchObject({ name: 'AssertionError', message: 'broken' });
    expect(thrown(() => assert(false))).not.toBeInstanceOf(DeferredIOError);
    expect(new FileChangedError('f').message).toBe(
      "file f changed behind the engine's back: snapshot bytes not preserved before the change are lost",
    );
  });

  it('IOError: role, target, code and cause; EIO when the cause carries no code', () => {
    const cause = Object.assign(new Error('disk on fire'), { code: 'ENOSPC' });
    const error = new IOError('preserve', 'store', cause);
    expect(error).toMatchObject({ role: 'preserve', target: 'store', code: 'ENOSPC', message: 'preserve store: ENOSPC: disk on fire' });
    expect(error.cause).toBe(cause);
    expect(new IOError('file', 'f', new Error('x')).code).toBe('EIO');
    expect(new IOError('file', 'f', Object.assign(new Error('x'), { code: 5 })).code).toBe('EIO');
    expect(new IOError('file', 'f', null).code).toBe('EIO');
    expect(new IOError('file', 'f', 'plain text')).toMatchObject({ code: 'EIO', message: 'file f: EIO: plain text' });
  });

  it('io() wraps what a backend throws, never the engine\'s own errors', () => {
    const own = new FileChangedError('f');
    expect(thrown(() => io('file', 'f', () => { throw own; }))).toBe(own);
    const bug = new AssertionError('broken');
    expect(thrown(() => io('file', 'f', () => { throw bug; }))).toBe(bug);
    expect(thrown(() => io('clone', 'c', () => { throw new Error('x'); }))).toMatchObject({ name: 'IOError', role: 'clone', target: 'c' });
    expect(io('file', 'f', () => 7)).toBe(7);
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
    const methods = ['size', 'read', 'write', 'truncate', 'identity', 'clone', 'close'] as const;
    const partial = (without: string) => {
      const backend: Record<string, unknown> = { name: 'p' };
      for (const m of methods) if (m !== without) backend[m] = () => 0;
      return backend;
    };
    const bad: unknown[] = [null, undefined, 'm', { ...partial(''), name: 7 }, ...methods.map(partial)];
    for (const backend of bad) {
      const error = thrown(() => engine.attach(backend as never));
      expect(error).toBeInstanceOf(ArgumentError);
      expect(error.message).toBe('backend must implement FileBackend (name, size, read, write, truncate, identity, clone, close)');
    }
    expect(engine.attach(whole).name).toBe('m');
    expect(engine.attach(partial('') as never).name).toBe('p');
    expect(thrown(() => engine.attach(whole, { readOnly: 'yes' as never }))).toMatchObject({ argument: 'options.readOnly' });
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
    expect(thrown(() => engine.open(path.join(dir, 'missing'), 'r+'))).toMatchObject({ name: 'IOError', role: 'file', code: 'ENOENT' });
    expect(thrown(() => engine.open(image, 'r', { sync: true } as never))).toMatchObject({ name: 'ArgumentError', argument: 'options.sync' });
    expect(rw.isolated).toBe(false);
    engine.close();
  });
});

/** A MemoryBackend that records its closes, can be made to fail, and whose clones are tracked too. */
class Tracked implements FileBackend {
  readonly inner: MemoryBackend;
  closes = 0;
  readonly clones: Tracked[] = [];
  /** Calls that throw EIO. */
  readonly failing = new Set<'read' | 'close'>();
  constructor(readonly name: string, content?: Uint8Array) {
    this.inner = new MemoryBackend(name, content);
  }
  #check(call: 'read' | 'close'): void {
    if (this.failing.has(call)) throw Object.assign(new Error(`injected EIO on ${call}`), { code: 'EIO' });
  }
  size() { return this.inner.size(); }
  read(buffer: Uint8Array, offset: number, length: number, position: number) {
    this.#check('read');
    return this.inner.read(buffer, offset, length, position);
  }
  write(buffer: Uint8Array, offset: number, length: number, position: number) { this.inner.write(buffer, offset, length, position); }
  truncate(length: number) { this.inner.truncate(length); }
  identity() { return this.inner.identity(); }
  clone(): FileBackend {
    const bytes = new Uint8Array(this.inner.size());
    this.inner.read(bytes, 0, bytes.length, 0);
    const copy = new Tracked(`${this.name} copy ${this.clones.length}`, bytes);
    this.clones.push(copy);
    return copy;
  }
  close() {
    this.#check('close');
    this.closes++;
  }
}

describe('backends are closed once, when nothing needs them any more', () => {
  it('a closed file keeps its backend open while bytes still read from it, then closes it', () => {
    const engine = memoryEngine(4, 4);
    const backend = new Tracked('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const file = engine.attach(backend);
    const seg = engine.segment(8);
    seg.read(file, 0, 8, 0);
    file.close();
    file.close();
    expect(backend.closes).toBe(0);
    expect(seg.getUint8(5)).toBe(6);
    seg.zero(0, 4);
    expect(backend.closes).toBe(0);
    seg.zero(4, 4);
    expect(backend.closes).toBe(1);
    engine.close();
    expect(backend.closes).toBe(1);
  });

  it('a closed file nothing was read from is closed at once; an open one when the engine closes', () => {
    const engine = memoryEngine(4, 4);
    const idle = new Tracked('idle');
    const idleFile = engine.attach(idle);
    idleFile.close();
    idleFile.close();
    expect(idle.closes).toBe(1);
    const open = new Tracked('open', Uint8Array.of(1));
    const seg = engine.segment(4);
    seg.read(engine.attach(open), 0, 1, 0);
    engine.close();
    engine.close();
    expect(open.closes).toBe(1);
    expect(() => seg.getUint8(0)).toThrow(ClosedError);
  });

  it('the swap space and preserve store: made once each, by role, closed once with the engine', () => {
    const made: Tracked[] = [];
    const engine = new Engine({
      pageSize: 4,
      memory: 16,
      createStore: (role) => {
        const store = new Tracked(role);
        made.push(store);
        return store;
      },
    });
    expect(made.map((s) => s.name)).toEqual(['swap', 'preserve']);
    engine.close();
    engine.close();
    expect(made.map((s) => s.closes)).toEqual([1, 1]);
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

  it('an isolation copy stays open while a snapshot reads from it and closes when the last one goes', () => {
    const engine = memoryEngine(4, 8);
    const backend = new Tracked('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(16);
    seg.read(file, 0, 4, 0);
    seg.read(file, 8, 4, 4);
    expect(backend.clones).toHaveLength(1);
    const [first] = backend.clones;
    // The file changes: new reads need a new copy, but the old one still serves the bytes read before.
    file.write(Uint8Array.of(9), 0, 1, 0);
    expect(first!.closes).toBe(0);
    // The copy already holds the old block: nothing goes to the preserve store.
    expect(engine.stats()).toMatchObject({ preserves: 1, preservedBlocks: 0 });
    expect(bytesOf(seg, 0, 4)).toEqual([1, 2, 3, 4]);
    // Unreferencing the block the write changed (its "preserved" mark has no slot) keeps the rest readable.
    seg.zero(0, 4);
    expect(first!.closes).toBe(0);
    expect(bytesOf(seg, 8, 4)).toEqual([5, 6, 7, 8]);
    seg.zero(8, 4);
    expect(first!.closes).toBe(1);
    // A copy no snapshot uses stays current while the file is unchanged, and closes as soon as it changes.
    seg.read(file, 0, 4, 0);
    expect(backend.clones).toHaveLength(2);
    seg.zero(0, 4);
    seg.read(file, 4, 4, 4);
    expect(backend.clones).toHaveLength(2);
    seg.zero(4, 4);
    expect(backend.clones[1]!.closes).toBe(0);
    file.write(Uint8Array.of(8), 0, 1, 0);
    expect(backend.clones[1]!.closes).toBe(1);
    // A read shares a live snapshot's copy while the file is unchanged, and takes a new one after any change, even elsewhere.
    seg.read(file, 0, 4, 0);
    expect(backend.clones).toHaveLength(3);
    seg.read(file, 4, 4, 0);
    expect(backend.clones).toHaveLength(3);
    file.write(Uint8Array.of(7), 0, 1, 6);
    seg.read(file, 8, 4, 0);
    expect(backend.clones).toHaveLength(4);
    expect(bytesOf(seg, 0, 12)).toEqual([8, 2, 3, 4, 8, 2, 3, 4, 8, 2, 3, 4]);
    engine.close();
    expect(backend.clones.map((c) => c.closes)).toEqual([1, 1, 1, 1]);
    expect(backend.closes).toBe(1);
  });

  it('a copy that turns out torn (the file changed while copying) is closed and the read refused', () => {
    const engine = memoryEngine(4, 8);
    const backend = new Tracked('f', Uint8Array.of(1, 2, 3, 4));
    const clone = backend.clone.bind(backend);
    backend.clone = () => {
      const copy = clone();
      backend.inner.write(Uint8Array.of(7), 0, 1, 0);
      return copy;
    };
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(8);
    expect(() => seg.read(file, 0, 4, 0)).toThrow(FileChangedError);
    expect(backend.clones[0]!.closes).toBe(1);
    expect(engine.stats().liveSnapshots).toBe(0);
  });
});

describe('files on disk', () => {
  it('a file replaced by rename is a change: unread bytes raise FileChangedError and write-back skips nothing', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4096, memory: 2 ** 16, swapDir: dir });
    const image = tempFile(dir, 'image', pattern(2 * 4096));
    const file = engine.open(image, 'r+');
    const seg = engine.segment(2 * 4096);
    seg.read(file, 0, 2 * 4096, 0);
    expect(seg.getUint8(0)).toBe(pattern(1)[0]);
    // Same size, same content: only the name now points at another inode.
    const twin = tempFile(dir, 'twin', pattern(2 * 4096));
    fs.renameSync(twin, image);
    expect(() => seg.getUint8(4096)).toThrow(FileChangedError);
    expect(seg.write(file, 0, 4096, 0)).toEqual({ written: 4096, skipped: 0 });
    engine.close();
  });

  it('reads short at the end of a real file and past it as zeros', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 8, memory: 64, swapDir: dir });
    const file = engine.open(tempFile(dir, 'short', Uint8Array.of(1, 2, 3)), 'r');
    const seg = engine.segment(16);
    expect(seg.read(file, 0, 16, 0)).toBe(3);
    expect(seg.read(file, 8, 8, 1)).toBe(2);
    expect(bytesOf(seg, 0, 16)).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 2, 3, 0, 0, 0, 0, 0, 0]);
    engine.close();
  });
});

describe('I/O errors name the role of what failed', () => {
  it('the file itself, whichever call fails', () => {
    const engine = memoryEngine(4, 8);
    const failing = (call: Parameters<FaultyBackend['fail']>[0], after = 0) => {
      const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
      const file = engine.attach(backend);
      backend.fail(call, 'EIO', { after });
      return file;
    };
    const expectFileError = (call: () => unknown) =>
      expect(thrown(call)).toMatchObject({ name: 'IOError', role: 'file', target: 'f', code: 'EIO' });
    expectFileError(() => engine.attach(new FaultyBackend('f').fail('identity', 'EIO')));
    const sized = failing('size');
    expectFileError(() => sized.size);
    const truncated = failing('truncate');
    expectFileError(() => truncated.truncate(0));
    const closed = failing('close');
    expectFileError(() => closed.close());
    // The identity taken after the engine's own change (the first call is the check before it).
    const written = failing('identity', 1);
    expectFileError(() => written.write(Uint8Array.of(0), 0, 1, 0));
    // The identity check after taking an isolation copy.
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    const isolated = engine.attach(backend, { isolate: true });
    backend.fail('identity', 'EIO', { after: 1 });
    expectFileError(() => engine.segment(4).read(isolated, 0, 4, 0));
  });

  it('the isolation copy, when reading from or closing it fails', () => {
    const engine = memoryEngine(4, 8);
    const backend = new Tracked('f', Uint8Array.of(1, 2, 3, 4));
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(8);
    seg.read(file, 0, 4, 0);
    const copy = backend.clones[0]!;
    copy.failing.add('read');
    expect(thrown(() => seg.getUint8(0))).toMatchObject({ name: 'IOError', role: 'clone', target: 'f copy 0' });
    copy.failing.delete('read');
    expect(seg.getUint8(0)).toBe(1);
    seg.read(file, 4, 4, 0);
    file.write(Uint8Array.of(9), 0, 1, 0);
    copy.failing.add('close');
    // Releasing the last snapshot closes the copy: that fails, after everything is released.
    expect(thrown(() => seg.zero(0, 8))).toMatchObject({ name: 'IOError', role: 'clone', target: 'f copy 0' });
    expect(engine.stats().liveSnapshots).toBe(0);
  });

  it('a closed file whose close fails when its last snapshots go: all released, then the error', () => {
    const engine = memoryEngine(4, 8);
    const a = new FaultyBackend('a', Uint8Array.of(1, 2, 3, 4));
    const b = new FaultyBackend('b', Uint8Array.of(5, 6, 7, 8));
    const seg = engine.segment(8);
    for (const [i, backend] of [a, b].entries()) {
      const file = engine.attach(backend);
      seg.read(file, i * 4, 4, 0);
      file.close();
      backend.fail('close', 'EIO');
    }
    expect(thrown(() => seg.zero(0, 8))).toMatchObject({ name: 'IOError', role: 'file', code: 'EIO' });
    expect(engine.stats().liveSnapshots).toBe(0);
    expect(bytesOf(seg, 0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('a swap slot that reads back short is an EIO, not garbage', () => {
    const stores: MemoryBackend[] = [];
    const engine = new Engine({
      pageSize: 4,
      memory: 8,
      createStore: (role) => {
        const store = new MemoryBackend(role);
        stores.push(store);
        return store;
      },
    });
    const seg = engine.segment(8);
    seg.setUint8(0, 7);
    expect(seg.evict(0)).toBe(true);
    stores[0]!.truncate(0);
    expect(thrown(() => seg.getUint8(0))).toMatchObject({ name: 'IOError', role: 'swap', code: 'EIO' });
  });
});

describe('counters and write-back', () => {
  it('fragmentBytes counts exactly the bytes a read refreshes in resident, partly covered pages', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(8);
    seg.read(memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]).file, 0, 8, 0);
    seg.getUint8(0);
    const g = memoryFile(engine, 'g', [9, 9, 9]).file;
    seg.read(g, 1, 2, 0);
    expect(engine.stats()).toMatchObject({ faults: 1, fragmentBytes: 2 });
    seg.getUint8(4);
    seg.read(g, 3, 3, 0);
    expect(engine.stats()).toMatchObject({ faults: 2, fragmentBytes: 5 });
    expect(bytesOf(seg, 0, 8)).toEqual([1, 9, 9, 9, 9, 9, 7, 8]);
  });

  it('write without rebind leaves the segment as it was: dirty pages are written again next time', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(8);
    const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(file, 0, 8, 0);
    seg.setUint8(0, 9);
    expect(seg.write(file, 0, 8, 0)).toEqual({ written: 4, skipped: 4 });
    expect(seg.write(file, 0, 8, 0)).toEqual({ written: 4, skipped: 4 });
    expect(seg.write(file, 0, 8, 0, {})).toEqual({ written: 4, skipped: 4 });
    expect(seg.write(file, 0, 8, 0, { rebind: true })).toEqual({ written: 4, skipped: 4 });
    expect(seg.write(file, 0, 8, 0)).toEqual({ written: 0, skipped: 8 });
  });

  it('empty writes change nothing: a zero-length write-back (even with rebind), a zero-length file write past the end', () => {
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(8);
    const { backend, file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(file, 0, 8, 0);
    const stats = engine.stats();
    expect(seg.write(file, 4, 0, 4, { rebind: true })).toEqual({ written: 0, skipped: 0 });
    expect(file.write(Uint8Array.of(1), 0, 0, 20)).toBe(0);
    expect(backend.size()).toBe(8);
    expect(engine.stats()).toEqual(stats);
  });

  it('a write-back whose later bytes are lost writes nothing at all, not even its first chunk', () => {
    // 16 bytes of frames: write-back moves data in 16-byte chunks.
    const engine = memoryEngine(4, 4);
    const seg = engine.segment(32);
    const f = memoryFile(engine, 'f', Array.from({ length: 16 }, (_, i) => i + 1));
    const t = memoryFile(engine, 't', []);
    seg.read(f.file, 16, 16, 0);
    f.backend.write(new Uint8Array(16), 0, 16, 0);
    expect(() => seg.write(t.file, 0, 32, 0)).toThrow(FileChangedError);
    expect(t.backend.size()).toBe(0);
  });

  it('a stale snapshot still serves the bytes it kept: resident pages and preserved blocks', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    const f = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    const t = memoryFile(engine, 't', []);
    // Segment [4, 12) holds file bytes [0, 8).
    seg.read(f.file, 4, 8, 0);
    seg.getUint8(8);
    f.file.write(Uint8Array.of(0), 0, 1, 0);
    f.backend.write(new Uint8Array(8).fill(9), 0, 8, 0);
    // Block 0 is preserved, block 1 resident (page 2): nothing was lost.
    expect(seg.write(t.file, 4, 8, 0)).toEqual({ written: 8, skipped: 0 });
    const out = new Uint8Array(8);
    t.backend.read(out, 0, 8, 0);
    expect([...out]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(bytesOf(seg, 4, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a stale snapshot is never given blocks saved after the change: they were not its bytes', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(8);
    const f = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(f.file, 0, 8, 0);
    f.backend.write(new Uint8Array(8).fill(9), 0, 8, 0);
    f.file.write(Uint8Array.of(5), 0, 1, 4);
    expect(engine.stats()).toMatchObject({ preserves: 0, preservedBlocks: 0 });
    expect(() => seg.getUint8(4)).toThrow(FileChangedError);
    expect(() => seg.getUint8(0)).toThrow(FileChangedError);
  });
});

describe('snapshot ids', () => {
  function* permutations(items: number[]): Generator<number[]> {
    if (items.length <= 1) yield items;
    else for (const [i, x] of items.entries()) for (const rest of permutations(items.filter((_, j) => j !== i))) yield [x, ...rest];
  }

  it('are handed out lowest-free-first whatever order they were released in', () => {
    for (const order of permutations([1, 2, 3, 4, 5])) {
      const engine = memoryEngine(4, 16);
      const seg = engine.segment(40);
      const files = [1, 2, 3, 4, 5].map((i) => memoryFile(engine, `f${i}`, [i, i, i, i]).file);
      files.forEach((file, i) => seg.read(file, i * 8, 4, 0));
      for (const id of order) seg.zero((id - 1) * 8, 4);
      expect(engine.stats().liveSnapshots).toBe(0);
      // Each read now takes the lowest free id: 1, 2, 3, 4, 5 in the order of the reads.
      files.forEach((file, i) => seg.read(file, i * 8 + 4, 4, 0));
      const src = project(engine, seg).src;
      expect([0, 1, 2, 3, 4].map((i) => src[i * 8 + 4]!.snap), order.join()).toEqual([1, 2, 3, 4, 5]);
      engine.close();
    }
  });
});

describe('readahead', () => {
  it('a first fault is not sequential, whatever its page', () => {
    const engine = memoryEngine(4, 16, { readahead: 3 });
    const seg = engine.segment(64);
    seg.read(memoryFile(engine, 'f', pattern(64)).file, 0, 64, 0);
    seg.getUint8(3 * 4);
    expect(engine.stats().faults).toBe(1);
  });

  it('is best effort: a page it cannot fetch is left out, and faults (and fails) only when touched', () => {
    const engine = memoryEngine(4, 16, { readahead: 2 });
    const seg = engine.segment(64);
    const backend = new FaultyBackend('f', pattern(64));
    seg.read(engine.attach(backend), 0, 64, 0);
    seg.getUint8(0);
    backend.fail('read', 'EIO', { after: 1 });
    expect(seg.getUint8(4)).toBe(pattern(64)[4]);
    expect(engine.stats()).toMatchObject({ faults: 2, residentPages: 2 });
    expect(thrown(() => seg.getUint8(8))).toMatchObject({ name: 'IOError', code: 'EIO' });
    backend.heal();
    // Page 2 follows page 1, the last page faulted: it is sequential and brings 3 and 4 with it.
    expect(seg.getUint8(8)).toBe(pattern(64)[8]);
    expect(engine.stats()).toMatchObject({ faults: 5, residentPages: 5 });
  });
});

describe('defaults and backends', () => {
  it('a default engine: 4 KiB pages, 64 MiB of frames', () => {
    const engine = new Engine({ swapDir: tempDir() });
    expect(engine.pageSize).toBe(4096);
    expect(engine.frames).toBe(16384);
    engine.close();
  });

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
    expect(thrown(() => engine.attach(m).write(Uint8Array.of(1), 0, 1, 2 ** 40))).toMatchObject({ name: 'IOError', role: 'file', code: 'EFBIG' });
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
