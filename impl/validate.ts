/**
 * Argument checks shared by every public call. Each throws an ArgumentError
 * naming the argument, before the call changes anything, coded as Node's own
 * validators code the same mistake: the wrong type is ERR_INVALID_ARG_TYPE, a
 * number that is not an integer or out of range ERR_OUT_OF_RANGE, any other
 * bad value ERR_INVALID_ARG_VALUE.
 */
import { ArgumentError } from './errors.ts';

/** An integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number')
    throw new ArgumentError(name, `must be an integer, got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  if (!Number.isInteger(value))
    throw new ArgumentError(name, `must be an integer, got ${describe(value)}`, 'ERR_OUT_OF_RANGE');
  if (value < min || value > max)
    throw new ArgumentError(name, `must be in [${min}, ${max}], got ${value}`, 'ERR_OUT_OF_RANGE');
  return value;
}

export function bytes(name: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new ArgumentError(name, `must be a Uint8Array, got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new ArgumentError(name, `must be a boolean, got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  return value;
}

export function string(name: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new ArgumentError(name, `must be a non-empty string, got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  if (value.length === 0)
    throw new ArgumentError(name, `must be a non-empty string, got ${describe(value)}`, 'ERR_INVALID_ARG_VALUE');
  return value;
}

/** An options bag: undefined or a plain object whose keys are all known. */
export function options(name: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArgumentError(name, `must be an object, got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key))
      throw new ArgumentError(`${name}.${key}`, `is not a known option (${keys.join(', ')})`, 'ERR_INVALID_ARG_VALUE');
  }
  return value as Record<string, unknown>;
}

function describe(value: unknown): string {
  // Stryker disable next-line ConditionalExpression: undefined falls through to the last line, whose typeof is 'undefined', as String(undefined) is
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}
