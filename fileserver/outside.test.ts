/**
 * deferred-io-9p and the world around its image (issue 20): the program,
 * serving a mke2fs image under diodload's reads and writes, holds the
 * image's lock (a second server is refused, the holder named), logs each
 * chmod and touch of the image once and keeps serving, serves what another
 * process wrote into a block it had not loaded, loses no write it
 * acknowledged, and leaves e2fsck nothing to fix; and a sync that fails is
 * one line and exit status 3, the lock released.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { Client } from './9p/client.ts';
import { debugfs, debugfsCat, e2fsprogs, fsck, mkfs } from './testing/e2fsprogs.ts';
import { fromSource, logOnly, type Running, start } from './testing/serving.ts';
import { describeWithTools, findTool } from './testing/tools.ts';

const O_RDONLY = 0;
const O_RDWR = 2;
const blockSize = 4096;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), '9p-outside-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** How many lines of the log match `line`. */
function count(s: Running, line: RegExp): number {
  return s
    .log()
    .split('\n')
    .filter((l) => line.test(l)).length;
}

const metadataLine = /^deferred-io-9p: the image's metadata changed outside this server \(mode 0\d+ -> 0\d+\): /;
const contentLine =
  /^deferred-io-9p: the image changed outside this server \(mtime\): the \d+ bytes it did not hold will be read from the image as it is now; /;

/** A client of `port` with the root open (Tfsync needs an open fid), and how it writes a file and syncs. */
async function connect(port: number) {
  const c = await Client.connect(port);
  const root = await c.attach();
  const opened = await c.walk(root, []);
  await c.lopen(opened, O_RDONLY);
  return {
    c,
    async put(name: string, content: Buffer): Promise<void> {
      const fid = await c.walk(root, []);
      await c.lcreate(fid, name, O_RDWR, 0o644);
      await c.writeAll(fid, 0, content);
      await c.clunk(fid);
    },
    async get(name: string): Promise<Buffer> {
      const fid = await c.walk(root, [name]);
      await c.lopen(fid, O_RDONLY);
      const content = await c.readAll(fid);
      await c.clunk(fid);
      return content;
    },
    sync: () => c.rpc('Tfsync', { fid: opened, datasync: 0 }),
  };
}

