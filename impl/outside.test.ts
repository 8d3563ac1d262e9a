/**
 * Issue 20: what another process does to a file the engine has read, on
 * real files, and the outcome of each event under each change-detection
 * policy. The outcomes:
 *
 * - nothing lost: a metadata change, or a change to another file than the
 *   open one; every byte read is still served, `refresh` rebinds nothing;
 * - refused, then re-read: a content change (or one stat cannot tell from
 *   it); the bytes not yet copied are lost (a load raises
 *   FileChangedError), and `refresh` rebinds them to the file as it is now,
 *   which later loads return; bytes past a new end of file stay lost.
 *
 * The detection window each relies on is named where it applies (the
 * policy and the windows: spec/README.md, "Outside the proof").
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Engine } from './engine.ts';
import type { ChangeDetection } from './files.ts';
import type { Segment } from './segment.ts';
import { pattern, tempDir, tempFile } from './testing/temp.ts';
import { thrown } from './testing/thrown.ts';

const B = 4096;
// Whole seconds: a utimes can put such an mtime back exactly (Node's times are doubles, a file's nanoseconds).
const MTIME = 1_700_000_000;

/** Timestamps have a granularity (a clock tick): wait past it so that a change shows. */
function tick(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}

interface Scene {
  readonly dir: string;
  readonly file: string;
  readonly content: Uint8Array;
  readonly seg: Segment;
}

/**
 * A file of 3 pages read whole into a segment under `policy`, its mtime
 * MTIME; page 0 copied in (known whatever happens to the file), pages 1
 * and 2 not yet.
 */
function scene(policy: ChangeDetection, content = pattern(3 * B)): Scene {
  const dir = tempDir();
  const file = tempFile(dir, 'image', content);
  fs.utimesSync(file, MTIME, MTIME);
  const engine = new Engine({ pageSize: B, memory: 16 * B, swapDir: dir, readahead: 0, changeDetection: policy });
  onTestFinished(() => engine.close());
  const seg = engine.segment(3 * B);
  expect(seg.read(engine.open(file, 'r'), 0, 3 * B, 0)).toBe(3 * B);
  expect(seg.getUint8(0)).toBe(content[0]);
  tick();
  return { dir, file, content, seg };
}

function view(seg: Segment, addr: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  seg.copyOut(addr, out);
  return out;
}

/** Nothing lost: the page not yet copied loads as it was read, refresh rebinds nothing, every byte is the one read. */
function expectNothingLost(s: Scene): void {
  expect(s.seg.getUint8(B + 1)).toBe(s.content[B + 1]);
  expect(s.seg.refresh()).toBe(0);
  expect(Buffer.compare(view(s.seg, 0, 3 * B), s.content)).toBe(0);
}

/**
 * Refused, then re-read: a load of a page not yet copied raises
 * FileChangedError; refresh rebinds its 2 pages to the file as it is now,
 * which they then read; page 0, copied before, keeps what was read.
 */
function expectRefusedThenReread(s: Scene): void {
  expect(thrown(() => s.seg.getUint8(B + 1))).toMatchObject({ name: 'FileChangedError', code: 'EFILECHANGED' });
  expect(s.seg.refresh()).toBe(2 * B);
  const now = fs.readFileSync(s.file);
  expect(Buffer.compare(view(s.seg, 0, B), s.content.subarray(0, B))).toBe(0);
  expect(Buffer.compare(view(s.seg, B, 2 * B), now.subarray(B, 3 * B))).toBe(0);
  expect(s.seg.getUint8(2 * B + 7)).toBe(now[2 * B + 7]);
}

const policies = ['mtime', 'ctime'] as const;
const hasSetfattr = spawnSync('setfattr', ['--version']).error === undefined;
const isRoot = process.getuid?.() === 0;

describe('metadata changes: nothing lost under mtime (the default), refused under ctime', () => {
  const outcome = { mtime: expectNothingLost, ctime: expectRefusedThenReread };
  for (const policy of policies) {
    it(`${policy}: chmod`, () => {
      const s = scene(policy);
      fs.chmodSync(s.file, 0o600);
      outcome[policy](s);
    });

    it(`${policy}: chown to the same owner and group`, () => {
      const s = scene(policy);
      const { uid, gid } = fs.statSync(s.file);
      fs.chownSync(s.file, uid, gid);
      outcome[policy](s);
    });

    it.skipIf(!isRoot)(`${policy}: chown to another owner${isRoot ? '' : ' (skipped: needs root)'}`, () => {
      const s = scene(policy);
      fs.chownSync(s.file, 4321, 4321);
      outcome[policy](s);
    });

    it(`${policy}: utimes that puts the old mtime back (a new atime)`, () => {
      const s = scene(policy);
      fs.utimesSync(s.file, MTIME + 100, MTIME);
      outcome[policy](s);
    });

    it.skipIf(!hasSetfattr)(
      `${policy}: an xattr set${hasSetfattr ? '' : ' (skipped: setfattr not installed; apt-get install attr)'}`,
      () => {
        const s = scene(policy);
        execFileSync('setfattr', ['-n', 'user.deferred-io', '-v', 'x', s.file]);
        expect(
          execFileSync('getfattr', ['--absolute-names', '--only-values', '-n', 'user.deferred-io', s.file]).toString(),
        ).toBe('x');
        outcome[policy](s);
      },
    );
  }
});

