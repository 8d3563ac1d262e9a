/**
 * Reading what mke2fs -d wrote: an image filled from a host directory,
 * served through each store, must show every name, type, mode, owner,
 * size, symlink target and byte of that directory (fileserver/testing/
 * source-tree.ts holds the tree and the walk), at block sizes 1024, 2048
 * and 4096.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DT_FIFO } from '../fs.ts';
import { e2fsprogs, mkfs } from '../testing/e2fsprogs.ts';
import { compareTree, makeSourceTree, readdirAll } from '../testing/source-tree.ts';
import { describeEachStore } from '../testing/stores.ts';
import { describeWithTools } from '../testing/tools.ts';
import { openExt2 } from './ext2.ts';

describeWithTools('e2fsprogs', e2fsprogs, 'ext2 images made by mke2fs -d', () => {
  let dir: string;
  const images = new Map<number, { image: string; source: string }>();

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext2-tree-'));
    for (const blockSize of [1024, 2048, 4096] as const) {
      const source = path.join(dir, `source-${blockSize}`);
      fs.mkdirSync(source);
      // The triple indirect range starts at 64 MiB with 1 KiB blocks, at 4 GiB with 4 KiB ones: only the first is cheap to copy.
      makeSourceTree(source, blockSize, blockSize === 1024);
      const image = path.join(dir, `image-${blockSize}`);
      mkfs(image, { blockSize, size: 16 * 2 ** 20, source });
      images.set(blockSize, { image, source });
    }
  }, 120_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describeEachStore('every name, type, mode, size, target and byte', (kind) => {
    for (const blockSize of [1024, 2048, 4096]) {
      test(`block size ${blockSize}`, () => {
        const { image, source } = images.get(blockSize)!;
        const store = kind.open(image, { readOnly: true });
        try {
          const fsys = openExt2(store, { readOnly: true });
          expect(fsys.superblock.blockSize).toBe(blockSize);
          const compared = compareTree(fsys, fsys.root, fsys.root, source, ['lost+found']);
          expect(compared).toBeGreaterThan(320);
          const fifo = readdirAll(fsys, fsys.root).find((entry) => entry.name === 'fifo')!;
          expect(fifo.type).toBe(DT_FIFO);
          expect(() => fsys.read(fifo.ino, 0, 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
        } finally {
          store.close();
        }
      }, 120_000);
    }
  });
});