describeWithTools('e2fsprogs', e2fsprogs, 'deferred-io-9p and the world around its image', () => {
  describeWithTools('diod', ['diodload'], 'under diodload', () => {
    it('holds its lock, logs each chmod and touch once, serves an outside write, loses no acknowledged write', {
      timeout: 60_000,
    }, async () => {
      const src = path.join(dir, 'tree');
      fs.mkdirSync(src);
      // diodload attaches "ctl" (/ctl), reads its zero and writes its null; /victim is what another process writes into.
      fs.mkdirSync(path.join(src, 'ctl'));
      fs.writeFileSync(path.join(src, 'ctl', 'zero'), Buffer.alloc(1 << 20));
      fs.writeFileSync(path.join(src, 'ctl', 'null'), '');
      fs.writeFileSync(path.join(src, 'victim'), Buffer.alloc(16 * blockSize, 'v'));
      const image = path.join(dir, 'disk.img');
      mkfs(image, { blockSize, size: 32 * 2 ** 20, source: src });
      const victimBlock = Number(debugfs(image, 'bmap /victim 3').toString().trim());
      expect(victimBlock).toBeGreaterThan(0);

      // Syncs only when the test asks (Tfsync), so that it knows which sync sees which event; a
      // 1 MiB budget, so that the clients' changes are evicted to the swap file while it runs.
      const s = await start(['serve', image, '--listen', '127.0.0.1:0', '--sync', '0', '--memory', '1M']);
      const holder = JSON.parse(fs.readFileSync(`${image}.lock`, 'utf8'));
      expect(holder).toMatchObject({ pid: s.child.pid, host: os.hostname() });
      const second = spawnSync(...fromSource(['serve', image, '--listen', '127.0.0.1:0']), { encoding: 'utf8' });
      expect(second.status).toBe(1);
      expect(second.stderr).toBe(
        `deferred-io-9p: cannot serve ${image}: the image is in use: process ${s.child.pid} on host ${os.hostname()} since ${holder.since} holds ${image}.lock\n`,
      );

      const load = promisify(execFile)(findTool('diodload')!, ['-s', `127.0.0.1:${s.port}`, '-n', '4', '-r', '6']);
      const client = await connect(s.port);
      const written = new Map<string, Buffer>();
      const put = async (): Promise<void> => {
        const name = `f${written.size}`;
        const content = Buffer.alloc(10_000 + 3_000 * written.size, name);
        await client.put(name, content);
        written.set(name, content);
      };
      const events = 3;
      for (let i = 1; i <= events; i++) {
        await put();
        fs.chmodSync(image, i % 2 === 1 ? 0o600 : 0o644);
        await put();
        await client.sync();
        await vi.waitFor(() => expect(count(s, metadataLine)).toBe(i), { timeout: 5000 });
        spawnSync('touch', [image]);
        await put();
        await client.sync();
        await vi.waitFor(() => expect(count(s, contentLine)).toBe(i), { timeout: 5000 });
      }

      // Another process writes into a block of /victim, which the server has never loaded.
      const outside = Buffer.from('written by another process');
      const fd = fs.openSync(image, 'r+');
      fs.writeSync(fd, outside, 0, outside.length, victimBlock * blockSize);
      fs.closeSync(fd);
      const victim = await client.get('victim');
      expect(victim.subarray(3 * blockSize, 3 * blockSize + outside.length).toString()).toBe(outside.toString());
      await put();
      await client.sync();
      expect(count(s, contentLine)).toBe(events + 1);
      expect(count(s, metadataLine)).toBe(events);

      const { stdout, stderr } = await load;
      // diodload reports each failed request as a line of its own; success is the one summary line.
      expect(`${stdout}${stderr}`.trim()).toMatch(/^diodload: [1-9]\d* ops\/s[^\n]*$/);
      await client.c.close();
      s.child.kill('SIGTERM');
      expect(await s.exit).toBe(0);
      expect(fs.existsSync(`${image}.lock`)).toBe(false);
      expect(s.log()).not.toMatch(/failed|Error|\n\s+at /);
      const check = fsck(image);
      expect(check.status, check.output).toBe(0);
      expect(debugfsCat(image, '/victim').subarray(3 * blockSize, 3 * blockSize + outside.length)).toEqual(outside);

      // Every write the server acknowledged, read back through 9P from a server started afresh.
      const again = await start(['serve', image, '--listen', '127.0.0.1:0', '--read-only']);
      const reader = await connect(again.port);
      for (const [name, content] of written) expect((await reader.get(name)).equals(content), name).toBe(true);
      await reader.c.close();
      again.child.kill('SIGTERM');
      expect(await again.exit).toBe(0);
    });
  });

  it('stops with one line and status 3 when a sync fails, the lock released', { timeout: 60_000 }, async () => {
    const image = path.join(dir, 'limited.img');
    mkfs(image, { blockSize, size: 32 * 2 ** 20 });
    // A file size limit of 16 MiB (ulimit -f counts 512-byte blocks): a write past it fails with
    // EFBIG (Node ignores SIGXFSZ), the image's upper half cannot be written.
    const s = await start(['serve', image, '--listen', '127.0.0.1:0', '--sync', '0'], (args) =>
      spawn('sh', ['-c', 'ulimit -f 32768 && exec "$0" "$@"', ...fromSource(args).flat()], logOnly),
    );
    const client = await connect(s.port);
    await client.put('big', Buffer.alloc(20 * 2 ** 20, 'b'));
    await expect(client.sync()).rejects.toMatchObject({ code: 'EIO' });
    expect(await s.exit).toBe(3);
    const lines = s.log().trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(
      /^deferred-io-9p: sync \(fsync\) failed, stopping: EIO: .*: file too large, write; the changes since the last sync are not all on disk$/,
    );
    expect(lines).toHaveLength(2);
    expect(fs.existsSync(`${image}.lock`)).toBe(false);
  });
});
