/**
 * The device number of a character or block special file, where Linux's
 * ext2 keeps it (linux/fs/ext2/inode.c, ext2_write_inode and ext2_iget;
 * e2fsprogs' debugfs mknod writes the same): a major and minor both under
 * 256 in i_block[0] in the old 16-bit encoding (major << 8 | minor); any
 * other in i_block[1] in the new 32-bit one (minor's low byte, major from
 * bit 8, minor's high bits from bit 20), i_block[0] then 0, which is how a
 * reader tells the two apart.
 */

import { type Device, FsError } from '../fs.ts';
import type { Inode } from './inode.ts';

/** Linux's dev_t: 12 bits of major, 20 of minor. */
const majorLimit = 2 ** 12;
const minorLimit = 2 ** 20;

/** Refuses a device number Linux's dev_t cannot hold (EINVAL). */
export function checkDevice(dev: Device): Device {
  const ok = (n: number, limit: number): boolean => Number.isInteger(n) && n >= 0 && n < limit;
  if (typeof dev !== 'object' || dev === null || !ok(dev.major, majorLimit) || !ok(dev.minor, minorLimit))
    throw new FsError('EINVAL', `device number ${JSON.stringify(dev)} (major below 4096, minor below 2^20)`);
  return dev;
}

export function writeDevice(inode: Inode, dev: Device): void {
  if (dev.major < 256 && dev.minor < 256) {
    inode.setBlock(0, (dev.major << 8) | dev.minor);
    inode.setBlock(1, 0);
  } else {
    inode.setBlock(0, 0);
    inode.setBlock(1, ((dev.minor & 0xff) | (dev.major << 8) | ((dev.minor & ~0xff) << 12)) >>> 0);
  }
}

export function readDevice(inode: Inode): Device {
  const old = inode.block(0);
  if (old !== 0) return { major: (old >>> 8) & 0xff, minor: old & 0xff };
  const dev = inode.block(1);
  return { major: (dev >>> 8) & 0xfff, minor: (dev & 0xff) | ((dev >>> 12) & 0xfff00) };
}
