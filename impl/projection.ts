/**
 * The engine's state in the spec's vocabulary, for conformance: per-byte
 * sources, frames, swap slots, live snapshots with their preserved blocks,
 * and file contents. Plain data, built by walking the real structures; only
 * sensible for tiny segments. Not part of the public API.
 */
import type { Engine } from './engine.ts';
import { engineContext } from './engine.ts';
import type { Segment } from './segment.ts';
import { segmentParts } from './segment.ts';
import { NO_SLOT } from './preserve.ts';
import { readPadded } from './backend.ts';

/** One record shape for every kind, as in the spec (ZeroSrc, AnonSrc, SnapSrc): snap and off are 0 unless Snap. */
export interface Source {
  kind: 'Zero' | 'Snap' | 'Anon';
  snap: number;
  off: number;
}

export interface SnapshotProjection {
  /** The file's name (its path, or the backend's name). */
  file: string;
  /** block -> the B bytes preserved for it. */
  preserved: Map<number, Uint8Array>;
}

export interface Projection {
  /** Per segment byte. */
  src: Source[];
  /** Per page: the resident bytes, or null. */
  frame: (Uint8Array | null)[];
  /** Per page: the swap slot's bytes, or null. */
  swap: (Uint8Array | null)[];
  /** Live snapshots by id. */
  snaps: Map<number, SnapshotProjection>;
  /** Open files by name. */
  files: Map<string, Uint8Array>;
}

export function project(engine: Engine, segment: Segment): Projection {
  const context = engineContext(engine);
  const { bindings, pager } = segmentParts(segment);
  const B = context.pageSize;

  const src: Source[] = [];
  bindings.map.walk(0, segment.length, (start, end, binding) => {
    for (let a = start; a < end; a++) {
      if (binding === undefined) src.push({ kind: 'Zero', snap: 0, off: 0 });
      else if (binding.kind === 'anon') src.push({ kind: 'Anon', snap: 0, off: 0 });
      else src.push({ kind: 'Snap', snap: binding.snap.id, off: a + binding.delta });
    }
  });

  const frame: (Uint8Array | null)[] = new Array(segment.pages).fill(null);
  for (const [page, f] of pager.resident) frame[page] = context.pool.bytes.slice(f * B, (f + 1) * B);

  const swap: (Uint8Array | null)[] = new Array(segment.pages).fill(null);
  pager.swap.forEach((page) => {
    const bytes = new Uint8Array(B);
    pager.swap.read(page, 0, B, bytes, 0);
    swap[page] = bytes;
  });

  const snaps = new Map<number, SnapshotProjection>();
  for (const snapshot of context.snapshots.values()) {
    const preserved = new Map<number, Uint8Array>();
    snapshot.preserved.forEach((block, _end, slot) => {
      const bytes = new Uint8Array(B);
      if (slot === NO_SLOT) readPadded(snapshot.copy!.backend, 'clone', bytes, 0, B, block * B);
      else context.preserve.get(slot, 0, B, bytes, 0);
      preserved.set(block, bytes);
    });
    snaps.set(snapshot.id, { file: snapshot.file.name, preserved });
  }

  const files = new Map<string, Uint8Array>();
  for (const file of context.files) {
    const bytes = new Uint8Array(file.size());
    file.readAt(bytes, 0, bytes.length, 0);
    files.set(file.name, bytes);
  }

  return { src, frame, swap, snaps, files };
}
