/**
 * The state relation: the engine's state in the spec's vocabulary, per byte
 * and per page, built from the engine's one internal entry point
 * (impl/internals.ts) and nothing else. Only sensible for tiny segments.
 */
import type { Engine } from '../impl/engine.ts';
import { internals } from '../impl/internals.ts';
import type { Segment } from '../impl/segment.ts';

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
  /** Its file changed behind the engine's back since it was taken (noticed yet or not). */
  stale: boolean;
  /** Isolated, and its private copy is still its file's current copy. */
  fresh: boolean;
  /** The private copy's content for an isolated file; empty otherwise (the spec's <<>>). */
  copy: Uint8Array;
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
  const state = internals(engine);
  const seg = state.segments.get(segment);
  if (seg === undefined) throw new Error('project: the segment is closed or of another engine');

  const src: Source[] = [];
  let next = 0;
  const zeros = (end: number) => {
    for (; next < end; next++) src.push({ kind: 'Zero', snap: 0, off: 0 });
  };
  for (const extent of seg.bindings) {
    zeros(extent.start);
    for (; next < extent.end; next++) {
      src.push(
        extent.kind === 'anon'
          ? { kind: 'Anon', snap: 0, off: 0 }
          : { kind: 'Snap', snap: extent.snapshot, off: next + extent.delta },
      );
    }
  }
  zeros(seg.length);

  const perPage = (pages: ReadonlyMap<number, Uint8Array>) =>
    Array.from({ length: seg.pages }, (_, page) => pages.get(page) ?? null);

  const snaps = new Map<number, SnapshotProjection>();
  for (const s of state.snapshots) {
    snaps.set(s.id, {
      file: s.file,
      preserved: new Map(s.preserved),
      stale: s.stale,
      fresh: s.fresh,
      copy: s.copy ?? new Uint8Array(0),
    });
  }

  const files = new Map(state.files.map((f) => [f.name, f.content!]));

  return { src, frame: perPage(seg.frames), swap: perPage(seg.swap), snaps, files };
}
