/**
 * The atomic write-back ({ atomic: true }): its calls in the order the
 * spec models (crash-interface.md), what it costs over a plain one, what it
 * refuses before any call, how it fails, and that every crash state of one,
 * recovered, is the file before it or after it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from './engine.ts';
import { recordMax } from './journal.ts';
import { MemoryBackend, MemoryDirectory } from './memory-backend.ts';
import { crashStates } from './testing/crash-states.ts';
import { memoryEngine } from './testing/engines.ts';
import { FaultyBackend } from './testing/faulty-backend.ts';
import { durableDirectory, type RecordedCall, RecordingDirectory } from './testing/recording-backend.ts';
import { tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

const B = 4;
const image = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

/** An engine, and image `img` in a recording directory, read whole into a segment. */
function recorded(content: Uint8Array = image, frames = 8) {
  const before = durableDirectory(B, { img: content });
  const dir = new RecordingDirectory(before);
  const engine = memoryEngine(B, frames);
  const file = engine.attach(dir.open('img')!);
  // Attaching found no journal and synced the directory: the write-backs' calls are what the tests compare.
  expect(calls(dir.log)).toEqual(['syncDirectory']);
  dir.log.length = 0;
  const seg = engine.segment(content.length + 8);
  seg.read(file, 0, content.length, 0);
  return { before, dir, engine, file, seg };
}

/** The log as `op name`: the order of calls, which is the contract. */
function calls(log: readonly RecordedCall[]): string[] {
  return log.map((call) => (call.op === 'syncDirectory' ? 'syncDirectory' : `${call.op} ${call.name}`));
}

describe('the order of calls', () => {
  it('journal, its data durable, its name durable, the file durable, commit, in place, file durable, journal gone', () => {
    const { dir, file, seg, engine } = recorded();
    seg.setUint8(1, 100);
    seg.setUint8(13, 113);
    expect(seg.write(file, 0, 32, 0, { atomic: true })).toEqual({ written: 8, skipped: 24 });
    expect(calls(dir.log)).toEqual([
      'create img.dio-journal',
      'writev img.dio-journal',
      'sync img.dio-journal',
      'syncDirectory',
      'sync img',
      'write img.dio-journal',
      'sync img.dio-journal',
      'write img',
      'write img',
      'sync img',
      'remove img.dio-journal',
      'syncDirectory',
    ]);
    // The in-place writes are a plain write-back's: one per run, ascending.
    const inPlace = dir.log.filter((call) => call.op === 'write' && call.name === 'img');
    expect(inPlace.map((call) => (call.op === 'write' ? [call.position, call.data.length] : []))).toEqual([
      [0, 4],
      [12, 4],
    ]);
    expect(dir.names()).toEqual(['img']);
    const expected = Uint8Array.from(image);
    expected[1] = 100;
    expected[13] = 113;
    expect(dir.content('img')).toEqual(expected);
    // The journal: 64 header, 2 records of (24 + 4 per block + 4 data + 4 CRC), 36 commit.
    expect(engine.stats()).toMatchObject({ written: 8, runs: 2, journaled: 64 + 2 * (24 + 4 + 4 + 4) + 36 });
  });

  it("sync: 'data' makes the file's two syncs fdatasyncs; the journal's stay fsyncs", () => {
    const { dir, file, seg } = recorded();
    seg.setUint8(5, 105);
    seg.write(file, 0, 32, 0, { atomic: true, sync: 'data' });
    expect(calls(dir.log).filter((call) => call.includes('sync'))).toEqual([
      'sync img.dio-journal',
      'syncDirectory',
      'datasync img',
      'sync img.dio-journal',
      'datasync img',
      'syncDirectory',
    ]);
  });

  it('with nothing to write it is one fsync of the file, and no journal', () => {
    const { dir, file, seg, engine } = recorded();
    expect(seg.write(file, 0, 32, 0, { atomic: true })).toEqual({ written: 0, skipped: 32 });
    expect(calls(dir.log)).toEqual(['sync img']);
    expect(engine.stats().journaled).toBe(0);
  });

  it("a plain write-back with sync: 'data' writes, then fdatasyncs", () => {
    const { dir, file, seg } = recorded();
    seg.setUint8(5, 105);
    seg.write(file, 0, 32, 0, { sync: 'data' });
    expect(calls(dir.log)).toEqual(['write img', 'datasync img']);
  });

  it('writes the same runs as a plain write-back, pages not resident and growing the file included', () => {
    const { dir, file, seg } = recorded(image, 2);
    for (const addr of [0, 9, 17, 34]) seg.setUint8(addr, 200 + addr);
    // Four dirty pages over two frames: two are in swap when written.
    const result = seg.write(file, 0, 40, 0, { atomic: true, rebind: true });
    // Pages 0, 2 and 4, and the 8 bytes past the end of the file (with page 8's store among them).
    expect(result).toEqual({ written: 3 * B + 8, skipped: 40 - 3 * B - 8 });
    const runs = dir.log.flatMap((call) =>
      (call.op === 'write' || call.op === 'writev') && call.name === 'img' ? [[call.position, call.data.length]] : [],
    );
    expect(runs).toEqual([
      [0, 4],
      [8, 4],
      [16, 4],
      [32, 8],
    ]);
    const expected = new Uint8Array(40);
    expected.set(image);
    for (const addr of [0, 9, 17, 34]) expected[addr] = 200 + addr;
    expect(dir.content('img')).toEqual(expected);
    // Rebound: the next write-back writes nothing.
    expect(seg.write(file, 0, 40, 0, { atomic: true })).toEqual({ written: 0, skipped: 40 });
  });
});

