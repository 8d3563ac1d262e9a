/**
 * A history: segments, stores, writes by the engine's other writer and
 * write-backs (plain, fsynced, fdatasynced, atomic) run on an engine over a
 * RecordingDirectory, with the file's content before and after each step
 * computed apart from the engine (conventional I/O: a segment is a buffer,
 * a write-back copies it into the file). The crash properties
 * (properties.ts) judge every crash state by this history alone.
 */
import fc from 'fast-check';
import { Engine, MemoryBackend, type Segment } from '../impl/index.ts';
import {
  type DirectoryState,
  durableDirectory,
  type IgnoredSync,
  type RecordedCall,
  RecordingDirectory,
} from '../impl/testing/recording-backend.ts';

/** The sizes a history runs at. */
export interface Geometry {
  /** The engine's page size, the directory's block size. */
  readonly pageSize: number;
  /** Frames of the engine (few, so that pages are evicted to swap). */
  readonly frames: number;
  /** The file's length at the start. */
  readonly fileLength: number;
  /** Each segment's length. */
  readonly segmentLength: number;
  /** The file never grows past this. */
  readonly lengthMax: number;
}

/** What a write-back is asked for: the `sync` and `atomic` options. */
export type WriteBackMode = 'plain' | 'fsync' | 'fdatasync' | 'atomic' | 'atomic-fdatasync';

export type Step =
  | {
      readonly kind: 'read';
      readonly segment: number;
      readonly addr: number;
      readonly position: number;
      readonly length: number;
    }
  | { readonly kind: 'store'; readonly segment: number; readonly addr: number; readonly value: number }
  | {
      readonly kind: 'writeBack';
      readonly segment: number;
      readonly addr: number;
      readonly position: number;
      readonly length: number;
      readonly mode: WriteBackMode;
      readonly rebind: boolean;
    }
  | { readonly kind: 'fileWrite'; readonly position: number; readonly bytes: Uint8Array }
  | { readonly kind: 'fileSync' };

/** A step as it ran. */
export interface Ran {
  readonly step: Step;
  /** Its calls: log[start..end). */
  readonly start: number;
  readonly end: number;
  /** The file before and after it. */
  readonly before: Uint8Array;
  readonly after: Uint8Array;
  /** The file offsets it may change, [lo, hi), or null. */
  readonly range: readonly [number, number] | null;
  /** When it returned, the whole file was durable: it ended with an fsync or fdatasync of the file. */
  readonly durable: boolean;
  readonly atomic: boolean;
}

export interface History {
  readonly geometry: Geometry;
  /** The directory before the first step: the file alone, durable. */
  readonly before: DirectoryState;
  readonly log: readonly RecordedCall[];
  readonly ran: readonly Ran[];
}

/** The file's name in the directory. */
export const fileName = 'image';

const segments = 2;

/** A new engine of `geometry`, its stores in memory. */
export function engineOf(geometry: Geometry): Engine {
  return new Engine({
    pageSize: geometry.pageSize,
    memory: geometry.pageSize * geometry.frames,
    readahead: 0,
    createStore: (role) => new MemoryBackend(role),
  });
}

/** The write options of a mode. */
function writeOptions(mode: WriteBackMode, rebind: boolean): object {
  switch (mode) {
    case 'plain':
      return { rebind };
    case 'fsync':
      return { rebind, sync: true };
    case 'fdatasync':
      return { rebind, sync: 'data' };
    case 'atomic':
      return { rebind, atomic: true };
    case 'atomic-fdatasync':
      return { rebind, atomic: true, sync: 'data' };
  }
}

/**
 * Runs `steps` on a fresh engine and directory, computing the file after
 * each step by conventional I/O. `disk.ignoreSync` plants a lying disk
 * (recording-backend.ts), to show that the checks catch it.
 */
