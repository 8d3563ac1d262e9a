/**
 * A plain in-memory file tree: what a POSIX file system holds after a
 * sequence of operations, and which error (Linux's, in Linux's order of
 * checks) each operation must fail with. Slow and obviously right: files
 * are sparse byte maps, directories are Maps, nothing is shared.
 */
import { DT_DIR, DT_LNK, DT_REG, type FsError, type Ino } from '../fs.ts';

export class SparseBytes {
  static readonly chunk = 4096;
  size = 0;
  readonly #chunks = new Map<number, Uint8Array>();

  write(offset: number, data: Uint8Array): void {
    const C = SparseBytes.chunk;
    for (let i = 0; i < data.length; ) {
      const at = offset + i;
      const index = Math.floor(at / C);
      let chunk = this.#chunks.get(index);
      if (chunk === undefined) {
        chunk = new Uint8Array(C);
        this.#chunks.set(index, chunk);
      }
      const n = Math.min(C - (at % C), data.length - i);
      chunk.set(data.subarray(i, i + n), at % C);
      i += n;
    }
    this.size = Math.max(this.size, offset + data.length);
  }

  truncate(size: number): void {
    const C = SparseBytes.chunk;
    for (const index of [...this.#chunks.keys()]) {
      if (index * C >= size) this.#chunks.delete(index);
      else if ((index + 1) * C > size) this.#chunks.get(index)!.fill(0, size - index * C);
    }
    this.size = size;
  }

  read(offset: number, length: number): Uint8Array {
    const C = SparseBytes.chunk;
    const n = Math.max(0, Math.min(length, this.size - offset));
    const out = new Uint8Array(n);
    for (let i = 0; i < n; ) {
      const at = offset + i;
      const m = Math.min(C - (at % C), n - i);
      const chunk = this.#chunks.get(Math.floor(at / C));
      if (chunk !== undefined) out.set(chunk.subarray(at % C, (at % C) + m), i);
      i += m;
    }
    return out;
  }
}

interface Common {
  ino: number;
  uid: number;
  gid: number;
}
export interface FileNode extends Common {
  kind: 'file';
  mode: number;
  data: SparseBytes;
}
export interface DirNode extends Common {
  kind: 'dir';
  mode: number;
  parent: DirNode | null;
  children: Map<string, Node>;
}
export interface LinkNode extends Common {
  kind: 'link';
  target: string;
}
export type Node = FileNode | DirNode | LinkNode;

const utf8 = new TextEncoder();

/** The errno an operation must fail with, or null if it must succeed. */
export type Expected = FsError['code'] | null;

/** `list[index]`, wrapping around: how a generated index picks a node. */
export function pick<T>(list: readonly T[], index: number): T {
  return list[index % list.length];
}

/** What readdir lists: a name, its inode, its type (DT_*). */
export interface Listing {
  name: string;
  ino: Ino;
  type: number;
}

const dtype = { file: DT_REG, dir: DT_DIR, link: DT_LNK } as const;

/** Orders listings by name. */
export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class TreeModel {
  readonly root: DirNode;
  readonly blockSize: number;
  readonly #targetMax: number;

  /** A tree holding what mke2fs makes: the root and an empty lost+found (inode 11), both root's. */
  constructor(blockSize: number) {
    this.root = { kind: 'dir', ino: 2, mode: 0o40755, uid: 0, gid: 0, parent: null, children: new Map() };
    this.root.children.set('lost+found', {
      kind: 'dir',
      ino: 11,
      mode: 0o40700,
      uid: 0,
      gid: 0,
      parent: this.root,
      children: new Map(),
    });
    this.blockSize = blockSize;
    this.#targetMax = Math.min(blockSize - 1, 4095);
  }

  dirs(): DirNode[] {
    return this.nodes().flatMap(({ node }) => (node.kind === 'dir' ? [node] : []));
  }

  files(): FileNode[] {
    return this.nodes().flatMap(({ node }) => (node.kind === 'file' ? [node] : []));
  }

  /** Entries a rename or removal can name: everything but the root. */
  named(): { parent: DirNode; name: string; node: Node }[] {
    return this.nodes().flatMap(({ parent, name, node }) => (parent === null ? [] : [{ parent, name, node }]));
  }

  /** The path of `node`. */
  pathOf(node: Node): string {
    return this.nodes().find((n) => n.node === node)!.path;
  }

  /** What a readdir of `dir` must list, "." and ".." included, by name. */
  listing(dir: DirNode): Listing[] {
    const entries = [
      { name: '.', ino: dir.ino, type: DT_DIR },
      { name: '..', ino: (dir.parent ?? dir).ino, type: DT_DIR },
      ...[...dir.children].map(([name, child]) => ({ name, ino: child.ino, type: dtype[child.kind] })),
    ];
    return entries.sort(byName);
  }

  /** Every node with its path, parents before children, in name order. */
  nodes(): { path: string; node: Node; parent: DirNode | null; name: string }[] {
    const out: { path: string; node: Node; parent: DirNode | null; name: string }[] = [
      { path: '/', node: this.root, parent: null, name: '' },
    ];
    const visit = (dir: DirNode, path: string): void => {
      for (const name of [...dir.children.keys()].sort()) {
        const node = dir.children.get(name)!;
        const child = `${path}${name}`;
        out.push({ path: child, node, parent: dir, name });
        if (node.kind === 'dir') visit(node, `${child}/`);
      }
    };
    visit(this.root, '/');
    return out;
  }

  /** The error creating `name` in `dir` must give (create, mkdir, symlink); a symlink's target is checked after the name. */
  checkNew(dir: DirNode, name: string, target?: string): Expected {
    if (utf8.encode(name).length > 255) return 'ENAMETOOLONG';
    if (dir.children.has(name)) return 'EEXIST';
    if (target !== undefined && utf8.encode(target).length > this.#targetMax) return 'ENAMETOOLONG';
    return null;
  }

  add(dir: DirNode, name: string, node: Node): void {
    dir.children.set(name, node);
  }

  checkUnlink(node: Node): Expected {
    return node.kind === 'dir' ? 'EISDIR' : null;
  }

  checkRmdir(node: Node): Expected {
    if (node.kind !== 'dir') return 'ENOTDIR';
    return node.children.size > 0 ? 'ENOTEMPTY' : null;
  }

  remove(dir: DirNode, name: string): void {
    dir.children.delete(name);
  }

  /**
   * The error rename must give, Linux's order: a name too long; the same
   * file under both names does nothing; a directory moved below itself
   * (EINVAL); replacing a non-directory by a directory (ENOTDIR) or the
   * reverse (EISDIR); replacing a non-empty directory (ENOTEMPTY).
   */
  checkRename(from: DirNode, fromName: string, to: DirNode, toName: string): Expected | 'noop' {
    if (utf8.encode(toName).length > 255) return 'ENAMETOOLONG';
    const moved = from.children.get(fromName)!;
    const replaced = to.children.get(toName);
    if (replaced === moved) return 'noop';
    if (moved.kind === 'dir') {
      for (let at: DirNode | null = to; at !== null; at = at.parent) if (at === moved) return 'EINVAL';
    }
    if (replaced !== undefined) {
      if (moved.kind === 'dir' && replaced.kind !== 'dir') return 'ENOTDIR';
      if (moved.kind !== 'dir' && replaced.kind === 'dir') return 'EISDIR';
      if (moved.kind === 'dir' && replaced.kind === 'dir' && replaced.children.size > 0) return 'ENOTEMPTY';
    }
    return null;
  }

  rename(from: DirNode, fromName: string, to: DirNode, toName: string): void {
    const moved = from.children.get(fromName)!;
    from.children.delete(fromName);
    to.children.set(toName, moved);
    if (moved.kind === 'dir') moved.parent = to;
  }
}
