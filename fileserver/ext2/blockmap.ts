/**
 * Block maps: which image block holds each block of a file. i_block holds
 * 12 direct pointers, then the roots of three trees of pointer blocks
 * (P = blockSize / 4 pointers each): single indirect (P file blocks),
 * double (P^2) and triple (P^3). A zero pointer is a hole: it reads as
 * zeros and, in a tree, stands for its whole subtree. Holes stay holes
 * until written.
 *
 * The pointer blocks are read where they lie in the image, one pointer at
 * a time; every block number read is checked (Superblock.isDataBlock)
 * before it is followed or freed, so a corrupt image is refused with EIO
 * instead of steering a store into the file system's own structures.
 */

import type { Allocator, Run } from './alloc.ts';
import { assert, corrupt } from './assert.ts';
import { directBlocks, indirectSlot } from './format.ts';
import type { Inode } from './inode.ts';
import type { Superblock } from './super.ts';
import type { UndoLog } from './undo.ts';

/** One of the three trees: its slot in i_block, depth, and the file blocks it covers. */
interface Tree {
  slot: number;
  depth: number;
  base: number;
  span: number;
}

/**
 * Called for consecutive runs of file blocks: `count` blocks from
 * `fileBlock` lie from `physical` on, or are a hole (physical 0). Returning
 * true stops the walk.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a visitor that never stops the walk returns nothing
export type RunVisitor = (fileBlock: number, physical: number, count: number) => boolean | void;
type Emit = (fileBlock: number, physical: number, count: number) => boolean;

export class BlockMap {
  readonly #disk: UndoLog;
  readonly #sb: Superblock;
  readonly #alloc: Allocator;
  readonly #P: number;
  readonly #trees: readonly Tree[];
  /** A pointer block's worth of new pointers, stored with one copy (#fillLeaf). */
  readonly #pointers: DataView;
  /** File blocks the tree can address. */
  readonly blocksMax: number;

  constructor(disk: UndoLog, superblock: Superblock, alloc: Allocator) {
    this.#disk = disk;
    this.#sb = superblock;
    this.#alloc = alloc;
    const P = superblock.pointersPerBlock;
    this.#P = P;
    const trees: Tree[] = [];
    let base = directBlocks;
    for (let depth = 1; depth <= 3; depth++) {
      trees.push({ slot: indirectSlot + depth - 1, depth, base, span: P ** depth });
      base += P ** depth;
    }
    this.#trees = trees;
    this.#pointers = new DataView(new ArrayBuffer(superblock.blockSize));
    this.blocksMax = base;
  }

  /** The image block holding file block `fileBlock`, 0 for a hole. */
  lookup(inode: Inode, fileBlock: number): number {
    let found = 0;
    this.runs(inode, fileBlock, fileBlock + 1, (_block, physical) => {
      found = physical;
    });
    return found;
  }

  /**
   * Visits [lo, hi) in order as maximal runs of consecutive image blocks
   * and of holes; `visit` returns true to stop early.
   */
  runs(inode: Inode, lo: number, hi: number, visit: RunVisitor): void {
    hi = Math.min(hi, this.blocksMax);
    if (lo >= hi) return;
    let start = lo;
    let first = 0;
    let count = 0;
    let stopped = false;
    const emit = (fileBlock: number, physical: number, n: number): boolean => {
      if (physical !== 0) this.#check(physical, inode);
      const extends_ = count > 0 && (physical === 0 ? first === 0 : first !== 0 && physical === first + count);
      if (extends_) {
        count += n;
        return false;
      }
      if (count > 0 && visit(start, first, count) === true) stopped = true;
      start = fileBlock;
      first = physical;
      count = n;
      return stopped;
    };
    for (let block = lo; block < Math.min(hi, directBlocks); block++) if (emit(block, inode.block(block), 1)) return;
    for (const tree of this.#trees)
      if (this.#walk(inode, inode.block(tree.slot), tree.depth, tree.base, lo, hi, emit)) return;
    if (count > 0) visit(start, first, count);
  }

  /**
   * Maps every block of [lo, hi), allocating the data and pointer blocks
   * missing. Every new block is zeroed, even one the caller is about to
   * overwrite whole: zeroing is what tells a store that the block's old
   * content is not needed (the engine then binds it to zeros without
   * reading it from the image, the block cache takes a frame without a
   * pread), where storing over it would first fetch it. Blocks are taken in
   * runs near the block before `lo`, so a file written in order lies in
   * order.
   */
  allocate(inode: Inode, lo: number, hi: number): void {
    assert(hi <= this.blocksMax, 'allocating past the block tree');
    const previous = lo > 0 ? this.lookup(inode, lo - 1) : 0;
    const source = new BlockSource(
      this.#disk,
      this.#alloc,
      this.#sb,
      inode,
      previous !== 0 ? previous + 1 : this.#home(inode),
    );
    for (let block = lo; block < Math.min(hi, directBlocks); block++) {
      const current = inode.block(block);
      if (current !== 0) this.#check(current, inode);
      else inode.setBlock(block, source.take(hi - block));
    }
    for (const tree of this.#trees) {
      if (hi <= tree.base || lo >= tree.base + tree.span) continue;
      let root = inode.block(tree.slot);
      if (root !== 0) this.#check(root, inode);
      else {
        root = source.take(hi - Math.max(lo, tree.base));
        inode.setBlock(tree.slot, root);
      }
      this.#fill(inode, root, tree.depth, tree.base, lo, hi, source);
    }
    // On failure (ENOSPC) there is nothing to give back: the undo log restores the bitmaps.
    source.giveBack();
  }

  /**
   * Frees every data block from file block `from` on, and every pointer
   * block that then points at nothing; pointer blocks still holding blocks
   * before `from` keep them and get zeros after. Keeps i_blocks right.
   */
  release(inode: Inode, from: number): void {
    const batch = new FreeBatch(this.#alloc);
    for (let slot = from; slot < directBlocks; slot++) {
      const block = inode.block(slot);
      if (block === 0) continue;
      this.#check(block, inode);
      batch.add(block);
      inode.setBlock(slot, 0);
    }
    for (const tree of this.#trees) {
      const root = inode.block(tree.slot);
      if (root === 0 || from >= tree.base + tree.span) continue;
      this.#check(root, inode);
      if (from <= tree.base) {
        this.#freeTree(inode, root, tree.depth, batch);
        inode.setBlock(tree.slot, 0);
      } else this.#trim(inode, root, tree.depth, tree.base, from, batch);
    }
    const freed = batch.finish();
    const sectors = inode.sectors - freed * (this.#sb.blockSize / 512);
    if (sectors < 0) corrupt(`inode ${inode.ino}: i_blocks ${inode.sectors} is less than its blocks`);
    inode.sectors = sectors;
  }

  /** Emits the runs of the subtree at `node` (depth >= 1, covering file blocks from `base`) inside [lo, hi); true if stopped. */
  #walk(inode: Inode, node: number, depth: number, base: number, lo: number, hi: number, emit: Emit): boolean {
    const child = this.#P ** (depth - 1);
    const a = Math.max(lo, base);
    const b = Math.min(hi, base + this.#P * child);
    if (a >= b) return false;
    if (node === 0) return emit(a, 0, b - a);
    this.#check(node, inode);
    const B = this.#sb.blockSize;
    for (let i = Math.floor((a - base) / child); base + i * child < b; i++) {
      const pointer = this.#disk.get32(node * B + 4 * i);
      const stopped =
        depth === 1
          ? emit(base + i, pointer, 1)
          : this.#walk(inode, pointer, depth - 1, base + i * child, lo, hi, emit);
      if (stopped) return true;
    }
    return false;
  }

  #fill(inode: Inode, node: number, depth: number, base: number, lo: number, hi: number, source: BlockSource): void {
    const child = this.#P ** (depth - 1);
    const a = Math.max(lo, base);
    const b = Math.min(hi, base + this.#P * child);
    const B = this.#sb.blockSize;
    if (depth === 1) return this.#fillLeaf(inode, node, base, a - base, b - base, hi, source);
    for (let i = Math.floor((a - base) / child); base + i * child < b; i++) {
      const entry = node * B + 4 * i;
      const childBase = base + i * child;
      let pointer = this.#disk.get32(entry);
      if (pointer !== 0) this.#check(pointer, inode);
      else {
        pointer = source.take(hi - Math.max(lo, childBase));
        this.#disk.set32(entry, pointer);
      }
      if (depth > 1) this.#fill(inode, pointer, depth - 1, childBase, lo, hi, source);
    }
  }

  /**
   * Fills entries [first, end) of the pointer block `node` (whose entry i
   * maps file block base + i): the missing pointers a run of new blocks at
   * a time, each run stored with one logged copy rather than a store per
   * pointer (a large write maps a whole pointer block at once).
   */
  #fillLeaf(
    inode: Inode,
    node: number,
    base: number,
    first: number,
    end: number,
    hi: number,
    source: BlockSource,
  ): void {
    const at = node * this.#sb.blockSize;
    for (let i = first; i < end; ) {
      const pointer = this.#disk.get32(at + 4 * i);
      if (pointer !== 0) {
        this.#check(pointer, inode);
        i++;
        continue;
      }
      let missing = 1;
      while (i + missing < end && this.#disk.get32(at + 4 * (i + missing)) === 0) missing++;
      const run = source.takeRun(missing, hi - (base + i));
      for (let k = 0; k < run.count; k++) this.#pointers.setUint32(4 * k, run.start + k, true);
      this.#disk.copyIn(at + 4 * i, new Uint8Array(this.#pointers.buffer, 0, 4 * run.count));
      i += run.count;
    }
  }

  #freeTree(inode: Inode, node: number, depth: number, batch: FreeBatch): void {
    if (depth > 0) {
      const B = this.#sb.blockSize;
      for (let i = 0; i < this.#P; i++) {
        const pointer = this.#disk.get32(node * B + 4 * i);
        if (pointer === 0) continue;
        this.#check(pointer, inode);
        this.#freeTree(inode, pointer, depth - 1, batch);
      }
    }
    batch.add(node);
  }

  /** Frees what the subtree at `node` (covering file blocks from `base`, with base < from) holds from `from` on. */
  #trim(inode: Inode, node: number, depth: number, base: number, from: number, batch: FreeBatch): void {
    const child = this.#P ** (depth - 1);
    const B = this.#sb.blockSize;
    for (let i = Math.floor((from - base) / child); i < this.#P; i++) {
      const entry = node * B + 4 * i;
      const pointer = this.#disk.get32(entry);
      if (pointer === 0) continue;
      this.#check(pointer, inode);
      const childBase = base + i * child;
      if (from <= childBase) {
        this.#freeTree(inode, pointer, depth - 1, batch);
        this.#disk.set32(entry, 0);
      } else this.#trim(inode, pointer, depth - 1, childBase, from, batch);
    }
  }

  /** Where a file with no block yet starts looking: its inode's group. */
  #home(inode: Inode): number {
    const sb = this.#sb;
    return sb.groupDataStart(Math.floor((inode.ino - 1) / sb.inodesPerGroup));
  }

  #check(block: number, inode: Inode): void {
    if (!this.#sb.isDataBlock(block)) corrupt(`inode ${inode.ino} points at block ${block}, which is not a data block`);
  }
}

