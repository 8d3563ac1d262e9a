/**
 * An image judged against a TreeModel by e2fsprogs alone, after a run of
 * random operations (ext2/model.test.ts through the FileSystem interface,
 * 9p/image.test.ts through the protocol): e2fsck -fn finds no problem,
 * dumpe2fs shows the superblock's free counts equal to the sum of the
 * groups', and debugfs's view of every directory (ls -l: names, inode
 * numbers, "." and "..", modes, file types, owners, sizes; a directory's
 * size whole blocks), every file (cat) and every symlink target is
 * exactly the model's.
 */
import { expect } from 'vitest';
import { debugfsCat, debugfsLs, debugfsReadlink, freeCounts, fsck } from './e2fsprogs.ts';
import { byName, type DirNode, type Node, type TreeModel } from './tree-model.ts';

/** ext2's directory-entry file types (debugfs ls -l shows them in parentheses). */
const fileType = { file: 1, dir: 2, link: 7 } as const;

interface Listed {
  name: string;
  ino: number;
  mode: number;
  type: number;
  uid: number;
  gid: number;
  /** Size of a file or link; directories' sizes are the file system's business (whole blocks, checked apart). */
  size: number | null;
}

function listed(name: string, node: Node): Listed {
  const base = { name, ino: node.ino, uid: node.uid, gid: node.gid, type: fileType[node.kind] };
  if (node.kind === 'file') return { ...base, mode: node.mode, size: node.data.size };
  if (node.kind === 'link') return { ...base, mode: 0o120777, size: Buffer.byteLength(node.target) };
  return { ...base, mode: node.mode, size: null };
}

export function expectImageMatches(image: string, model: TreeModel): void {
  const check = fsck(image);
  expect(check.status, check.output).toBe(0);
  const counts = freeCounts(image);
  expect(counts.superblock, 'superblock free counts vs the groups').toEqual(counts.groups);
  for (const { path, node, parent } of model.nodes()) {
    if (node.kind === 'file')
      expect(Buffer.compare(debugfsCat(image, path), node.data.read(0, node.data.size)), `${path}: bytes`).toBe(0);
    else if (node.kind === 'link') expect(debugfsReadlink(image, path), `${path}: target`).toBe(node.target);
    else {
      const entries = debugfsLs(image, path);
      for (const entry of entries)
        if (entry.fileType === fileType.dir)
          expect(entry.size % model.blockSize, `${path}/${entry.name}: size`).toBe(0);
      const got = entries.map(({ name, ino, mode, fileType: type, uid, gid, size }) => ({
        name,
        ino,
        mode,
        type,
        uid,
        gid,
        size: type === fileType.dir ? null : size,
      }));
      const dir: DirNode = node;
      const want = [
        listed('.', dir),
        listed('..', parent ?? dir),
        ...[...dir.children].map(([name, child]) => listed(name, child)),
      ];
      expect(got.sort(byName), `ls -l ${path}`).toEqual(want.sort(byName));
    }
  }
}
