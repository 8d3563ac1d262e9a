/**
 * Fuzzing the server's request handling: random sequences of well-formed
 * requests (fids and names drawn from a small set so they meet files that
 * exist) and of mutated ones. Whatever arrives, the server answers each
 * request with its reply or an error carrying the request's tag, or closes
 * the connection; nothing else escapes (a throw would be a bug); no reply
 * exceeds msize; and the file system stays consistent (by its own
 * interface, and for ext2 by e2fsck).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openExt2 } from '../ext2/ext2.ts';
import { type FileSystem, S_IFDIR, S_IFREG } from '../fs.ts';
import { SegmentStore } from '../segment-store.ts';
import { e2fsprogs, fsck, mkfs } from '../testing/e2fsprogs.ts';
import { describeWithTools } from '../testing/tools.ts';
import { type Dialect, decode, encode, HEADER_SIZE, type Message, type MessageType } from './codec.ts';
import { Session } from './session.ts';
import { message, mutate, mutation, typesOf } from './testing/arbitraries.ts';
import { serve } from './testing/harness.ts';
import { MemoryFs } from './testing/memory-fs.ts';
import { checkTree } from './testing/tree-check.ts';

const names = ['a', 'b', 'sub', 'deeper', '.', '..', 'a/b', '', 'x\0y'];
const shape = { names, fids: [1, 2, 3, 4, 5, 6, 7, 8] };
const small = fc.nat({ max: 20_000 });
const dontTouch = fc.constantFrom(0xffffffff);

/**
 * Requests a client would plausibly send, with flags, modes, offsets and
 * counts from the ranges that reach the file system: random field values
 * alone are almost all refused at the first check.
 */
const plausible: Record<Dialect, { types: MessageType[]; fields: Record<string, fc.Arbitrary<unknown>> }> = {
  '9P2000.L': {
    types: [
      'Tattach',
      'Twalk',
      'Tgetattr',
      'Tsetattr',
      'Tlopen',
      'Tlcreate',
      'Tread',
      'Twrite',
      'Treaddir',
      'Tmkdir',
      'Tsymlink',
      'Tmknod',
      'Tlink',
      'Treadlink',
      'Tunlinkat',
      'Trenameat',
      'Trename',
      'Tstatfs',
      'Tfsync',
      'Tclunk',
      'Tremove',
      'Tflush',
    ],
    fields: {
      wnames: fc.array(fc.constantFrom(...names), { maxLength: 3 }),
      flags: fc.constantFrom(0, 1, 2, 0o1002, 0o2001, 0o202, 0x200),
      mode: fc.constantFrom(0o644, 0o755, 0o100600, 0o010644, 0o020600),
      major: fc.constantFrom(0, 1, 300),
      minor: fc.constantFrom(0, 3, 70000),
      offset: small,
      count: small,
      size: small,
      valid: fc.nat({ max: 0x1ff }),
      data: fc.uint8Array({ maxLength: 5000 }).map((a) => Buffer.from(a)),
      afid: fc.constant(0xffffffff),
      datasync: fc.constant(0),
    },
  },
  '9P2000': {
    types: [
      'Tattach',
      'Twalk',
      'Topen',
      'Tcreate',
      'Tread',
      'Twrite',
      'Tstat',
      'Twstat',
      'Tclunk',
      'Tremove',
      'Tflush',
    ],
    fields: {
      wnames: fc.array(fc.constantFrom(...names), { maxLength: 3 }),
      mode: fc.constantFrom(0, 1, 2, 0x10, 0x12, 0x40),
      perm: fc.constantFrom(0o644, 0o600, 0x800001ed),
      offset: small,
      count: small,
      data: fc.uint8Array({ maxLength: 5000 }).map((a) => Buffer.from(a)),
      afid: fc.constant(0xffffffff),
      stat: fc.record({
        type: fc.constant(0xffff),
        dev: dontTouch,
        qid: fc.constant({ type: 0xff, version: 0xffffffff, path: 0xffffffffffffffffn }),
        mode: fc.oneof(dontTouch, fc.constantFrom(0o600, 0o755, 0x800001ed)),
        atime: fc.oneof(dontTouch, fc.nat()),
        mtime: fc.oneof(dontTouch, fc.nat()),
        length: fc.oneof(fc.constant(0xffffffffffffffffn), fc.bigInt({ min: 0n, max: 20_000n })),
        name: fc.oneof(fc.constant(''), fc.constantFrom(...names)),
        uid: fc.constantFrom('', '0', '5'),
        gid: fc.constantFrom('', '0', '77', 'wheel'),
        muid: fc.constant(''),
      }),
    },
  },
};