export function runHistory(
  geometry: Geometry,
  initial: Uint8Array,
  steps: readonly Step[],
  disk: { ignoreSync?: IgnoredSync } = {},
): History {
  const before = durableDirectory(geometry.pageSize, { [fileName]: initial });
  const directory = new RecordingDirectory(before, disk);
  const engine = engineOf(geometry);
  const ran: Ran[] = [];
  try {
    const file = engine.attach(directory.open(fileName)!);
    const segs: Segment[] = [];
    const buffers: Uint8Array[] = [];
    for (let i = 0; i < segments; i++) {
      segs.push(engine.segment(geometry.segmentLength));
      buffers.push(new Uint8Array(geometry.segmentLength));
    }
    let content: Uint8Array = initial.slice();
    for (const step of steps) {
      const start = directory.log.length;
      const beforeStep = content;
      let range: [number, number] | null = null;
      switch (step.kind) {
        case 'read': {
          segs[step.segment]!.read(file, step.addr, step.length, step.position);
          const count = Math.max(0, Math.min(step.length, content.length - step.position));
          buffers[step.segment]!.set(content.subarray(step.position, step.position + count), step.addr);
          break;
        }
        case 'store':
          segs[step.segment]!.setUint8(step.addr, step.value);
          buffers[step.segment]![step.addr] = step.value;
          break;
        case 'writeBack': {
          const { segment, addr, position, length } = step;
          segs[segment]!.write(file, addr, length, position, writeOptions(step.mode, step.rebind));
          const data = buffers[segment]!.subarray(addr, addr + length);
          range = changed(content, position, length);
          content = written(content, position, data);
          break;
        }
        case 'fileWrite':
          file.write(step.bytes, 0, step.bytes.length, step.position);
          range = changed(content, step.position, step.bytes.length);
          content = written(content, step.position, step.bytes);
          break;
        case 'fileSync':
          file.sync();
          break;
      }
      const seen = directory.content(fileName)!;
      if (Buffer.compare(seen, content) !== 0)
        throw new Error(`after ${describe(step)}, the file is not what conventional I/O gives`);
      if (directory.names().join() !== fileName)
        throw new Error(`after ${describe(step)}, files left: ${directory.names()}`);
      const mode = step.kind === 'writeBack' ? step.mode : null;
      ran.push({
        step,
        start,
        end: directory.log.length,
        before: beforeStep,
        after: content,
        range,
        durable: step.kind === 'fileSync' || (mode !== null && mode !== 'plain'),
        atomic: mode === 'atomic' || mode === 'atomic-fdatasync',
      });
    }
  } finally {
    engine.close();
  }
  return { geometry, before, log: directory.log, ran };
}

/** The offsets a write of `length` bytes at `position` changes: the gap it leaves past the end of `content` too. */
function changed(content: Uint8Array, position: number, length: number): [number, number] {
  return [Math.min(position, content.length), position + length];
}

/** `content` with `data` written at `position`, grown as needed (a gap reads as zeros). */
function written(content: Uint8Array, position: number, data: Uint8Array): Uint8Array {
  if (data.length === 0) return content;
  const out = new Uint8Array(Math.max(content.length, position + data.length));
  out.set(content);
  out.set(data, position);
  return out;
}

export function describe(step: Step): string {
  switch (step.kind) {
    case 'read':
      return `read(segment ${step.segment}, addr ${step.addr}, length ${step.length}, position ${step.position})`;
    case 'store':
      return `store(segment ${step.segment}, addr ${step.addr}, ${step.value})`;
    case 'writeBack':
      return `write-back ${step.mode}${step.rebind ? ' rebind' : ''}(segment ${step.segment}, addr ${step.addr}, length ${step.length}, position ${step.position})`;
    case 'fileWrite':
      return `file.write(${step.bytes.length} bytes at ${step.position})`;
    case 'fileSync':
      return 'file.sync()';
  }
}

/** Histories of up to `maxSteps` steps over `geometry`, write-backs of the modes `modes`. */
export function historyArbitrary(
  geometry: Geometry,
  modes: readonly WriteBackMode[],
  maxSteps: number,
): fc.Arbitrary<{ initial: Uint8Array; steps: Step[] }> {
  const { segmentLength, lengthMax, pageSize } = geometry;
  const segment = fc.nat(segments - 1);
  // A range of a segment and where it lands in the file, kept within both; page-aligned often, so that whole pages are skipped.
  const span = fc
    .record({
      aligned: fc.boolean(),
      addr: fc.nat(segmentLength - 1),
      position: fc.nat(lengthMax - 1),
      length: fc.integer({ min: 1, max: segmentLength }),
    })
    .map(({ aligned, addr, position, length }) => {
      const a = aligned ? addr - (addr % pageSize) : addr;
      const p = aligned ? a : position;
      const n = Math.min(length, segmentLength - a, lengthMax - p);
      return { addr: a, position: p, length: n };
    })
    .filter(({ length }) => length > 0);
  const step: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 2,
      arbitrary: fc
        .record({ kind: fc.constant('read' as const), segment })
        .chain((r) => span.map((s) => ({ ...r, ...s }))),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('store' as const),
        segment,
        addr: fc.nat(segmentLength - 1),
        value: fc.integer({ min: 1, max: 255 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({
          kind: fc.constant('writeBack' as const),
          segment,
          mode: fc.constantFrom(...modes),
          rebind: fc.boolean(),
        })
        .chain((r) => span.map((s) => ({ ...r, ...s }))),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({
          position: fc.nat(lengthMax - 1),
          length: fc.integer({ min: 1, max: pageSize * 2 }),
          value: fc.integer({ min: 1, max: 255 }),
        })
        .map(({ position, length, value }) => ({
          kind: 'fileWrite' as const,
          position,
          bytes: new Uint8Array(Math.min(length, lengthMax - position)).fill(value),
        })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'fileSync' as const }) },
  );
  return fc.record({
    initial: fc.uint8Array({ minLength: geometry.fileLength, maxLength: geometry.fileLength }),
    steps: fc.array(step, { minLength: 1, maxLength: maxSteps }),
  });
}
