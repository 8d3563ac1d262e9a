/**
 * Argument checks shared by every public call. Each throws an ArgumentError
 * naming the argument, before the call changes anything, coded as Node's own
 * validators code the same mistake: the wrong type is ERR_INVALID_ARG_TYPE, a
 * number that is not an integer or out of range ERR_OUT_OF_RANGE, any other
 * bad value ERR_INVALID_ARG_VALUE; a URL path url.fileURLToPath refuses, with
 * its codes (ERR_INVALID_URL_SCHEME, ERR_INVALID_FILE_URL_HOST or _PATH).
 */
import { fileURLToPath } from 'node:url';
import { type ArgumentCode, ArgumentError } from './errors.ts';

/** An integer in [min, max]. */
export function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number')
    throw new ArgumentError(name, `must be an integer, got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  if (!Number.isInteger(value))
    throw new ArgumentError(name, `must be an integer, got ${describe(value)}`, 'ERR_OUT_OF_RANGE');
  // No value fits an empty range (an address in a segment of length 0, say): saying [0, -1] alone reads as a typo.
  if (max < min)
    throw new ArgumentError(
      name,
      `has no valid value here ([${min}, ${max}] is empty), got ${value}`,
      'ERR_OUT_OF_RANGE',
    );
  if (value < min || value > max)
    throw new ArgumentError(name, `must be in [${min}, ${max}], got ${value}`, 'ERR_OUT_OF_RANGE');
  return value;
}

export function byteArray(name: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new ArgumentError(name, `must be a Uint8Array, got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  return value;
}

export function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new ArgumentError(name, `must be a boolean, got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  return value;
}

/** A boolean, or the one string `word` besides (the `sync` write option's 'data'). */
export function booleanOr<W extends string>(name: string, value: unknown, word: W): boolean | W {
  if (value === word) return word;
  if (typeof value !== 'boolean')
    throw new ArgumentError(name, `must be a boolean or '${word}', got ${describe(value)}`, 'ERR_INVALID_ARG_TYPE');
  return value;
}

/**
 * A file path as node:fs takes one: a string, a Buffer (any Uint8Array: its
 * bytes are the name, whatever their encoding) or a file: URL, made a path
 * by url.fileURLToPath with Node's codes for what it refuses. Not empty
 * (where node:fs would try the empty name and fail with ENOENT) and without
 * a NUL byte (which node:fs refuses as this does).
 */
export function pathLike(name: string, value: unknown): string | Buffer {
  const given = value instanceof URL ? fileURL(name, value) : value;
  const kind = 'a non-empty string, Buffer or file: URL';
  if (typeof given !== 'string' && !(given instanceof Uint8Array))
    throw new ArgumentError(name, `must be ${kind}, got ${describe(given)}`, 'ERR_INVALID_ARG_TYPE');
  if (given.length === 0)
    throw new ArgumentError(name, `must be ${kind}, got ${describe(given)}`, 'ERR_INVALID_ARG_VALUE');
  if (typeof given === 'string' ? given.includes('\0') : given.includes(0))
    throw new ArgumentError(name, `must not hold a null byte, got ${describe(given)}`, 'ERR_INVALID_ARG_VALUE');
  return typeof given === 'string' ? given : Buffer.from(given.buffer, given.byteOffset, given.byteLength);
}

/**
 * A path as pathLike takes it, as a string: for a path the engine passes on
 * as one (the swap directory: FileBackend.clone takes a string). A Buffer's
 * bytes must be UTF-8, so that the string names the same file.
 */
export function pathString(name: string, value: unknown): string {
  const path = pathLike(name, value);
  if (typeof path === 'string') return path;
  try {
    return utf8.decode(path);
  } catch {
    throw new ArgumentError(name, 'must be UTF-8 when a Buffer, got bytes that are not', 'ERR_INVALID_ARG_VALUE');
  }
}

// Fatal: a name that is not UTF-8 is refused, never changed; ignoreBOM: a leading BOM is part of the name.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function fileURL(name: string, url: URL): string {
  if (url.protocol !== 'file:')
    throw new ArgumentError(name, `must be a file: URL, got ${url.protocol} URL ${url.href}`, 'ERR_INVALID_URL_SCHEME');
  try {
    return fileURLToPath(url);
  } catch (error) {
    // A host other than localhost (ERR_INVALID_FILE_URL_HOST) or an encoded slash (ERR_INVALID_FILE_URL_PATH).
    const { code, message } = error as { code: ArgumentCode; message: string };
    throw new ArgumentError(name, `must be a file: URL naming a local path (${message}), got ${url.href}`, code);
  }
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
  // Stryker disable next-line ConditionalExpression
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'undefined') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}