describe('link changes: nothing lost under either policy (under ctime, the link count moved with ctime)', () => {
  for (const policy of policies) {
    it(`${policy}: a new link`, () => {
      const s = scene(policy);
      fs.linkSync(s.file, path.join(s.dir, 'other name'));
      expectNothingLost(s);
    });

    it(`${policy}: unlink of another name`, () => {
      const s = scene(policy);
      const other = path.join(s.dir, 'other name');
      fs.linkSync(s.file, other);
      // The engine looks (a copy faults nothing in): what it sees next is the unlink alone.
      expect(view(s.seg, B + 1, 1)[0]).toBe(s.content[B + 1]);
      tick();
      fs.unlinkSync(other);
      expectNothingLost(s);
    });

    it(`${policy}: a rename over the path leaves the open file alone; the engine goes on reading it, not the new one`, () => {
      const s = scene(policy);
      const replacement = tempFile(s.dir, 'replacement', new Uint8Array(B).fill(0xee));
      fs.renameSync(replacement, s.file);
      expectNothingLost(s);
      // The path names the new file now: a new open sees it.
      expect(fs.statSync(s.file).size).toBe(B);
    });
  }
});

describe('content changes: refused, then re-read by refresh, under either policy', () => {
  for (const policy of policies) {
    it(`${policy}: utimes to a new mtime (touch), which stat cannot tell from a same-size write`, () => {
      const s = scene(policy);
      fs.utimesSync(s.file, MTIME, MTIME + 50);
      expectRefusedThenReread(s);
      // The content did not change: the bytes re-read are the ones read first.
      expect(Buffer.compare(view(s.seg, 0, 3 * B), s.content)).toBe(0);
    });

    it(`${policy}: a same-size write, seen through mtime (window: within one timestamp tick of the last change seen)`, () => {
      const s = scene(policy);
      const fd = fs.openSync(s.file, 'r+');
      fs.writeSync(fd, new Uint8Array(10).fill(0xaa), 0, 10, B + 100);
      fs.writeSync(fd, new Uint8Array(10).fill(0xbb), 0, 10, 2 * B + 100);
      fs.closeSync(fd);
      expectRefusedThenReread(s);
      // The bytes re-read are the new content.
      expect([...view(s.seg, B + 100, 10)]).toEqual(new Array(10).fill(0xaa));
      expect([...view(s.seg, 2 * B + 100, 10)]).toEqual(new Array(10).fill(0xbb));
    });

    it(`${policy}: a truncate, seen through the size (no window); bytes past the new end stay lost after refresh`, () => {
      const s = scene(policy);
      fs.truncateSync(s.file, B + B / 2);
      expect(thrown(() => s.seg.getUint8(B + 1))).toMatchObject({ code: 'EFILECHANGED' });
      // Half of page 1 is within the file: rebound. The rest of it, and page 2, stay lost.
      expect(s.seg.refresh()).toBe(B / 2);
      expect(Buffer.compare(view(s.seg, 0, B + B / 2), s.content.subarray(0, B + B / 2))).toBe(0);
      for (const addr of [B + 1, B + B / 2, 2 * B]) {
        expect(
          thrown(() => s.seg.getUint8(addr)),
          `${addr}`,
        ).toMatchObject({ code: 'EFILECHANGED' });
      }
      expect(thrown(() => view(s.seg, B + B / 2, 1))).toMatchObject({ code: 'EFILECHANGED' });
      expect(s.seg.refresh()).toBe(0);
    });
  }
});

describe('the window: a same-size write whose writer puts mtime back (cp -p, rsync -t, touch -r)', () => {
  /** The write, then mtime put back: every stat field the 'mtime' policy compares is what it was. */
  function writeRestoringMtime(s: Scene): void {
    const fd = fs.openSync(s.file, 'r+');
    fs.writeSync(fd, new Uint8Array(10).fill(0xcc), 0, 10, B + 100);
    fs.closeSync(fd);
    fs.utimesSync(s.file, MTIME, MTIME);
  }

  it("mtime: not seen: a page not yet copied is filled with the new bytes (the engine's documented window)", () => {
    const s = scene('mtime');
    writeRestoringMtime(s);
    expect(s.seg.getUint8(B + 100)).toBe(0xcc);
    expect(s.seg.refresh()).toBe(0);
  });

  it('ctime: seen (ctime moved, no user can set it back): refused, then re-read', () => {
    const s = scene('ctime');
    writeRestoringMtime(s);
    expectRefusedThenReread(s);
    expect(s.seg.getUint8(B + 100)).toBe(0xcc);
  });
});
