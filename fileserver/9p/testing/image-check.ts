/**
 * An image judged against a TreeModel by e2fsprogs alone: e2fsck -fn finds
 * no problem, and debugfs's view of every directory (ls -l: names, inode
 * numbers, "." and "..", modes, file types, owners, sizes), every file
 * (cat) and every symlink target is exactly the model's.
 */
import { expect } from 'vitest';
import { debugfsCat, debugfsLs, debugfsReadlink, fsck } from '../../testing/e2fsprogs.ts';
import type { DirNode, Node, TreeModel } from '../../testing/tree-model.ts';

/** ext2's directory-entry file types (debugfs ls -l shows them in parentheses). */
const fileType = { file: 1, dir: 2, link: 7 } as const;

interface Listed {
  name: string;
  ino: number;
  mode: number;
  type: number;
  uid: number;
  gid: number;
  /** Size of a file or link; directories' sizes are the file system's business (whole blocks). */
  size: number | null;
}

function listed(name: string, node: Node): Listed {
  const base = { name, ino: node.ino, uid: node.uid, gid: node.gid, type: fileType[node.kind] };
  if (node.kind === 'file') return { ...base, mode: node.mode, size: node.data.size };
  if (node.kind === 'link') return { ...base, mode: 0o120777, size: Buffer.byteLength(node.target) };
  return { ...base, mode: node.mode, size: null };
}

const byName = (a: Listed, b: Listed): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function expectImageMatches(image: string, model: TreeModel): void {
  const check = fsck(image);
  expect(check.status, check.output).toBe(0);
  for (const { path, node, parent } of model.nodes()) {
    if (node.kind === 'file') expect(Buffer.compare(debugfsCat(image, path), node.data.read(0, node.data.size)), `${path}: bytes`).toBe(0);
    else if (node.kind === 'link') expect(debugfsReadlink(image, path), `${path}: target`).toBe(node.target);
    else {
      const got = debugfsLs(image, path).map(({ name, ino, mode, fileType: type, uid, gid, size }) => ({
        name,
        ino,
        mode,
        type,
        uid,
        gid,
        size: type === fileType.dir ? null : size,
      }));
      const dir: DirNode = node;
      const want = [listed('.', dir), listed('..', parent ?? dir), ...[...dir.children].map(([name, child]) => listed(name, child))];
      expect(got.sort(byName), `ls -l ${path}`).toEqual(want.sort(byName));
    }
  }
}
