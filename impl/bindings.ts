/**
 * A segment's bindings (the spec's src): the source of every byte, as an
 * extent map over segment addresses. A gap is Zero; Anon is the page's own
 * (dirty) content; a snapshot binding maps address x to offset x + delta of
 * the snapshot (the offset is stored relative to the address so one extent
 * covers any length).
 *
 * Every change goes through `bind`, which keeps the snapshots' reference
 * counts in step with the bindings.
 */
import { ExtentMap } from './extents.ts';
import type { Snapshot, Snapshots } from './snapshots.ts';
import { assert } from './assert.ts';
import { fileLengthMax } from './limits.ts';

export interface Anon {
  readonly kind: 'anon';
}

export const ANON: Anon = Object.freeze({ kind: 'anon' });

export interface SnapBinding {
  readonly kind: 'snap';
  readonly snap: Snapshot;
  readonly delta: number;
}

/** What a byte is bound to; a gap (undefined) is Zero. */
export type Binding = Anon | SnapBinding;

function same(a: Binding, b: Binding): boolean {
  if (a.kind === 'anon' || b.kind === 'anon') return a.kind === b.kind;
  return a.snap === b.snap && a.delta === b.delta;
}

export class Bindings {
  readonly map = new ExtentMap<Binding>(same);
  readonly #snapshots: Snapshots;

  constructor(snapshots: Snapshots) {
    this.#snapshots = snapshots;
  }

  /** Binds [lo, hi) to `binding` (undefined: Zero). */
  bind(lo: number, hi: number, binding: Binding | undefined): void {
    assert(lo <= hi, 'binding an inverted range');
    if (lo === hi) return;
    this.map.set(lo, hi, binding, (start, end, old) => {
      if (old.kind === 'snap') this.#snapshots.reference(old.snap, start + old.delta, end + old.delta, -1);
    });
    if (binding !== undefined && binding.kind === 'snap') {
      assert(lo + binding.delta >= 0 && hi + binding.delta <= fileLengthMax, 'binding to offsets outside any file');
      this.#snapshots.reference(binding.snap, lo + binding.delta, hi + binding.delta, 1);
    }
  }

  /** The spec's Dirty, for the bytes [lo, hi) of a page: whether one of them is Anon. */
  dirty(lo: number, hi: number): boolean {
    let found = false;
    this.map.walk(lo, hi, (_start, _end, binding) => {
      if (binding?.kind === 'anon') found = true;
    });
    return found;
  }

  /** Whether every byte of [lo, hi) is Anon. */
  allAnon(lo: number, hi: number): boolean {
    const extent = this.map.at(lo);
    return extent !== null && extent.value.kind === 'anon' && extent.end >= hi;
  }
}
