/**
 * A 9P client of our own, for tests: it speaks either dialect through the
 * same codec as the server (so it checks framing and layouts from the other
 * side), keeps many requests in flight with distinct tags, and turns
 * Rlerror/Rerror into a RemoteError carrying the errno name or the string.
 * It can also send raw bytes, for malformed-input tests.
 */
import * as net from 'node:net';
import {
  type Dialect,
  type Dirent,
  decode,
  decodeDirents,
  decodeStats,
  encode,
  type Fields,
  type Message,
  type MessageType,
  NOFID,
  NONUNAME,
  NOTAG,
  type Qid,
  type Stat,
} from './codec.ts';
import { protocolErrnos } from './errors.ts';
import { Framer } from './frames.ts';

/** An error reply: `code` is the errno's name (9P2000.L) or null, `ename` the string (9P2000) or null. */
export class RemoteError extends Error {
  override readonly name = 'RemoteError';
  constructor(
    readonly code: string | null,
    readonly errno: number | null,
    readonly ename: string | null,
  ) {
    super(code !== null ? `${code} (${errno})` : `Rerror: ${ename}`);
  }
}

const errnoNames = new Map<number, string>(Object.entries(protocolErrnos).map(([name, n]) => [n, name]));

type TType = Extract<MessageType, `T${string}`>;
type Reply<N extends TType> = N extends `T${infer X}` ? Message<Extract<`R${X}`, MessageType>> : never;

/** Largest tag the client hands out; NOTAG is Tversion's. */
const TAG_MAX = NOTAG - 1;

export interface ConnectOptions {
  readonly msize?: number;
  readonly version?: string;
}

