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
 *
 * A Persistent file lives, whatever the backing, in a recording directory
 * of its own (impl/testing/recording-backend.ts), its journal beside it:
 * the directory logs every call, keeps what readers see apart from what is
 * durable, and is what the spec's disk and journal are read from. A step's
 * calls there are compared with the spec's log; a crash builds the state
 * the spec's Crash builds (crashed.ts) from the calls of the step before
 * it, throws the engine away, starts another and opens the files that are
 * not Persistent again; a Persistent one is opened, which recovers it, by
 * recover.
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
import { FileChangedError, JournalError } from '../impl/errors.ts';
import { MemoryBackend } from '../impl/memory-backend.ts';
import type { Segment } from '../impl/segment.ts';
import {
  type DirectoryState,
  durableDirectory,
  type RecordedCall,
  RecordingDirectory,
} from '../impl/testing/recording-backend.ts';
import type { Constants } from '../model/constants.ts';
import type { JournalOf } from '../model/file-system.ts';
import type { Bytes, State, StepRecord } from '../model/state.ts';
import { afterCalls, fileSystemOf, type HeldJournal, powerCut } from './crashed.ts';
import { engineCall, modelCall } from './io-calls.ts';
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

/** Another process's way to a file: the backend itself in memory, the path on disk, the directory of a Persistent file. */
type Outside =
  | { readonly memory: MemoryBackend }
  | { readonly path: string }
  | { readonly directory: () => RecordingDirectory };

export interface World extends EngineSide {
  /** The engine now: a crash throws it away and starts another. */
  readonly engine: Engine;
  readonly segment: Segment;
  /** Engine files by model file name: the files the engine has open (after a crash, a Persistent one once recovered). */
  readonly files: ReadonlyMap<string, DeferredFile>;
  /** Each file as another process reaches it, behind the engine's back. */
  readonly outside: ReadonlyMap<string, Outside>;
  /** Each Persistent file's directory, as the recording backend holds it (a crash replaces it with its crash state). */
  readonly directories: ReadonlyMap<string, RecordingDirectory>;
  /** Marks the start of a step that is not a crash: a crash later falls among the calls made from here. */
  beginStep(): void;
  /** Where each Persistent file's directory's log is now. */
  logMark(): ReadonlyMap<string, number>;
  /** The I/O calls the engine made on Persistent files since `mark`, one text each (io-calls.ts). */
  callsSince(mark: ReadonlyMap<string, number>): string[];
  /** Releases the engine and any temp directory. */
  close(): void;
}

/** The step record's result fields, as the engine reports them (preserved: how many blocks; calls: io-calls.ts's texts). */
export interface Observed {
  readonly ret: number;
  readonly out: readonly number[];
  readonly err: StepRecord['err'];
  readonly fault: boolean;
  readonly written: number;
  readonly skipped: number;
  readonly preserved: number;
  readonly recovery: StepRecord['recovery'];
  readonly calls: readonly string[];
}

