/**
 * The guest's input: a tree of a few hundred files (sizes from empty to a
 * few MiB, a few modes), hard links (one file with three names), and
 * symlinks (relative, to a directory, dangling, absolute, one over 60
 * bytes), made on the host and packed by GNU tar; with the lists the
 * workload checks a copy of it against: md5 sums of the regular files (one
 * name per inode), the hard links as "first second", the symlinks as "link
 * target". All go into /input of a second initramfs, which the kernel
 * unpacks over the first (two newc archives, one after the other).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CpioEntry, cpio } from './cpio.ts';

const files = 300;
const dirs = ['d0', 'd1', 'd2', 'd3', 'a', 'a/b', 'a/b/c', 'links', 'syms'];

/** Bytes that compress poorly and differ per file: a xorshift stream seeded by the file's number. */
function content(seed: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** File i's size: mostly small, every 50th 256 KiB, one of 3 MiB. */
function size(i: number): number {
  if (i === 7) return 3 << 20;
  if (i % 50 === 0) return 256 << 10;
  return (i * 977) % 9000;
}

/**
 * Writes the tree under `work`/tree and the archive of /input, with `extra`
 * (further files, named under input/) after the tree's; returns the
 * archive's path and the tree's regular files (first names) with their md5 and size.
 */
export function inputArchive(
  work: string,
  extra: CpioEntry[],
): { archive: string; files: Map<string, { md5: string; size: number }> } {
  const root = path.join(work, 'tree');
  // tar adds what this lists, in this order: a file's first name is the one
  // stored whole, so the sums name first names only, and a hard link that
  // cannot be made costs untar its link, not md5sum its check.
  const order: string[] = [];
  const sums: string[] = [];
  const first = new Map<string, { md5: string; size: number }>();
  const links: string[] = [];
  const symlinks: string[] = [];
  for (const dir of dirs) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
    order.push(`tree/${dir}`);
  }
  const names: string[] = [];
  for (let i = 0; i < files; i++) {
    const name = `tree/${dirs[i % 7]}/f${i}`;
    const data = content(i, size(i));
    const mode = i % 7 === 3 ? 0o755 : i % 11 === 5 ? 0o600 : 0o644;
    fs.writeFileSync(path.join(work, name), data, { mode });
    fs.chmodSync(path.join(work, name), mode);
    names.push(name);
    order.push(name);
    const sum = createHash('md5').update(data).digest('hex');
    sums.push(`${sum}  ${name}`);
    first.set(name, { md5: sum, size: data.length });
  }
  const link = (first: string, second: string): void => {
    fs.linkSync(path.join(work, first), path.join(work, second));
    order.push(second);
    links.push(`${first} ${second}`);
  };
  for (let k = 0; k < 20; k++) link(names[k * 13]!, `tree/links/h${k}`);
  link(names[1]!, `tree/d1/same-dir-link`);
  link(names[1]!, `tree/a/b/c/third-name`);
  const symlink = (at: string, target: string): void => {
    fs.symlinkSync(target, path.join(work, at));
    order.push(at);
    symlinks.push(`${at} ${target}`);
  };
  for (let k = 0; k < 15; k++) symlink(`tree/syms/s${k}`, `../${names[k * 17]!.slice('tree/'.length)}`);
  symlink('tree/syms/to-dir', '../a/b');
  symlink('tree/syms/dangling', 'no-such-file');
  symlink('tree/syms/absolute', '/input/tree.md5');
  symlink('tree/syms/long', `../a/b/c/${'x'.repeat(80)}`);

  const list = path.join(work, 'tar.list');
  fs.writeFileSync(list, `${order.join('\n')}\n`);
  const tarball = path.join(work, 'tree.tar');
  execFileSync('tar', [
    '--format=ustar',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--no-recursion',
    '-C',
    work,
    '-cf',
    tarball,
    '-T',
    list,
  ]);
  const text = (lines: string[]): Buffer => Buffer.from(`${lines.join('\n')}\n`);
  const archive = path.join(work, 'input.cpio');
  fs.writeFileSync(
    archive,
    cpio([
      { kind: 'dir', path: 'input' },
      { kind: 'file', path: 'input/tree.tar', data: fs.readFileSync(tarball) },
      { kind: 'file', path: 'input/tree.md5', data: text(sums) },
      { kind: 'file', path: 'input/tree.links', data: text(links) },
      { kind: 'file', path: 'input/tree.symlinks', data: text(symlinks) },
      ...extra,
    ]),
  );
  return { archive, files: first };
}
