/**
 * The engine: owns the page size, the frame pool inside the memory budget,
 * the swap space and the preserve store, and the files and segments that
 * share them.
 */
import * as os from 'node:os';
import type { FileBackend } from './backend.ts';
import type { Context } from './context.ts';
import { FramePool } from './frames.ts';
import { SlotStore } from './slots.ts';
import { Snapshots } from './snapshots.ts';
import { PreserveStore } from './preserve.ts';
import { DeferredFile, FileState } from './files.ts';
import { NodeFileBackend } from './node-backend.ts';
import { Segment } from './segment.ts';
import { type Stats, zeroCounters } from './stats.ts';
import { assert } from './assert.ts';
import { ArgumentError, ClosedError, io } from './errors.ts';
import { boolean, integer, options, string } from './validate.ts';
import {
  ioChunkBytes,
  memoryDefault,
  memoryMax,
  pageSizeDefault,
  pageSizeMax,
  pageSizeMin,
  readaheadMax,
  segmentLengthMax,
} from './limits.ts';

export interface EngineOptions {
  /** Page size = file block size B, in bytes. Default 4096. */
  pageSize?: number;
  /** Memory budget for page frames, in bytes: floor(memory / pageSize) frames. Default 64 MiB. */
  memory?: number;
  /** Directory for the swap file, the preserve store and isolation copies. Default os.tmpdir(). */
  swapDir?: string;
  /** Pages to fetch ahead after a sequential fault; 0 (the default) turns readahead off. */
  readahead?: number;
  /**
   * Makes the backing file of the swap space or the preserve store. Default:
   * a sparse temporary file in swapDir, unlinked as soon as it is created.
   */
  createStore?: (role: 'swap' | 'preserve') => FileBackend;
}

/** How Engine.open opens a file: 'r' read-only, 'r+' read-write, 'w+' created or truncated. */
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

const contexts = new WeakMap<Engine, Context>();

/** The internals of an engine, for the conformance projection. */
export function engineContext(engine: Engine): Context {
  return contexts.get(engine)!;
}

const backendMethods = ['size', 'read', 'write', 'truncate', 'identity', 'clone', 'close'] as const;

export class Engine {
  /** Page size B in bytes. */
  readonly pageSize: number;
  /** Frames in the pool. */
  readonly frames: number;
  readonly #context: Context;

  constructor(engineOptions?: EngineOptions) {
    const given = options('options', engineOptions, ['pageSize', 'memory', 'swapDir', 'readahead', 'createStore']);
    const pageSize = given.pageSize === undefined ? pageSizeDefault : integer('options.pageSize', given.pageSize, pageSizeMin, pageSizeMax);
    const memory = given.memory === undefined ? memoryDefault : integer('options.memory', given.memory, pageSize, memoryMax);
    const frames = Math.floor(memory / pageSize);
    const readahead =
      given.readahead === undefined ? 0 : integer('options.readahead', given.readahead, 0, Math.min(readaheadMax, frames - 1));
    const swapDir = given.swapDir === undefined ? os.tmpdir() : string('options.swapDir', given.swapDir);
    if (given.createStore !== undefined && typeof given.createStore !== 'function') {
      throw new ArgumentError('options.createStore', 'must be a function');
    }
    const createStore =
      (given.createStore as EngineOptions['createStore']) ?? ((role) => NodeFileBackend.temporary(swapDir, role));
    const counters = zeroCounters();
    const swapSpace = new SlotStore(io('swap', swapDir, () => createStore('swap')), 'swap', pageSize);
    const preserve = new PreserveStore(
      new SlotStore(io('preserve', swapDir, () => createStore('preserve')), 'preserve', pageSize),
      pageSize,
      counters,
    );
    this.pageSize = pageSize;
    this.frames = frames;
    this.#context = {
      pageSize,
      pool: new FramePool(frames, pageSize),
      swapSpace,
      snapshots: new Snapshots(pageSize, preserve),
      preserve,
      counters,
      readahead,
      tempDir: swapDir,
      pageBuffer: new Uint8Array(pageSize),
      // The I/O staging buffer counts against the memory budget: at most 1 MiB, at least the two fragment pages.
      chunk: new Uint8Array(Math.max(Math.min(ioChunkBytes, memory), 2 * pageSize)),
      segments: new Set(),
      files: new Set(),
      closed: false,
    };
    contexts.set(this, this.#context);
  }

  /** Opens a file on disk through node:fs. */
  open(path: string, flags: OpenFlags = 'r', openOptions?: OpenOptions): DeferredFile {
    this.#open();
    string('path', path);
    if (flags !== 'r' && flags !== 'r+' && flags !== 'w+') throw new ArgumentError('flags', `must be 'r', 'r+' or 'w+', got ${String(flags)}`);
    const isolate = isolation(options('options', openOptions, ['isolate']));
    const backend = io('file', path, () => NodeFileBackend.open(path, flags));
    try {
      return this.#adopt(backend, flags === 'r', isolate);
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
      backendMethods.some((name) => typeof backend[name] !== 'function')
    ) {
      throw new ArgumentError('backend', `must implement FileBackend (name, ${backendMethods.join(', ')})`);
    }
    const given = options('options', attachOptions, ['isolate', 'readOnly']);
    const readOnly = given.readOnly === undefined ? false : boolean('options.readOnly', given.readOnly);
    return this.#adopt(backend, readOnly, isolation(given));
  }

  /** A new deferred segment of `length` bytes (up to 2^53), all zero. */
  segment(length: number): Segment {
    this.#open();
    integer('length', length, 1, segmentLengthMax);
    const segment = new Segment(this.#context, length);
    this.#context.segments.add(segment);
    return segment;
  }

  /** Counters since creation and current occupancy. */
  stats(): Stats {
    const context = this.#context;
    return {
      ...context.counters,
      residentPages: context.pool.used,
      swappedPages: context.swapSpace.used,
      liveSnapshots: context.snapshots.size,
      preservedBlocks: context.preserve.blocks,
    };
  }

  /** Closes every segment and file and releases the swap space and preserve store. Idempotent. */
  close(): void {
    const context = this.#context;
    if (context.closed) return;
    for (const segment of context.segments) segment.close();
    assert(context.snapshots.size === 0, 'snapshots outlived every segment');
    for (const file of context.files) file.close();
    context.closed = true;
    context.swapSpace.close();
    context.preserve.close();
  }

  #adopt(backend: FileBackend, readOnly: boolean, isolate: boolean): DeferredFile {
    const state = new FileState(this.#context, backend, readOnly, isolate);
    this.#context.files.add(state);
    return new DeferredFile(state);
  }

  #open(): void {
    if (this.#context.closed) throw new ClosedError('engine');
  }
}

function isolation(given: Record<string, unknown>): boolean {
  return given.isolate === undefined ? false : boolean('options.isolate', given.isolate);
}