describe('what it costs', () => {
  it('journals exactly the bytes written, plus 100 per write-back, 28 per record and 4 per block touched', () => {
    const engine = new Engine({ pageSize: 4096, memory: 1 << 20, createStore: (role) => new MemoryBackend(role) });
    const dir = new MemoryDirectory();
    const file = engine.attach(dir.file('img', new Uint8Array(4 << 20)));
    const seg = engine.segment(4 << 20);
    seg.read(file, 0, 4 << 20, 0);
    // One run of 3 pages, one of 1 page, one of 3 MiB (journaled as three records).
    for (const page of [1, 2, 3, 10]) seg.setUint8(page * 4096, 1);
    seg.zero(1 << 20, 3 << 20);
    const { written } = seg.write(file, 0, 4 << 20, 0, { atomic: true });
    expect(written).toBe(4 * 4096 + (3 << 20));
    const records = 2 + 3;
    const blocks = 4 + (3 << 20) / 4096;
    expect(engine.stats().journaled).toBe(written + 100 + 28 * records + 4 * blocks);
    expect((3 << 20) / recordMax).toBe(3);
    // The bound: a record of L bytes touches at most L / B + 2 blocks.
    expect(engine.stats().journaled).toBeLessThanOrEqual(written * (1 + 4 / 4096) + 100 + (28 + 8) * records);
  });
});

describe('refusals, before any call', () => {
  it('sync: false with atomic, and a backend with no directory, are ArgumentErrors', () => {
    const { dir, file, seg } = recorded();
    seg.setUint8(0, 9);
    expect(thrown(() => seg.write(file, 0, 32, 0, { atomic: true, sync: false }))).toMatchObject({
      name: 'ArgumentError',
      code: 'ERR_INVALID_ARG_VALUE',
      argument: 'options.sync',
    });
    expect(thrown(() => seg.write(file, 0, 32, 0, { atomic: 'yes' as never }))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      argument: 'options.atomic',
    });
    expect(thrown(() => seg.write(file, 0, 32, 0, { sync: 'meta' as never })).message).toBe(
      `options.sync must be a boolean or 'data', got "meta"`,
    );
    expect(dir.log).toEqual([]);
    const engine = memoryEngine(B, 4);
    const alone = new FaultyBackend('alone', image);
    const lone = engine.attach(alone);
    const s = engine.segment(32);
    s.read(lone, 0, 32, 0);
    s.setUint8(0, 9);
    expect(thrown(() => s.write(lone, 0, 32, 0, { atomic: true }))).toMatchObject({
      name: 'ArgumentError',
      code: 'ERR_INVALID_ARG_VALUE',
      argument: 'options.atomic',
      message: 'options.atomic needs a file in a directory: alone has none',
    });
    expect(alone.log.filter((call) => call !== 'identity' && call !== 'read')).toEqual([]);
  });
});

/** A directory whose calls fail on demand: `fail(op, name)` makes the next such call throw EIO. */
class FailingDirectory extends RecordingDirectory {
  failing: string | null = null;
  check(what: string): void {
    if (this.failing !== what) return;
    this.failing = null;
    throw Object.assign(new Error(`injected EIO on ${what}`), { code: 'EIO' });
  }
  override create(name: string) {
    this.check(`create ${name}`);
    const file = super.create(name);
    const sync = file.sync.bind(file);
    file.sync = () => {
      this.check(`sync ${name}`);
      sync();
    };
    return file;
  }
  override remove(name: string): void {
    this.check(`remove ${name}`);
    super.remove(name);
  }
  override sync(): void {
    this.check('syncDirectory');
    super.sync();
  }
}

