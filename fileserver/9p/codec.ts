/**
 * The 9P message codec: every message of 9P2000 and 9P2000.L as a layout (a
 * list of typed fields), one decoder and one encoder that read the layout.
 * The server decodes T-messages and encodes R-messages; the test client does
 * the reverse, so both directions share one table and cannot drift apart.
 *
 * Wire format (both dialects): size[4] type[1] tag[2] then the fields, little
 * endian; a string is a 2-byte length and that many bytes of UTF-8. The size
 * counts itself. A decoder never trusts a length: every read is checked
 * against the end of the message, and a message must be consumed exactly.
 */

/** The two dialects a connection can negotiate in Tversion. */
export type Dialect = '9P2000' | '9P2000.L';

export const NOTAG = 0xffff;
export const NOFID = 0xffffffff;
/** n_uname meaning "no numeric user: use uname" (9P2000.L, 9P2000.u). */
export const NONUNAME = 0xffffffff;
/** size[4] type[1] tag[2]. */
export const HEADER_SIZE = 7;
/** Most names in one Twalk (the protocol's MAXWELEM). */
export const MAXWELEM = 16;
/** Overhead of Twrite/Rread beyond their data: a client's iounit is msize - IOHDRSZ. */
export const IOHDRSZ = 24;
/** Bytes of an Rread before its data: size[4] type[1] tag[2] count[4]. */
export const RREAD_OVERHEAD = 11;

/** qid.type bits. */
export const QTDIR = 0x80;
export const QTSYMLINK = 0x02;
export const QTFILE = 0x00;

/** The server's identity of a file: type, version, and a 64-bit path unique per file. */
export interface Qid {
  readonly type: number;
  readonly version: number;
  readonly path: bigint;
}

/**
 * A 9P2000 directory entry (Rstat, Twstat, directory reads). In Twstat every
 * field may be "don't touch": all ones for numbers, empty for strings, hence
 * bigint for the 64-bit length.
 */
export interface Stat {
  readonly type: number;
  readonly dev: number;
  readonly qid: Qid;
  readonly mode: number;
  readonly atime: number;
  readonly mtime: number;
  readonly length: bigint;
  readonly name: string;
  readonly uid: string;
  readonly gid: string;
  readonly muid: string;
}

/**
 * Field kinds. 'u64' is a number and refuses values above 2^53 - 1 (offsets,
 * sizes, counts, times: nothing real comes near); 'u64n' is a bigint for the
 * fields whose whole 64-bit range means something (masks, fsid).
 * 'nuname' is the u32 n_uname of Tauth/Tattach, present only in 9P2000.L:
 * 9P2000 decodes it as NONUNAME and does not send it.
 */
type Kind = 'u8' | 'u16' | 'u32' | 'u64' | 'u64n' | 'str' | 'qid' | 'strs' | 'qids' | 'data' | 'stat' | 'nuname';

type KindValue<K extends Kind> = K extends 'u8' | 'u16' | 'u32' | 'u64' | 'nuname'
  ? number
  : K extends 'u64n'
    ? bigint
    : K extends 'str'
      ? string
      : K extends 'qid'
        ? Qid
        : K extends 'strs'
          ? string[]
          : K extends 'qids'
            ? Qid[]
            : K extends 'data'
              ? Uint8Array
              : Stat;

type Layout = {
  readonly id: number;
  readonly dialects: readonly Dialect[];
  readonly fields: Readonly<Record<string, Kind>>;
};

const both = ['9P2000', '9P2000.L'] as const;
const dotl = ['9P2000.L'] as const;
const plan9 = ['9P2000'] as const;

/**
 * Every message, in protocol order. Field order is declaration order (string
 * keys of an object literal keep it); no field is named `type` or `tag`,
 * which every message has (the lock messages' type is `lockType`).
 */
