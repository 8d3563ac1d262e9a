/**
 * Errors: what their messages tell the user, their classes and names, and
 * how I/O failures are wrapped.
 */

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AssertionError, assert } from './assert.ts';
import { DeferredFile } from './deferred-file.ts';
import { Engine } from './engine.ts';
import {
  ArgumentError,
  ClosedError,
  DeferredIOError,
  FileChangedError,
  IOError,
  io,
  LimitError,
  ReadOnlyError,
} from './errors.ts';
import type { ArgumentCode, Closable } from './index.ts';
import { MemoryBackend } from './memory-backend.ts';
import { Segment } from './segment.ts';
import { memoryEngine, memoryFile } from './testing/engines.ts';
import { descriptorsIn, tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

describe('error messages', () => {
  it('name the argument, what it must be, and what it was', () => {
    const engine = memoryEngine(4, 4);
    const s = engine.segment(16);
    const { file } = memoryFile(engine, 'f', [1, 2]);
    const cases: [() => unknown, string][] = [
      [() => s.getUint8(16), 'addr must be in [0, 15], got 16'],
      [() => s.setUint8(16, 0), 'addr must be in [0, 15], got 16'],
      [() => s.write(file, 0, 2, 2 ** 53 - 1), 'position must be in [0, 9007199254740990], got 9007199254740991'],
      [
        () => file.write(new Uint8Array(2), 0, 2, 2 ** 53 - 1),
        'position must be in [0, 9007199254740990], got 9007199254740991',
      ],
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
      [() => new Engine({ swapDir: '' }), 'options.swapDir must be a non-empty string, Buffer or file: URL, got ""'],
      [
        () => new Engine({ swapDir: 7 as never }),
        'options.swapDir must be a non-empty string, Buffer or file: URL, got 7',
      ],
      [
        () => new Engine({ swapDir: Buffer.from([0xff]) }),
        'options.swapDir must be UTF-8 when a Buffer, got bytes that are not',
      ],
      [
        () => memoryEngine(4, 4).open(Buffer.alloc(0)),
        'path must be a non-empty string, Buffer or file: URL, got Buffer',
      ],
      [() => memoryEngine(4, 4).open('a\0b'), 'path must not hold a null byte, got "a\\u0000b"'],
      [
        () => memoryEngine(4, 4).open(new URL('https://example.com/f')),
        'path must be a file: URL, got https: URL https://example.com/f',
      ],
      [
        () => memoryEngine(4, 4).open(new URL('file://server/f')),
        `path must be a file: URL naming a local path (File URL host must be "localhost" or empty on ${process.platform}), got file://server/f`,
      ],
      // A segment of length 0 has no byte: no address is valid.
      [() => memoryEngine(4, 4).segment(0).getUint8(0), 'addr has no valid value here ([0, -1] is empty), got 0'],
      [() => new Engine({ createStore: 1 as never }), 'options.createStore must be a function'],
      [
        () => new Engine({ pages: 1 } as never),
        'options.pages is not a known option (pageSize, memory, swapDir, readahead, createStore, changeDetection)',
      ],
      [
        () => s.write(memoryFile(memoryEngine(4, 4), 'f', []).file, 0, 1, 0),
        'file must be a DeferredFile opened by this engine',
      ],
      [() => memoryEngine(4, 4).open('/tmp/x', 'a' as never), "flags must be 'r', 'r+' or 'w+', got a"],
      [
        () => new Engine({ changeDetection: 'atime' as never }),
        "options.changeDetection must be 'mtime' or 'ctime', got atime",
      ],
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
    expect(thrown(() => s.write(readOnly, 0, 1, 0))).toMatchObject({
      name: 'ReadOnlyError',
      message: 'file ro is open read-only',
      file: 'ro',
    });
    file.close();
    expect(thrown(() => s.read(file, 0, 1, 0))).toMatchObject({ name: 'ClosedError', message: 'file data is closed' });
    expect(thrown(() => file.size)).toMatchObject({
      name: 'ClosedError',
      what: 'file',
      message: 'file data is closed',
    });
    s.close();
    expect(thrown(() => s.getUint8(0))).toMatchObject({ name: 'ClosedError', message: 'segment is closed' });
    engine.close();
    expect(thrown(() => engine.segment(1))).toMatchObject({ name: 'ClosedError', message: 'engine is closed' });
    expect(thrown(() => readOnly.size)).toMatchObject({ name: 'ClosedError', message: 'engine is closed' });
  });

  it('give every error class its own name and Node-style code, all of them DeferredIOErrors', () => {
    const errors = [
      new DeferredIOError('m', 'ECODE'),
      new ArgumentError('a', 'm', 'ERR_OUT_OF_RANGE'),
      new ClosedError('file', 'f'),
      new ReadOnlyError('f'),
      new FileChangedError('f'),
      new LimitError('snapshotsMax', 3),
      new IOError('swap', 't', new Error('m')),
    ];
    expect(errors.map((e) => [e.name, e.code])).toEqual([
      ['DeferredIOError', 'ECODE'],
      ['ArgumentError', 'ERR_OUT_OF_RANGE'],
      ['ClosedError', 'ERR_INVALID_STATE'],
      ['ReadOnlyError', 'EBADF'],
      ['FileChangedError', 'EFILECHANGED'],
      ['LimitError', 'ENOMEM'],
      ['IOError', 'EIO'],
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(DeferredIOError);
      // Printed once: as the code property, never in the message too.
      expect(error.message).not.toContain(error.code);
      expect(inspect(error).split(error.code).length - 1).toBe(1);
    }
    // A failed invariant is a bug, told apart from every typed error by its class and name.
    expect(thrown(() => assert(false))).toMatchObject({
      name: 'AssertionError',
      message: 'assertion failed',
      code: 'ERR_ASSERTION',
    });
    expect(thrown(() => assert(false, 'broken'))).toMatchObject({ name: 'AssertionError', message: 'broken' });
    expect(thrown(() => assert(false))).not.toBeInstanceOf(DeferredIOError);
    expect(new FileChangedError('f').message).toBe(
      "file f changed behind the engine's back: snapshot bytes not preserved before the change are lost",
    );
  });

  it('IOError: role, target, code and cause; EIO when the cause carries no code', () => {
    const cause = Object.assign(new Error('disk on fire'), { code: 'ENOSPC' });
    const error = new IOError('preserve', 'store', cause);
    expect(error).toMatchObject({
      role: 'preserve',
      target: 'store',
      code: 'ENOSPC',
      message: 'preserve store: disk on fire',
    });
    expect(error.cause).toBe(cause);
    expect(new IOError('file', 'f', new Error('x')).code).toBe('EIO');
    expect(new IOError('file', 'f', Object.assign(new Error('x'), { code: 5 })).code).toBe('EIO');
    expect(new IOError('file', 'f', null).code).toBe('EIO');
    expect(new IOError('file', 'f', 'plain text')).toMatchObject({ code: 'EIO', message: 'file f: plain text' });
    // A Node system error leads its message with the code: the IOError's message leaves it to `code`.
    const missing = thrown(() => memoryEngine(4, 4).open('/nonexistent/deferred-io', 'r'));
    expect(missing).toMatchObject({ name: 'IOError', code: 'ENOENT' });
    expect(missing.message).toBe(
      "file /nonexistent/deferred-io: no such file or directory, open '/nonexistent/deferred-io'",
    );
  });

  it('IOError: path, syscall and errno on the error itself, as on the Node system error it wraps (which stays its cause)', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4, memory: 64, swapDir: dir });
    const missing = path.join(dir, 'missing');
    const nodes = thrown(() => fs.openSync(missing, 'r'));
    const error = thrown(() => engine.open(missing));
    expect(error).toMatchObject({
      name: 'IOError',
      code: 'ENOENT',
      path: missing,
      syscall: 'open',
      errno: -os.constants.errno.ENOENT,
      role: 'file',
      target: missing,
    });
    expect(error.cause).toMatchObject({
      code: 'ENOENT',
      path: missing,
      syscall: 'open',
      errno: -os.constants.errno.ENOENT,
    });
    expect(nodes).toMatchObject({ path: missing, syscall: 'open', errno: -os.constants.errno.ENOENT });
    // What the engine refuses itself is shaped as the system's refusal: a directory opened read-only opens.
    for (const flags of ['r', 'r+'] as const)
      expect(thrown(() => engine.open(dir, flags))).toMatchObject({
        code: 'EISDIR',
        path: dir,
        syscall: 'open',
        errno: -os.constants.errno.EISDIR,
      });
    // A call on a descriptor names no path, in Node's error or in the IOError (its target names the file).
    const fd = fs.openSync(tempFile(dir, 'f', Uint8Array.of(1)), 'r');
    fs.closeSync(fd);
    const onDescriptor = new IOError(
      'file',
      'f',
      thrown(() => fs.fsyncSync(fd)),
    );
    expect(onDescriptor).toMatchObject({ code: 'EBADF', syscall: 'fsync', errno: -os.constants.errno.EBADF });
    expect('path' in onDescriptor).toBe(false);
    // A failure that carries none of them (a backend's own error) gets none: no property holding undefined.
    const plain = new IOError('swap', 's', Object.assign(new Error('full'), { code: 'ENOSPC', errno: 'many' }));
    expect(['path', 'syscall', 'errno'].filter((key) => key in plain)).toEqual([]);
    expect(inspect(error)).toContain("syscall: 'open'");
    engine.close();
  });

  it("argument errors are coded as Node's validators code them", () => {
    const engine = memoryEngine(4, 4);
    const s = engine.segment(16);
    const { file } = memoryFile(engine, 'f', [1, 2]);
    const other = memoryFile(memoryEngine(4, 4), 'g', []).file;
    const cases: [() => unknown, string][] = [
      [() => s.getUint8('1' as never), 'ERR_INVALID_ARG_TYPE'],
      [() => s.getUint8(1.5), 'ERR_OUT_OF_RANGE'],
      [() => s.getUint8(Number.NaN), 'ERR_OUT_OF_RANGE'],
      [() => s.getUint8(16), 'ERR_OUT_OF_RANGE'],
      [() => s.setBigUint64(0, -1n), 'ERR_OUT_OF_RANGE'],
      [() => s.setBigUint64(0, 1 as never), 'ERR_INVALID_ARG_TYPE'],
      [() => s.setFloat32(0, '1' as never), 'ERR_INVALID_ARG_TYPE'],
      [() => s.copyIn(0, [1] as never), 'ERR_INVALID_ARG_TYPE'],
      [() => s.getInt16(0, 1 as never), 'ERR_INVALID_ARG_TYPE'],
      [() => s.write(file, 0, 1, 0, 'x' as never), 'ERR_INVALID_ARG_TYPE'],
      [() => s.write(file, 0, 1, 0, { rebind: 1 } as never), 'ERR_INVALID_ARG_TYPE'],
      [() => s.write(file, 0, 1, 0, { rebound: true } as never), 'ERR_INVALID_ARG_VALUE'],
      [() => s.read({} as never, 0, 1, 0), 'ERR_INVALID_ARG_TYPE'],
      [() => s.read(7 as never, 0, 1, 0), 'ERR_INVALID_ARG_TYPE'],
      [() => s.read(other, 0, 1, 0), 'ERR_INVALID_ARG_VALUE'],
      [() => engine.open('', 'r'), 'ERR_INVALID_ARG_VALUE'],
      [() => engine.open(7 as never, 'r'), 'ERR_INVALID_ARG_TYPE'],
      [() => engine.open('/x', 'rw' as never), 'ERR_INVALID_ARG_VALUE'],
      [() => engine.open('/x\0'), 'ERR_INVALID_ARG_VALUE'],
      [() => engine.open(Uint8Array.of(47, 0) as Buffer), 'ERR_INVALID_ARG_VALUE'],
      [() => engine.open(new URL('file:///x%00')), 'ERR_INVALID_ARG_VALUE'],
      [() => engine.open({ href: 'file:///x' } as never), 'ERR_INVALID_ARG_TYPE'],
      [() => engine.open(new URL('http://localhost/x')), 'ERR_INVALID_URL_SCHEME'],
      [() => engine.open(new URL('data:,x')), 'ERR_INVALID_URL_SCHEME'],
      [() => engine.open(new URL('file://server/x')), 'ERR_INVALID_FILE_URL_HOST'],
      [() => engine.open(new URL('file:///a%2fb')), 'ERR_INVALID_FILE_URL_PATH'],
      [() => new Engine({ swapDir: new URL('ftp://x/') }), 'ERR_INVALID_URL_SCHEME'],
      [() => engine.segment(0).evict(0), 'ERR_OUT_OF_RANGE'],
      [() => new Engine({ createStore: 1 as never }), 'ERR_INVALID_ARG_TYPE'],
      // One of a set of strings, as Node's validateOneOf: whatever the type, ERR_INVALID_ARG_VALUE.
      [() => new Engine({ changeDetection: 'CTIME' as never }), 'ERR_INVALID_ARG_VALUE'],
      [() => new Engine({ changeDetection: 1 as never }), 'ERR_INVALID_ARG_VALUE'],
      [() => s.refresh('0' as never), 'ERR_INVALID_ARG_TYPE'],
      [() => s.refresh(0, 17), 'ERR_OUT_OF_RANGE'],
      [() => s.refresh(17), 'ERR_OUT_OF_RANGE'],
      [() => engine.attach({} as never), 'ERR_INVALID_ARG_TYPE'],
    ];
    for (const [call, code] of cases) expect(thrown(call), code).toMatchObject({ name: 'ArgumentError', code });
  });

  it("codes are typed: a switch on an error's code knows every case, and the unions are exported", () => {
    expectTypeOf<ArgumentError['code']>().toEqualTypeOf<ArgumentCode>();
    expectTypeOf<ClosedError['what']>().toEqualTypeOf<Closable>();
    expectTypeOf<ClosedError['code']>().toEqualTypeOf<'ERR_INVALID_STATE'>();
    expectTypeOf<ReadOnlyError['code']>().toEqualTypeOf<'EBADF'>();
    expectTypeOf<FileChangedError['code']>().toEqualTypeOf<'EFILECHANGED'>();
    expectTypeOf<LimitError['code']>().toEqualTypeOf<'ENOMEM'>();
    const kind = (error: ArgumentError): string => {
      switch (error.code) {
        case 'ERR_INVALID_ARG_TYPE':
        case 'ERR_INVALID_ARG_VALUE':
        case 'ERR_OUT_OF_RANGE':
          return 'value';
        case 'ERR_INVALID_URL_SCHEME':
        case 'ERR_INVALID_FILE_URL_HOST':
        case 'ERR_INVALID_FILE_URL_PATH':
          return 'url';
      }
    };
    expect(kind(thrown(() => memoryEngine(4, 4).open(new URL('http://x/'))) as ArgumentError)).toBe('url');
  });

  it.each([
    { name: 'DeferredFile', Class: DeferredFile, madeBy: 'Engine.open or Engine.attach' },
    { name: 'Segment', Class: Segment, madeBy: 'Engine.segment' },
  ])('new $name() by hand: ERR_ILLEGAL_CONSTRUCTOR, whatever it is given', ({ name, Class, madeBy }) => {
    const engine = memoryEngine(4, 4);
    const made = Class === Segment ? engine.segment(8) : memoryFile(engine, 'f', [1]).file;
    const Constructor = Class as unknown as new (...args: unknown[]) => object;
    // Only the module's own token will do: not a lookalike, not the parts of one the engine made.
    for (const args of [[], [Symbol(name), {}, () => {}], [undefined, made, engine]]) {
      const error = thrown(() => new Constructor(...args));
      expect(error).toBeInstanceOf(DeferredIOError);
      expect(error).toMatchObject({
        name: 'DeferredIOError',
        code: 'ERR_ILLEGAL_CONSTRUCTOR',
        message: `Illegal constructor: a ${name} is made by ${madeBy}`,
      });
    }
    // The engine still makes them.
    expect(made).toBeInstanceOf(Class);
    engine.close();
  });

  it('open refuses a directory (EISDIR) and any other file that is not regular (ENODEV) at once', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4, memory: 64, swapDir: dir });
    const before = descriptorsIn(dir);
    for (const flags of ['r', 'r+'] as const) {
      expect(
        thrown(() => engine.open(dir, flags)),
        flags,
      ).toMatchObject({ name: 'IOError', role: 'file', code: 'EISDIR' });
    }
    // A FIFO is refused, not waited on for a writer.
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const flags of ['r', 'r+', 'w+'] as const) {
      expect(
        thrown(() => engine.open(fifo, flags)),
        flags,
      ).toMatchObject({ name: 'IOError', role: 'file', code: 'ENODEV' });
    }
    if (fs.existsSync('/dev/null'))
      expect(thrown(() => engine.open('/dev/null', 'r'))).toMatchObject({ code: 'ENODEV' });
    // No refusal leaves a descriptor open, and a regular file still opens.
    expect(descriptorsIn(dir)).toBe(before);
    expect(engine.open(tempFile(dir, 'f', Uint8Array.of(1)), 'r').size).toBe(1);
    engine.close();
  });

  // A file of each pseudo file system this machine has mounted: the kernel makes its bytes as it is read.
  const pseudo = [
    ['procfs', '/proc/self/status'],
    ['sysfs', '/sys/kernel/uevent_seqnum'],
    ['cgroup', '/sys/fs/cgroup/pids/cgroup.procs'],
  ].filter(([, file]) => process.platform === 'linux' && fs.existsSync(file));
  it.skipIf(pseudo.length === 0)(
    `open refuses a file of a pseudo file system, whose size does not describe its content (ENODEV): ${pseudo.map(([name]) => name).join(', ') || 'skipped: none mounted'}`,
    () => {
      const dir = tempDir();
      const engine = new Engine({ pageSize: 4, memory: 64, swapDir: dir });
      const before = fs.readdirSync('/proc/self/fd').length;
      for (const [name, file] of pseudo) {
        expect(
          thrown(() => engine.open(file, 'r')),
          file,
        ).toMatchObject({
          name: 'IOError',
          role: 'file',
          code: 'ENODEV',
          syscall: 'open',
          path: file,
          message: expect.stringContaining(`a file of ${name}, whose size does not describe its content`),
        });
      }
      // No refusal leaves a descriptor open.
      expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
      engine.close();
    },
  );

  it("io() wraps what a backend throws, never the engine's own errors", () => {
    for (const own of [new FileChangedError('f'), new AssertionError('broken')]) {
      expect(
        thrown(() =>
          io('file', 'f', () => {
            throw own;
          }),
        ),
        own.name,
      ).toBe(own);
    }
    expect(
      thrown(() =>
        io('clone', 'c', () => {
          throw new Error('x');
        }),
      ),
    ).toMatchObject({ name: 'IOError', role: 'clone', target: 'c' });
    expect(io('file', 'f', () => 7)).toBe(7);
  });
});
