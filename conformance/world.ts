/**
 * An engine set up to stand beside the model: the spec's geometry, one file
 * per model file (in memory or on disk, isolated where the constants say),
 * and the one function that takes a model Action on the engine (its engine
 * call, actions/) and reports what the spec's step record would say about
 * it. Edge replay, trace replay and differential fuzzing all drive the
 * engine through here, so they cannot disagree about what an action means.
 *
 * A change behind the engine's back (outsideWrite, outsideTruncate) goes to
 * the file directly: on disk through a descriptor of its own, after which
 * the file's mtime is set to a value no clock produces, so that the engine's
 * detection (size, mtime, inode, device; ctime too under the strict policy)
 * is certain to see it -- a change it cannot see (same size, same
 * timestamps) is the documented window outside
 * the proof; in memory through the backend, which counts every change. A
 * change of metadata alone (outsideMetadata) is on disk a chmod to the same
 * mode and a utimes with a new atime that puts mtime back (where the world
 * set mtime itself, in whole seconds, which utimes restores exactly), in
 * memory the backend's touchMetadata: events the engine must not count.
 */
import {
  chmodSync,
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineSide, OutsideChange, Reported } from '../actions/action.ts';
import { type Action, defOf } from '../actions/table.ts';
import type { DeferredFile } from '../impl/deferred-file.ts';
import { Engine } from '../impl/engine.ts';
import { FileChangedError } from '../impl/errors.ts';
import { MemoryBackend } from '../impl/memory-backend.ts';
import type { Segment } from '../impl/segment.ts';
import type { Constants } from '../model/constants.ts';
import type { Bytes, State, StepRecord } from '../model/state.ts';
import { type Projection, project } from './projection.ts';
import { specState } from './spec-state.ts';

export type Backing = 'memory' | 'disk';

export interface WorldOptions {
  /** Frames in the pool; the default holds every page, so only evict() evicts. */
  readonly frames?: number;
  readonly readahead?: number;
  /** Segment length; the default is the spec's P * B. */
  readonly length?: number;
}

/** Another process's way to a file: the backend itself in memory, the path on disk. */
type Outside = { readonly memory: MemoryBackend } | { readonly path: string };

export interface World extends EngineSide {
  readonly engine: Engine;
  readonly segment: Segment;
  /** Engine files by model file name. */
  readonly files: ReadonlyMap<string, DeferredFile>;
  /** Each file as another process reaches it, behind the engine's back. */
  readonly outside: ReadonlyMap<string, Outside>;
  /** Releases the engine and any temp directory. */
  close(): void;
}

/** The step record's result fields, as the engine reports them (preserved: how many blocks). */
export interface Observed {
  readonly ret: number;
  readonly out: readonly number[];
  readonly err: StepRecord['err'];
  readonly fault: boolean;
  readonly written: number;
  readonly skipped: number;
  readonly preserved: number;
}

