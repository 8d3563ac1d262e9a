/**
 * TLA+ values, and the one canonical text form that model states and the
 * states TLC prints are both reduced to before they are compared or hashed.
 *
 * TLA+ has one kind of function: a record is a function over strings and a
 * sequence a function over 1..n. So a value here is an integer, a boolean, a
 * string, a model value, a finite set or a finite function, and the
 * canonical printer picks TLC's notation from the domain: <<...>> for 1..n
 * (the empty function included), [k |-> v] for strings, (k :> v @@ ...)
 * otherwise. Sets and function entries are sorted, so equal values print
 * equal whatever order they were built or printed in.
 */

/** A model value: an uninterpreted constant, printed bare (f1, NoFile). */
export class ModelValue {
  constructor(readonly name: string) {}
}

export interface TlaSet {
  readonly kind: 'set';
  readonly elems: readonly Tla[];
}

export interface TlaFn {
  readonly kind: 'fn';
  readonly entries: readonly (readonly [Tla, Tla])[];
}

export type Tla = number | boolean | string | ModelValue | TlaSet | TlaFn;

export function tlaSet(elems: readonly Tla[]): TlaSet {
  return { kind: 'set', elems };
}

/** A function from a list of [argument, value] pairs. */
export function tlaFn(entries: readonly (readonly [Tla, Tla])[]): TlaFn {
  return { kind: 'fn', entries };
}

/** A sequence: the function 1..n -> values. */
export function tlaSeq(values: readonly Tla[]): TlaFn {
  return tlaFn(values.map((v, i) => [i + 1, v] as const));
}

/** A record: the function from field names to values. */
export function tlaRecord(fields: Readonly<Record<string, Tla>>): TlaFn {
  return tlaFn(Object.entries(fields));
}

function isFn(v: Tla): v is TlaFn {
  return typeof v === 'object' && !(v instanceof ModelValue) && v.kind === 'fn';
}

function isSet(v: Tla): v is TlaSet {
  return typeof v === 'object' && !(v instanceof ModelValue) && v.kind === 'set';
}

/** Sort key order: integers numerically before everything else, then by canonical text. */
function compareKeys(a: readonly [Tla, string], b: readonly [Tla, string]): number {
  const an = typeof a[0] === 'number';
  const bn = typeof b[0] === 'number';
  if (an && bn) return (a[0] as number) - (b[0] as number);
  if (an !== bn) return an ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

function printString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The canonical text of a value. */
export function canonical(v: Tla): string {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`TLA+ integer expected, got ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'string') return printString(v);
  if (v instanceof ModelValue) return v.name;
  if (isSet(v)) {
    const texts = [...new Set(v.elems.map(canonical))].sort();
    return `{${texts.join(', ')}}`;
  }
  if (!isFn(v)) throw new Error('unknown TLA+ value');
  const keyed = v.entries.map(([k, x]) => [k, canonical(k), canonical(x)] as const);
  const seen = new Set<string>();
  for (const [, k] of keyed) {
    if (seen.has(k)) throw new Error(`function with duplicate argument ${k}`);
    seen.add(k);
  }
  const sorted = [...keyed].sort((a, b) => compareKeys([a[0], a[1]], [b[0], b[1]]));
  if (sorted.every(([k], i) => k === i + 1)) {
    return `<<${sorted.map(([, , x]) => x).join(', ')}>>`;
  }
  if (sorted.every(([k]) => typeof k === 'string')) {
    return `[${sorted.map(([k, , x]) => `${k as string} |-> ${x}`).join(', ')}]`;
  }
  return `(${sorted.map(([, k, x]) => `${k} :> ${x}`).join(' @@ ')})`;
}

/** The canonical text of a state: one `/\ name = value` line per variable, sorted by name. */
export function canonicalState(vars: Readonly<Record<string, Tla>>): string {
  return Object.keys(vars)
    .sort()
    .map((name) => `/\\ ${name} = ${canonical(vars[name]!)}`)
    .join('\n');
}
