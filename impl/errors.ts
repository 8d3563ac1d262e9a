import { AssertionError } from './assert.ts';

/**
 * Typed errors. Every error the engine raises on purpose is a DeferredIOError;
 * anything else escaping a call is a bug.
 */

/** Base class of every error the engine raises on purpose. */
export class DeferredIOError extends Error {
  override readonly name: string = 'DeferredIOError';
}

/** An argument is of the wrong type, not an integer, negative, or out of range. */
export class ArgumentError extends DeferredIOError {
  override readonly name = 'ArgumentError';
  /** The name of the offending argument, as in the method's signature. */
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`${argument} ${message}`);
    this.argument = argument;
  }
}

/** The engine, segment or file was closed before this call. */
export class ClosedError extends DeferredIOError {
  override readonly name = 'ClosedError';
  constructor(readonly what: 'engine' | 'segment' | 'file', name?: string) {
    super(`${what}${name === undefined ? '' : ` ${name}`} is closed`);
  }
}

/** A write or truncate through a file opened read-only. */
export class ReadOnlyError extends DeferredIOError {
  override readonly name = 'ReadOnlyError';
  constructor(readonly file: string) {
    super(`file ${file} is open read-only`);
  }
}

/**
 * The file changed behind the engine's back (size, mtime, ctime or inode), so
 * the snapshot bytes it still had to supply from the file are unknown. Raised
 * instead of returning wrong data.
 */
export class FileChangedError extends DeferredIOError {
  override readonly name = 'FileChangedError';
  constructor(readonly file: string) {
    super(`file ${file} changed behind the engine's back: snapshot bytes not preserved before the change are lost`);
  }
}

/**
 * An explicit limit of limits.ts would be exceeded (today: more than
 * snapshotsMax live snapshots). Raised before the call changes anything.
 */
export class LimitError extends DeferredIOError {
  override readonly name = 'LimitError';
  constructor(
    /** The name of the limit in limits.ts. */
    readonly limit: string,
    max: number,
  ) {
    super(`more than ${limit} (${max}) would be in use`);
  }
}

/** Where an I/O error happened. */
export type IORole = 'file' | 'swap' | 'preserve' | 'clone';

/**
 * An I/O operation failed (EIO, ENOSPC, ENOENT, ...). The segment and the
 * engine's bookkeeping are left consistent; `code` is the system error code.
 */
export class IOError extends DeferredIOError {
  override readonly name = 'IOError';
  readonly code: string;
  constructor(
    readonly role: IORole,
    readonly target: string,
    cause: unknown,
  ) {
    const code = errorCode(cause);
    super(`${role} ${target}: ${code}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.code = code;
  }
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'EIO';
}

/** Runs an I/O call, turning whatever it throws into an IOError naming its role. */
export function io<T>(role: IORole, target: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof DeferredIOError || error instanceof AssertionError) throw error;
    throw new IOError(role, target, error);
  }
}
