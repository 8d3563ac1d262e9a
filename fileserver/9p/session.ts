/**
 * One connection's protocol state: the negotiated dialect and msize, and its
 * fids. A session turns one framed request into one reply, synchronously:
 * the request has either been applied whole or refused when handle()
 * returns, which is what lets the server sync between any two requests.
 */
import type { FileSystem } from '../fs.ts';
import {
  DecodeError,
  type Dialect,
  decode,
  encode,
  encodeVector,
  frameRread,
  HEADER_SIZE,
  IOHDRSZ,
  type Message,
  RREAD_OVERHEAD,
  UnknownTypeError,
} from './codec.ts';
import { clunkAll } from './common.ts';
import { protocolErrnos, type Refusal, refusal } from './errors.ts';
import { FidTable } from './fids.ts';
import { linux } from './linux.ts';
import { plan9 } from './plan9.ts';
import type { Handlers, Policy, SessionState, TType } from './state.ts';

/**
 * msize bounds. The largest reply that must always fit (Rwalk of MAXWELEM
 * qids, 217 bytes) fits in MSIZE_MIN; a reply that does not fit (Rreadlink
 * of a long target, Rstat of a long name) is refused with EMSGSIZE. MSIZE_MAX
 * bounds the memory one connection's frame can take.
 */
export const MSIZE_MIN = 512;
export const MSIZE_MAX = 1 << 20;

/**
 * Rread frames a session keeps for reuse once written. One serves a client
 * with one read in flight (diodload, cp); a second lets a frame be filled
 * while the last one is still going out. Each is msize bytes.
 */
const SPARE_FRAMES = 2;

const dialects: Record<Dialect, Handlers> = { '9P2000.L': linux, '9P2000': plan9 };

export class Session implements SessionState {
  /** null until a Tversion names a dialect the server speaks; nothing but Tversion is served before. */
  dialect: Dialect | null = null;
  /** Largest message either side may send; until negotiated, just enough for a Tversion. */
  msize = MSIZE_MIN;
  readonly fids: FidTable;
  /** The frame readBuffer lent for the request being handled, if any. */
  #frame: Buffer | null = null;
  /** Frames handed back by release(), for readBuffer to lend again. */
  readonly #spare: Buffer[] = [];
  #lent: Buffer | null = null;

  constructor(
    readonly fs: FileSystem,
    /** Makes the image durable now (Tfsync, a 9P2000 no-op Twstat); the server logs it. */
    readonly sync: () => void,
    readonly policy: Policy,
  ) {
    this.fids = new FidTable(fs);
  }

  /** Largest data a client can move in one Tread/Twrite. */
  get iounit(): number {
    return this.msize - IOHDRSZ;
  }

  /**
   * A frame reused rather than allocated for each read: a fresh 64 KiB
   * buffer per Tread (malloc, free, and the garbage collections its external
   * memory sets off, partly on the core the clients need) cost the server
   * about a sixth of its operations under diodload. Frames are msize bytes,
   * so that one fits every read after it.
   */
  readBuffer(count: number): Uint8Array {
    const size = RREAD_OVERHEAD + count;
    const spare = this.#spare.pop();
    this.#frame =
      spare !== undefined && spare.length >= size ? spare : Buffer.allocUnsafeSlow(Math.max(size, this.msize));
    return this.#frame.subarray(RREAD_OVERHEAD, size);
  }

  /**
   * The frame the reply handle() last returned is (an Rread read into
   * place), else null. Whoever sends that reply passes the frame to
   * release() once the socket has written it, and not before: until then
   * the bytes are the socket's.
   */
  get lent(): Buffer | null {
    return this.#lent;
  }

