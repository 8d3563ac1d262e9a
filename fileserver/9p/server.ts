/**
 * The 9P server: one FileSystem, any number of TCP connections, each with
 * its own session. Node runs one callback at a time and a session handles a
 * request synchronously from decode to reply, so requests are applied one
 * after another, whole, in the order each connection sent them; and the
 * periodic sync, a timer callback, always runs between two requests, never
 * inside one: the image it writes is the state after some prefix of the
 * requests.
 *
 * A request's bytes are reused once it is answered (see frames.ts): the
 * file system copies what it keeps (fs.ts's write(), like write(2), does
 * not hold on to its data). So is an Rread's frame, once the socket has
 * written it (Session.lent).
 *
 * A connection that breaks framing (a size field under the header or over
 * msize) or speaks before a Tversion is closed; everything else malformed is
 * answered with an error and the connection goes on. A sync that fails is
 * reported to the server's owner (`failed`), which stops it. An error that is
 * neither a refusal nor a failed sync (a bug) is not caught: the process
 * stops without syncing, so the image on disk keeps its last synced state.
 */
import * as net from 'node:net';
import { type FileSystem, FsError, type SyncReport } from '../fs.ts';
import { FrameError, Framer } from './frames.ts';
import { Session } from './session.ts';
import type { Policy } from './state.ts';

export interface ServerOptions {
  /** Seconds between syncs; 0 (the default) syncs only on close and on a client's fsync. */
  readonly syncInterval?: number;
  /** Where the server reports syncs that wrote something, the shutdown sync, and dropped connections; default: nowhere. */
  readonly log?: (line: string) => void;
  /** Where it reports what is routine: a timer's or a client's sync that found nothing to write; default: nowhere. */
  readonly debug?: (line: string) => void;
  /** Directories of the image an aname may attach (state.ts, Policy); default: the root, ["/"]. */
  readonly exports?: readonly string[];
  /** Whether requests are checked against the attaching user's permissions (default true). */
  readonly permChecks?: boolean;
}

/** What made the server sync: its timer, a client's request (Tfsync, 9P2000's no-op Twstat), or its shutdown. */
export type SyncReason = 'timer' | 'fsync' | 'shutdown';

/** Longest sync interval: a setInterval delay must fit in 32 bits of milliseconds. */
export const SYNC_INTERVAL_MAX = 2_147_483;

/** A sync of the timer or a client that failed: the changes since the last sync are not all on disk. */
export interface SyncFailure {
  readonly reason: SyncReason;
  readonly error: FsError;
}

/** HOST:PORT of a socket's peer, [HOST]:PORT for IPv6, as log lines name a client. */
function peer(socket: net.Socket): string {
  const host = socket.remoteFamily === 'IPv6' ? `[${socket.remoteAddress}]` : socket.remoteAddress;
  return `${host}:${socket.remotePort}`;
}

class Connection {
  readonly #framer = new Framer();
  readonly session: Session;
  /** Replies are waiting for the socket to drain: read no more requests until then. */
  #blocked = false;
  readonly #log: (line: string) => void;

  constructor(
    readonly socket: net.Socket,
    /** The client, as log lines name it: taken at once, since a reset socket forgets its peer. */
    readonly client: string,
    fs: FileSystem,
    sync: () => void,
    policy: Policy,
    log: (line: string) => void,
  ) {
    this.session = new Session(fs, sync, policy);
    this.#log = log;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#framer.push(chunk);
      this.#pump();
    });
    socket.on('drain', () => {
      this.#blocked = false;
      socket.resume();
      this.#pump();
    });
  }

  /** Answers every whole request buffered, in order, until the socket pushes back. */
  #pump(): void {
    this.socket.cork();
    try {
      while (!this.#blocked && !this.socket.destroyed) {
        let frame: Buffer | null;
        try {
          frame = this.#framer.next(this.session.msize);
        } catch (err) {
          if (!(err instanceof FrameError)) throw err;
          return this.#drop(err.message);
        }
        if (frame === null) return;
        const reply = this.session.handle(frame);
        if (reply === null) return this.#drop('request before a successful Tversion, or msize too small');
        let flowing = true;
        const lent = this.session.lent;
        if (lent !== null) flowing = this.socket.write(reply[0], () => this.session.release(lent));
        else for (const chunk of reply) flowing = this.socket.write(chunk);
        if (!flowing) {
          this.#blocked = true;
          this.socket.pause();
        }
      }
    } finally {
      this.socket.uncork();
    }
  }

  #drop(why: string): void {
    this.#log(`9p: closing connection from ${this.client}: ${why}`);
    this.socket.destroy();
  }
}

