import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  type Dialect,
  decode,
  decodeDirents,
  decodeStats,
  encode,
  encodeDirent,
  encodeStat,
  encodeVector,
  frameRread,
  type Message,
  NOTAG,
  RREAD_OVERHEAD,
  type Stat,
  UnknownTypeError,
  VECTOR_MIN,
} from './codec.ts';
import { message, mutate, mutation } from './testing/arbitraries.ts';

const dialects: Dialect[] = ['9P2000.L', '9P2000'];

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('codec', () => {
  // Byte strings written out from the protocol documents (intro(5), diod's protocol.md), not from the codec.
  it('lays out messages as the protocol documents say', () => {
    const tversion = hex('15000000 64 ffff 00200000 0800 395032303030 2e4c');
    expect(encode({ type: 'Tversion', tag: NOTAG, msize: 8192, version: '9P2000.L' }, '9P2000')).toEqual(tversion);
    expect(decode(tversion, null)).toEqual({ type: 'Tversion', tag: NOTAG, msize: 8192, version: '9P2000.L' });
    // Rlerror ENOENT, tag 1.
    expect(encode({ type: 'Rlerror', tag: 1, ecode: 2 }, '9P2000.L')).toEqual(hex('0b000000 07 0100 02000000'));
    // Twalk fid 1 newfid 2 of "a", "bc".
    const twalk = hex('18000000 6e 0500 01000000 02000000 0200 0100 61 0200 6263');
    expect(decode(twalk, '9P2000')).toEqual({ type: 'Twalk', tag: 5, fid: 1, newfid: 2, wnames: ['a', 'bc'] });
    // Tattach carries n_uname in 9P2000.L only.
    const attachL = hex('18000000 68 0100 01000000 ffffffff 0000 0100 2f 00000000');
    expect(decode(attachL, '9P2000.L')).toMatchObject({
      type: 'Tattach',
      fid: 1,
      afid: 0xffffffff,
      uname: '',
      aname: '/',
      nUname: 0,
    });
    expect(() => decode(attachL, '9P2000')).toThrow(DecodeError);
    // Rgetattr: valid[8] qid[13] mode uid gid [4 each] then 15 u64 = 160 bytes.
    const rgetattr = encode(
      {
        type: 'Rgetattr',
        tag: 0,
        valid: 0x17ffn,
        qid: { type: 0x80, version: 7, path: 2n },
        mode: 0o40755,
        uid: 0,
        gid: 0,
        nlink: 2,
        rdev: 0,
        size: 4096,
        blksize: 4096,
        blocks: 8,
        atimeSec: 1,
        atimeNsec: 2,
        mtimeSec: 3,
        mtimeNsec: 4,
        ctimeSec: 5,
        ctimeNsec: 6,
        btimeSec: 0,
        btimeNsec: 0,
        gen: 7,
        dataVersion: 0,
      },
      '9P2000.L',
    );
    expect(rgetattr.length).toBe(160);
    expect(rgetattr.subarray(15, 28)).toEqual(hex('80 07000000 0200000000000000'));
  });

  it('round-trips every message of both dialects', () => {
    for (const dialect of dialects) {
      fc.assert(
        fc.property(message(dialect), (msg) => {
          const bytes = encode(msg, dialect);
          expect(bytes.readUInt32LE(0)).toBe(bytes.length);
          expect(decode(bytes, dialect)).toEqual(msg);
        }),
        { numRuns: 800 },
      );
    }
  });

  it('decodes only what re-encodes to the same bytes, and refuses the rest with DecodeError', () => {
    const canonical = (bytes: Buffer, dialect: Dialect | null): void => {
      let msg: Message;
      try {
        msg = decode(bytes, dialect);
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError);
        return;
      }
      // Bytes past the size field belong to the next message.
      expect(encode(msg, dialect ?? '9P2000')).toEqual(bytes.subarray(0, bytes.readUInt32LE(0)));
    };
    for (const dialect of dialects) {
      fc.assert(
        fc.property(
          message(dialect),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          (msg, ms, fixSize) => {
            canonical(mutate(encode(msg, dialect), ms, fixSize), dialect);
          },
        ),
        { numRuns: 3000 },
      );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (raw, fixSize) => {
          const bytes = Buffer.from(raw);
          if (fixSize && bytes.length >= 4) bytes.writeUInt32LE(bytes.length, 0);
          canonical(bytes, dialect);
          canonical(bytes, null);
        }),
        { numRuns: 3000 },
      );
    }
  });

  it('sends long trailing data as its own chunk, uncopied', () => {
    const data = Buffer.alloc(VECTOR_MIN + 5, 7);
    const chunks = encodeVector({ type: 'Rread', tag: 3, data }, '9P2000.L');
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toBe(data);
    // Rread (117): size[4] type[1] tag[2] count[4], the data following as the second chunk.
    const head = Buffer.alloc(11);
    head.writeUInt32LE(11 + data.length, 0);
    head[4] = 117;
    head.writeUInt16LE(3, 5);
    head.writeUInt32LE(data.length, 7);
    expect(chunks[0]).toEqual(head);
    expect(decode(Buffer.concat(chunks), '9P2000.L')).toEqual({ type: 'Rread', tag: 3, data });
    expect(encodeVector({ type: 'Rread', tag: 3, data: data.subarray(0, VECTOR_MIN - 1) }, '9P2000.L')).toHaveLength(1);
  });

  it('frames an Rread around data read into place, as encode writes it in either dialect', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), fc.nat(NOTAG), (data, spare, tag) => {
        const frame = Buffer.alloc(RREAD_OVERHEAD + data.length + spare, 0xee);
        frame.set(data, RREAD_OVERHEAD);
        const message = frameRread(frame, tag, data.length);
        for (const dialect of ['9P2000', '9P2000.L'] as const)
          expect(message).toEqual(encode({ type: 'Rread', tag, data: Buffer.from(data) }, dialect));
        expect(message.buffer).toBe(frame.buffer);
      }),
    );
    expect(() => frameRread(Buffer.alloc(RREAD_OVERHEAD + 3), 1, 4)).toThrow(RangeError);
  });

  it('names an unknown type with its tag, so the server can answer it', () => {
    const bytes = hex('07000000 05 2a00');
    const err = (() => {
      try {
        decode(bytes, '9P2000.L');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownTypeError);
    expect(err).toMatchObject({ id: 5, tag: 42 });
    // A type of the other dialect is unknown too.
    expect(() => decode(encode({ type: 'Topen', tag: 1, fid: 1, mode: 0 }, '9P2000'), '9P2000.L')).toThrow(
      UnknownTypeError,
    );
    // Before Tversion only version messages are known.
    expect(() => decode(encode({ type: 'Tclunk', tag: 1, fid: 1 }, '9P2000'), null)).toThrow(UnknownTypeError);
  });

  it('refuses strings that are not UTF-8, u64 past 2^53 - 1, and lengths past the end', () => {
    const badName = hex('14000000 6e 0100 01000000 02000000 0100 0100 ff');
    expect(() => decode(badName, '9P2000.L')).toThrow(/UTF-8/);
    expect(() => decode(badName, '9P2000')).toThrow(DecodeError);
    const bigOffset = encode({ type: 'Tread', tag: 1, fid: 1, offset: 0, count: 1 }, '9P2000.L');
    bigOffset.writeUInt32LE(0x00200000, 15);
    expect(() => decode(bigOffset, '9P2000.L')).toThrow(/2\^53/);
    const longData = encode({ type: 'Twrite', tag: 1, fid: 1, offset: 0, data: Buffer.from('abc') }, '9P2000.L');
    longData.writeUInt32LE(4, 19);
    expect(() => decode(longData, '9P2000.L')).toThrow(/truncated data/);
  });

  it('carries directory entries of both dialects', () => {
    const stat: Stat = {
      type: 0,
      dev: 0,
      qid: { type: 0, version: 1, path: 12n },
      mode: 0o644,
      atime: 1,
      mtime: 2,
      length: 5n,
      name: 'файл',
      uid: '0',
      gid: '0',
      muid: '',
    };
    const data = Buffer.concat([encodeStat(stat), encodeStat({ ...stat, name: 'b' })]);
    expect(decodeStats(data)).toEqual([stat, { ...stat, name: 'b' }]);
    expect(() => decodeStats(data.subarray(0, data.length - 1))).toThrow(DecodeError);
    const x = encodeDirent({ qid: stat.qid, offset: 3, type: 8, name: 'x' });
    // qid[13] offset[8] type[1] name[2 + 1]
    expect(x.length).toBe(25);
    const buf = Buffer.concat([x, encodeDirent({ qid: stat.qid, offset: 4, type: 4, name: 'yy' })]);
    expect(decodeDirents(buf).map((d) => [d.name, d.offset, d.type])).toEqual([
      ['x', 3, 8],
      ['yy', 4, 4],
    ]);
  });
});
