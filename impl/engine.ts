/**
 * The engine: owns the page size, the frame pool inside the memory budget,
 * the swap space and the preserve store, and the files and segments that
 * share them.
 */
import type { PathLike } from 'node:fs';
import * as os from 'node:os';
import { inspect } from 'node:util';
import { assert } from './assert.ts';
import type { FileBackend } from './backend.ts';
import { Bindings } from './bindings.ts';
import { type DeferredFile, newFile } from './deferred-file.ts';
import { ArgumentError, ClosedError, io } from './errors.ts';
import { Calls, type ChangeDetection, FileState } from './files.ts';
import { FramePool } from './frames.ts';
import {
  framesMax,
  ioChunkBytes,
  memoryDefault,
  memoryMax,
  pageSizeDefault,
  pageSizeMax,
  pageSizeMin,
  readaheadDefaultBytes,
  readaheadMax,
  segmentLengthMax,
  snapshotsMax,
} from './limits.ts';
import { NodeFileBackend } from './node-backend.ts';
import { Pager, Pagers } from './paging.ts';
import { type Recovery, recover, refusePending } from './recovery.ts';
import { newSegment, type Segment } from './segment.ts';
import type { Shared } from './shared.ts';
import { SlotStore } from './slots.ts';
import { Snapshots } from './snapshots.ts';
import { type Stats, zeroCounters } from './stats.ts';
import { boolean, integer, options, pathLike, pathString } from './validate.ts';

export interface EngineOptions {
  /** Page size = file block size B, in bytes. Default 4096. */
  pageSize?: number;
  /** Memory budget for page frames, in bytes: floor(memory / pageSize) frames. Default 64 MiB. */
  memory?: number;
  /**
   * Directory for the swap file, the preserve store and isolation copies: a
   * path as node:fs takes one (a Buffer must be UTF-8). Default os.tmpdir().
   */
  swapDir?: PathLike;
  /**
   * Pages to fetch ahead after a sequential fault (a fault on the page after
   * the last one faulted), with one read where their sources are
   * contiguous; 0 turns readahead off. Default: 1 MiB worth of pages (256
   * of 4 KiB), at most frames - 1.
   */
  readahead?: number;
  /**
   * Makes the backing file of the swap space or the preserve store. Default:
   * a sparse temporary file in swapDir, unlinked as soon as it is created.
   */
  createStore?: (role: 'swap' | 'preserve') => FileBackend;
  /**
   * Which changes behind the engine's back count as content changes, the
   * bytes they leave unknown lost: 'mtime' (a new size, mtime, inode or
   * device) or 'ctime' (a new ctime too, unless the link count moved with
   * it: chmod, chown, an xattr or a utimes count then). Default 'mtime'.
   * spec/README.md ("Outside the proof") states what each cannot see.
   */
  changeDetection?: ChangeDetection;
}

/**
 * How Engine.open opens a file: 'r' read-only, 'r+' read-write, 'w+' created
 * or truncated. 'r+' and 'w+' first recover a journal an atomic write-back
 * left ('w+' truncates after); 'r' refuses a file that has one.
 */
export type OpenFlags = 'r' | 'r+' | 'w+';

export interface OpenOptions {
  /**
   * Take a private copy of the file at read time (a reflink clone where the
   * file system supports it, a full copy otherwise), so that no later change
   * to the file, even one behind the engine's back, can reach bytes already
   * read. Default false.
   */
  isolate?: boolean;
}

export interface AttachOptions extends OpenOptions {
  /** Refuse writes and truncation. Default false. */
  readOnly?: boolean;
}

/** What an engine holds: the shared mechanisms, and its open segments (with their parts) and files. */
export interface EngineState {
  readonly shared: Shared;
  /** Where isolation copies are made. */
  readonly tempDir: string;
  /** Which outside events count as a content change of a file. */
  readonly changeDetection: ChangeDetection;
  /** The segments' pagers by number, as the frame pool names a frame's owner. */
  readonly pagers: Pagers;
  readonly segments: Map<Segment, { readonly bindings: Bindings; readonly pager: Pager }>;
  readonly files: Set<FileState>;
}

/**
 * @internal The one way into an engine's state from outside its class,
 * used by internals.ts only (see there); index.ts does not export it.
 */
export let engineState: (engine: Engine) => EngineState;

const backendMethods = [
  'read',
  'write',
  'writev',
  'truncate',
  'sync',
  'datasync',
  'identity',
  'clone',
  'close',
] as const;

export class Engine {
  /** Page size B in bytes. */
  readonly pageSize: number;
  /** Frames in the pool. */
  readonly frames: number;
  readonly #state: EngineState;

