/**
 * Reproducible workloads: a fixed-seed xorshift32 generator, so every run
 * touches, dirties and updates exactly the same pages and addresses.
 */

/** The seed of the original sparse-access measurement; its page choice is kept. */
export const pageSeed = 0x2545f491;

/** xorshift32: cheap and reproducible. */
export class Random {
  #x: number;

  constructor(seed: number) {
    this.#x = seed | 0 || 1;
  }

  /** A uint32. */
  next(): number {
    let x = this.#x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#x = x;
    return x >>> 0;
  }

  /** An integer in [0, n), n <= 2^53 (two draws when n > 2^32). */
  below(n: number): number {
    if (n <= 2 ** 32) return this.next() % n;
    return (this.next() * 2 ** 21 + (this.next() >>> 11)) % n;
  }
}

/**
 * `count` distinct pages of `pages`, in the (random) order they were drawn.
 * Sorted, the set is exactly the one the former bench/sparse-access.ts touched and
 * dirtied, so its figures (bytes filled, bytes written) are reproduced.
 */
export function somePages(pages: number, count: number, seed = pageSeed): number[] {
  const chosen = new Set<number>();
  const random = new Random(seed);
  while (chosen.size < count) chosen.add(random.next() % pages);
  return [...chosen];
}

/** `count` random 4-byte aligned addresses below `length` (P6's resident working set, P8's updates). */
export function someAddresses(length: number, count: number, seed: number): Float64Array {
  const random = new Random(seed);
  const addresses = new Float64Array(count);
  for (let i = 0; i < count; i++) addresses[i] = random.below(length / 4) * 4;
  return addresses;
}
