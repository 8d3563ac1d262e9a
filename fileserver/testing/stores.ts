/**
 * The three stores, for tests that run the same checks over each. The mmap
 * store needs the bench's addon, which only `npm run bench:build` builds
 * (CI never does): without it, its tests are skipped with a notice, in CI
 * too.
 */
import { describe } from 'vitest';
import { MmapStore, mmapAddon } from '../bench/mmap-store.ts';
import { CacheStore } from '../cache-store.ts';
import { SegmentStore } from '../segment-store.ts';
import type { Store, StoreOptions } from '../store.ts';

export interface StoreKind {
  readonly name: 'segment' | 'mmap' | 'cache';
  /** Why the store cannot be used here, or null. */
  readonly unavailable: string | null;
  open(path: string, options?: StoreOptions): Store;
}

const mmap = mmapAddon();

export const storeKinds: readonly StoreKind[] = [
  // Small budgets, so that tests exercise eviction and (for the engine) swap.
  {
    name: 'segment',
    unavailable: null,
    open: (path, options) => SegmentStore.open(path, { ...options, memory: 2 ** 20 }),
  },
  { name: 'cache', unavailable: null, open: (path, options) => CacheStore.open(path, { ...options, memory: 2 ** 20 }) },
  {
    name: 'mmap',
    unavailable: mmap.reason,
    open: (path, options) => {
      if (mmap.addon === null) throw new Error(`the mmap store is unavailable: ${mmap.reason}`);
      return MmapStore.open(path, mmap.addon, options);
    },
  },
];

/** describe(title, body) for each store; one that is unavailable is skipped with a notice. */
export function describeEachStore(title: string, body: (kind: StoreKind) => void): void {
  for (const kind of storeKinds) {
    const name = `${title} (${kind.name} store)`;
    if (kind.unavailable === null) describe(name, () => body(kind));
    else {
      process.stderr.write(`NOTICE: skipping "${name}": ${kind.unavailable}\n`);
      describe.skip(`${name} (skipped: ${kind.unavailable})`, () => body(kind));
    }
  }
}
