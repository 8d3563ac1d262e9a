/**
 * deferred-io: read() that completes at once by binding a buffer to a
 * copy-on-write snapshot of the file, pages filled only when touched, and
 * write() that skips every byte the file provably holds already.
 */
export { Engine, type EngineOptions, type OpenFlags, type OpenOptions, type AttachOptions } from './engine.ts';
export { Segment, type WriteOptions, type WriteResult, type BytesOptions } from './segment.ts';
export { DeferredFile } from './deferred-file.ts';
export type { FileBackend, FileIdentity } from './backend.ts';
export { MemoryBackend } from './memory-backend.ts';
export type { Stats, Counters } from './stats.ts';
export {
  DeferredIOError,
  ArgumentError,
  ClosedError,
  ReadOnlyError,
  FileChangedError,
  LimitError,
  IOError,
  type IORole,
} from './errors.ts';
export { segmentLengthMax } from './limits.ts';
