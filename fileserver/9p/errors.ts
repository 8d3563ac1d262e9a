/**
 * Errors as the two dialects send them. 9P2000.L replies Rlerror with a Linux
 * errno; 9P2000 replies Rerror with a string, and Plan 9 programs compare
 * those strings, so each errno has the one Plan 9 spelling below.
 *
 * The file system refuses with FsError; the protocol layer refuses with
 * ProtocolError (fid misuse, malformed message, a name with '/'), which adds
 * the few errnos a file system never needs. Both mean "nothing changed".
 */
import { errnos, FsError } from '../fs.ts';

/** The file system's errnos and the protocol layer's own. */
export const protocolErrnos = { ...errnos, EACCES: 13, EMFILE: 24, ENOLCK: 37, EPROTO: 71, EMSGSIZE: 90 } as const;
export type ProtocolErrno = keyof typeof protocolErrnos;

/** A request refused by the protocol layer before it reached the file system. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrno;
  readonly errno: number;
  /** `message` is also the Rerror string, so it is written the Plan 9 way: short, lower case. */
  constructor(code: ProtocolErrno, message: string) {
    super(message);
    this.code = code;
    this.errno = protocolErrnos[code];
  }
}

/** Plan 9's wording of each errno, for Rerror (Plan 9's port/error.h where it has one). */
const plan9Strings: Record<ProtocolErrno, string> = {
  EPERM: 'permission denied',
  ENOENT: 'file does not exist',
  EIO: 'i/o error',
  E2BIG: 'value too large',
  EBADF: 'unknown fid',
  EACCES: 'access permission denied',
  EEXIST: 'file already exists',
  EXDEV: 'cross-device rename',
  ENOTDIR: 'not a directory',
  EISDIR: 'file is a directory',
  EINVAL: 'bad arg in system call',
  EFBIG: 'file too large',
  ENOSPC: 'file system full',
  EROFS: 'file system is read only',
  EMLINK: 'too many links',
  ERANGE: 'value out of range',
  ENAMETOOLONG: 'file name too long',
  ENOSYS: 'function not implemented',
  ENOTEMPTY: 'directory not empty',
  ELOOP: 'is a symbolic link',
  ENOTSUP: 'operation not supported',
  ENODATA: 'no such attribute',
  EBUSY: 'file in use',
  EMFILE: 'too many fids',
  ENOLCK: 'too many locks',
  EPROTO: 'protocol botch',
  EMSGSIZE: 'reply exceeds msize',
};

/** What an error reply carries: the errno for Rlerror, the string for Rerror. */
export interface Refusal {
  readonly errno: number;
  readonly ename: string;
}

/**
 * The refusal an error stands for, or null when the error is not a refusal
 * (a bug or an I/O failure underneath), which the caller must not answer as
 * if nothing had happened. (A malformed message is refused before this, by
 * the session, which alone sees decoding.)
 */
export function refusal(err: unknown): Refusal | null {
  if (err instanceof ProtocolError) return { errno: err.errno, ename: err.message };
  if (err instanceof FsError) return { errno: err.errno, ename: plan9Strings[err.code] };
  return null;
}