/** The files the requests meet: /a, /sub/b, /sub/deeper. */
function populate(fs: FileSystem): void {
  fs.write(fs.create(fs.root, 'a', S_IFREG | 0o644, 0, 0), 0, Buffer.from('alpha'));
  const sub = fs.mkdir(fs.root, 'sub', S_IFDIR | 0o755, 0, 0);
  fs.write(fs.create(sub, 'b', S_IFREG | 0o644, 0, 0), 0, Buffer.alloc(5000, 1));
  fs.mkdir(sub, 'deeper', S_IFDIR | 0o755, 0, 0);
}

function populated(): MemoryFs {
  const fs = new MemoryFs({ blocks: 256, inodes: 64 });
  populate(fs);
  return fs;
}

/**
 * What the fuzzer runs on: a fresh populated file system per run, and the
 * check after it. On ext2 (a copy of one small mke2fs image per run),
 * e2fsck -fn judges the image after the run's requests and a sync.
 */
interface Target {
  readonly name: string;
  readonly runs: number;
  open(): { fs: FileSystem; finish(): void };
}

let scratch: string | null = null;
afterAll(() => {
  if (scratch !== null) fs.rmSync(scratch, { recursive: true, force: true });
});

const targets: { target: Target; needs: readonly string[] | null }[] = [
  { target: { name: 'memory', runs: 100, open: () => ({ fs: populated(), finish: () => {} }) }, needs: null },
  {
    needs: e2fsprogs,
    target: {
      name: 'ext2',
      runs: 40,
      open: () => {
        if (scratch === null) {
          scratch = fs.mkdtempSync(path.join(os.tmpdir(), '9p-fuzz-'));
          mkfs(path.join(scratch, 'pristine'), { blockSize: 1024, size: 2 ** 20, inodes: 64 });
        }
        const image = path.join(scratch, 'image');
        fs.copyFileSync(path.join(scratch, 'pristine'), image);
        const store = SegmentStore.open(image, { memory: 64 * 1024 });
        const ext2 = openExt2(store);
        populate(ext2);
        return {
          fs: ext2,
          finish: () => {
            ext2.sync();
            store.close();
            const check = fsck(image);
            expect(check.status, check.output).toBe(0);
          },
        };
      },
    },
  },
];

/** What a client sends: a well-formed request, or a mangled encoding of one. */
function request(dialect: Dialect): fc.Arbitrary<Buffer> {
  const likely = message(dialect, plausible[dialect].types, { ...shape, fields: plausible[dialect].fields }).map((m) =>
    encode(m, dialect),
  );
  const any = message(dialect, typesOf(dialect), shape).map((m) => encode(m, dialect));
  const mangled = fc
    .tuple(likely, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean())
    .map(([bytes, ms, fixSize]) => mutate(bytes, ms, fixSize))
    .filter((b) => b.length >= HEADER_SIZE && b.readUInt32LE(0) === b.length);
  return fc.oneof({ arbitrary: likely, weight: 8 }, { arbitrary: any, weight: 1 }, { arbitrary: mangled, weight: 1 });
}

