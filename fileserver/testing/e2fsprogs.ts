/**
 * e2fsprogs as the oracle no one here wrote: mke2fs makes the images (and
 * fills them from a directory with -d), e2fsck -fn judges them, debugfs
 * reads them back (cat, ls -l, stat) without any of this project's code.
 */
import { spawnSync } from 'node:child_process';
import { findTool } from './tools.ts';

export const e2fsprogs = ['mke2fs', 'e2fsck', 'debugfs', 'dumpe2fs'] as const;

export interface MkfsOptions {
  blockSize: 1024 | 2048 | 4096;
  /** Image size in bytes (a multiple of 1024). */
  size: number;
  /** Fill the image from this directory (mke2fs -d). */
  source?: string;
  /** Number of inodes (mke2fs -N). */
  inodes?: number;
  /** Inode size (mke2fs -I): 128 or 256 (mke2fs's default). */
  inodeSize?: 128 | 256;
  /** mke2fs -t: the file system type whose default features to use. Default ext2. */
  type?: 'ext2' | 'ext3' | 'ext4';
  /** mke2fs -O: features to add or (^name) remove. */
  features?: string;
  /** mke2fs -r 0: the original revision, without any feature (no filetype, 128-byte inodes). */
  revision?: 0;
}

function run(tool: string, args: string[], input?: string): { status: number; stdout: Buffer; stderr: string } {
  const executable = findTool(tool);
  if (executable === null) throw new Error(`${tool} is not installed (apt-get install -y e2fsprogs)`);
  const result = spawnSync(executable, args, { input, maxBuffer: 2 ** 30, timeout: 120_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}

/** mke2fs -t ext2 (by default) of a new image file. */
export function mkfs(image: string, options: MkfsOptions): void {
  const args = ['-q', '-F', '-t', options.type ?? 'ext2', '-b', String(options.blockSize)];
  if (options.source !== undefined) args.push('-d', options.source);
  if (options.inodes !== undefined) args.push('-N', String(options.inodes));
  if (options.inodeSize !== undefined) args.push('-I', String(options.inodeSize));
  if (options.features !== undefined) args.push('-O', options.features);
  if (options.revision !== undefined) args.push('-r', String(options.revision));
  args.push(image, `${options.size / 1024}k`);
  const result = run('mke2fs', args);
  if (result.status !== 0) throw new Error(`mke2fs ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
}

/** e2fsck -fn: a full check that changes nothing. Status 0 means no problem found. */
export function fsck(
  image: string,
  options: { fix?: boolean; optimizeDirectories?: boolean } = {},
): { status: number; output: string } {
  const args = ['-f', options.fix === true ? '-y' : '-n'];
  if (options.optimizeDirectories === true) args.push('-D');
  const result = run('e2fsck', [...args, image]);
  return { status: result.status, output: `${result.stdout.toString('utf8')}${result.stderr}` };
}

/**
 * The free counts as dumpe2fs prints them: the superblock's, and the sum
 * of the group descriptors'. e2fsck repairs a superblock total silently
 * (Linux keeps it only approximately), so this is the check that the two
 * agree.
 */
export function freeCounts(image: string): {
  superblock: { blocks: number; inodes: number };
  groups: { blocks: number; inodes: number };
} {
  const result = run('dumpe2fs', [image]);
  if (result.status !== 0) throw new Error(`dumpe2fs failed (${result.status}): ${result.stderr}`);
  const text = result.stdout.toString('utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(text)![1]);
  const groups = { blocks: 0, inodes: 0 };
  for (const match of text.matchAll(/^\s+(\d+) free blocks, (\d+) free inodes/gm)) {
    groups.blocks += Number(match[1]);
    groups.inodes += Number(match[2]);
  }
  return { superblock: { blocks: field('Free blocks'), inodes: field('Free inodes') }, groups };
}

/** Runs one debugfs request (-R), read-only unless `write`; returns its standard output. */
export function debugfs(image: string, request: string, options: { write?: boolean } = {}): Buffer {
  const result = run('debugfs', [...(options.write === true ? ['-w'] : []), '-R', request, image]);
  if (result.status !== 0) throw new Error(`debugfs -R '${request}' failed (${result.status}): ${result.stderr}`);
  // debugfs reports most errors on stderr with status 0; its banner is the only stderr line of a success.
  const errors = result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('debugfs '));
  if (errors.length > 0) throw new Error(`debugfs -R '${request}': ${errors.join(' | ')}`);
  return result.stdout;
}

/** A path as debugfs reads it: quoted, so names with spaces work. */
function quoted(path: string): string {
  if (path.includes('"') || path.includes('\\')) throw new Error(`debugfs cannot be given ${JSON.stringify(path)}`);
  return `"${path}"`;
}

/** The bytes of a regular file (or a slow symlink's target), by debugfs cat. */
export function debugfsCat(image: string, path: string): Buffer {
  return debugfs(image, `cat ${quoted(path)}`);
}

export interface LsEntry {
  ino: number;
  /** Type and permission bits, as the inode holds them. */
  mode: number;
  /** The directory entry's file type (ext2's 1 regular, 2 directory, 7 symlink, ...). */
  fileType: number;
  uid: number;
  gid: number;
  size: number;
  name: string;
}

/** debugfs ls -l of a directory, parsed (free records left out); names decoded from debugfs's \xNN escapes. */
export function debugfsLs(image: string, dir: string): LsEntry[] {
  const lines = debugfs(image, `ls -l ${quoted(dir)}`)
    .toString('latin1')
    .split('\n');
  const entries: LsEntry[] = [];
  const line = /^\s*(\d+)\s+([0-7]+)\s+\((\d+)\)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+\S+\s(.*)$/;
  for (const text of lines) {
    // Free records (inode 0: the empty blocks of a directory) are listed too, without a date or name.
    if (text.trim() === '' || /^\s*0\s+0\s+\(0\)/.test(text)) continue;
    const match = line.exec(text);
    if (match === null) throw new Error(`debugfs ls -l: unexpected line ${JSON.stringify(text)}`);
    const [, ino, mode, fileType, uid, gid, size, name] = match;
    entries.push({
      ino: +ino,
      mode: parseInt(mode, 8),
      fileType: +fileType,
      uid: +uid,
      gid: +gid,
      size: +size,
      name: unescapeDebugfs(name),
    });
  }
  return entries;
}

/** A symlink's target: "Fast link dest" of debugfs stat for a fast one, else its block by cat. */
export function debugfsReadlink(image: string, path: string): string {
  const stat = debugfs(image, `stat ${quoted(path)}`).toString('latin1');
  const fast = /^Fast link dest: "(.*)"$/m.exec(stat);
  const bytes = fast !== null ? Buffer.from(fast[1], 'latin1') : debugfsCat(image, path);
  return bytes.toString('utf8');
}

/** debugfs stat's Flags: field of an inode. */
export function debugfsFlags(image: string, path: string): number {
  const stat = debugfs(image, `stat ${quoted(path)}`).toString('latin1');
  const match = /Flags: 0x([0-9a-f]+)/.exec(stat);
  if (match === null) throw new Error(`debugfs stat ${path}: no Flags`);
  return parseInt(match[1], 16);
}

/** debugfs prints bytes outside printable ASCII as \xNN; the name's bytes are UTF-8. */
function unescapeDebugfs(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (text[i] === '\\' && text[i + 1] === 'x') {
      bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      bytes.push(text.charCodeAt(i));
      i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