describe('failures', () => {
  function failing() {
    const before = durableDirectory(B, { img: image });
    const dir = new FailingDirectory(before);
    const engine = memoryEngine(B, 8);
    const file = engine.attach(dir.open('img')!);
    const seg = engine.segment(32);
    seg.read(file, 0, 32, 0);
    seg.setUint8(2, 102);
    return { dir, engine, file, seg };
  }

  it('before anything is written in place: an IOError of the journal, the journal removed, the file as it was', () => {
    for (const what of ['create img.dio-journal', 'sync img.dio-journal', 'syncDirectory']) {
      const { dir, file, seg } = failing();
      dir.failing = what;
      expect(thrown(() => seg.write(file, 0, 32, 0, { atomic: true }))).toMatchObject({
        name: 'IOError',
        role: 'journal',
        target: 'img.dio-journal',
        code: 'EIO',
      });
      expect(dir.names()).toEqual(['img']);
      expect(dir.content('img')).toEqual(image);
      // Nothing is left in the way: the next write-back goes through.
      expect(seg.write(file, 0, 32, 0, { atomic: true })).toEqual({ written: 4, skipped: 28 });
      expect(dir.content('img')![2]).toBe(102);
    }
  });

  it('after: the journal stays, and the file refuses changes until it is opened again, which recovers it', () => {
    const { dir, file, seg, engine } = failing();
    dir.failing = 'remove img.dio-journal';
    expect(thrown(() => seg.write(file, 0, 32, 0, { atomic: true }))).toMatchObject({ role: 'journal', code: 'EIO' });
    expect(dir.names()).toEqual(['img', 'img.dio-journal']);
    const pending = { name: 'JournalError', code: 'EJOURNALPENDING', file: 'img', journal: 'img.dio-journal' };
    expect(thrown(() => seg.write(file, 0, 32, 0))).toMatchObject(pending);
    expect(thrown(() => file.write(Uint8Array.of(1), 0, 1, 0))).toMatchObject(pending);
    expect(thrown(() => file.truncate(0))).toMatchObject(pending);
    expect(thrown(() => seg.write(file, 0, 32, 0, { atomic: true }))).toMatchObject(pending);
    file.close();
    const again = engine.attach(dir.open('img')!);
    expect(again.recovery).toMatchObject({ outcome: 'replayed', records: 1, bytes: 4 });
    expect(dir.names()).toEqual(['img']);
    expect(dir.content('img')![2]).toBe(102);
  });
});

describe('crashes', () => {
  it('every crash state of an atomic write-back recovers to the file before it or after it; after, once it returned', () => {
    const { before, dir, file, seg } = recorded(image, 2);
    for (const addr of [1, 6, 13, 30, 35]) seg.setUint8(addr, 150 + addr);
    seg.write(file, 0, 40, 0, { atomic: true });
    const after = dir.content('img')!;
    const states = [...crashStates(before, dir.log, { exhaustive: 8, samples: 32 })];
    const outcomes = { before: 0, after: 0 };
    for (const crash of states) {
      const crashed = new RecordingDirectory(crash.state);
      const engine = memoryEngine(B, 2);
      engine.attach(crashed.open('img')!);
      const now = crashed.content('img')!;
      const which = Buffer.from(now).equals(image) ? 'before' : Buffer.from(now).equals(after) ? 'after' : null;
      expect(which, `${crash.kind} after call ${crash.after}`).not.toBeNull();
      if (crash.after === dir.log.length) expect(which).toBe('after');
      outcomes[which!]++;
      expect(crashed.names()).toEqual(['img']);
    }
    expect(outcomes.before).toBeGreaterThan(0);
    expect(outcomes.after).toBeGreaterThan(0);
  });

  it('and a crash during that recovery, then recovery again: still before or after', () => {
    const { before, dir, file, seg } = recorded(image, 2);
    for (const addr of [2, 21, 33]) seg.setUint8(addr, 150 + addr);
    seg.write(file, 0, 40, 0, { atomic: true });
    const after = dir.content('img')!;
    let states = 0;
    for (const crash of crashStates(before, dir.log, { exhaustive: 6, samples: 8 })) {
      const crashed = new RecordingDirectory(crash.state);
      memoryEngine(B, 2).attach(crashed.open('img')!);
      for (const again of crashStates(crash.state, crashed.log, { exhaustive: 6, samples: 8 })) {
        const twice = new RecordingDirectory(again.state);
        memoryEngine(B, 2).attach(twice.open('img')!);
        const now = Buffer.from(twice.content('img')!);
        const where = `${crash.kind} after call ${crash.after}, then ${again.kind} after call ${again.after} of recovery`;
        expect(now.equals(image) || now.equals(after), where).toBe(true);
        states++;
      }
    }
    expect(states).toBeGreaterThan(1000);
  });
});

describe('on disk', () => {
  it('the journal is beside the file, created exclusively, and gone afterwards; recovery at open', () => {
    const dir = tempDir();
    const name = tempFile(dir, 'disk.img', image);
    const engine = new Engine({ pageSize: B, memory: 8 * B, swapDir: dir });
    const file = engine.open(name, 'r+');
    const seg = engine.segment(32);
    seg.read(file, 0, 32, 0);
    seg.setUint8(3, 103);
    fs.writeFileSync(path.join(dir, 'disk.img.dio-journal'), '');
    // Someone else's journal is there: refused by O_EXCL, nothing written.
    expect(thrown(() => seg.write(file, 0, 32, 0, { atomic: true }))).toMatchObject({
      name: 'IOError',
      role: 'journal',
      code: 'EEXIST',
    });
    expect(fs.readFileSync(name)).toEqual(Buffer.from(image));
    fs.rmSync(path.join(dir, 'disk.img.dio-journal'));
    expect(seg.write(file, 0, 32, 0, { atomic: true, rebind: true })).toEqual({ written: 4, skipped: 28 });
    expect(fs.readFileSync(name)[3]).toBe(103);
    expect(fs.readdirSync(dir).filter((entry) => entry.startsWith('disk.img'))).toEqual(['disk.img']);
    expect(file.recovery).toBeNull();
    engine.close();
  });
});
