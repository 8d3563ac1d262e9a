/**
 * What a request handler sees of its connection: the file system, the fids,
 * the negotiated dialect and msize, and the way to sync. Kept apart from
 * session.ts (which holds it and dispatches to the dialects) so that the
 * dialects depend on it and the session on them, never the reverse.
 */
import type { FileSystem } from '../fs.ts';
import type { Dialect, Message, MessageType } from './codec.ts';
import type { FidTable } from './fids.ts';

/** What the server's owner decided about who attaches what (deferred-io-9p's --export, --no-perm-checks). */
export interface Policy {
  /** Directories of the image (absolute paths) an aname may attach, or a directory below one (common.ts, exported): by default ["/"]. */
  readonly exports: readonly string[];
  /** Whether requests are checked against the POSIX permissions of the attaching user (access.ts). */
  readonly permChecks: boolean;
}

export interface SessionState {
  readonly fs: FileSystem;
  readonly policy: Policy;
  readonly fids: FidTable;
  readonly dialect: Dialect | null;
  readonly msize: number;
  /** Largest data a client can move in one Tread/Twrite: msize - IOHDRSZ. */
  readonly iounit: number;
  /** Makes the image durable now (Tfsync, a 9P2000 no-op Twstat); the server logs it. */
  sync(): void;
  /**
   * Room for `count` bytes of this request's Rread data, inside the frame
   * the reply goes out in: file data is read straight into it, and a reply
   * Rread whose data is (the start of) this room is sent as that one frame,
   * its header written in front, with no copy.
   */
  readBuffer(count: number): Uint8Array;
}

export type TType = Extract<MessageType, `T${string}`>;

/** A dialect: what the server does for each T-message it serves. */
export type Handlers = { readonly [N in TType]?: (s: SessionState, m: Message<N>) => Message };