export function makeWorld(
  c: Constants,
  contents: ReadonlyMap<string, Bytes>,
  backing: Backing,
  opts: WorldOptions = {},
): World {
  const length = opts.length ?? c.P * c.B;
  const frames = opts.frames ?? Math.ceil(length / c.B);
  const dir = backing === 'disk' ? mkdtempSync(join(tmpdir(), 'deferred-io-world-')) : null;
  const engine = new Engine({
    pageSize: c.B,
    memory: c.B * frames,
    readahead: opts.readahead ?? 0,
    ...(dir === null ? { createStore: (role: string) => new MemoryBackend(role) } : { swapDir: dir }),
  });
  const files = new Map<string, DeferredFile>();
  const outside = new Map<string, Outside>();
  for (const [name, bytes] of contents) {
    const isolate = c.Isolated.includes(name);
    if (dir === null) {
      const backend = new MemoryBackend(name, Uint8Array.from(bytes));
      files.set(name, engine.attach(backend, { isolate }));
      outside.set(name, { memory: backend });
    } else {
      const path = join(dir, name);
      writeFileSync(path, Uint8Array.from(bytes));
      // Whole seconds, so that a change of metadata can put mtime back exactly.
      utimesSync(path, ++outsideClock, ++outsideClock);
      files.set(name, engine.open(path, 'r+', { isolate }));
      outside.set(name, { path });
    }
  }
  const segment = engine.segment(length);
  return {
    engine,
    segment,
    files,
    outside,
    file(name) {
      const f = files.get(name);
      if (f === undefined) throw new Error(`the world has no file ${name}`);
      return f;
    },
    changeOutside(name, change) {
      changeOutside(outside, name, change);
    },
    close() {
      engine.close();
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Timestamps no clock gives a fresh file (2001-09-09 onwards, one second apart): each outside change gets its own.
let outsideClock = 1_000_000_000;

/** Another process changes the file: a write of `data` at `pos`, a truncate to `len`, or its metadata alone. */
function changeOutside(outside: ReadonlyMap<string, Outside>, name: string, change: OutsideChange): void {
  const way = outside.get(name);
  if (way === undefined) throw new Error(`the world has no file ${name}`);
  if ('metadata' in change) {
    changeMetadata(way);
    return;
  }
  if ('memory' in way) {
    if ('len' in change) way.memory.truncate(change.len);
    else way.memory.write(Uint8Array.from(change.data), 0, change.data.length, change.pos);
    return;
  }
  const fd = openSync(way.path, 'r+');
  try {
    if ('len' in change) ftruncateSync(fd, change.len);
    else writeSync(fd, Uint8Array.from(change.data), 0, change.data.length, change.pos);
  } finally {
    closeSync(fd);
  }
  const when = ++outsideClock;
  utimesSync(way.path, statSync(way.path).atime, when);
}

/**
 * Another process changes the file's metadata alone: ctime moves, no byte
 * and no other mark the engine watches. On disk: chmod to the mode it has,
 * and a new atime with mtime put back, where mtime is whole seconds (the
 * world's own, exactly representable; an mtime the engine's own write-back
 * stamped has nanoseconds utimes cannot restore, and then only the chmod).
 */
function changeMetadata(way: Outside): void {
  if ('memory' in way) {
    way.memory.touchMetadata();
    return;
  }
  const before = statSync(way.path, { bigint: true });
  chmodSync(way.path, Number(before.mode & 0o7777n));
  if (before.mtimeNs % 1_000_000_000n === 0n)
    utimesSync(way.path, ++outsideClock, Number(before.mtimeNs / 1_000_000_000n));
  const after = statSync(way.path, { bigint: true });
  if (after.mtimeNs !== before.mtimeNs || after.size !== before.size || after.ino !== before.ino)
    throw new Error(`a change of metadata moved more than ctime: ${way.path}`);
}

/** Takes a model action on the engine and reports the step record's result fields. */
export function step(w: World, act: Action): Observed {
  const before = w.engine.stats();
  const def = defOf(act);
  let called: Reported = {};
  let err: StepRecord['err'] = 'none';
  try {
    called = def.engine(w, act);
  } catch (e) {
    // A refusal: only an action the spec may refuse (where it needs a lost byte) throws this, and it changes nothing.
    if (!(e instanceof FileChangedError) || !def.refusable) throw e;
    err = 'FileChangedError';
  }
  const { ret = 0, out = [], written = 0, skipped = 0 } = called;
  const after = w.engine.stats();
  if (after.written - before.written !== written || after.skipped - before.skipped !== skipped) {
    throw new Error(
      `engine counters disagree with write's result: ${JSON.stringify({ before, after, written, skipped })}`,
    );
  }
  return {
    ret,
    out,
    err,
    fault: after.faults > before.faults,
    written,
    skipped,
    preserved: after.preserves - before.preserves,
  };
}

/** The step record's result fields, as the model's step record holds them. */
export const recorded = (last: StepRecord): Observed => ({
  ret: last.ret,
  out: last.out,
  err: last.err,
  fault: last.fault,
  written: last.written,
  skipped: last.skipped,
  preserved: last.preserved.length,
});

/**
 * The engine's projection (projection.ts) with files and snapshots
 * named by model file name: on disk the engine names a file by its path.
 */
export function projectWorld(w: World): Projection {
  const modelName = new Map([...w.files].map(([name, f]) => [f.name, name]));
  const rename = (name: string) => modelName.get(name) ?? name;
  const p = project(w.engine, w.segment);
  return {
    ...p,
    files: new Map([...p.files].map(([name, bytes]) => [rename(name), bytes])),
    snaps: new Map([...p.snaps].map(([id, e]) => [id, { ...e, file: rename(e.file) }])),
  };
}

/**
 * The engine's state in the spec's variables. The engine has no ghost or
 * history variables and no step record, so those are taken from `like`
 * (the model's state). A caller that has already compared the projection's
 * files (several MiB in fuzzing) passes the equal model files instead of
 * converting them again.
 */
export function observe(
  c: Constants,
  w: World,
  like: State,
  projection: Projection = projectWorld(w),
  files?: ReadonlyMap<string, Bytes>,
): State {
  const p = files === undefined ? projection : { ...projection, files: new Map() };
  const st = specState(c, p, like);
  return { ...st, file: files ?? st.file, steps: like.steps };
}
