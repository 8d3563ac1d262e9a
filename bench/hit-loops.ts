/**
 * The loops P6 and P12 time: n typed loads or stores at fixed addresses,
 * round and round, the i-th at `addresses[i % addresses.length]` through
 * `targets[i % targets.length]` (both lengths powers of two): one segment
 * or DataView (P6), or several from one call site (P12).
 *
 * Every loop takes what it drives as arguments and returns the sum of what
 * it loaded, the same shape for every variant. A loop that closes over its
 * target is compiled specialized to it when V8 enters the loop by
 * on-stack replacement and generically when it enters by a call, so a
 * figure depended on which ran in the samples (DataView's setUint32
 * measured 255 to 704 M/s across runs of the same P6); and a sum kept in a
 * closure variable is a heap number allocated per operation.
 *
 * The segment loops and the DataView loops are the same source twice, on
 * purpose: one function driving both would see two hidden classes at its
 * call site, and time that instead of either.
 */
import type { Segment } from '../impl/index.ts';

export type HitOp = 'getUint32' | 'getFloat64' | 'setUint32';

// Where every loop's sum goes, so that no load is dead code.
let sink = 0;

/** The sum of all the loops' loads: a benchmark looks at it once, so that none is dead code. */
export function sunk(): number {
  return sink;
}

/** `op` over `targets` (segments or DataViews) at `addresses`, as `rates` takes a loop: n operations a call. */
export function hitLoop(
  op: HitOp,
  targets: readonly Segment[] | readonly DataView[],
  addresses: Float64Array,
): (n: number) => void {
  for (const count of [targets.length, addresses.length])
    if (count === 0 || (count & (count - 1)) !== 0) throw new RangeError(`${count} is not a power of two`);
  if (targets.every((target) => target instanceof DataView)) {
    const loop = viewLoops[op];
    const views = targets as readonly DataView[];
    return (n) => {
      sink += loop(views, addresses, n);
    };
  }
  const loop = segmentLoops[op];
  const segments = targets as readonly Segment[];
  return (n) => {
    sink += loop(segments, addresses, n);
  };
}

type Loop<T> = (targets: readonly T[], addresses: Float64Array, n: number) => number;

const segmentLoops: Record<HitOp, Loop<Segment>> = {
  getUint32: (targets, addresses, n) => {
    const t = targets.length - 1;
    const a = addresses.length - 1;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += targets[i & t].getUint32(addresses[i & a], true);
    return sum;
  },
  getFloat64: (targets, addresses, n) => {
    const t = targets.length - 1;
    const a = addresses.length - 1;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += targets[i & t].getFloat64(addresses[i & a], true);
    return sum;
  },
  setUint32: (targets, addresses, n) => {
    const t = targets.length - 1;
    const a = addresses.length - 1;
    for (let i = 0; i < n; i++) targets[i & t].setUint32(addresses[i & a], i >>> 0, true);
    return 0;
  },
};

const viewLoops: Record<HitOp, Loop<DataView>> = {
  getUint32: (targets, addresses, n) => {
    const t = targets.length - 1;
    const a = addresses.length - 1;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += targets[i & t].getUint32(addresses[i & a], true);
    return sum;
  },
  getFloat64: (targets, addresses, n) => {
    const t = targets.length - 1;
    const a = addresses.length - 1;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += targets[i & t].getFloat64(addresses[i & a], true);
    return sum;
  },
  setUint32: (targets, addresses, n) => {
    const t = targets.length - 1;
    const a = addresses.length - 1;
    for (let i = 0; i < n; i++) targets[i & t].setUint32(addresses[i & a], i >>> 0, true);
    return 0;
  },
};