/**
 * The opening of a session: version, attach fid 1, fid 2 walked to /sub,
 * fid 3 to /a opened for reading and writing, fid 4 to /sub/b; fids 5 to 8
 * are free for the requests to make.
 */
function opening(dialect: Dialect): Buffer[] {
  const open: Message =
    dialect === '9P2000.L' ? { type: 'Tlopen', tag: 4, fid: 3, flags: 2 } : { type: 'Topen', tag: 4, fid: 3, mode: 2 };
  return [
    encode({ type: 'Tversion', tag: 0xffff, msize: 8192, version: dialect }, dialect),
    encode({ type: 'Tattach', tag: 1, fid: 1, afid: 0xffffffff, uname: '', aname: '/', nUname: 0 }, dialect),
    encode({ type: 'Twalk', tag: 2, fid: 1, newfid: 2, wnames: ['sub'] }, dialect),
    encode({ type: 'Twalk', tag: 3, fid: 1, newfid: 3, wnames: ['a'] }, dialect),
    encode(open, dialect),
    encode({ type: 'Twalk', tag: 5, fid: 2, newfid: 4, wnames: ['b'] }, dialect),
  ];
}

function fuzzSessions(target: Target): void {
  for (const dialect of ['9P2000.L', '9P2000'] as const) {
    it(`answers every request of random ${dialect} sequences with its tag, and keeps the file system consistent`, () => {
      fc.assert(
        fc.property(fc.array(request(dialect), { minLength: 10, maxLength: 60, size: 'max' }), (requests) => {
          const { fs: fsys, finish } = target.open();
          try {
            let session = new Session(fsys, () => fsys.sync(), { exports: ['/'], permChecks: true });
            for (const frame of [...opening(dialect), ...requests]) {
              // Sizes over msize never reach a session: the server's framer closes the connection first.
              if (frame.length > session.msize) continue;
              const chunks = session.handle(frame);
              if (chunks === null) {
                session.close();
                session = new Session(fsys, () => fsys.sync(), { exports: ['/'], permChecks: true });
                for (const o of opening(dialect)) session.handle(o);
                continue;
              }
              const reply = Buffer.concat(chunks);
              expect(reply.length).toBeLessThanOrEqual(session.msize);
              const r: Message = decode(reply, session.dialect ?? '9P2000');
              expect(r.tag).toBe(frame.readUInt16LE(5));
              const asked = frame[4];
              const answered = reply[4];
              const errorType = session.dialect === '9P2000.L' ? 7 : 107;
              expect(answered === asked + 1 || answered === errorType || (asked === 100 && answered === 101)).toBe(
                true,
              );
            }
            session.close();
            expect(checkTree(fsys)).toEqual([]);
          } finally {
            finish();
          }
        }),
        { numRuns: target.runs },
      );
    }, 120_000);
  }
}

for (const { target, needs } of targets) {
  if (needs === null) describe(`server fuzzing on ${target.name}`, () => fuzzSessions(target));
  else describeWithTools('e2fsprogs', needs, `server fuzzing on ${target.name}`, () => fuzzSessions(target));
}

describe('server fuzzing over sockets', () => {
  it('keeps serving a well-behaved client while others send garbage over sockets', async () => {
    const fs = populated();
    const s = await serve(fs);
    const canary = await s.connect();
    const root = await canary.attach();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(request('9P2000.L'), { maxLength: 25 }), { minLength: 1, maxLength: 3 }),
        async (streams) => {
          await Promise.all(
            streams.map(async (frames) => {
              const c = await s.raw();
              for (const f of [...opening('9P2000.L'), ...frames]) c.send(f);
              await c.close();
            }),
          );
          const a = await canary.walk(root, ['sub']);
          expect((await canary.getattr(a)).qid.type).toBe(0x80);
          await canary.clunk(a);
        },
      ),
      { numRuns: 20 },
    );
    expect(checkTree(fs)).toEqual([]);
  }, 60_000);
});
