/**
 * What the workload leaves behind, checked on the host after the guest has
 * powered off and the server has stopped: the files of untar, dd-write, fsx
 * and fsstress, read back not through 9P but from what the server stored.
 * For ours that is the ext2 image, read by e2fsprogs' debugfs (`rdump` of
 * /work into a directory); for diod, its export directory.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Expected {
  /** Path under /work (as the guest saw it) to the file's contents' md5 and size. */
  files: Map<string, { md5: string; size: number }>;
  /** Directories under /work that must hold exactly the regular files `files` names in them (and directories). */
  exact: string[];
}

export const md5 = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

/** Copies /work out of an ext2 image with debugfs; returns the copy's path (`into`/work). */
export function dumpImage(debugfs: string, image: string, into: string): string {
  fs.mkdirSync(into, { recursive: true });
  const out = spawnSync(debugfs, ['-R', `rdump /work ${into}`, image], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`debugfs rdump /work: exit ${out.status}: ${out.stderr}`);
  return path.join(into, 'work');
}

function regularFiles(dir: string, prefix: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const name = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) return regularFiles(path.join(dir, entry.name), name);
    return entry.isFile() ? [name] : [];
  });
}

/** What differs between `work` (a copy of /work, or diod's export of it) and `expected`: one line each. */
export function checkLeft(work: string, expected: Expected): string[] {
  const problems: string[] = [];
  for (const [name, want] of expected.files) {
    const file = path.join(work, name);
    if (!fs.existsSync(file)) {
      problems.push(`${name}: missing`);
      continue;
    }
    const data = fs.readFileSync(file);
    if (data.length !== want.size) problems.push(`${name}: ${data.length} bytes, expected ${want.size}`);
    else if (md5(data) !== want.md5) problems.push(`${name}: contents differ (md5 ${md5(data)}, expected ${want.md5})`);
  }
  for (const dir of expected.exact) {
    if (!fs.existsSync(path.join(work, dir))) continue;
    for (const name of regularFiles(path.join(work, dir), dir)) {
      if (!expected.files.has(name)) problems.push(`${name}: not expected`);
    }
  }
  return problems;
}