export const layouts = {
  Rlerror: { id: 7, dialects: dotl, fields: { ecode: 'u32' } },
  Tstatfs: { id: 8, dialects: dotl, fields: { fid: 'u32' } },
  Rstatfs: {
    id: 9,
    dialects: dotl,
    fields: {
      fstype: 'u32',
      bsize: 'u32',
      blocks: 'u64',
      bfree: 'u64',
      bavail: 'u64',
      files: 'u64',
      ffree: 'u64',
      fsid: 'u64n',
      namelen: 'u32',
    },
  },
  Tlopen: { id: 12, dialects: dotl, fields: { fid: 'u32', flags: 'u32' } },
  Rlopen: { id: 13, dialects: dotl, fields: { qid: 'qid', iounit: 'u32' } },
  Tlcreate: { id: 14, dialects: dotl, fields: { fid: 'u32', name: 'str', flags: 'u32', mode: 'u32', gid: 'u32' } },
  Rlcreate: { id: 15, dialects: dotl, fields: { qid: 'qid', iounit: 'u32' } },
  Tsymlink: { id: 16, dialects: dotl, fields: { fid: 'u32', name: 'str', symtgt: 'str', gid: 'u32' } },
  Rsymlink: { id: 17, dialects: dotl, fields: { qid: 'qid' } },
  Tmknod: {
    id: 18,
    dialects: dotl,
    fields: { dfid: 'u32', name: 'str', mode: 'u32', major: 'u32', minor: 'u32', gid: 'u32' },
  },
  Rmknod: { id: 19, dialects: dotl, fields: { qid: 'qid' } },
  Trename: { id: 20, dialects: dotl, fields: { fid: 'u32', dfid: 'u32', name: 'str' } },
  Rrename: { id: 21, dialects: dotl, fields: {} },
  Treadlink: { id: 22, dialects: dotl, fields: { fid: 'u32' } },
  Rreadlink: { id: 23, dialects: dotl, fields: { target: 'str' } },
  Tgetattr: { id: 24, dialects: dotl, fields: { fid: 'u32', mask: 'u64n' } },
  Rgetattr: {
    id: 25,
    dialects: dotl,
    fields: {
      valid: 'u64n',
      qid: 'qid',
      mode: 'u32',
      uid: 'u32',
      gid: 'u32',
      nlink: 'u64',
      rdev: 'u64',
      size: 'u64',
      blksize: 'u64',
      blocks: 'u64',
      atimeSec: 'u64',
      atimeNsec: 'u64',
      mtimeSec: 'u64',
      mtimeNsec: 'u64',
      ctimeSec: 'u64',
      ctimeNsec: 'u64',
      btimeSec: 'u64',
      btimeNsec: 'u64',
      gen: 'u64',
      dataVersion: 'u64',
    },
  },
  Tsetattr: {
    id: 26,
    dialects: dotl,
    fields: {
      fid: 'u32',
      valid: 'u32',
      mode: 'u32',
      uid: 'u32',
      gid: 'u32',
      size: 'u64',
      atimeSec: 'u64',
      atimeNsec: 'u64',
      mtimeSec: 'u64',
      mtimeNsec: 'u64',
    },
  },
  Rsetattr: { id: 27, dialects: dotl, fields: {} },
  Txattrwalk: { id: 30, dialects: dotl, fields: { fid: 'u32', newfid: 'u32', name: 'str' } },
  Rxattrwalk: { id: 31, dialects: dotl, fields: { size: 'u64' } },
  Txattrcreate: { id: 32, dialects: dotl, fields: { fid: 'u32', name: 'str', size: 'u64', flags: 'u32' } },
  Rxattrcreate: { id: 33, dialects: dotl, fields: {} },
  Treaddir: { id: 40, dialects: dotl, fields: { fid: 'u32', offset: 'u64', count: 'u32' } },
  Rreaddir: { id: 41, dialects: dotl, fields: { data: 'data' } },
  Tfsync: { id: 50, dialects: dotl, fields: { fid: 'u32', datasync: 'u32' } },
  Rfsync: { id: 51, dialects: dotl, fields: {} },
  Tlock: {
    id: 52,
    dialects: dotl,
    fields: { fid: 'u32', lockType: 'u8', flags: 'u32', start: 'u64', length: 'u64', procId: 'u32', clientId: 'str' },
  },
  Rlock: { id: 53, dialects: dotl, fields: { status: 'u8' } },
  Tgetlock: {
    id: 54,
    dialects: dotl,
    fields: { fid: 'u32', lockType: 'u8', start: 'u64', length: 'u64', procId: 'u32', clientId: 'str' },
  },
  Rgetlock: {
    id: 55,
    dialects: dotl,
    fields: { lockType: 'u8', start: 'u64', length: 'u64', procId: 'u32', clientId: 'str' },
  },
  Tlink: { id: 70, dialects: dotl, fields: { dfid: 'u32', fid: 'u32', name: 'str' } },
  Rlink: { id: 71, dialects: dotl, fields: {} },
  Tmkdir: { id: 72, dialects: dotl, fields: { dfid: 'u32', name: 'str', mode: 'u32', gid: 'u32' } },
  Rmkdir: { id: 73, dialects: dotl, fields: { qid: 'qid' } },
  Trenameat: { id: 74, dialects: dotl, fields: { olddirfid: 'u32', oldname: 'str', newdirfid: 'u32', newname: 'str' } },
  Rrenameat: { id: 75, dialects: dotl, fields: {} },
  Tunlinkat: { id: 76, dialects: dotl, fields: { dirfid: 'u32', name: 'str', flags: 'u32' } },
  Runlinkat: { id: 77, dialects: dotl, fields: {} },

  Tversion: { id: 100, dialects: both, fields: { msize: 'u32', version: 'str' } },
  Rversion: { id: 101, dialects: both, fields: { msize: 'u32', version: 'str' } },
  Tauth: { id: 102, dialects: both, fields: { afid: 'u32', uname: 'str', aname: 'str', nUname: 'nuname' } },
  Rauth: { id: 103, dialects: both, fields: { aqid: 'qid' } },
  Tattach: {
    id: 104,
    dialects: both,
    fields: { fid: 'u32', afid: 'u32', uname: 'str', aname: 'str', nUname: 'nuname' },
  },
  Rattach: { id: 105, dialects: both, fields: { qid: 'qid' } },
  Rerror: { id: 107, dialects: plan9, fields: { ename: 'str' } },
  Tflush: { id: 108, dialects: both, fields: { oldtag: 'u16' } },
  Rflush: { id: 109, dialects: both, fields: {} },
  Twalk: { id: 110, dialects: both, fields: { fid: 'u32', newfid: 'u32', wnames: 'strs' } },
  Rwalk: { id: 111, dialects: both, fields: { qids: 'qids' } },
  Topen: { id: 112, dialects: plan9, fields: { fid: 'u32', mode: 'u8' } },
  Ropen: { id: 113, dialects: plan9, fields: { qid: 'qid', iounit: 'u32' } },
  Tcreate: { id: 114, dialects: plan9, fields: { fid: 'u32', name: 'str', perm: 'u32', mode: 'u8' } },
  Rcreate: { id: 115, dialects: plan9, fields: { qid: 'qid', iounit: 'u32' } },
  Tread: { id: 116, dialects: both, fields: { fid: 'u32', offset: 'u64', count: 'u32' } },
  Rread: { id: 117, dialects: both, fields: { data: 'data' } },
  Twrite: { id: 118, dialects: both, fields: { fid: 'u32', offset: 'u64', data: 'data' } },
  Rwrite: { id: 119, dialects: both, fields: { count: 'u32' } },
  Tclunk: { id: 120, dialects: both, fields: { fid: 'u32' } },
  Rclunk: { id: 121, dialects: both, fields: {} },
  Tremove: { id: 122, dialects: both, fields: { fid: 'u32' } },
  Rremove: { id: 123, dialects: both, fields: {} },
  Tstat: { id: 124, dialects: plan9, fields: { fid: 'u32' } },
  Rstat: { id: 125, dialects: plan9, fields: { stat: 'stat' } },
  Twstat: { id: 126, dialects: plan9, fields: { fid: 'u32', stat: 'stat' } },
  Rwstat: { id: 127, dialects: plan9, fields: {} },
} as const satisfies Record<string, Layout>;

