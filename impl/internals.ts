/**
 * NOT PUBLIC API. The one documented way to look inside an engine, for
 * conformance (which projects it onto the spec's variables) and for tests.
 * `internals(engine)` returns a plain, read-only description of the engine's
 * state right now -- copies, so nothing done to it reaches the engine, and
 * built without side effects on the engine. index.ts does not export it; its
 * shape may change with the engine's.
 *
 * It reads every resident frame, swap slot and preserved block, and unless
 * told otherwise every private copy and open file, in full: meant for small
 * engines and small files.
 */

import { assert } from './assert.ts';
import { readPadded } from './backend.ts';
import type { Engine } from './engine.ts';
import { engineState } from './engine.ts';
import type { FileState } from './files.ts';
import { CLEAN, DETACHED, DIRTY } from './frames.ts';
import type { Segment } from './segment.ts';
import { NO_SLOT } from './snapshots.ts';

/** One extent of a segment's bindings; the gaps between extents are Zero. */
export interface BindingExtent {
  readonly start: number;
  readonly end: number;
  readonly kind: 'anon' | 'snap';
  /** The snapshot's id (0 for Anon). */
  readonly snapshot: number;
  /** Address x is bound to offset x + delta of the snapshot (0 for Anon). */
  readonly delta: number;
}

export interface SegmentInternals {
  readonly length: number;
  readonly pages: number;
  /** The spec's src, as extents in address order. */
  readonly bindings: readonly BindingExtent[];
  /** The spec's frame: page -> its B resident bytes, for resident pages. */
  readonly frames: ReadonlyMap<number, Uint8Array>;
  /** The spec's swap: page -> its swap slot's B bytes, for pages with one. */
  readonly swap: ReadonlyMap<number, Uint8Array>;
}

export interface SnapshotInternals {
  readonly id: number;
  /** The name of its file (a path, or the backend's name). */
  readonly file: string;
  /**
   * Its file changed behind the engine's back since it was taken: the
   * engine's own record, or a change it has not noticed yet but will at its
   * next look (so this is what the engine would conclude then).
   */
  readonly stale: boolean;
  /** Isolated, and its private copy is still its file's current copy (no change since, noticed or not). */
  readonly fresh: boolean;
  /** The private copy's content, for a snapshot of an isolated file; null otherwise, or when contents are not read. */
  readonly copy: Uint8Array | null;
  /** File offsets bound, as extents with the number of segment bytes bound to each offset. */
  readonly refs: readonly { readonly start: number; readonly end: number; readonly count: number }[];
  /** block -> its B preserved bytes (for an isolated snapshot, its copy's block: the engine stores nothing). */
  readonly preserved: ReadonlyMap<number, Uint8Array>;
}

export interface FileInternals {
  readonly name: string;
  readonly readOnly: boolean;
  readonly isolated: boolean;
  /** The file's current length. */
  readonly size: number;
  /** The file's current content; null when contents are not read. */
  readonly content: Uint8Array | null;
}

export interface InternalsOptions {
  /** Read the content of every open file and private copy. Default true; false for engines with large files. */
  readonly contents?: boolean;
}

export interface EngineInternals {
  /** B: page size and file block size. */
  readonly pageSize: number;
  /** Open segments. */
  readonly segments: ReadonlyMap<Segment, SegmentInternals>;
  /** Live snapshots, by id. */
  readonly snapshots: readonly SnapshotInternals[];
  /** Open files, in the order they were opened. */
  readonly files: readonly FileInternals[];
}

export function internals(engine: Engine, { contents = true }: InternalsOptions = {}): EngineInternals {
  const { shared, segments, files } = engineState(engine);
  const B = shared.pageSize;

  const segmentsOut = new Map<Segment, SegmentInternals>();
  for (const [segment, { bindings, pager }] of segments) {
    const extents: BindingExtent[] = [];
    bindings.map.forEach((start, end, binding) => {
      extents.push(
        binding.kind === 'anon'
          ? { start, end, kind: 'anon', snapshot: 0, delta: 0 }
          : { start, end, kind: 'snap', snapshot: binding.snap.id, delta: binding.delta },
      );
    });
    const frames = new Map<number, Uint8Array>();
    pager.forEachResident((page, frame) => {
      frames.set(page, shared.pool.bytes.slice(frame * B, (frame + 1) * B));
      // The frame's state is the engine's cache of its page's bindings: check it against them here, every step conformance takes.
      const lo = page * B;
      const hi = Math.min(lo + B, segment.length);
      const state = !bindings.dirty(lo, hi) ? CLEAN : bindings.allAnon(lo, hi) ? DETACHED : DIRTY;
      assert(shared.pool.state[frame] === state, `frame state of page ${page} disagrees with its bindings`);
    });
    const swap = new Map<number, Uint8Array>();
    pager.swap.forEach((page) => {
      const bytes = new Uint8Array(B);
      pager.swap.read(page, 0, B, bytes, 0);
      swap.set(page, bytes);
    });
    segmentsOut.set(segment, { length: segment.length, pages: segment.pages, bindings: extents, frames, swap });
  }

  // Asked once per file: the identity check is a stat.
  const unnoticed = new Map<FileState, boolean>();
  const changedUnnoticed = (file: FileState): boolean => {
    let changed = unnoticed.get(file);
    if (changed === undefined) {
      changed = file.unnoticedChange();
      unnoticed.set(file, changed);
    }
    return changed;
  };
  const snapshots = shared.snapshots.values().map((snapshot): SnapshotInternals => {
    const copy = snapshot.copy;
    const copyBytes = copy === null || !contents ? null : new Uint8Array(copy.backend.identity().size);
    if (copyBytes !== null) readPadded(copy!.backend, 'clone', copyBytes, 0, copyBytes.length, 0);
    const refs: { start: number; end: number; count: number }[] = [];
    snapshot.refs.forEach((start, end, count) => {
      refs.push({ start, end, count });
    });
    const preserved = new Map<number, Uint8Array>();
    snapshot.preserved.forEach((block, _end, slot) => {
      const bytes = new Uint8Array(B);
      if (slot === NO_SLOT) readPadded(copy!.backend, 'clone', bytes, 0, B, block * B);
      else shared.preserve.get(slot, 0, B, bytes, 0);
      preserved.set(block, bytes);
    });
    const changed = changedUnnoticed(snapshot.file);
    return {
      id: snapshot.id,
      file: snapshot.file.name,
      stale: snapshot.stale || changed,
      fresh: copy !== null && copy === snapshot.file.currentCopy() && !changed,
      copy: copyBytes,
      refs,
      preserved,
    };
  });

  const filesOut = [...files].map((file): FileInternals => {
    const size = file.peekSize();
    const content = contents ? new Uint8Array(size) : null;
    if (content !== null) file.readAt(content, 0, size, 0);
    return { name: file.name, readOnly: file.readOnly, isolated: file.isolated, size, content };
  });

  return { pageSize: B, segments: segmentsOut, snapshots, files: filesOut };
}