export class Client {
  readonly #framer = new Framer();
  readonly #pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  #nextTag = 0;
  #nextFid = 1;
  #failure: Error | null = null;
  readonly #socket: net.Socket;
  dialect: Dialect | null = null;
  msize: number;
  /** Resolves when the server closes the connection (or the client does). */
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket, msize: number) {
    this.#socket = socket;
    this.msize = msize;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#fail(new Error('connection closed'));
        resolve();
      });
    });
    socket.on('error', (err) => this.#fail(err));
  }

  /** Connects and negotiates: version "9P2000.L" unless told otherwise. */
  static async connect(port: number, host = '127.0.0.1', options: ConnectOptions = {}): Promise<Client> {
    const { msize = 65536, version = '9P2000.L' } = options;
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(s));
      s.once('error', reject);
    });
    const client = new Client(socket, msize);
    const r = await client.version(msize, version);
    client.msize = r.msize;
    client.dialect = r.version === 'unknown' ? null : (r.version as Dialect);
    return client;
  }

  /** Opens a connection without negotiating, for tests of what the server does before Tversion. */
  static async raw(port: number, host = '127.0.0.1'): Promise<Client> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(s));
      s.once('error', reject);
    });
    return new Client(socket, 65536);
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #receive(chunk: Buffer): void {
    this.#framer.push(chunk);
    for (;;) {
      let frame: Buffer | null;
      let msg: Message;
      try {
        frame = this.#framer.next(this.msize);
        if (frame === null) return;
        // A copy: the framer reuses its buffer, and replies are read after this loop has gone on.
        msg = decode(Buffer.from(frame), this.dialect);
      } catch (err) {
        this.#fail(err as Error);
        this.#socket.destroy();
        return;
      }
      const p = this.#pending.get(msg.tag);
      if (p === undefined) {
        this.#fail(new Error(`reply ${msg.type} with unknown tag ${msg.tag}`));
        this.#socket.destroy();
        return;
      }
      this.#pending.delete(msg.tag);
      if (msg.type === 'Rlerror')
        p.reject(new RemoteError(errnoNames.get(msg.ecode) ?? `E${msg.ecode}`, msg.ecode, null));
      else if (msg.type === 'Rerror') p.reject(new RemoteError(null, null, msg.ename));
      else p.resolve(msg);
    }
  }

  #allocTag(): number {
    for (let i = 0; i <= TAG_MAX; i++) {
      const tag = (this.#nextTag + i) % (TAG_MAX + 1);
      if (!this.#pending.has(tag)) {
        this.#nextTag = (tag + 1) % (TAG_MAX + 1);
        return tag;
      }
    }
    throw new Error('every tag in flight');
  }

  /** Sends one request and resolves with its reply; an error reply rejects with RemoteError. */
  rpc<N extends TType>(type: N, fields: Fields<N>): Promise<Reply<N>> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const tag = type === 'Tversion' ? NOTAG : this.#allocTag();
    const bytes = encode({ type, tag, ...fields } as unknown as Message, this.dialect ?? '9P2000');
    return this.exchange(tag, bytes) as Promise<Reply<N>>;
  }

  /** Sends bytes as they are and resolves with the reply carrying `tag`. */
  exchange(tag: number, bytes: Buffer): Promise<Message> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending.set(tag, { resolve, reject });
      this.#socket.write(bytes);
    });
  }

  /** Sends bytes and expects no reply (the server should close the connection). */
  send(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  close(): Promise<void> {
    this.#socket.end();
    return this.closed;
  }

  /** A fid number not used before on this connection. */
  fid(): number {
    return this.#nextFid++;
  }

  version(msize: number, version: string): Promise<Message<'Rversion'>> {
    return this.rpc('Tversion', { msize, version });
  }

  /**
   * Attaches a new fid to what aname names; returns the fid. The user is
   * nUname (uid 0 unless told): in 9P2000, which has no n_uname, the uname
   * names it, as its decimal uid unless a uname is given.
   */
  async attach(aname = '/', uname = '', nUname = 0): Promise<number> {
    const fid = this.fid();
    await this.rpc('Tattach', {
      fid,
      afid: NOFID,
      uname: this.dialect === '9P2000.L' || uname !== '' ? uname : String(nUname),
      aname,
      nUname: this.dialect === '9P2000.L' ? nUname : NONUNAME,
    });
    return fid;
  }

  /** Walks `names` from fid to a new fid; rejects unless every name was walked. */
  async walk(fid: number, names: string[]): Promise<number> {
    const newfid = this.fid();
    const r = await this.rpc('Twalk', { fid, newfid, wnames: names });
    if (r.qids.length !== names.length) throw new RemoteError('ENOENT', protocolErrnos.ENOENT, null);
    return newfid;
  }

  /** Walks a slash-separated path in steps of at most MAXWELEM names. */
  async walkPath(fid: number, path: string): Promise<number> {
    const names = path.split('/').filter((n) => n !== '');
    let at = await this.walk(fid, []);
    for (let i = 0; i < names.length; i += 16) {
      const next = await this.walk(at, names.slice(i, i + 16));
      await this.clunk(at);
      at = next;
    }
    return at;
  }

  async clunk(fid: number): Promise<void> {
    await this.rpc('Tclunk', { fid });
  }

  getattr(fid: number): Promise<Message<'Rgetattr'>> {
    return this.rpc('Tgetattr', { fid, mask: 0x3fffn });
  }

  /** Tsetattr of what `valid` names, from `set`; every field `set` leaves out goes as zero. */
  async setattr(
    fid: number,
    valid: number,
    set: Partial<Omit<Fields<'Tsetattr'>, 'fid' | 'valid'>> = {},
  ): Promise<void> {
    await this.rpc('Tsetattr', {
      fid,
      valid,
      mode: 0,
      uid: 0,
      gid: 0,
      size: 0,
      atimeSec: 0,
      atimeNsec: 0,
      mtimeSec: 0,
      mtimeNsec: 0,
      ...set,
    });
  }

  async lopen(fid: number, flags: number): Promise<Qid> {
    return (await this.rpc('Tlopen', { fid, flags })).qid;
  }

  async lcreate(fid: number, name: string, flags: number, mode: number, gid = 0): Promise<Qid> {
    return (await this.rpc('Tlcreate', { fid, name, flags, mode, gid })).qid;
  }

  async read(fid: number, offset: number, count: number): Promise<Buffer> {
    return Buffer.from((await this.rpc('Tread', { fid, offset, count })).data);
  }

  /** Reads from offset 0 to end of file, one iounit at a time. */
  async readAll(fid: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (let offset = 0; ; ) {
      const data = await this.read(fid, offset, this.msize - 24);
      if (data.length === 0) return Buffer.concat(chunks);
      chunks.push(data);
      offset += data.length;
    }
  }

  async write(fid: number, offset: number, data: Uint8Array): Promise<number> {
    return (await this.rpc('Twrite', { fid, offset, data })).count;
  }

  /** Writes all of `data` at `offset`, one iounit at a time. */
  async writeAll(fid: number, offset: number, data: Uint8Array): Promise<void> {
    const unit = this.msize - 24;
    for (let at = 0; at < data.length; at += unit) {
      const n = await this.write(fid, offset + at, data.subarray(at, at + unit));
      if (n !== Math.min(unit, data.length - at)) throw new Error(`short write: ${n}`);
    }
  }

  /** Every entry of an open directory (9P2000.L), following offsets to the end. */
  async readdirAll(fid: number, count = this.msize - 24): Promise<Dirent[]> {
    const out: Dirent[] = [];
    for (let offset = 0; ; ) {
      const r = await this.rpc('Treaddir', { fid, offset, count });
      const entries = decodeDirents(Buffer.from(r.data));
      if (entries.length === 0) return out;
      out.push(...entries);
      offset = entries[entries.length - 1].offset;
    }
  }

  /** Every stat record of an open directory (9P2000). */
  async readStats(fid: number, count = this.msize - 24): Promise<Stat[]> {
    const out: Stat[] = [];
    for (let offset = 0; ; ) {
      const data = await this.read(fid, offset, count);
      if (data.length === 0) return out;
      out.push(...decodeStats(data));
      offset += data.length;
    }
  }
}
