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

/**
 * What kind of mistake an ArgumentError reports, as Node's validators and
 * url.fileURLToPath code it.
 */
export type ArgumentCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_INVALID_URL_SCHEME'
  | 'ERR_INVALID_FILE_URL_HOST'
  | 'ERR_INVALID_FILE_URL_PATH';

/**
 * An argument is of the wrong type (ERR_INVALID_ARG_TYPE), not an integer or
 * out of range (ERR_OUT_OF_RANGE), a URL path that is not a file: URL
 * (ERR_INVALID_URL_SCHEME) or names a host or an encoded slash
 * (ERR_INVALID_FILE_URL_HOST, ERR_INVALID_FILE_URL_PATH), or otherwise
 * invalid (ERR_INVALID_ARG_VALUE).
 */
export class ArgumentError extends DeferredIOError {
  override readonly name = 'ArgumentError';
  declare readonly code: ArgumentCode;
  /** The name of the offending argument, as in the method's signature. */
  readonly argument: string;
  constructor(argument: string, message: string, code: ArgumentCode) {
    super(`${argument} ${message}`, code);
    this.argument = argument;
  }
}

/** What a ClosedError says was closed. */
export type Closable = 'engine' | 'segment' | 'file';

/** The engine, segment or file was closed before this call (ERR_INVALID_STATE). */
export class ClosedError extends DeferredIOError {
  override readonly name = 'ClosedError';
  declare readonly code: 'ERR_INVALID_STATE';
  constructor(
    readonly what: Closable,
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
  declare readonly code: 'EBADF';
  constructor(readonly file: string) {
    super(`file ${file} is open read-only`, 'EBADF');
  }
}

/**
 * The file changed behind the engine's back (its size, mtime, inode or
 * device; under the strict `changeDetection: 'ctime'` also its ctime), so the
 * snapshot bytes it still had to supply from the file are unknown. Raised
 * instead of returning wrong data (EFILECHANGED).
 */
export class FileChangedError extends DeferredIOError {
  override readonly name = 'FileChangedError';
  declare readonly code: 'EFILECHANGED';
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
  declare readonly code: 'ENOMEM';
  constructor(
    /** The name of the limit in limits.ts. */
    readonly limit: string,
    max: number,
  ) {
    super(`more than ${limit} (${max}) would be in use`, 'ENOMEM');
  }
}

/** Where an I/O error happened: 'journal' is an atomic write-back's journal or its directory. */
export type IORole = 'file' | 'swap' | 'preserve' | 'clone' | 'journal';

/**
 * An I/O operation failed; `code` is the system error code (EIO, ENOSPC,
 * ENOENT, EISDIR, ...; EIO when the failure carried none). The segment and
 * the engine's bookkeeping are left consistent.
 */
export class IOError extends DeferredIOError {
  override readonly name = 'IOError';
  // Declared, not initialised: like a Node system error, an IOError has these
  // properties only when the failed call had them (a call on a descriptor has no path).
  /** The path the failed system call was given, when it took one (`target` names the file either way). */
  declare readonly path?: string;
  /** The system call that failed: 'open', 'read', 'write', 'fstat', ... */
  declare readonly syscall?: string;
  /** The system's error number, negative as Node gives it (-2 for ENOENT on Linux). */
  declare readonly errno?: number;
  constructor(
    readonly role: IORole,
    readonly target: string,
    cause: unknown,
  ) {
    const fields = (typeof cause === 'object' && cause !== null ? cause : {}) as Record<string, unknown>;
    const code = typeof fields.code === 'string' ? fields.code : 'EIO';
    const text = cause instanceof Error ? cause.message : String(cause);
    // Node's system errors start their message with the code: it is printed once, as `code`.
    super(`${role} ${target}: ${text.startsWith(`${code}: `) ? text.slice(code.length + 2) : text}`, code, { cause });
    if (typeof fields.path === 'string') this.path = fields.path;
    if (typeof fields.syscall === 'string') this.syscall = fields.syscall;
    if (typeof fields.errno === 'number') this.errno = fields.errno;
  }
}

/** Why a JournalError was raised. */
export type JournalCode = 'EJOURNALPENDING' | 'EJOURNALCORRUPT';

/**
 * A file's journal (left by an atomic write-back that did not finish) stands
 * in the way. EJOURNALPENDING: it must be recovered first, by opening the
 * file 'r+' (a read-only open cannot, and a file whose write-back failed
 * part way refuses changes until then). EJOURNALCORRUPT: it is committed
 * but cannot be trusted (a checksum, an unknown version, another file's
 * identity, a file changed since it was written); nothing was written and
 * the journal is left where it is, for a person to judge.
 */
export class JournalError extends DeferredIOError {
  override readonly name = 'JournalError';
  declare readonly code: JournalCode;
  constructor(
    /** The file's name. */
    readonly file: string,
    /** The journal's name, beside the file. */
    readonly journal: string,
    code: JournalCode,
    /** For EJOURNALCORRUPT, what is wrong with the journal. */
    readonly reason: string | null = null,
  ) {
    super(
      code === 'EJOURNALPENDING'
        ? `file ${file} has a journal, ${journal}, of an atomic write-back that did not finish: open it 'r+' to recover`
        : `journal ${journal} of file ${file} cannot be trusted: ${reason}; nothing was written and the journal is left where it is`,
      code,
    );
  }
}

/**
 * What `new DeferredFile()` or `new Segment()` called by hand throws: only
 * the engine makes them, from state it owns (each class checks a
 * construction token private to its module). ERR_ILLEGAL_CONSTRUCTOR and
 * the message Node's own "Illegal constructor" TypeError has, followed by
 * `madeBy`, what makes one; a DeferredIOError like every error the engine
 * raises on purpose.
 */
export function illegalConstructor(madeBy: string): DeferredIOError {
  return new DeferredIOError(`Illegal constructor: ${madeBy}`, 'ERR_ILLEGAL_CONSTRUCTOR');
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
