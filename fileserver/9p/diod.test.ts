/**
 * The server checked by clients no one here wrote: diod's diodls, diodcat
 * and diodload (9P2000.L through diod's libnpclient) against ext2 images
 * that mke2fs -d filled from a host directory. Every name, size, mode and
 * byte they report must be the host directory's; diodload's threads of
 * reads and writes must run without an error; and e2fsck must find the
 * image clean afterwards.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openExt2 } from '../ext2/ext2.ts';
import { SegmentStore } from '../segment-store.ts';
import { debugfsCat, e2fsprogs, fsck, mkfs } from '../testing/e2fsprogs.ts';
import { makeSourceTree } from '../testing/source-tree.ts';
import { describeWithTools, findTool } from '../testing/tools.ts';
import { serve } from './testing/harness.ts';

const run = promisify(execFile);
const diodTools = ['diodls', 'diodcat', 'diodload'];

/** Runs one of diod's clients; resolves with its output, rejects on a non-zero status. */
async function diod(tool: string, args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  const { stdout, stderr } = await run(findTool(tool)!, args, {
    encoding: 'buffer',
    maxBuffer: 2 ** 28,
    timeout: 120_000,
  });
  return { stdout, stderr: stderr.toString() };
}

/** One line of diodls -l: mode string (d or -, then rwx bits), link count, owner, group, size, mtime, name. */
const longLine = /^\s*([d-][rwx-]{9})\.\s+(\d+)\s+(\S+)\s+(\S+)\s+(\d+)\s+\w{3} [ \d]\d \d\d:\d\d (.*)$/;

function permissions(mode: number): string {
  return [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1]
    .map((bit, i) => (mode & bit ? 'rwx'[i % 3] : '-'))
    .join('');
}

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), '9p-diod-'));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** An ext2 image of `src` served on a free port until the test ends; at the end, synced and judged by e2fsck. */
async function serveImage(
  src: string,
  blockSize: 1024 | 4096,
  size: number,
): Promise<{ port: number; image: string; close(): Promise<void> }> {
  const image = path.join(work, `${path.basename(src)}-${blockSize}.ext2`);
  mkfs(image, { blockSize, size, source: src });
  const store = SegmentStore.open(image, { memory: 2 ** 20 });
  const served = await serve(openExt2(store));
  return {
    port: served.port,
    image,
    close: async () => {
      await served.close();
      store.close();
      const check = fsck(image);
      expect(check.status, check.output).toBe(0);
    },
  };
}

describeWithTools('e2fsprogs', e2fsprogs, 'diod clients', () => {
  describeWithTools('diod', diodTools, 'against an image mke2fs -d filled', () => {
    for (const blockSize of [4096, 1024] as const) {
      it(`diodls lists and diodcat reads every file exactly as the source tree has it (${blockSize}-byte blocks)`, {
        timeout: 300_000,
      }, async () => {
        const src = path.join(work, `tree-${blockSize}`);
        fs.mkdirSync(src);
        makeSourceTree(src, blockSize, blockSize === 1024);
        const s = await serveImage(src, blockSize, 64 * 2 ** 20);
        const server = ['-s', `127.0.0.1:${s.port}`, '-a', '/'];
        let files = 0;
        const visit = async (rel: string): Promise<void> => {
          const host = path.join(src, rel);
          const names = fs.readdirSync(host).sort();
          const listed = (await diod('diodls', [...server, ...(rel === '' ? [] : [rel])])).stdout.toString('utf8');
          const extra = rel === '' ? ['lost+found'] : [];
          expect(
            listed
              .split('\n')
              .filter((n) => n !== '')
              .sort(),
            `diodls ${rel}`,
          ).toEqual([...names, ...extra].sort());
          const long = (await diod('diodls', [...server, '-l', ...(rel === '' ? [] : [rel])])).stdout.toString('utf8');
          const byName = new Map(
            long
              .split('\n')
              .filter((l) => l !== '')
              .map((l) => {
                const m = longLine.exec(l);
                expect(m, `diodls -l line ${JSON.stringify(l)}`).not.toBeNull();
                return [m![6], { mode: m![1], nlink: Number(m![2]), size: Number(m![5]) }] as const;
              }),
          );
          const regular: string[] = [];
          for (const name of names) {
            const st = fs.lstatSync(path.join(host, name));
            const got = byName.get(name);
            expect(got, `${rel}/${name} in diodls -l`).toBeDefined();
            expect(got!.mode, `${rel}/${name}: mode`).toBe(`${st.isDirectory() ? 'd' : '-'}${permissions(st.mode)}`);
            if (!st.isDirectory())
              expect([got!.size, got!.nlink], `${rel}/${name}: size and links`).toEqual([st.size, st.nlink]);
            if (st.isDirectory()) await visit(path.join(rel, name));
            if (st.isFile()) regular.push(path.join(rel, name));
          }
          if (regular.length === 0) return;
          // One diodcat for the whole directory: it prints the files one after the other.
          const cat = await diod('diodcat', [...server, ...regular]);
          expect(cat.stderr).toBe('');
          const want = Buffer.concat(regular.map((f) => fs.readFileSync(path.join(src, f))));
          expect(Buffer.compare(cat.stdout, want), `diodcat ${rel}`).toBe(0);
          files += regular.length;
        };
        await visit('');
        expect(files).toBeGreaterThan(300);
        await s.close();
      });
    }

    it('diodload: 16 threads of 64 KiB reads and writes, then getattrs, with no error; the image stays clean', {
      timeout: 120_000,
    }, async () => {
      const src = path.join(work, 'load');
      fs.mkdirSync(src);
      // diodload attaches "ctl", the image's /ctl, and reads its zero and writes its null.
      fs.mkdirSync(path.join(src, 'ctl'));
      fs.writeFileSync(path.join(src, 'ctl', 'zero'), Buffer.alloc(1 << 20));
      fs.writeFileSync(path.join(src, 'ctl', 'null'), '');
      const s = await serveImage(src, 4096, 64 * 2 ** 20);
      for (const extra of [[], ['-g']]) {
        const out = await diod('diodload', ['-s', `127.0.0.1:${s.port}`, '-n', '16', '-r', '3', ...extra]);
        const lines = `${out.stdout.toString()}${out.stderr}`.split('\n').filter((l) => l !== '');
        // diodload reports each failed request as a line of its own; success is the one summary line.
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^diodload: [1-9]\d* ops\/s/);
      }
      await s.close();
      // What diodload wrote to /ctl/null: one iounit (msize 65536 - 24) of what it read from /ctl/zero.
      expect(Buffer.compare(debugfsCat(s.image, '/ctl/null'), Buffer.alloc(65536 - 24))).toBe(0);
      expect(Buffer.compare(debugfsCat(s.image, '/ctl/zero'), Buffer.alloc(1 << 20))).toBe(0);
    });
  });
});