export function makeWorld(
  c: Constants,
  contents: ReadonlyMap<string, ArrayLike<number>>,
  backing: Backing,
  opts: WorldOptions = {},
): World {
  const length = opts.length ?? c.P * c.B;
  const frames = opts.frames ?? Math.ceil(length / c.B);
  const dir = backing === 'disk' ? mkdtempSync(join(tmpdir(), 'deferred-io-world-')) : null;
  const newEngine = () =>
    new Engine({
      pageSize: c.B,
      memory: c.B * frames,
      readahead: opts.readahead ?? 0,
      ...(dir === null ? { createStore: (role: string) => new MemoryBackend(role) } : { swapDir: dir }),
    });
  let engine = newEngine();
  const files = new Map<string, DeferredFile>();
  const outside = new Map<string, Outside>();
  // A Persistent file lives in a recording directory of its own, with its journal: in memory whatever the backing.
  const directories = new Map<string, RecordingDirectory>();
  const isolate = (name: string) => c.Isolated.includes(name);
  // Opens a file that is not Persistent: at the start, and again on every new engine (its content outlives a crash).
  const open = (name: string): DeferredFile => {
    const way = outside.get(name)!;
    if ('memory' in way) return engine.attach(way.memory, { isolate: isolate(name) });
    if ('path' in way) return engine.open(way.path, 'r+', { isolate: isolate(name) });
    return engine.attach(way.directory().open(name)!, { isolate: isolate(name) });
  };
  for (const [name, bytes] of contents) {
    if (c.Persistent.includes(name)) {
      directories.set(name, new RecordingDirectory(durableDirectory(c.B, { [name]: Uint8Array.from(bytes) })));
      outside.set(name, { directory: () => directories.get(name)! });
    } else if (dir === null) {
      outside.set(name, { memory: new MemoryBackend(name, Uint8Array.from(bytes)) });
    } else {
      const path = join(dir, name);
      writeFileSync(path, Uint8Array.from(bytes));
      // Whole seconds, so that a change of metadata can put mtime back exactly.
      utimesSync(path, ++outsideClock, ++outsideClock);
      outside.set(name, { path });
    }
    files.set(name, open(name));
  }
  let segment = engine.segment(length);
  // Where the last step that was not a crash began, in each Persistent file's directory.
  let step = new Map<string, { before: DirectoryState; start: number }>();
  const beginStep = () => {
    step = new Map([...directories].map(([name, d]) => [name, { before: held(name, d).state, start: d.log.length }]));
  };
  beginStep();
  return {
    get engine() {
      return engine;
    },
    get segment() {
      return segment;
    },
    files,
    outside,
    directories,
    beginStep,
    logMark: () => new Map([...directories].map(([name, d]) => [name, d.log.length])),
    callsSince: (mark) =>
      [...directories].flatMap(([name, d]) =>
        calls(d.log.slice(mark.get(name)!)).map((k) => engineCall(k.call, name, c.B)),
      ),
    file(name) {
      const f = files.get(name);
      if (f === undefined) throw new Error(`the world has no open file ${name}`);
      return f;
    },
    changeOutside(name, change) {
      changeOutside(outside, name, change);
    },
    crash(kind, cut, keep) {
      // The state each directory is left in, from the calls of the last step (at most one file made any).
      const crashed = [...directories].map(([name, d]): [string, DirectoryState] => {
        const { before, start } = step.get(name)!;
        const log = d.log.slice(start);
        const made = calls(log);
        // After the spec's call `cut`: after the engine's last write of it.
        const at = afterCalls(
          before,
          log,
          cut === 0 || made.length === 0 ? 0 : made[Math.min(cut, made.length) - 1]!.end,
        );
        return [name, kind === 'kill' ? at : powerCut(name, at, keep)];
      });
      engine.close();
      for (const [name, state] of crashed) directories.set(name, new RecordingDirectory(state));
      engine = newEngine();
      segment = engine.segment(length);
      files.clear();
      // A Persistent file is opened again by its recovery.
      for (const name of contents.keys()) if (!c.Persistent.includes(name)) files.set(name, open(name));
    },
    recover(name) {
      files.set(name, open(name));
    },
    close() {
      engine.close();
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The engine's calls as the spec counts them: a run the engine writes in
 * several calls (more pieces than one writev takes, more than its staging
 * buffer holds), contiguous and in order, is one write of the spec's (the
 * spec's runs are maximal, so two of them are never contiguous); `end` is
 * one past the engine's last call of it.
 */
function calls(log: readonly RecordedCall[]): { call: RecordedCall; end: number }[] {
  const out: { call: RecordedCall; end: number }[] = [];
  log.forEach((k, i) => {
    const prev = out[out.length - 1];
    const p = prev?.call;
    if (
      p !== undefined &&
      (p.op === 'write' || p.op === 'writev') &&
      (k.op === 'write' || k.op === 'writev') &&
      p.name === k.name &&
      p.position + p.data.length === k.position
    ) {
      out[out.length - 1] = { call: { ...p, data: Buffer.concat([p.data, k.data]) }, end: i + 1 };
    } else out.push({ call: k, end: i + 1 });
  });
  return out;
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
  if ('directory' in way) {
    // Through a descriptor of its own, logged as any call on the file is.
    const file = way.directory().open(name)!;
    if ('len' in change) file.truncate(change.len);
    else file.write(Uint8Array.from(change.data), 0, change.data.length, change.pos);
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
  // The recording backend keeps a file's content and names, no metadata: there the change is no event at all
  // (that the engine loses nothing to one it sees is shown on the other files).
  if ('directory' in way) return;
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

/**
 * Takes a model action on the engine and reports the step record's result
 * fields. `taken`: the model took it as a step (false only for a call the
 * spec has no step for and the engine must ignore, an Evict of a page not
 * resident), which begins a step among whose calls a crash may fall.
 */
export function step(w: World, act: Action, taken = true): Observed {
  const engine = w.engine;
  const before = engine.stats();
  const def = defOf(act);
  if (taken && act.op !== 'crash') w.beginStep();
  const mark = w.logMark();
  let called: Reported = {};
  let err: StepRecord['err'] = 'none';
  try {
    called = def.engine(w, act);
  } catch (e) {
    // A refusal: only an action the spec may refuse throws these, and it changes nothing.
    if (!def.refusable) throw e;
    if (e instanceof FileChangedError) err = 'FileChangedError';
    else if (e instanceof JournalError && e.code === 'EJOURNALCORRUPT') err = 'EJOURNALCORRUPT';
    else throw e;
  }
  const { ret = 0, out = [], written = 0, skipped = 0 } = called;
  // A crash threw the engine away, its counters with it; its calls are the last step's.
  if (engine !== w.engine) {
    w.beginStep();
    return { ret, out, err, fault: false, written, skipped, preserved: 0, recovery: 'none', calls: [] };
  }
  const after = engine.stats();
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
    recovery: act.op === 'recover' && err === 'none' ? (w.file(act.file).recovery?.outcome ?? 'none') : 'none',
    calls: w.callsSince(mark),
  };
}

/** The step record's result fields, as the model's state holds them (its step record, and its log). */
export const recorded = (st: Pick<State, 'last' | 'log'>): Observed => ({
  ret: st.last.ret,
  out: st.last.out,
  err: st.last.err,
  fault: st.last.fault,
  written: st.last.written,
  skipped: st.last.skipped,
  preserved: st.last.preserved.length,
  recovery: st.last.recovery,
  calls: st.log.map(modelCall),
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

/** A directory's state, and Persistent file f's variables as its directory holds them (crashed.ts, fileSystemOf). */
interface Held {
  /** The length of the directory's log when read. */
  readonly calls: number;
  readonly state: DirectoryState;
  readonly spec: ReturnType<typeof fileSystemOf>;
}

/**
 * Each directory as last read. A directory changes only by a call, and it
 * logs every call before making it (recording-backend.ts, apply, the one
 * place a call changes the state; world.test.ts shows it of every call), so
 * the same directory with as many calls logged holds what it held: it is
 * read once per change rather than once per step (megabytes, in fuzzing).
 * A crash puts a new directory in place.
 */
const heldBy = new WeakMap<RecordingDirectory, Held>();

function held(f: string, d: RecordingDirectory): Held {
  const last = heldBy.get(d);
  if (last !== undefined && last.calls === d.log.length) return last;
  const state = d.state();
  const now: Held = { calls: d.log.length, state, spec: fileSystemOf(f, state) };
  heldBy.set(d, now);
  return now;
}

/**
 * The Persistent files, their durable contents and journals as their
 * directories hold them, open or not, and whether the engine has each open.
 * A run's pre-image is the model's (`pre`, by file and record from 1): the
 * engine keeps only its checksum.
 */
export function persistentOf(w: World, pre: (name: string, record: number) => ArrayLike<number>) {
  const fs = [...w.directories].map(([name, d]) => [name, held(name, d).spec] as const);
  const journal = (name: string, j: HeldJournal): JournalOf<Uint8Array> => ({
    ...j,
    records: j.records.map((r, i) => ({
      ...r,
      pre: r.kind === 'run' ? Uint8Array.from(pre(name, i + 1)) : new Uint8Array(0),
    })),
  });
  return {
    file: new Map(fs.map(([name, f]) => [name, f.file])),
    disk: new Map(fs.map(([name, f]) => [name, f.disk])),
    journal: new Map(fs.map(([name, f]) => [name, journal(name, f.journal)])),
    opened: new Map(fs.map(([name]) => [name, w.files.has(name)])),
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
  const fs = persistentOf(w, (name, i) => like.journal.get(name)!.records[i - 1]?.pre ?? []);
  const bytes = (x: Uint8Array): Bytes => Array.from(x);
  const perFile = (m: ReadonlyMap<string, Uint8Array>) => new Map([...m].map(([name, x]) => [name, bytes(x)]));
  const persistent = {
    file: perFile(fs.file),
    disk: perFile(fs.disk),
    journal: new Map(
      [...fs.journal].map(([name, j]) => [
        name,
        { ...j, records: j.records.map((r) => ({ ...r, data: bytes(r.data), pre: bytes(r.pre) })) },
      ]),
    ),
    opened: fs.opened,
  };
  const st = specState(c, files === undefined ? projection : { ...projection, files: new Map() }, like, persistent);
  return { ...st, file: files ?? st.file, steps: like.steps };
}
