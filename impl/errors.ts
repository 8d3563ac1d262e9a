import { AssertionError } from './assert.ts';

/**
 * Typed errors. Every error the engine raises on purpose is a DeferredIOError
 * and carries a Node-style `code` (the one Node's own fs functions use for the
 * same mistake, or the system error code); anything else escaping a call is
 * a bug. A message never repeats its code: `util.inspect` prints `code` once.
 */

/** Base class of every error the engine raises on purpose. */
export class DeferredIOError extends Error {
  override readonly name: string = 'DeferredIOError';
  readonly code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** What kind of mistake an ArgumentError reports, as Node's validators code it. */
export type ArgumentCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

/**
 * An argument is of the wrong type (ERR_INVALID_ARG_TYPE), not an integer or
 * out of range (ERR_OUT_OF_RANGE), or otherwise invalid (ERR_INVALID_ARG_VALUE).
 */
export class ArgumentError extends DeferredIOError {
  override readonly name = 'ArgumentError';
  /** The name of the offending argument, as in the method's signature. */
  readonly argument: string;
  constructor(argument: string, message: string, code: ArgumentCode) {
    super(`${argument} ${message}`, code);
    this.argument = argument;
  }
}

/** The engine, segment or file was closed before this call (ERR_INVALID_STATE). */
export class ClosedError extends DeferredIOError {
  override readonly name = 'ClosedError';
  constructor(
    readonly what: 'engine' | 'segment' | 'file',
    name?: string,
  ) {
    super(`${what}${name === undefined ? '' : ` ${name}`} is closed`, 'ERR_INVALID_STATE');
  }
}

/**
 * A write or truncate through a file opened read-only. EBADF: what write(2)
 * and fs.writeSync report for a descriptor not open for writing.
 */
export class ReadOnlyError extends DeferredIOError {
  override readonly name = 'ReadOnlyError';
  constructor(readonly file: string) {
    super(`file ${file} is open read-only`, 'EBADF');
  }
}

/**
 * The file changed behind the engine's back (size, mtime, ctime or inode), so
 * the snapshot bytes it still had to supply from the file are unknown. Raised
 * instead of returning wrong data (EFILECHANGED).
 */
export class FileChangedError extends DeferredIOError {
  override readonly name = 'FileChangedError';
  constructor(readonly file: string) {
    super(
      `file ${file} changed behind the engine's back: snapshot bytes not preserved before the change are lost`,
      'EFILECHANGED',
    );
  }
}

/**
 * An explicit limit of limits.ts would be exceeded (today: more than
 * snapshotsMax live snapshots). Raised before the call changes anything.
 * ENOMEM, as mmap(2) reports a mapping beyond the process's limit.
 */
export class LimitError extends DeferredIOError {
  override readonly name = 'LimitError';
  constructor(
    /** The name of the limit in limits.ts. */
    readonly limit: string,
    max: number,
  ) {
    super(`more than ${limit} (${max}) would be in use`, 'ENOMEM');
  }
}

/** Where an I/O error happened. */
export type IORole = 'file' | 'swap' | 'preserve' | 'clone';

/**
 * An I/O operation failed; `code` is the system error code (EIO, ENOSPC,
 * ENOENT, EISDIR, ...; EIO when the failure carried none). The segment and
 * the engine's bookkeeping are left consistent.
 */
export class IOError extends DeferredIOError {
  override readonly name = 'IOError';
  constructor(
    readonly role: IORole,
    readonly target: string,
    cause: unknown,
  ) {
    const code = errorCode(cause);
    const text = cause instanceof Error ? cause.message : String(cause);
    // Node's system errors start their message with the code: it is printed once, as `code`.
    super(`${role} ${target}: ${text.startsWith(`${code}: `) ? text.slice(code.length + 2) : text}`, code, { cause });
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
    throw ioError(role, target, error);
  }
}

/**
 * What to throw for `error`, caught from an I/O call of `role`: an IOError,
 * unless it is already one of the engine's own. For hot paths that catch
 * themselves rather than allocate a closure for `io`.
 */
export function ioError(role: IORole, target: string, error: unknown): unknown {
  if (error instanceof DeferredIOError || error instanceof AssertionError) return error;
  return new IOError(role, target, error);
}
