/** Small engines for tests: in-memory stores, chosen geometry. */
import { Engine, type EngineOptions } from '../engine.ts';
import { MemoryBackend } from '../memory-backend.ts';
import type { Segment } from '../segment.ts';

export function memoryEngine(pageSize: number, frames: number, options: EngineOptions = {}): Engine {
  return new Engine({ pageSize, memory: pageSize * frames, createStore: (role) => new MemoryBackend(role), ...options });
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