  static {
    engineState = (engine) => engine.#state;
  }

  constructor(engineOptions?: EngineOptions) {
    const given = options('options', engineOptions, [
      'pageSize',
      'memory',
      'swapDir',
      'readahead',
      'createStore',
      'changeDetection',
    ]);
    const pageSize =
      given.pageSize === undefined
        ? pageSizeDefault
        : integer('options.pageSize', given.pageSize, pageSizeMin, pageSizeMax);
    const memory =
      given.memory === undefined
        ? memoryDefault
        : integer('options.memory', given.memory, pageSize, Math.min(memoryMax, framesMax * pageSize));
    const frames = Math.floor(memory / pageSize);
    const readaheadLimit = Math.min(readaheadMax, frames - 1);
    const readahead =
      given.readahead === undefined
        ? Math.min(readaheadLimit, Math.max(1, Math.floor(readaheadDefaultBytes / pageSize)))
        : integer('options.readahead', given.readahead, 0, readaheadLimit);
    const swapDir = given.swapDir === undefined ? os.tmpdir() : pathString('options.swapDir', given.swapDir);
    if (given.createStore !== undefined && typeof given.createStore !== 'function') {
      throw new ArgumentError('options.createStore', 'must be a function', 'ERR_INVALID_ARG_TYPE');
    }
    const changeDetection = given.changeDetection ?? 'mtime';
    if (changeDetection !== 'mtime' && changeDetection !== 'ctime') {
      throw new ArgumentError(
        'options.changeDetection',
        `must be 'mtime' or 'ctime', got ${String(changeDetection)}`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    const createStore =
      (given.createStore as EngineOptions['createStore']) ?? ((role) => NodeFileBackend.temporary(swapDir, role));
    const swapSpace = new SlotStore(
      io('swap', swapDir, () => createStore('swap')),
      'swap',
      pageSize,
    );
    const preserve = new SlotStore(
      io('preserve', swapDir, () => createStore('preserve')),
      'preserve',
      pageSize,
    );
    // The I/O staging buffer counts against the memory budget: at most 1 MiB, at least the two fragment pages.
    const staging = new Uint8Array(Math.max(Math.min(ioChunkBytes, memory), 2 * pageSize));
    assert(staging.length >= 2 * pageSize, 'staging holds the two fragment pages');
    assert(staging.length <= Math.max(ioChunkBytes, 2 * pageSize), 'staging within its budget');
    // A readahead of `readahead` pages after a fault pins them all, and fills them through the batch scratch.
    assert(readahead < frames, 'readahead leaves no frame for the fault');
    assert(readahead <= readaheadMax, 'a batched fill larger than its scratch');
    this.pageSize = pageSize;
    this.frames = frames;
    this.#state = {
      shared: {
        pageSize,
        pool: new FramePool(frames, pageSize),
        swapSpace,
        preserve,
        snapshots: new Snapshots(pageSize, preserve, snapshotsMax),
        counters: zeroCounters(),
        readahead,
        calls: new Calls(),
        pageBuffer: new Uint8Array(pageSize),
        staging,
        batch: new Int32Array(readaheadMax + 1),
        closed: false,
      },
      tempDir: swapDir,
      changeDetection,
      pagers: new Pagers(),
      segments: new Map(),
      files: new Set(),
    };
  }

  /**
   * Opens a file on disk through node:fs. `path` is one as fs.openSync takes
   * it: a string, a Buffer (its bytes, whatever their encoding) or a file:
   * URL. It must be a regular file whose size describes its content: a
   * directory is refused at once with an IOError coded EISDIR; any other
   * kind (FIFO, socket, device) and a file of a pseudo file system (procfs,
   * sysfs, debugfs, configfs, tracefs, securityfs, cgroup, bpf and the
   * like, on Linux) with ENODEV, as mmap(2) refuses what it cannot map.
   */
  open(path: PathLike, flags: OpenFlags = 'r', openOptions?: OpenOptions): DeferredFile {
    this.#open();
    const file = pathLike('path', path);
    if (flags !== 'r' && flags !== 'r+' && flags !== 'w+') {
      throw new ArgumentError('flags', `must be 'r', 'r+' or 'w+', got ${String(flags)}`, 'ERR_INVALID_ARG_VALUE');
    }
    const isolate = isolation(options('options', openOptions, ['isolate']));
    const backend = io('file', file.toString(), () => NodeFileBackend.open(file, flags));
    try {
      const recovery = flags === 'r' ? refuse(backend) : recover(backend);
      // Truncated only once the journal is recovered: a crash in between finds the journal and the file it describes.
      if (flags === 'w+') io('file', backend.name, () => backend.truncate(0));
      return this.#adopt(backend, flags === 'r', isolate, recovery);
    } catch (error) {
      backend.close();
      throw error;
    }
  }

  /** Opens a file through any backend, e.g. a MemoryBackend or a fault-injecting one. */
  attach(backend: FileBackend, attachOptions?: AttachOptions): DeferredFile {
    this.#open();
    if (
      typeof backend !== 'object' ||
      backend === null ||
      typeof backend.name !== 'string' ||
      backendMethods.some((name) => typeof backend[name] !== 'function') ||
      !isSiblings(backend.siblings)
    ) {
      throw new ArgumentError(
        'backend',
        `must implement FileBackend (name, siblings: Siblings (${siblingsMethods.join(', ')}) or null, ${backendMethods.join(', ')})`,
        'ERR_INVALID_ARG_TYPE',
      );
    }
    const given = options('options', attachOptions, ['isolate', 'readOnly']);
    const readOnly = given.readOnly === undefined ? false : boolean('options.readOnly', given.readOnly);
    const recovery = readOnly ? refuse(backend) : recover(backend);
    return this.#adopt(backend, readOnly, isolation(given), recovery);
  }

  /**
   * A new deferred segment of `length` bytes (up to 2^53), all zero. Length 0
   * is allowed, as Buffer.alloc(0) is (so `engine.segment(file.size)` works
   * for an empty file): a segment with no page, where every call of length 0
   * does nothing and any byte is out of range.
   */
  segment(length: number): Segment {
    this.#open();
    integer('length', length, 0, segmentLengthMax);
    const { shared, pagers, segments } = this.#state;
    const bindings = new Bindings(shared.snapshots);
    const pager = new Pager(shared, pagers, bindings, length);
    const segment = newSegment(pager, (closed) => segments.delete(closed));
    segments.set(segment, { bindings, pager });
    return segment;
  }

  /** Counters since creation and current occupancy. */
  stats(): Stats {
    const shared = this.#state.shared;
    return {
      ...shared.counters,
      residentPages: shared.pool.used,
      swappedPages: shared.swapSpace.used,
      liveSnapshots: shared.snapshots.size,
      preservedBlocks: shared.preserve.used,
    };
  }

  /** Closes every segment and file and releases the swap space and preserve store. Idempotent. */
  close(): void {
    const { shared, segments, files } = this.#state;
    if (shared.closed) return;
    for (const segment of [...segments.keys()]) segment.close();
    assert(segments.size === 0, 'a segment outlived its close');
    assert(shared.snapshots.size === 0, 'snapshots outlived every segment');
    assert(shared.preserve.used === 0, 'preserved blocks outlived every snapshot');
    assert(shared.swapSpace.used === 0, 'swap slots outlived every segment');
    for (const file of [...files]) file.close();
    assert(files.size === 0, 'a file outlived its close');
    shared.closed = true;
    shared.swapSpace.close();
    shared.preserve.close();
  }

  /** Closes the engine when a `using` declaration goes out of scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  [inspect.custom](_depth: number, options: object): string {
    const { shared, segments, files } = this.#state;
    if (shared.closed) return 'Engine { closed: true }';
    const shown = {
      pageSize: this.pageSize,
      frames: this.frames,
      segments: segments.size,
      files: files.size,
      ...this.stats(),
    };
    return `Engine ${inspect(shown, options)}`;
  }

  #adopt(backend: FileBackend, readOnly: boolean, isolate: boolean, recovery: Recovery | null): DeferredFile {
    const { shared, files, tempDir, changeDetection } = this.#state;
    const state = new FileState(backend, readOnly, isolate, tempDir, shared.calls, changeDetection, (closed) =>
      files.delete(closed),
    );
    state.recovery = recovery;
    files.add(state);
    return newFile(state, shared);
  }

  #open(): void {
    if (this.#state.shared.closed) throw new ClosedError('engine');
  }
}

const siblingsMethods = ['open', 'create', 'remove', 'sync'] as const;

/** Whether `value` is a FileBackend's `siblings`: null, or an object with Siblings' methods. */
function isSiblings(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  const methods = value as Record<string, unknown>;
  return siblingsMethods.every((name) => typeof methods[name] === 'function');
}

/** A read-only open: refused while a journal awaits recovery, else nothing recovered. */
function refuse(backend: FileBackend): null {
  refusePending(backend);
  return null;
}

function isolation(given: Record<string, unknown>): boolean {
  return given.isolate === undefined ? false : boolean('options.isolate', given.isolate);
}
