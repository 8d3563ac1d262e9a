/** Small engines for tests: in-memory stores, chosen geometry. */
import { Engine, type EngineOptions } from '../engine.ts';
import { internals, type SnapshotInternals } from '../internals.ts';
import { MemoryBackend } from '../memory-backend.ts';
import type { Segment } from '../segment.ts';

/**
 * An engine of `frames` frames of `pageSize` bytes, its stores in memory.
 * Readahead is off unless `options` turns it on, so that a test's faults
 * are the ones it makes (the default readahead has tests of its own).
 */
export function memoryEngine(pageSize: number, frames: number, options: EngineOptions = {}): Engine {
  return new Engine({
    pageSize,
    memory: pageSize * frames,
    readahead: 0,
    createStore: (role) => new MemoryBackend(role),
    ...options,
  });
}

/** View of segment bytes [addr, addr + length), through loads. */
export function bytesOf(segment: Segment, addr: number, length: number): number[] {
  const out = new Uint8Array(length);
  segment.copyOut(addr, out);
  return [...out];
}

export function memoryFile(engine: Engine, name: string, content: number[] | Uint8Array) {
  const backend = new MemoryBackend(name, Uint8Array.from(content));
  return { backend, file: engine.attach(backend) };
}

/** What segment byte `addr` is bound to, in the spec's terms: Zero, Anon, or Snap(snapshot id, offset). */
export function sourceOf(
  engine: Engine,
  segment: Segment,
  addr: number,
): { kind: 'Zero' | 'Anon' | 'Snap'; snap: number; off: number } {
  const extent = internals(engine, { contents: false })
    .segments.get(segment)!
    .bindings.find((e) => e.start <= addr && addr < e.end);
  if (extent === undefined) return { kind: 'Zero', snap: 0, off: 0 };
  return extent.kind === 'anon'
    ? { kind: 'Anon', snap: 0, off: 0 }
    : { kind: 'Snap', snap: extent.snapshot, off: addr + extent.delta };
}

/** The ids of the live snapshots, in order. */
export function snapshotIds(engine: Engine): number[] {
  return internals(engine, { contents: false }).snapshots.map((s) => s.id);
}

/** The live snapshot with id `id`. */
export function snapshotOf(engine: Engine, id: number): SnapshotInternals {
  const found = internals(engine, { contents: false }).snapshots.find((s) => s.id === id);
  if (found === undefined) throw new Error(`no live snapshot ${id}`);
  return found;
}

/** How many extents the segment's bindings are. */
export function extentsOf(engine: Engine, segment: Segment): number {
  return internals(engine, { contents: false }).segments.get(segment)!.bindings.length;
}
