/**
 * Where two plain values -- arrays, Maps, records, primitives: the model's
 * states, the engine's projected into the spec's variables -- first differ,
 * by path: what the conformance checks compare states by, and report.
 */
export function firstDifference(x: unknown, y: unknown, path: string): string | null {
  if (x === y) return null;
  if (x instanceof Map && y instanceof Map) {
    for (const k of new Set([...x.keys(), ...y.keys()])) {
      const d = firstDifference(x.get(k), y.get(k), `${path}.${String(k)}`);
      if (d !== null) return d;
    }
    return null;
  }
  if (Array.isArray(x) && Array.isArray(y)) {
    if (x.length !== y.length) return `${path}: length ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      const d = firstDifference(x[i], y[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (
    typeof x === 'object' &&
    typeof y === 'object' &&
    x !== null &&
    y !== null &&
    !Array.isArray(x) &&
    !Array.isArray(y)
  ) {
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const d = firstDifference((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return `${path}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
}
