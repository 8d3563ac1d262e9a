/**
 * Invariant assertions. A failed assertion is a bug in the engine, never a
 * user error: user errors are typed (see errors.ts) and raised before any
 * state changes. Coded ERR_ASSERTION, as node:assert's.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
  readonly code = 'ERR_ASSERTION';
}

export function assert(condition: boolean, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}
