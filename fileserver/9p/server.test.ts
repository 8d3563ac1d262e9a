/**
 * The server as a whole: version negotiation, framing and malformed input,
 * several connections at once, ordering, back-pressure, and when it syncs.
 */
import * as net from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { FsError, S_IFREG } from '../fs.ts';
import { Client, RemoteError } from './client.ts';
import { encode, type Message, NOTAG } from './codec.ts';
import { MSIZE_MAX, MSIZE_MIN } from './session.ts';
import { serve } from './testing/harness.ts';
import { MemoryFs } from './testing/memory-fs.ts';

const O_RDWR = 2;

/** A file system holding /f with `content`. */
function withFile(content: Uint8Array): MemoryFs {
  const fs = new MemoryFs({ blocks: 8192 });
  fs.write(fs.create(fs.root, 'f', S_IFREG | 0o644, 0, 0), 0, content);
  return fs;
}

describe('9P server', () => {
  it('negotiates version and msize', async () => {
    const s = await serve(new MemoryFs());
    const c = await s.raw();
    expect(await c.version(8192, '9P2000.L')).toMatchObject({
      type: 'Rversion',
      tag: NOTAG,
      msize: 8192,
      version: '9P2000.L',
    });
    expect(await c.version(MSIZE_MAX * 4, '9P2000.x')).toMatchObject({ msize: MSIZE_MAX, version: '9P2000' });
    // 9P2000.u is not served: "unknown" fails the mount rather than give it plain 9P2000 (session.ts).
    expect(await c.version(8192, '9P2000.u')).toMatchObject({ version: 'unknown' });
    expect(await c.version(8192, '9P2000')).toMatchObject({ version: '9P2000' });
    expect(await c.version(8192, 'XP3000')).toMatchObject({ version: 'unknown' });
    // Nothing but Tversion is served without a dialect: the connection closes.
    c.send(encode({ type: 'Tattach', tag: 1, fid: 1, afid: 0xffffffff, uname: '', aname: '/', nUname: 0 }, '9P2000'));
    await c.closed;
    const tiny = await s.raw();
    tiny.send(encode({ type: 'Tversion', tag: NOTAG, msize: MSIZE_MIN - 1, version: '9P2000.L' }, '9P2000'));
    await tiny.closed;
  });

  it('clunks every fid on a new Tversion', async () => {
    const s = await serve(new MemoryFs());
    const c = await s.connect();
    const root = await c.attach();
    await c.version(65536, '9P2000.L');
    await expect(c.getattr(root)).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('answers a malformed message with an error and goes on; closes a connection whose framing breaks, and only that one', async () => {
    const s = await serve(withFile(Buffer.from('content')));
    const good = await s.connect();
    const root = await good.attach();
    const c = await s.connect();
    // A Twalk whose name runs past the end of the message: EPROTO, same tag.
    const walk = encode({ type: 'Twalk', tag: 7, fid: root, newfid: 50, wnames: ['abc'] }, '9P2000.L');
    const truncated = walk.subarray(0, walk.length - 2);
    truncated.writeUInt32LE(truncated.length, 0);
    await expect(c.exchange(7, truncated)).rejects.toMatchObject({ code: 'EPROTO' });
    // An unknown type: ENOSYS. An R-message sent to the server: ENOSYS.
    await expect(c.exchange(8, Buffer.from('07000000c80800', 'hex'))).rejects.toMatchObject({ code: 'ENOSYS' });
    await expect(c.exchange(9, encode({ type: 'Rclunk', tag: 9 }, '9P2000.L'))).rejects.toMatchObject({
      code: 'ENOSYS',
    });
    expect(await c.attach()).toBeGreaterThan(0);
    // A size over msize closes the connection at once, before the bytes arrive.
    const huge = Buffer.alloc(11);
    huge.writeUInt32LE(0xfffffff0, 0);
    c.send(huge);
    await c.closed;
    const tooShort = await s.connect();
    tooShort.send(Buffer.from('0300000000', 'hex'));
    await tooShort.closed;
    // The other connection never noticed.
    const f = await good.walk(root, ['f']);
    await good.lopen(f, 0);
    expect((await good.readAll(f)).toString()).toBe('content');
    expect(s.log.filter((l) => l.includes('closing connection'))).toHaveLength(2);
  });

  it("serves many connections at once, each request applied whole, in each connection's order", async () => {
    const s = await serve(new MemoryFs({ blocks: 8192 }));
    const clients = await Promise.all(Array.from({ length: 8 }, () => s.connect()));
    await Promise.all(
      clients.map(async (c, i) => {
        const root = await c.attach();
        const fid = await c.walk(root, []);
        await c.lcreate(fid, `file-${i}`, O_RDWR, 0o644);
        // Pipelined: every write sent before any reply is read; they land in order.
        const writes = Array.from({ length: 50 }, (_, k) => c.write(fid, 0, Buffer.from(`${i}:${k}`.padEnd(8, '.'))));
        await Promise.all(writes);
        expect((await c.readAll(fid)).toString()).toBe(`${i}:49`.padEnd(8, '.'));
      }),
    );
    const c = clients[0];
    const d = await c.walk(await c.attach(), []);
    await c.lopen(d, 0);
    expect((await c.readdirAll(d)).length).toBe(2 + clients.length);
  });

  it('stops reading a connection whose replies pile up, and answers everything once it reads', async () => {
    const content = Buffer.alloc(1 << 20, 0x5a);
    const s = await serve(withFile(content));
    const c = await s.connect({ msize: MSIZE_MAX });
    const root = await c.attach();
    const f = await c.walk(root, ['f']);
    await c.lopen(f, 0);
    // 64 reads of 1 MiB in flight: far more than socket buffers hold.
    const replies = await Promise.all(Array.from({ length: 64 }, () => c.read(f, 0, MSIZE_MAX)));
    for (const r of replies) expect(r.length).toBe(MSIZE_MAX - 11);
  });

  it('sends every read its own bytes when one chunk brings many reads', async () => {
    // The replies to one chunk's requests go out together, once the last is handled (while they stay under the
    // socket's high-water mark: small reads); each Rread's frame is reused for a later read (Session.lent), and
    // must not be before the socket has written it.
    const count = 1000;
    const reads = 8;
    const content = Buffer.alloc(reads * count);
    for (let i = 0; i < reads; i++) content.fill(i + 1, i * count, (i + 1) * count);
    const s = await serve(withFile(content));
    const c = await s.connect({ msize: 65536 });
    const f = await c.walk(await c.attach(), ['f']);
    await c.lopen(f, 0);
    const tag = (i: number): number => 1000 + i;
    const batch = Array.from({ length: reads }, (_, i) =>
      encode({ type: 'Tread', tag: tag(i), fid: f, offset: i * count, count }, '9P2000.L'),
    );
    // Every tag awaits its reply; the requests themselves go in one write.
    const replies = await Promise.all(
      batch.map((_, i) => c.exchange(tag(i), i < reads - 1 ? Buffer.alloc(0) : Buffer.concat(batch))),
    );
    replies.forEach((r, i) => {
      expect(r.type).toBe('Rread');
      expect(Buffer.from((r as Message<'Rread'>).data).equals(Buffer.alloc(count, i + 1)), `read ${i}`).toBe(true);
    });
  });

  it('syncs every interval, on fsync and on close, never in read-only mode; a sync that wrote nothing is debug', async () => {
    const timed = await serve(new MemoryFs(), { syncInterval: 0.05 });
    const c = await timed.connect();
    const fid = await c.walk(await c.attach(), []);
    await c.lcreate(fid, 'f', O_RDWR, 0o644);
    await c.write(fid, 0, Buffer.alloc(100));
    // The timer syncs that write the changes are logged; those after them find nothing and say so only in the debug log.
    await vi.waitFor(() =>
      expect(timed.debug.filter((l) => /^sync \(timer\): 0 bytes written/.test(l)).length).toBeGreaterThan(1),
    );
    const written = timed.log.filter((l) => /^sync \(timer\)/.test(l));
    expect(written.length).toBeGreaterThan(0);
    for (const line of written)
      expect(line).toMatch(/^sync \(timer\): [1-9]\d* bytes written, \d+ skipped, [\d.]+ ms$/);

    // Without a timer, the syncs are a client's and the shutdown's.
    const asked = await serve(new MemoryFs());
    const d = await asked.connect();
    const g = await d.walk(await d.attach(), []);
    await d.lcreate(g, 'f', O_RDWR, 0o644);
    await d.write(g, 0, Buffer.alloc(10));
    await d.rpc('Tfsync', { fid: g, datasync: 0 });
    await d.rpc('Tfsync', { fid: g, datasync: 0 });
    expect(await asked.close()).toMatchObject({ written: 0 });
    expect(asked.log).toEqual([
      expect.stringMatching(/^sync \(fsync\): [1-9]\d* bytes written/),
      expect.stringMatching(/^sync \(shutdown\): 0 bytes written/),
    ]);
    expect(asked.debug).toEqual([expect.stringMatching(/^sync \(fsync\): 0 bytes written/)]);

    const ro = new MemoryFs();
    ro.readOnly = true;
    const r = await serve(ro, { syncInterval: 0.01 });
    await new Promise((res) => setTimeout(res, 50));
    expect(await r.close()).toBeNull();
    expect([...r.log, ...r.debug]).toEqual([]);
  });

  it('reports a failed sync of the timer or a client to its owner, stops the timer, answers the client EIO', async () => {
    const broken = (): MemoryFs => {
      const fs = new MemoryFs();
      fs.sync = () => {
        throw new FsError('EIO', 'the disk is gone');
      };
      return fs;
    };
    const timed = broken();
    let syncs = 0;
    const sync = timed.sync;
    timed.sync = () => {
      syncs++;
      return sync();
    };
    const t = await serve(timed, { syncInterval: 0.01 });
    expect(await t.server.failed).toMatchObject({
      reason: 'timer',
      error: { code: 'EIO', message: 'EIO: the disk is gone' },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(syncs).toBe(1);
    expect(await t.close({ sync: false })).toBeNull();
    expect(syncs).toBe(1);

    const asked = await serve(broken());
    const c = await asked.connect();
    const fid = await c.walk(await c.attach(), []);
    await c.lcreate(fid, 'f', O_RDWR, 0o644);
    await expect(c.rpc('Tfsync', { fid, datasync: 0 })).rejects.toMatchObject({ code: 'EIO' });
    expect(await asked.server.failed).toMatchObject({ reason: 'fsync' });
    // The shutdown's sync fails to its caller.
    await expect(asked.close()).rejects.toThrow('the disk is gone');
    expect([...t.log, ...asked.log]).toEqual([]);
  });

  it('names the client of a connection that failed', async () => {
    const s = await serve(new MemoryFs());
    const socket = net.connect(s.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const client = `127.0.0.1:${socket.localPort}`;
    // A Tversion whose reply the client never reads, then a reset: the server's socket fails.
    socket.write(encode({ type: 'Tversion', tag: NOTAG, msize: 8192, version: '9P2000.L' }, '9P2000'));
    socket.resetAndDestroy();
    await vi.waitFor(() => expect(s.log).toEqual([expect.stringMatching(/ ECONNRESET$/)]));
    expect(s.log[0]).toMatch(`9p: connection from ${client}: `);
  });

  it('refuses a sync interval it cannot keep', async () => {
    await expect(serve(new MemoryFs(), { syncInterval: -1 })).rejects.toThrow(RangeError);
    await expect(serve(new MemoryFs(), { syncInterval: Number.NaN })).rejects.toThrow(RangeError);
  });

  it('is reachable by a client that speaks 9P2000 and one that speaks 9P2000.L at once', async () => {
    const s = await serve(withFile(Buffer.from('shared')));
    const l = await s.connect();
    const p = await Client.connect(s.port, '127.0.0.1', { version: '9P2000' });
    expect([l.dialect, p.dialect]).toEqual(['9P2000.L', '9P2000']);
    const pr = await p.attach();
    const pf = await p.walk(pr, ['f']);
    await p.rpc('Topen', { fid: pf, mode: 0 });
    expect((await p.readAll(pf)).toString()).toBe('shared');
    const err = await p.rpc('Tclunk', { fid: 999 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ code: null, ename: 'unknown fid 999' });
    await p.close();
  });
});
