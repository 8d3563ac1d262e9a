/**
 * Durability: file.sync() and file.datasync() are fsync and fdatasync of the
 * file; a write-back with { sync: true } fsyncs after its data is written and
 * before it rebinds; failures are IOErrors with the system's code; the swap
 * space and the preserve store, scratch, are never synced.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { bytesOf } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { pattern, tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

const B = 4;
const image = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

function setup() {
  const stores = { swap: new FaultyBackend('swap'), preserve: new FaultyBackend('preserve') };
  const engine = new Engine({ pageSize: B, memory: 2 * B, createStore: (role) => stores[role] });
  const backend = new FaultyBackend('image', image);
  const file = engine.attach(backend);
  const seg = engine.segment(16);
  seg.read(file, 0, 16, 0);
  return { engine, stores, backend, file, seg };
}

describe('write-back with { sync: true }', () => {
  it('fsyncs the file once, after the last byte is written; without it, never', () => {
    const { backend, file, seg } = setup();
    seg.setUint8(0, 100);
    seg.setUint8(12, 112);
    expect(seg.write(file, 0, 16, 0)).toEqual({ written: 8, skipped: 8 });
    expect(backend.calls.sync + backend.calls.datasync).toBe(0);
    backend.log.length = 0;
    expect(seg.write(file, 0, 16, 0, { sync: true })).toEqual({ written: 8, skipped: 8 });
    const io = backend.log.filter((call) => call === 'write' || call === 'sync');
    expect(io).toEqual(['write', 'write', 'sync']);
  });

  it('fsyncs even when every byte is skipped: the range is then durable, whoever wrote it', () => {
    const { backend, file, seg } = setup();
    expect(seg.write(file, 0, 16, 0, { sync: true })).toEqual({ written: 0, skipped: 16 });
    expect(backend.calls).toMatchObject({ write: 0, sync: 1 });
  });

  it('an fsync failure is an IOError with its code; the data was written, and the pages stay dirty to be written again', () => {
    const { engine, backend, file, seg } = setup();
    seg.setUint8(4, 104);
    backend.fail('sync', 'EIO', { times: 1 });
    expect(thrown(() => seg.write(file, 0, 16, 0, { rebind: true, sync: true }))).toMatchObject({
      name: 'IOError',
      role: 'file',
      target: 'image',
      code: 'EIO',
    });
    const expected = [...image];
    expected[4] = 104;
    expect([...backend.content()]).toEqual(expected);
    // Not rebound: after a failed fsync the kernel may have dropped the data, so the next sync writes it again.
    expect(seg.write(file, 0, 16, 0, { rebind: true, sync: true })).toEqual({ written: B, skipped: 16 - B });
    expect(seg.write(file, 0, 16, 0, { rebind: true, sync: true })).toEqual({ written: 0, skipped: 16 });
    expect(backend.calls.sync).toBe(3);
    expect(bytesOf(seg, 0, 16)).toEqual(expected);
    expect(engine.stats().liveSnapshots).toBe(1);
  });
});

describe('file.sync() and file.datasync()', () => {
  it('are fsync and fdatasync of the file, and change nothing', () => {
    const { engine, backend, file, seg } = setup();
    const stats = engine.stats();
    file.sync();
    file.datasync();
    file.datasync();
    expect(backend.calls).toMatchObject({ sync: 1, datasync: 2, write: 0 });
    expect(engine.stats()).toEqual(stats);
    expect(seg.write(file, 0, 16, 0)).toEqual({ written: 0, skipped: 16 });
  });

  it("raise an IOError with the system's code when they fail, and ClosedError once the file is closed", () => {
    const { backend, file } = setup();
    backend.fail('sync', 'EIO', { times: 1 }).fail('datasync', 'ENOSPC', { times: 1 });
    expect(thrown(() => file.sync())).toMatchObject({ name: 'IOError', role: 'file', code: 'EIO' });
    expect(thrown(() => file.datasync())).toMatchObject({ name: 'IOError', role: 'file', code: 'ENOSPC' });
    file.sync();
    file.close();
    expect(thrown(() => file.sync())).toMatchObject({ name: 'ClosedError', what: 'file' });
    expect(thrown(() => file.datasync())).toMatchObject({ name: 'ClosedError', what: 'file' });
  });

  it('work on a file opened read-only, as fsync does on a read-only descriptor', () => {
    const engine = new Engine({ pageSize: B, memory: 2 * B, createStore: () => new FaultyBackend('store') });
    const backend = new FaultyBackend('ro', image);
    engine.attach(backend, { readOnly: true }).sync();
    expect(backend.calls.sync).toBe(1);
  });
});

describe('the scratch stores', () => {
  it('swap space and preserve store are never synced, whatever the user file is', () => {
    const { stores, file, seg } = setup();
    // Dirty pages 0..2 through a two-frame pool go to swap; page 3 is still bound, so the other writer preserves its block.
    for (let page = 0; page < 3; page++) seg.setUint8(page * B, page);
    file.write(Uint8Array.of(0), 0, 1, 13);
    seg.write(file, 0, 16, 0, { sync: true });
    file.sync();
    expect(stores.swap.calls.write).toBeGreaterThan(0);
    expect(stores.preserve.calls.write).toBe(1);
    for (const store of [stores.swap, stores.preserve]) expect(store.calls.sync + store.calls.datasync).toBe(0);
  });
});

describe('on a real file', () => {
  it('sync, datasync and a write-back with { sync: true } reach the file', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4096, memory: 2 ** 16, swapDir: dir });
    const path = tempFile(dir, 'image', pattern(3 * 4096));
    const file = engine.open(path, 'r+');
    const seg = engine.segment(3 * 4096);
    seg.read(file, 0, 3 * 4096, 0);
    seg.setUint32(4096, 0xdeadbeef);
    expect(seg.write(file, 0, 3 * 4096, 0, { sync: true, rebind: true })).toEqual({ written: 4096, skipped: 2 * 4096 });
    file.write(Uint8Array.of(1, 2, 3));
    file.sync();
    file.datasync();
    const expected = pattern(3 * 4096);
    expected.set([0xde, 0xad, 0xbe, 0xef], 4096);
    expected.set([1, 2, 3], 0);
    expect(new Uint8Array(fs.readFileSync(path))).toEqual(expected);
    engine.close();
  });
});
