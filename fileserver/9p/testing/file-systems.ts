/**
 * The file systems the protocol tests run on: the in-memory one, and real
 * ext2 images (once ext2.ts exists), so that every protocol behaviour is
 * checked against the file system users get.
 */
import type { FileSystem } from '../../fs.ts';
import { MemoryFs } from './memory-fs.ts';

export interface FsUnderTest {
  readonly name: string;
  /** An empty, writable file system of at least 1,000 blocks of `blockSize` and 200 free inodes. */
  make(options?: { blockSize?: number }): Promise<FileSystem>;
  /** A file system that `populate` filled while writable, then opened read-only. */
  readOnly(populate: (fs: FileSystem) => void): Promise<FileSystem>;
}

function memory(blockSize = 4096): MemoryFs {
  return new MemoryFs({ blockSize, blocks: 4096, inodes: 512 });
}

export const fileSystems: FsUnderTest[] = [
  {
    name: 'memory',
    make: async (options = {}) => memory(options.blockSize),
    readOnly: async (populate) => {
      const fs = memory();
      populate(fs);
      fs.readOnly = true;
      return fs;
    },
  },
];
