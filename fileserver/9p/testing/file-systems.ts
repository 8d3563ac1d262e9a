/**
 * The file systems the protocol tests run on: the in-memory one, and ext2
 * on an image mke2fs made, through the engine's segment (with a 1 MiB
 * memory budget, so that pages are evicted and swapped). After each test on
 * ext2 the image is synced and e2fsck -fn must find nothing wrong: every
 * protocol test is also a test that the image was never corrupted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, onTestFinished } from 'vitest';
import { openExt2 } from '../../ext2/ext2.ts';
import type { FileSystem } from '../../fs.ts';
import { SegmentStore } from '../../segment-store.ts';
import { e2fsprogs, fsck, mkfs } from '../../testing/e2fsprogs.ts';
import { describeWithTools } from '../../testing/tools.ts';
import { MemoryFs } from './memory-fs.ts';

export interface FsUnderTest {
  readonly name: string;
  /** The Debian package and tools it needs, if any. */
  readonly needs: { readonly pkg: string; readonly tools: readonly string[] } | null;
  /** An empty, writable file system of at least 4,000 blocks of `blockSize` and 500 free inodes. */
  make(options?: { blockSize?: 1024 | 2048 | 4096 }): Promise<FileSystem>;
  /** A file system that `populate` filled while writable, then opened read-only. */
  readOnly(populate: (fs: FileSystem) => void): Promise<FileSystem>;
}

function memory(blockSize = 4096): MemoryFs {
  return new MemoryFs({ blockSize, blocks: 4096, inodes: 512 });
}

/** A fresh image file, removed when the test ends. */
function imageFile(blockSize: 1024 | 2048 | 4096): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), '9p-ext2-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const image = path.join(dir, 'image');
  mkfs(image, { blockSize, size: 4096 * blockSize, inodes: 1024 });
  return image;
}

/** ext2 over a segment store of `image`; at the end of the test: synced, closed, and judged by e2fsck. */
function served(image: string, readOnly: boolean): FileSystem {
  const store = SegmentStore.open(image, { readOnly, memory: 2 ** 20 });
  const ext2 = openExt2(store, { readOnly });
  // Registered before the test's server, so (hooks running in reverse) after the server's last sync.
  onTestFinished(() => {
    ext2.sync();
    store.close();
    const check = fsck(image);
    expect(check.status, check.output).toBe(0);
  });
  return ext2;
}

export const fileSystems: FsUnderTest[] = [
  {
    name: 'memory',
    needs: null,
    make: async (options = {}) => memory(options.blockSize),
    readOnly: async (populate) => {
      const fs = memory();
      populate(fs);
      fs.readOnly = true;
      return fs;
    },
  },
  {
    name: 'ext2',
    needs: { pkg: 'e2fsprogs', tools: e2fsprogs },
    make: async (options = {}) => served(imageFile(options.blockSize ?? 4096), false),
    readOnly: async (populate) => {
      const image = imageFile(4096);
      const store = SegmentStore.open(image);
      const writable = openExt2(store);
      populate(writable);
      writable.sync();
      store.close();
      return served(image, true);
    },
  },
];

/** describe(title, body) for each file system under test; one whose tools are missing is skipped or fails as tools.ts says. */
export function describeEachFs(title: string, body: (fsut: FsUnderTest) => void): void {
  for (const fsut of fileSystems) {
    const name = `${title} on ${fsut.name}`;
    if (fsut.needs === null) describe(name, () => body(fsut));
    else describeWithTools(fsut.needs.pkg, fsut.needs.tools, name, () => body(fsut));
  }
}