export type MessageType = keyof typeof layouts;

/** One message of type N: its tag and its fields. */
export type Message<N extends MessageType = MessageType> = N extends MessageType
  ? { readonly type: N; readonly tag: number } & {
      readonly [F in keyof (typeof layouts)[N]['fields']]: KindValue<(typeof layouts)[N]['fields'][F] & Kind>;
    }
  : never;

/** The fields of a message of type N, without type and tag. */
export type Fields<N extends MessageType> = Omit<Message<N>, 'type' | 'tag'>;

/** A message that cannot be decoded: refused whole, never half-applied. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly code = 'EPROTO';
}

/** For each dialect, message id -> name of the messages it may carry. */
const byId: Record<Dialect, Map<number, MessageType>> = { '9P2000': new Map(), '9P2000.L': new Map() };
for (const [name, layout] of Object.entries(layouts) as [MessageType, Layout][]) {
  for (const dialect of layout.dialects) byId[dialect].set(layout.id, name);
}

/**
 * Each layout as arrays, computed once: the field names and kinds in order,
 * and whether the last field is data (which encodeVector may send uncopied).
 * The hot path (Tread, Twrite, Tgetattr and their replies) then walks plain
 * arrays instead of an object's keys.
 */
interface Plan {
  readonly names: readonly string[];
  readonly kinds: readonly Kind[];
  readonly dataLast: boolean;
}
const plans = {} as Record<MessageType, Plan>;
for (const [name, layout] of Object.entries(layouts) as [MessageType, Layout][]) {
  const kinds = Object.values(layout.fields);
  plans[name] = { names: Object.keys(layout.fields), kinds, dataLast: kinds[kinds.length - 1] === 'data' };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const TWO_32 = 2 ** 32;

/** Reads fields from one message, refusing to step past its end. */
class Reader {
  offset: number;
  constructor(
    readonly buf: Buffer,
    offset: number,
    readonly end: number,
  ) {
    this.offset = offset;
  }
  #need(n: number, what: string): number {
    const at = this.offset;
    if (n > this.end - at)
      throw new DecodeError(`truncated ${what}: needs ${n} bytes at ${at}, message ends at ${this.end}`);
    this.offset = at + n;
    return at;
  }
  u8(): number {
    return this.buf[this.#need(1, 'u8')];
  }
  u16(): number {
    return this.buf.readUInt16LE(this.#need(2, 'u16'));
  }
  u32(): number {
    return this.buf.readUInt32LE(this.#need(4, 'u32'));
  }
  u64(): number {
    const at = this.#need(8, 'u64');
    const lo = this.buf.readUInt32LE(at);
    const hi = this.buf.readUInt32LE(at + 4);
    if (hi > 0x1fffff) throw new DecodeError(`u64 at ${at} exceeds 2^53 - 1`);
    return hi * TWO_32 + lo;
  }
  u64n(): bigint {
    return this.buf.readBigUInt64LE(this.#need(8, 'u64'));
  }
  bytes(n: number, what: string): Buffer {
    const at = this.#need(n, what);
    return this.buf.subarray(at, at + n);
  }
  str(): string {
    const n = this.u16();
    const bytes = this.bytes(n, 'string');
    try {
      return utf8.decode(bytes);
    } catch {
      throw new DecodeError(`string at ${this.offset - n} is not UTF-8`);
    }
  }
  qid(): Qid {
    const type = this.u8();
    const version = this.u32();
    const path = this.u64n();
    return { type, version, path };
  }
  /** A u16 count, then that many items (Twalk's names, Rwalk's qids). */
  counted<T>(item: () => T): T[] {
    const n = this.u16();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
  /** Items one after another up to the end (the records of a directory read, which has no count). */
  untilEnd<T>(item: () => T): T[] {
    const out: T[] = [];
    while (this.offset < this.end) out.push(item());
    return out;
  }
  /** A stat record: its own 2-byte size, then the fields, which must fill it exactly. */
  statRecord(): Stat {
    const n = this.u16();
    const end = this.offset + n;
    if (end > this.end)
      throw new DecodeError(`truncated stat: ${n} bytes at ${this.offset}, message ends at ${this.end}`);
    const r = new Reader(this.buf, this.offset, end);
    const stat: Stat = {
      type: r.u16(),
      dev: r.u32(),
      qid: r.qid(),
      mode: r.u32(),
      atime: r.u32(),
      mtime: r.u32(),
      length: r.u64n(),
      name: r.str(),
      uid: r.str(),
      gid: r.str(),
      muid: r.str(),
    };
    if (r.offset !== end) throw new DecodeError(`stat has ${end - r.offset} trailing bytes`);
    this.offset = end;
    return stat;
  }
  /** Rstat and Twstat wrap the stat record in a second length, which must agree with the record's own. */
  stat(): Stat {
    const outer = this.u16();
    const start = this.offset;
    const stat = this.statRecord();
    if (this.offset - start !== outer)
      throw new DecodeError(`stat of ${this.offset - start} bytes disagrees with its wrapper ${outer}`);
    return stat;
  }
}

/**
 * Decodes the one message in `buf[offset .. offset+size)`, where size is the
 * message's own size field. Throws DecodeError for anything malformed: a
 * length past the end, bytes left over, a string not UTF-8, a type the
 * dialect does not have. `dialect` null means "before Tversion": only
 * Tversion and Rversion are known then.
 */
export function decode(buf: Buffer, dialect: Dialect | null, offset = 0): Message {
  if (buf.length - offset < HEADER_SIZE) throw new DecodeError(`message shorter than its ${HEADER_SIZE}-byte header`);
  const size = buf.readUInt32LE(offset);
  if (size < HEADER_SIZE || size > buf.length - offset)
    throw new DecodeError(`size field ${size} outside ${HEADER_SIZE}..${buf.length - offset}`);
  const id = buf[offset + 4];
  const tag = buf.readUInt16LE(offset + 5);
  const type =
    dialect === null
      ? id === layouts.Tversion.id
        ? 'Tversion'
        : id === layouts.Rversion.id
          ? 'Rversion'
          : undefined
      : byId[dialect].get(id);
  if (type === undefined) throw new UnknownTypeError(id, tag);
  const r = new Reader(buf, offset + HEADER_SIZE, offset + size);
  const msg: Record<string, unknown> = { type, tag };
  const { names, kinds } = plans[type];
  for (let i = 0; i < names.length; i++) msg[names[i]] = readField(r, kinds[i], dialect);
  if (r.offset !== r.end) throw new DecodeError(`${type} has ${r.end - r.offset} trailing bytes`);
  return msg as Message;
}

/** A message whose type byte the dialect does not define; its tag is known, so it can be answered. */
export class UnknownTypeError extends DecodeError {
  constructor(
    readonly id: number,
    readonly tag: number,
  ) {
    super(`unknown message type ${id}`);
  }
}

function readField(r: Reader, kind: Kind, dialect: Dialect | null): unknown {
  switch (kind) {
    case 'u8':
      return r.u8();
    case 'u16':
      return r.u16();
    case 'u32':
      return r.u32();
    case 'u64':
      return r.u64();
    case 'u64n':
      return r.u64n();
    case 'str':
      return r.str();
    case 'qid':
      return r.qid();
    case 'strs':
      return r.counted(() => r.str());
    case 'qids':
      return r.counted(() => r.qid());
    case 'data':
      return r.bytes(r.u32(), 'data');
    case 'stat':
      return r.stat();
    case 'nuname':
      return dialect === '9P2000.L' ? r.u32() : NONUNAME;
  }
}

/** Writes fields into a buffer sized beforehand by sizeOf. */
class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}
  u8(v: number): void {
    this.offset = this.buf.writeUInt8(v, this.offset);
  }
  u16(v: number): void {
    this.offset = this.buf.writeUInt16LE(v, this.offset);
  }
  u32(v: number): void {
    this.offset = this.buf.writeUInt32LE(v, this.offset);
  }
  u64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`u64 field ${v} is not a non-negative safe integer`);
    this.offset = this.buf.writeUInt32LE(v % TWO_32, this.offset);
    this.offset = this.buf.writeUInt32LE(Math.floor(v / TWO_32), this.offset);
  }
  u64n(v: bigint): void {
    this.offset = this.buf.writeBigUInt64LE(v, this.offset);
  }
  str(v: string): void {
    const n = this.buf.write(v, this.offset + 2, 'utf8');
    this.u16(n);
    this.offset += n;
  }
  bytes(v: Uint8Array): void {
    this.buf.set(v, this.offset);
    this.offset += v.length;
  }
  qid(q: Qid): void {
    this.u8(q.type);
    this.u32(q.version);
    this.u64n(q.path);
  }
  /** A u16 count, then the items (see Reader.counted). */
  counted<T>(items: readonly T[], item: (v: T) => void): void {
    this.u16(items.length);
    for (const v of items) item(v);
  }
  statRecord(s: Stat): void {
    this.u16(statSize(s) - 2);
    this.u16(s.type);
    this.u32(s.dev);
    this.qid(s.qid);
    this.u32(s.mode);
    this.u32(s.atime);
    this.u32(s.mtime);
    this.u64n(s.length);
    this.str(s.name);
    this.str(s.uid);
    this.str(s.gid);
    this.str(s.muid);
  }
}

const STRING_MAX = 0xffff;

function strSize(s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (n > STRING_MAX) throw new RangeError(`string of ${n} bytes exceeds the protocol's ${STRING_MAX}`);
  return 2 + n;
}

/** Bytes of a stat record including its own 2-byte size (what a directory read carries). */
export function statSize(s: Stat): number {
  return 2 + 2 + 4 + 13 + 4 + 4 + 4 + 8 + strSize(s.name) + strSize(s.uid) + strSize(s.gid) + strSize(s.muid);
}

function fieldSize(kind: Kind, v: unknown, dialect: Dialect): number {
  switch (kind) {
    case 'u8':
      return 1;
    case 'u16':
      return 2;
    case 'u32':
      return 4;
    case 'u64':
    case 'u64n':
      return 8;
    case 'str':
      return strSize(v as string);
    case 'qid':
      return 13;
    case 'strs':
      return (v as string[]).reduce((n, s) => n + strSize(s), 2);
    case 'qids':
      return 2 + 13 * (v as Qid[]).length;
    case 'data':
      return 4 + (v as Uint8Array).length;
    case 'stat':
      return 2 + statSize(v as Stat);
    case 'nuname':
      return dialect === '9P2000.L' ? 4 : 0;
  }
}

function writeField(w: Writer, kind: Kind, v: unknown, dialect: Dialect): void {
  switch (kind) {
    case 'u8':
      return w.u8(v as number);
    case 'u16':
      return w.u16(v as number);
    case 'u32':
      return w.u32(v as number);
    case 'u64':
      return w.u64(v as number);
    case 'u64n':
      return w.u64n(v as bigint);
    case 'str':
      return w.str(v as string);
    case 'qid':
      return w.qid(v as Qid);
    case 'strs':
      return w.counted(v as string[], (s) => w.str(s));
    case 'qids':
      return w.counted(v as Qid[], (q) => w.qid(q));
    case 'data': {
      const data = v as Uint8Array;
      w.u32(data.length);
      return w.bytes(data);
    }
    case 'stat':
      w.u16(statSize(v as Stat));
      return w.statRecord(v as Stat);
    case 'nuname':
      if (dialect === '9P2000.L') w.u32(v as number);
      return;
  }
}

/**
 * Data at least this long, ending a message (Rread, Rreaddir, Twrite), is
 * not copied by encodeVector: it goes out as its own chunk after the
 * header, so a large read reply costs no copy and no second buffer.
 */
export const VECTOR_MIN = 4096;

/**
 * Encodes one message as the dialect writes it, as the chunks to write in
 * order: the message up to a long trailing data field, then that data as
 * it is (see VECTOR_MIN); otherwise one chunk. Values out of their field's
 * range throw RangeError: encoding is our side speaking, so a bad value is
 * a bug, not input. Tversion/Rversion encode the same in both dialects.
 */
export function encodeVector(msg: Message, dialect: Dialect): Uint8Array[] {
  const { names, kinds, dataLast } = plans[msg.type];
  const values = msg as unknown as Record<string, unknown>;
  const n = names.length;
  const last = dataLast ? (values[names[n - 1]] as Uint8Array) : null;
  const tail = last !== null && last.length >= VECTOR_MIN ? last : null;
  let size = HEADER_SIZE;
  for (let i = 0; i < n; i++) size += fieldSize(kinds[i], values[names[i]], dialect);
  if (size > TWO_32 - 1) throw new RangeError(`${msg.type} of ${size} bytes exceeds the 4-byte size field`);
  const headSize = size - (tail?.length ?? 0);
  const w = new Writer(Buffer.allocUnsafe(headSize));
  w.u32(size);
  w.u8(layouts[msg.type].id);
  w.u16(msg.tag);
  const written = tail === null ? n : n - 1;
  for (let i = 0; i < written; i++) writeField(w, kinds[i], values[names[i]], dialect);
  if (tail !== null) w.u32(tail.length);
  if (w.offset !== headSize) throw new Error(`encoder wrote ${w.offset} bytes of ${headSize} for ${msg.type}`);
  return tail === null ? [w.buf] : [w.buf, tail];
}

/** Encodes one message into one buffer (see encodeVector). */
export function encode(msg: Message, dialect: Dialect): Buffer {
  const chunks = encodeVector(msg, dialect);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/**
 * Writes an Rread's header into the first RREAD_OVERHEAD bytes of `frame`,
 * in front of the `count` bytes of data already there (a read straight into
 * the reply), and returns the message: the frame's first RREAD_OVERHEAD +
 * count bytes. Rread is laid out alike in both dialects.
 */
export function frameRread(frame: Buffer, tag: number, count: number): Buffer {
  const size = RREAD_OVERHEAD + count;
  if (size > frame.length) throw new RangeError(`Rread of ${count} bytes does not fit a frame of ${frame.length}`);
  const w = new Writer(frame);
  w.u32(size);
  w.u8(layouts.Rread.id);
  w.u16(tag);
  w.u32(count);
  return frame.subarray(0, size);
}

/** One stat record as a 9P2000 directory read carries it (size-prefixed, no outer wrapper). */
export function encodeStat(s: Stat): Buffer {
  const w = new Writer(Buffer.allocUnsafe(statSize(s)));
  w.statRecord(s);
  return w.buf;
}

/** Splits the data of a 9P2000 directory read into stat records. */
export function decodeStats(data: Buffer): Stat[] {
  const r = new Reader(data, 0, data.length);
  return r.untilEnd(() => r.statRecord());
}

/** A 9P2000.L directory entry as Rreaddir carries it. */
export interface Dirent {
  readonly qid: Qid;
  readonly offset: number;
  readonly type: number;
  readonly name: string;
}

/** One Rreaddir entry: qid[13] offset[8] type[1] name[s]. */
export function encodeDirent(d: Dirent): Buffer {
  const w = new Writer(Buffer.allocUnsafe(13 + 8 + 1 + strSize(d.name)));
  w.qid(d.qid);
  w.u64(d.offset);
  w.u8(d.type);
  w.str(d.name);
  return w.buf;
}

/** Splits Rreaddir data into entries. */
export function decodeDirents(data: Buffer): Dirent[] {
  const r = new Reader(data, 0, data.length);
  return r.untilEnd(() => ({ qid: r.qid(), offset: r.u64(), type: r.u8(), name: r.str() }));
}