/**
 * New blocks for one allocate call: runs taken from the allocator as
 * needed (as long as the blocks still to map, so one run usually serves a
 * whole write), handed out in order; what is left is given back.
 */
class BlockSource {
  #run: Run = { start: 0, count: 0 };
  #goal: number;

  constructor(
    readonly disk: UndoLog,
    readonly alloc: Allocator,
    readonly sb: Superblock,
    readonly inode: Inode,
    goal: number,
  ) {
    this.#goal = goal;
  }

  /** One new block, zeroed, counted in the inode's i_blocks; at most `wanted` blocks are still to come. */
  take(wanted: number): number {
    return this.takeRun(1, wanted).start;
  }

  /**
   * Up to `most` new blocks in a row (at least one), zeroed, counted in the
   * inode's i_blocks; at most `wanted` blocks are still to come. A run is
   * taken from the allocator as long as `wanted` and zeroed whole when it
   * is taken: one store call for many blocks.
   */
  takeRun(most: number, wanted: number): Run {
    const B = this.sb.blockSize;
    if (this.#run.count === 0) {
      this.#run = this.alloc.allocateBlocks(this.#goal, wanted);
      this.disk.zeroUnlogged(this.#run.start * B, this.#run.count * B);
    }
    const start = this.#run.start;
    const count = Math.min(most, this.#run.count);
    this.#run = { start: start + count, count: this.#run.count - count };
    this.#goal = start + count;
    this.inode.sectors += count * (B / 512);
    return { start, count };
  }

  /** Returns the blocks taken and not handed out. */
  giveBack(): void {
    if (this.#run.count > 0) this.alloc.freeBlocks(this.#run.start, this.#run.count);
    this.#run = { start: 0, count: 0 };
  }
}

/** Frees blocks in runs: consecutive blocks added one by one are returned to the bitmap together. */
class FreeBatch {
  #start = 0;
  #count = 0;
  #freed = 0;

  constructor(readonly alloc: Allocator) {}

  add(block: number): void {
    if (this.#count > 0 && block === this.#start + this.#count) {
      this.#count++;
      return;
    }
    this.#flush();
    this.#start = block;
    this.#count = 1;
  }

  /** Frees what is pending; returns how many blocks were freed in all. */
  finish(): number {
    this.#flush();
    return this.#freed;
  }

  #flush(): void {
    if (this.#count === 0) return;
    this.alloc.freeBlocks(this.#start, this.#count);
    this.#freed += this.#count;
    this.#count = 0;
  }
}