  /** A frame `lent` named, now written: readBuffer may lend it again. */
  release(frame: Buffer): void {
    if (this.#spare.length < SPARE_FRAMES) this.#spare.push(frame);
  }

  /**
   * Handles one request (a whole frame, size field included) and returns the
   * reply as chunks to write in order (see encodeVector), or null when the
   * connection must close: a request before a dialect is agreed, or a
   * Tversion with an msize too small to work with. Errors other than
   * refusals (a bug, an I/O failure underneath) propagate. An Rread read
   * into readBuffer's room is one chunk, its frame, which `lent` names.
   */
  handle(frame: Buffer): Uint8Array[] | null {
    this.#lent = null;
    this.#frame = null;
    const reply = this.#reply(frame);
    // A frame lent to the handler that the reply does not go out in (a refusal) is free again at once.
    if (this.#frame !== null && this.#lent === null) this.release(this.#frame);
    this.#frame = null;
    return reply;
  }

  #reply(frame: Buffer): Uint8Array[] | null {
    let msg: Message;
    try {
      msg = decode(frame, this.dialect);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      if (this.dialect === null) return null;
      const tag = frame.readUInt16LE(HEADER_SIZE - 2);
      const code = err instanceof UnknownTypeError ? 'ENOSYS' : 'EPROTO';
      return this.#refuse(tag, { errno: protocolErrnos[code], ename: err.message });
    }
    if (msg.type === 'Tversion') return this.#version(msg);
    if (this.dialect === null) return null;
    const handler = dialects[this.dialect][msg.type as TType] as ((s: SessionState, m: Message) => Message) | undefined;
    if (handler === undefined)
      return this.#refuse(msg.tag, { errno: protocolErrnos.ENOSYS, ename: `${msg.type} not served` });
    let reply: Uint8Array[];
    try {
      reply = this.#encode(handler(this, msg), this.dialect);
    } catch (err) {
      const r = refusal(err);
      if (r === null) throw err;
      return this.#refuse(msg.tag, r);
    }
    // Only replies to requests that change nothing can outgrow msize (Rreadlink, Rstat), so refusing one here undoes nothing.
    if (reply.reduce((n, chunk) => n + chunk.length, 0) > this.msize) {
      return this.#refuse(msg.tag, { errno: protocolErrnos.EMSGSIZE, ename: 'reply exceeds msize' });
    }
    return reply;
  }

  /** A reply as the chunks to send: an Rread read into readBuffer's room as its frame, anything else by the codec. */
  #encode(reply: Message, dialect: Dialect): Uint8Array[] {
    const frame = this.#frame;
    if (
      reply.type === 'Rread' &&
      frame !== null &&
      reply.data.buffer === frame.buffer &&
      reply.data.byteOffset === frame.byteOffset + RREAD_OVERHEAD
    ) {
      this.#lent = frame;
      return [frameRread(frame, reply.tag, reply.data.length)];
    }
    return encodeVector(reply, dialect);
  }

  /** The connection closed: its fids are clunked. */
  close(): void {
    clunkAll(this);
  }

  /**
   * Tversion starts the session over: every fid is clunked, then the dialect
   * is the client's if the server speaks it ("9P2000.L"; any other
   * "9P2000..." gets plain "9P2000", as version(5) allows), else "unknown"
   * and nothing else is served until a Tversion succeeds. "9P2000.u" is
   * "unknown": a client asking for it wants numeric owners, symbolic links
   * and devices, which plain 9P2000 cannot give, and Linux's client would
   * take "9P2000" and mount without them; "unknown" fails its mount
   * (EREMOTEIO) instead.
   */
  #version(m: Message<'Tversion'>): Uint8Array[] | null {
    clunkAll(this);
    if (m.msize < MSIZE_MIN) return null;
    this.msize = Math.min(m.msize, MSIZE_MAX);
    this.dialect =
      m.version === '9P2000.L'
        ? '9P2000.L'
        : /^9P2000(\..*)?$/.test(m.version) && m.version !== '9P2000.u'
          ? '9P2000'
          : null;
    return [encode({ type: 'Rversion', tag: m.tag, msize: this.msize, version: this.dialect ?? 'unknown' }, '9P2000')];
  }

  #refuse(tag: number, r: Refusal): Uint8Array[] {
    if (this.dialect === '9P2000.L') return [encode({ type: 'Rlerror', tag, ecode: r.errno }, '9P2000.L')];
    return [encode({ type: 'Rerror', tag, ename: r.ename }, '9P2000')];
  }
}
