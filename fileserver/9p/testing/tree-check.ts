/**
 * A consistency check of any FileSystem through its own interface, for
 * fuzzing the server over file systems e2fsck cannot see (the in-memory
 * one): every entry leads to a live inode of the type the entry says, "."
 * and ".." point where they must, link counts match the entries, and the
 * free counts are within bounds. Returns the problems found.
 */
import {
  DT_BLK,
  DT_CHR,
  DT_DIR,
  DT_FIFO,
  DT_LNK,
  DT_REG,
  DT_SOCK,
  type FileSystem,
  type Ino,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
} from '../../fs.ts';

const typeOf: Record<number, number> = {
  [DT_DIR]: S_IFDIR,
  [DT_REG]: S_IFREG,
  [DT_LNK]: S_IFLNK,
  [DT_FIFO]: S_IFIFO,
  [DT_CHR]: S_IFCHR,
  [DT_BLK]: S_IFBLK,
  [DT_SOCK]: S_IFSOCK,
};

export function checkTree(fs: FileSystem): string[] {
  const problems: string[] = [];
  const links = new Map<Ino, number>();
  const seenDirs = new Set<Ino>();
  const visit = (dir: Ino, parent: Ino, path: string): void => {
    if (seenDirs.has(dir)) return void problems.push(`${path}: directory ${dir} reached twice`);
    seenDirs.add(dir);
    let subdirs = 0;
    for (let cookie = 0; ; ) {
      const entries = fs.readdir(dir, cookie, 64);
      for (const e of entries) {
        cookie = e.cookie;
        const attr = fs.getattr(e.ino);
        if (typeOf[e.type] !== (attr.mode & S_IFMT))
          problems.push(`${path}/${e.name}: entry type ${e.type}, inode mode ${attr.mode.toString(8)}`);
        if (e.name === '.') {
          if (e.ino !== dir) problems.push(`${path}/.: ${e.ino}, not ${dir}`);
          continue;
        }
        if (e.name === '..') {
          if (e.ino !== parent) problems.push(`${path}/..: ${e.ino}, not ${parent}`);
          continue;
        }
        if (fs.lookup(dir, e.name) !== e.ino) problems.push(`${path}/${e.name}: lookup disagrees with readdir`);
        if ((attr.mode & S_IFMT) === S_IFDIR) {
          subdirs++;
          visit(e.ino, dir, `${path}/${e.name}`);
        } else {
          links.set(e.ino, (links.get(e.ino) ?? 0) + 1);
        }
      }
      if (entries.length < 64) break;
    }
    const nlink = fs.getattr(dir).nlink;
    if (nlink !== 2 + subdirs) problems.push(`${path || '/'}: nlink ${nlink}, ${subdirs} subdirectories`);
  };
  visit(fs.root, fs.root, '');
  for (const [ino, n] of links) {
    const nlink = fs.getattr(ino).nlink;
    if (nlink !== n) problems.push(`inode ${ino}: nlink ${nlink}, ${n} entries`);
  }
  const st = fs.statfs();
  if (!(st.blocksFree >= 0 && st.blocksFree <= st.blocks && st.filesFree >= 0 && st.filesFree <= st.files)) {
    problems.push(
      `statfs counts out of bounds: ${JSON.stringify(st, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
    );
  }
  return problems;
}
