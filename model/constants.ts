/**
 * The spec's CONSTANTS and the geometry derived from them (DeferredIO.tla,
 * "Geometry"). Names follow the spec: B, P, MaxLen, ...
 */
export interface Constants {
  /** The files (model values in the spec, names here). */
  readonly Files: readonly string[];
  /** The files another writer changes through the engine. */
  readonly Foreign: readonly string[];
  /** The files another process changes behind the engine's back. */
  readonly Outside: readonly string[];
  /** The files opened with isolation (private copies). */
  readonly Isolated: readonly string[];
  /** The files whose durability and crashes are modelled (what survives a kill or a power cut, the journal). */
  readonly Persistent: readonly string[];
  /** The values Next gives Write's sync argument. */
  readonly Syncs: readonly boolean[];
  /** The values Next gives Write's atomic argument. */
  readonly Atomics: readonly boolean[];
  /** The file of an unallocated snapshot id. */
  readonly NoFile: string;
  readonly B: number;
  readonly P: number;
  readonly MaxLen: number;
  readonly InitLen: number;
  readonly Vals: readonly number[];
  readonly MaxSnap: number;
  readonly MaxWrite: number;
  readonly MaxSteps: number;
}

/** lo..hi inclusive, empty when hi < lo (TLA+'s lo .. hi). */
export function range(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = lo; i <= hi; i++) out.push(i);
  return out;
}

/** Memoised per Constants object: the model asks for these sets on every step. */
function cached(make: (c: Constants) => readonly number[]) {
  const memo = new WeakMap<Constants, readonly number[]>();
  return (c: Constants): readonly number[] => {
    let set = memo.get(c);
    if (set === undefined) {
      set = Object.freeze(make(c));
      memo.set(c, set);
    }
    return set;
  };
}

export const Addrs = cached((c) => range(0, c.P * c.B - 1));
export const Pages = cached((c) => range(0, c.P - 1));
export const Blocks = cached((c) => range(0, Math.floor((c.MaxLen + c.B - 1) / c.B) - 1));
export const SnapIds = cached((c) => range(1, c.MaxSnap));
export const PageOf = (c: Constants, a: number) => Math.floor(a / c.B);
export const BlockOf = (c: Constants, o: number) => Math.floor(o / c.B);
export const PageAddrs = (c: Constants, p: number) => range(p * c.B, p * c.B + c.B - 1);

/** The spec's ASSUME: checked once, so every action may rely on it. */
export function checkConstants(c: Constants): void {
  const fail = (why: string) => {
    throw new Error(`constants violate the spec's ASSUME: ${why}`);
  };
  for (const [name, set] of [
    ['Foreign', c.Foreign],
    ['Outside', c.Outside],
    ['Isolated', c.Isolated],
    ['Persistent', c.Persistent],
  ] as const) {
    if (!set.every((f) => c.Files.includes(f))) fail(`${name} must be a subset of Files`);
  }
  if (c.Files.includes(c.NoFile)) fail('NoFile must not be one of Files');
  for (const [name, v] of [
    ['B', c.B],
    ['P', c.P],
    ['MaxSnap', c.MaxSnap],
    ['MaxWrite', c.MaxWrite],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) fail(`${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(c.MaxLen) || c.MaxLen < 0) fail(`MaxLen must be a natural number, got ${c.MaxLen}`);
  if (!Number.isInteger(c.InitLen) || c.InitLen < 0 || c.InitLen > c.MaxLen) fail('InitLen must be in 0..MaxLen');
  if (!Number.isInteger(c.MaxSteps) || c.MaxSteps < 0) fail('MaxSteps must be a natural number');
  if (!c.Vals.includes(0)) fail('Vals must contain 0');
  // No read is ever refused for want of a snapshot id (see the spec's ASSUME): a step creates at most
  // MaxNew snapshots, one per file a refresh rebinds bytes of, which only the Outside files can need.
  const MaxNew = Math.max(1, c.Outside.length);
  const needed = Math.min(c.P * c.B + MaxNew, c.MaxSteps * MaxNew);
  if (c.MaxSnap < needed)
    fail(
      `MaxSnap must be at least min(P * B + MaxNew, MaxSteps * MaxNew) = ${needed} (MaxNew = ${MaxNew}), got ${c.MaxSnap}`,
    );
}
