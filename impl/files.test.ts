import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileIdentity } from './backend.ts';
import { Engine } from './engine.ts';
import { ClosedError, FileChangedError } from './errors.ts';
import { MemoryBackend } from './memory-backend.ts';
import { bytesOf, memoryEngine, memoryFile } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { firstDifference, pattern, tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

/** File timestamps have a granularity: wait past it so a change shows. */
function tick(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

describe("changes behind the engine's back", () => {
  it('raises FileChangedError instead of serving unpreserved snapshot bytes', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(16);
    const { backend, file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(file, 0, 8, 0);
    expect(seg.getUint8(0)).toBe(1);
    file.write(Uint8Array.of(0), 0, 1, 4);
    backend.write(Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9), 0, 8, 0);
    // Resident page 0 was copied before the change; block 1 was preserved by the engine's own write.
    expect(bytesOf(seg, 0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const other = engine.segment(16);
    other.read(file, 0, 8, 0);
    backend.write(Uint8Array.of(7), 0, 1, 0);
    expect(() => other.getUint8(0)).toThrow(FileChangedError);
    // A read after the change is trusted again.
    other.read(file, 0, 8, 0);
    expect(bytesOf(other, 0, 2)).toEqual([7, 9]);
  });

  it("what counts as a change: size, mtime, inode, device; ctime too under 'ctime', unless the link count moved with it", () => {
    /** A file whose identity a test moves by hand, its bytes staying. */
    class Moved extends MemoryBackend {
      moved: Partial<FileIdentity> = {};
      override identity(): FileIdentity {
        return { ...super.identity(), ...this.moved };
      }
    }
    // What moved, and whether it is a change under 'mtime' and under 'ctime'.
    const cases: [Partial<FileIdentity>, boolean, boolean][] = [
      [{ size: 9 }, true, true],
      [{ mtimeMs: 1e12 }, true, true],
      [{ ino: 2 }, true, true],
      [{ dev: 1 }, true, true],
      [{ ctimeMs: 1e12 }, false, true],
      [{ ctimeMs: 1e12, nlink: 0 }, false, false],
      [{ nlink: 2 }, false, false],
    ];
    for (const [moved, ...changes] of cases) {
      for (const [changeDetection, change] of [
        ['mtime', changes[0]],
        ['ctime', changes[1]],
      ] as const) {
        const engine = memoryEngine(4, 2, { changeDetection });
        const backend = new Moved('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
        const seg = engine.segment(8);
        seg.read(engine.attach(backend), 0, 8, 0);
        backend.moved = moved;
        const what = `${changeDetection}: ${JSON.stringify(moved)}`;
        if (change) expect(() => seg.getUint8(0), what).toThrow(FileChangedError);
        else expect(seg.getUint8(0), what).toBe(1);
      }
    }
  });

  it('looks at the file once per call, however many pages the call reads', () => {
    const engine = memoryEngine(4, 8);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const seg = engine.segment(8);
    seg.read(engine.attach(backend), 0, 8, 0);
    const looks = backend.calls.identity;
    expect(bytesOf(seg, 0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(backend.calls.identity).toBe(looks + 1);
  });

  it('never skips when writing back to a file changed behind its back', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(8);
    const { backend, file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    seg.read(file, 0, 8, 0);
    // Both pages copied in before the change: their bytes are known, and the file no longer holds them.
    seg.getUint8(0);
    seg.getUint8(4);
    backend.write(Uint8Array.of(0), 0, 1, 0);
    expect(seg.write(file, 0, 8, 0)).toEqual({ written: 8, skipped: 0 });
    const out = new Uint8Array(8);
    backend.read(out, 0, 8, 0);
    expect([...out]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('refuses a write-back whose bytes are lost, before writing anything', () => {
    const engine = memoryEngine(4, 8);
    const seg = engine.segment(8);
    const { backend, file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    const target = memoryFile(engine, 't', []);
    seg.read(file, 0, 8, 0);
    backend.truncate(2);
    expect(() => seg.write(target.file, 0, 8, 0)).toThrow(FileChangedError);
    expect(target.backend.size()).toBe(0);
  });

  it('notices a real file modified underneath; deleting it is no change (the open file keeps its bytes)', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4096, memory: 2 ** 20, swapDir: dir });
    const content = pattern(3 * 4096);
    const image = tempFile(dir, 'image', content);
    const file = engine.open(image, 'r+');
    const seg = engine.segment(3 * 4096);
    seg.read(file, 0, 3 * 4096, 0);
    expect(seg.getUint8(0)).toBe(content[0]);
    tick();
    const fd = fs.openSync(image, 'r+');
    fs.writeSync(fd, Uint8Array.of(1, 2, 3), 0, 3, 5000);
    fs.closeSync(fd);
    expect(() => seg.getUint8(4096)).toThrow(FileChangedError);
    expect(seg.getUint8(1)).toBe(content[1]);

    seg.read(file, 0, 3 * 4096, 0);
    expect(seg.getUint8(5001)).toBe(2);
    tick();
    // Unlinking moves ctime, with the link count: a link change, not a content change.
    fs.unlinkSync(image);
    expect(seg.getUint8(8192)).toBe(content[8192]);
    engine.close();
  });
});

describe('isolation', () => {
  it('takes a private copy at read time, immune to any later change', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4096, memory: 2 ** 20, swapDir: dir });
    const content = pattern(2 * 4096);
    const image = tempFile(dir, 'image', content);
    const file = engine.open(image, 'r', { isolate: true });
    expect(file.isolated).toBe(true);
    const seg = engine.segment(2 * 4096);
    seg.read(file, 0, 2 * 4096, 0);
    tick();
    fs.writeFileSync(image, new Uint8Array(10));
    const out = new Uint8Array(2 * 4096);
    seg.copyOut(0, out);
    expect(out).toEqual(content);
    // The copy is unlinked: nothing is left in the directory but the image.
    expect(fs.readdirSync(dir)).toEqual([path.basename(image)]);
    engine.close();
  });

  /** An engine of 16-byte pages and an isolated file of 32 bytes of 1 on disk, read-write. */
  function isolatedOnDisk() {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 16, memory: 64, swapDir: dir });
    const file = engine.open(tempFile(dir, 'p', new Uint8Array(32).fill(1)), 'r+', { isolate: true });
    return { engine, file, seg: engine.segment(32) };
  }

  it('a read after a change through the engine does not reuse a private copy taken before it', () => {
    const { engine, file, seg } = isolatedOnDisk();
    seg.read(file, 0, 16, 0);
    // Block 1 is referenced by no byte, so nothing preserves it: only a new copy can serve it.
    file.write(new Uint8Array(16).fill(2), 0, 16, 16);
    seg.read(file, 16, 16, 16);
    expect(seg.getUint8(16)).toBe(2);
    expect(seg.getUint8(0)).toBe(1);
    expect(engine.stats().liveSnapshots).toBe(2);
    engine.close();
  });

  it('a rebinding write-back does not rebind to a private copy taken before it wrote', () => {
    const { engine, file, seg } = isolatedOnDisk();
    seg.read(file, 0, 16, 0);
    seg.copyIn(16, new Uint8Array(16).fill(3));
    seg.write(file, 16, 16, 16, { rebind: true });
    // The page is clean now: evicted, it is refilled from the snapshot it was rebound to.
    expect(seg.evict(1)).toBe(true);
    expect(seg.getUint8(16)).toBe(3);
    expect(seg.write(file, 0, 32, 0)).toEqual({ written: 0, skipped: 32 });
    engine.close();
  });

  it('what counts as a change for the current copy: a truncate to the same length does; an all-skipped or empty write, an empty file write, a read at EOF do not', () => {
    const engine = memoryEngine(4, 8);
    const backend = new FaultyBackend('f', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(16);
    seg.read(file, 0, 8, 0);
    expect(backend.calls.clone).toBe(1);
    const stats = engine.stats();
    // None of these changes the file: the next read still shares the copy.
    expect(seg.write(file, 0, 8, 0)).toEqual({ written: 0, skipped: 8 });
    expect(seg.write(file, 0, 0, 8, { rebind: true })).toEqual({ written: 0, skipped: 0 });
    expect(file.write(Uint8Array.of(9), 0, 0, 3)).toBe(0);
    expect(seg.read(file, 8, 4, 8)).toBe(0);
    expect(seg.read(file, 8, 4, 20)).toBe(0);
    expect(engine.stats()).toEqual({ ...stats, skipped: 8 });
    seg.read(file, 8, 4, 4);
    expect(backend.calls.clone).toBe(1);
    // A truncate to the current length moves the file's mtime: it is a change, though it cuts nothing.
    file.truncate(8);
    expect(engine.stats().preserves).toBe(0);
    seg.read(file, 12, 4, 0);
    expect(backend.calls.clone).toBe(2);
    expect(bytesOf(seg, 0, 16)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 1, 2, 3, 4]);
  });

  it('shares one copy among reads while the file is unchanged', () => {
    const engine = memoryEngine(4, 8);
    const backend = new FaultyBackend('f', Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(16);
    seg.read(file, 0, 4, 0);
    seg.read(file, 4, 4, 8);
    expect(backend.calls.clone).toBe(1);
    file.write(Uint8Array.of(0), 0, 1, 0);
    expect(bytesOf(seg, 0, 4)).toEqual([1, 2, 3, 4]);
    seg.read(file, 0, 4, 0);
    expect(backend.calls.clone).toBe(2);
    expect(bytesOf(seg, 0, 4)).toEqual([0, 2, 3, 4]);
    // Write-back still skips exactly what the file holds.
    expect(seg.write(file, 0, 4, 0)).toEqual({ written: 0, skipped: 4 });
    backend.inner.write(Uint8Array.of(5), 0, 1, 3);
    expect(bytesOf(seg, 0, 4)).toEqual([0, 2, 3, 4]);
    expect(seg.write(file, 0, 4, 0)).toEqual({ written: 4, skipped: 0 });
  });
});

describe('backends are closed once, when nothing needs them any more', () => {
  it('a closed file keeps its backend open while bytes still read from it, then closes it', () => {
    const engine = memoryEngine(4, 4);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const file = engine.attach(backend);
    const seg = engine.segment(8);
    seg.read(file, 0, 8, 0);
    file.close();
    file.close();
    expect(backend.calls.close).toBe(0);
    expect(seg.getUint8(5)).toBe(6);
    seg.zero(0, 4);
    expect(backend.calls.close).toBe(0);
    seg.zero(4, 4);
    expect(backend.calls.close).toBe(1);
    engine.close();
    expect(backend.calls.close).toBe(1);
  });

  it('a closed file nothing was read from is closed at once; an open one when the engine closes', () => {
    const engine = memoryEngine(4, 4);
    const idle = new FaultyBackend('idle');
    const idleFile = engine.attach(idle);
    idleFile.close();
    idleFile.close();
    expect(idle.calls.close).toBe(1);
    const open = new FaultyBackend('open', Uint8Array.of(1));
    const seg = engine.segment(4);
    seg.read(engine.attach(open), 0, 1, 0);
    engine.close();
    engine.close();
    expect(open.calls.close).toBe(1);
    expect(() => seg.getUint8(0)).toThrow(ClosedError);
  });

  it('an isolation copy stays open while a snapshot reads from it and closes when the last one goes', () => {
    const engine = memoryEngine(4, 8);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(16);
    seg.read(file, 0, 4, 0);
    seg.read(file, 8, 4, 4);
    expect(backend.clones).toHaveLength(1);
    const [first] = backend.clones;
    // The file changes: new reads need a new copy, but the old one still serves the bytes read before.
    file.write(Uint8Array.of(9), 0, 1, 0);
    expect(first!.calls.close).toBe(0);
    // The copy already holds the old block: nothing goes to the preserve store.
    expect(engine.stats()).toMatchObject({ preserves: 1, preservedBlocks: 0 });
    expect(bytesOf(seg, 0, 4)).toEqual([1, 2, 3, 4]);
    // Unreferencing the block the write changed (its "preserved" mark has no slot) keeps the rest readable.
    seg.zero(0, 4);
    expect(first!.calls.close).toBe(0);
    expect(bytesOf(seg, 8, 4)).toEqual([5, 6, 7, 8]);
    seg.zero(8, 4);
    expect(first!.calls.close).toBe(1);
    // A copy no snapshot uses stays current while the file is unchanged, and closes as soon as it changes.
    seg.read(file, 0, 4, 0);
    expect(backend.clones).toHaveLength(2);
    seg.zero(0, 4);
    seg.read(file, 4, 4, 4);
    expect(backend.clones).toHaveLength(2);
    seg.zero(4, 4);
    expect(backend.clones[1]!.calls.close).toBe(0);
    file.write(Uint8Array.of(8), 0, 1, 0);
    expect(backend.clones[1]!.calls.close).toBe(1);
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
    expect(backend.clones.map((c) => c.calls.close)).toEqual([1, 1, 1, 1]);
    expect(backend.calls.close).toBe(1);
  });

  it('a copy that turns out torn (the file changed while copying) is closed and the read refused', () => {
    const engine = memoryEngine(4, 8);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    const clone = backend.clone.bind(backend);
    backend.clone = () => {
      const copy = clone();
      backend.inner.write(Uint8Array.of(7), 0, 1, 0);
      return copy;
    };
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(8);
    expect(() => seg.read(file, 0, 4, 0)).toThrow(FileChangedError);
    expect(backend.clones[0]!.calls.close).toBe(1);
    expect(engine.stats().liveSnapshots).toBe(0);
  });

  it('a torn copy whose close fails raises that failure as a clone I/O error of the copy', () => {
    const engine = memoryEngine(4, 8);
    const backend = new FaultyBackend('f', Uint8Array.of(1, 2, 3, 4));
    const clone = backend.clone.bind(backend);
    backend.clone = () => {
      const copy = (clone() as FaultyBackend).fail('close', 'EIO');
      backend.inner.write(Uint8Array.of(7), 0, 1, 0);
      return copy;
    };
    const file = engine.attach(backend, { isolate: true });
    const seg = engine.segment(8);
    expect(thrown(() => seg.read(file, 0, 4, 0))).toMatchObject({
      name: 'IOError',
      role: 'clone',
      target: 'f copy 0',
      code: 'EIO',
    });
    expect(engine.stats().liveSnapshots).toBe(0);
  });
});

describe('files on disk', () => {
  it('a file replaced by rename is another file, not a change: the engine keeps reading and writing the one it opened', () => {
    const dir = tempDir();
    const engine = new Engine({ pageSize: 4096, memory: 2 ** 16, swapDir: dir });
    const content = pattern(2 * 4096);
    const image = tempFile(dir, 'image', content);
    const file = engine.open(image, 'r+');
    const seg = engine.segment(2 * 4096);
    seg.read(file, 0, 2 * 4096, 0);
    expect(seg.getUint8(0)).toBe(content[0]);
    tick();
    // The name now points at another inode, with other bytes; the open file is unchanged.
    const twin = tempFile(dir, 'twin', pattern(2 * 4096, 7));
    fs.renameSync(twin, image);
    expect(seg.getUint8(4096)).toBe(content[4096]);
    expect(seg.write(file, 0, 2 * 4096, 0)).toEqual({ written: 0, skipped: 2 * 4096 });
    seg.setUint8(1, content[1] ^ 0xff);
    expect(seg.write(file, 0, 2 * 4096, 0)).toEqual({ written: 4096, skipped: 4096 });
    // That went to the open file, not to the one the name points at now.
    expect(firstDifference(new Uint8Array(fs.readFileSync(image)), pattern(2 * 4096, 7))).toBe(-1);
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

describe("file.write: fs.writeSync's argument defaults", () => {
  it('offset 0, length the rest of the buffer, and the position of an fd: from 0, advanced by each such write', () => {
    const engine = memoryEngine(4, 4);
    const backend = new FaultyBackend('f', Uint8Array.of(9, 9, 9, 9, 9, 9, 9, 9));
    const file = engine.attach(backend);
    expect(file.write(Uint8Array.of(1, 2))).toBe(2);
    expect(file.write(Uint8Array.of(0, 3, 4), 1)).toBe(2);
    expect(file.write(Uint8Array.of(5, 6, 0), 0, 2, null)).toBe(2);
    expect([...backend.content()]).toEqual([1, 2, 3, 4, 5, 6, 9, 9]);
    // An explicit position neither uses nor moves it, as pwrite(2) does not.
    expect(file.write(Uint8Array.of(7), 0, 1, 0)).toBe(1);
    expect(file.write(Uint8Array.of(8, 8, 8, 8))).toBe(4);
    expect([...backend.content()]).toEqual([7, 2, 3, 4, 5, 6, 8, 8, 8, 8]);
    // A write of nothing at the position moves nothing.
    expect(file.write(new Uint8Array(0))).toBe(0);
    expect(file.write(Uint8Array.of(1))).toBe(1);
    expect([...backend.content()]).toEqual([7, 2, 3, 4, 5, 6, 8, 8, 8, 8, 1]);
  });

  it('each resolved write is the same change as the explicit one: copy-before-write at the resolved position', () => {
    const engine = memoryEngine(4, 4);
    const { file } = memoryFile(engine, 'f', [1, 2, 3, 4, 5, 6, 7, 8]);
    const seg = engine.segment(8);
    seg.read(file, 4, 4, 4);
    file.write(Uint8Array.of(0, 0, 0, 0));
    expect(engine.stats().preserves).toBe(0);
    file.write(Uint8Array.of(0));
    expect(engine.stats().preserves).toBe(1);
    expect(bytesOf(seg, 4, 4)).toEqual([5, 6, 7, 8]);
  });

  it('the defaults are checked like the explicit arguments, and a refused write does not move the position', () => {
    const engine = memoryEngine(4, 4);
    const backend = new FaultyBackend('f');
    const file = engine.attach(backend);
    expect(() => file.write(Uint8Array.of(1), 2)).toThrow(
      expect.objectContaining({ argument: 'offset', code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => file.write(Uint8Array.of(1), 0, 1, '0' as never)).toThrow(
      expect.objectContaining({ argument: 'position' }),
    );
    backend.fail('write', 'EIO', { times: 1 });
    expect(() => file.write(Uint8Array.of(1, 2))).toThrow(expect.objectContaining({ name: 'IOError', code: 'EIO' }));
    file.write(Uint8Array.of(3));
    expect([...backend.content()]).toEqual([3]);
  });
});
