/**
 * deferred-io: read() that completes at once by binding a buffer to a
 * copy-on-write snapshot of the file, pages filled only when touched, and
 * write() that skips every byte the file provably holds already.
 */

export type { FileBackend, FileIdentity, Siblings } from './backend.ts';
export { DeferredFile } from './deferred-file.ts';
export { type AttachOptions, Engine, type EngineOptions, type OpenFlags, type OpenOptions } from './engine.ts';
export {
  type ArgumentCode,
  ArgumentError,
  type Closable,
  ClosedError,
  DeferredIOError,
  FileChangedError,
  IOError,
  type IORole,
  type JournalCode,
  JournalError,
  LimitError,
  ReadOnlyError,
} from './errors.ts';
export type { ChangeDetection } from './files.ts';
export { segmentLengthMax } from './limits.ts';
export { MemoryBackend, MemoryDirectory } from './memory-backend.ts';
export type { Recovery } from './recovery.ts';
export { type BytesOptions, Segment, type WriteOptions, type WriteResult } from './segment.ts';
export type { Counters, Stats } from './stats.ts';
