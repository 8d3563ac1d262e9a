/**
 * An engine set up to stand beside the model: the spec's geometry, one file
 * per model file (in memory or on disk), and the one function that applies a
 * model Action to the engine and reports what the spec's step record would
 * say about it. Edge replay and differential fuzzing both drive the engine
 * through here, so they cannot disagree about what an action means.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../impl/engine.ts';
import type { DeferredFile } from '../impl/deferred-file.ts';
import { MemoryBackend } from '../impl/memory-backend.ts';
import { project, type Projection } from './projection.ts';
import type { Segment } from '../impl/segment.ts';
import type { Constants } from '../model/constants.ts';
import type { Action } from '../model/next.ts';
import type { Bytes, State, StepRecord } from '../model/state.ts';
import { specState } from './spec-state.ts';

export type Backing = 'memory' | 'disk';

export interface WorldOptions {
  /** Frames in the pool; the default holds every page, so only evict() evicts. */
  readonly frames?: number;
  readonly readahead?: number;
  /** Segment length; the default is the spec's P * B. */
  readonly length?: number;
}

export interface World {
  readonly engine: Engine;
  readonly segment: Segment;
  /** Engine files by model file name. */
  readonly files: ReadonlyMap<string, DeferredFile>;
  /** Releases the engine and any temp directory. */
  close(): void;
}

/** The step record's result fields, as the engine reports them. */
export type Observed = Pick<StepRecord, 'ret' | 'fault' | 'written' | 'skipped'>;

export function makeWorld(c: Constants, contents: ReadonlyMap<string, Bytes>, backing: Backing, opts: WorldOptions = {}): World {
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
  for (const [name, bytes] of contents) {
    if (dir === null) {
      files.set(name, engine.attach(new MemoryBackend(name, Uint8Array.from(bytes))));
    } else {
      const path = join(dir, name);
      writeFileSync(path, Uint8Array.from(bytes));
      files.set(name, engine.open(path, 'r+'));
    }
  }
  const segment = engine.segment(length);
  return {
    engine,
    segment,
    files,
    close() {
      engine.close();
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function fileIn(w: World, name: string): DeferredFile {
  const f = w.files.get(name);
  if (f === undefined) throw new Error(`the world has no file ${name}`);
  return f;
}

/** Applies a model action to the engine and reports the step record's result fields. */
export function step(w: World, act: Action): Observed {
  const before = w.engine.stats();
  let ret = 0;
  let written = 0;
  let skipped = 0;
  switch (act.op) {
    case 'read': ret = w.segment.read(fileIn(w, act.file), act.addr, act.len, act.pos); break;
    case 'load': ret = w.segment.getUint8(act.addr); break;
    case 'store': w.segment.setUint8(act.addr, act.val); break;
    case 'write': ({ written, skipped } = w.segment.write(fileIn(w, act.file), act.addr, act.len, act.pos, { rebind: act.rebind })); break;
    case 'zero': w.segment.zero(act.addr, act.len); break;
    case 'fileWrite': fileIn(w, act.file).write(Uint8Array.from(act.data), 0, act.data.length, act.pos); break;
    case 'fileTruncate': fileIn(w, act.file).truncate(act.len); break;
    case 'evict': w.segment.evict(act.page); break;
  }
  const after = w.engine.stats();
  if (after.written - before.written !== written || after.skipped - before.skipped !== skipped) {
    throw new Error(`engine counters disagree with write's result: ${JSON.stringify({ before, after, written, skipped })}`);
  }
  return { ret, fault: after.faults > before.faults, written, skipped };
}

/** The step record's result fields, as the model's step record holds them. */
export const recorded = (last: StepRecord): Observed =>
  ({ ret: last.ret, fault: last.fault, written: last.written, skipped: last.skipped });

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
 * The engine's state in the spec's variables. The engine has no ghosts and
 * no step record, so those are taken from `like` (the model's state). A
 * caller that has already compared the projection's files (several MiB in
 * fuzzing) passes the equal model files instead of converting them again.
 */
export function observe(
  c: Constants, w: World, like: State,
  projection: Projection = projectWorld(w), files?: ReadonlyMap<string, Bytes>,
): State {
  const p = files === undefined ? projection : { ...projection, files: new Map() };
  const st = specState(c, p, { mem: like.mem, cfile: like.cfile }, like.last);
  return { ...st, file: files ?? st.file, steps: like.steps };
}