export class Server {
  readonly #listener: net.Server;
  readonly #connections = new Set<Connection>();
  readonly #timer: NodeJS.Timeout | null;
  #closed = false;
  readonly #log: (line: string) => void;
  readonly #debug: (line: string) => void;
  readonly #policy: Policy;
  /**
   * Resolves at the first sync of the timer or a client that fails (the
   * timer stops then): the server cannot keep its clients' changes, and its
   * owner should stop it. A client's sync that fails is also its EIO.
   */
  readonly failed: Promise<SyncFailure>;
  #fail: (failure: SyncFailure) => void = () => {};

  constructor(
    readonly fs: FileSystem,
    options: ServerOptions = {},
  ) {
    const { syncInterval = 0, log = () => {}, debug = () => {}, exports = ['/'], permChecks = true } = options;
    if (!(Number.isFinite(syncInterval) && syncInterval >= 0 && syncInterval <= SYNC_INTERVAL_MAX)) {
      throw new RangeError(`syncInterval ${syncInterval} outside 0..${SYNC_INTERVAL_MAX} seconds`);
    }
    this.#log = log;
    this.#debug = debug;
    this.#policy = { exports, permChecks };
    this.#listener = net.createServer((socket) => this.#accept(socket));
    this.failed = new Promise((resolve) => {
      this.#fail = resolve;
    });
    this.#timer = syncInterval > 0 ? setInterval(() => this.#timed(), syncInterval * 1000) : null;
    this.#timer?.unref();
  }

  /** The timer's sync: a failure is the owner's to handle (failed), not an exception out of a timer. */
  #timed(): void {
    try {
      this.sync('timer');
    } catch (error) {
      if (!(error instanceof FsError)) throw error;
    }
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#listener.once('error', reject);
      this.#listener.listen(port, host, () => {
        this.#listener.off('error', reject);
        resolve(this.#listener.address() as net.AddressInfo);
      });
    });
  }

  #accept(socket: net.Socket): void {
    const conn = new Connection(socket, peer(socket), this.fs, () => this.sync('fsync'), this.#policy, this.#log);
    this.#connections.add(conn);
    socket.on('error', (err) => this.#log(`9p: connection from ${conn.client}: ${err.message}`));
    socket.on('close', () => {
      if (!this.#connections.delete(conn)) return;
      conn.session.close();
    });
  }

  /**
   * Writes the image back durably, unless the file system is read-only (it
   * has nothing to write), and logs what the engine wrote and skipped. A
   * sync that wrote nothing is routine (an idle server's timer) and goes to
   * the debug log, but for the shutdown's, which tells that the server
   * stopped cleanly. A sync that fails throws the file system's error
   * (FsError, EIO); one of the timer or a client stops the timer and
   * resolves `failed` first.
   */
  sync(reason: SyncReason): SyncReport | null {
    if (this.fs.readOnly) return null;
    const started = performance.now();
    let report: SyncReport;
    try {
      report = this.fs.sync();
    } catch (error) {
      if (reason !== 'shutdown' && error instanceof FsError) {
        if (this.#timer !== null) clearInterval(this.#timer);
        this.#fail({ reason, error });
      }
      throw error;
    }
    const ms = (performance.now() - started).toFixed(1);
    const journal =
      report.journal === undefined
        ? ''
        : ` in ${report.journal.runs} runs, journaled first (${report.journal.bytes} bytes)`;
    const line = `sync (${reason}): ${report.written} bytes written${journal}, ${report.skipped} skipped, ${ms} ms`;
    if (report.written > 0 || reason === 'shutdown') this.#log(line);
    else this.#debug(line);
    return report;
  }

  /**
   * Stops: no new connections, every connection closed (its fids clunked),
   * then one last sync unless `sync` is false (after a failed one). Resolves
   * with that sync's report.
   */
  async close({ sync = true }: { sync?: boolean } = {}): Promise<SyncReport | null> {
    if (this.#closed) throw new Error('server already closed');
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    const closing = new Promise<void>((resolve) => this.#listener.close(() => resolve()));
    for (const conn of [...this.#connections]) {
      this.#connections.delete(conn);
      conn.session.close();
      conn.socket.destroy();
    }
    await closing;
    return sync ? this.sync('shutdown') : null;
  }
}
