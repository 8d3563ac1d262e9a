/**
 * The deferred-I/O store: the whole image read into one deferred segment
 * in one gulp, page size = the image's block size. The read returns at once and
 * copies nothing; a page is filled from the image when the file system
 * first touches it, and memory stays within the engine's frame budget
 * (clean pages are dropped, dirty ones go to the engine's swap file).
 * Loads, stores and views of one block fault its page in and keep it (the
 * file system comes back to its metadata); a copy out of several pages
 * (file data) is copied from the pages' sources without faulting them in,
 * and a copy in of several pages is prefetched first, one read per run
 * (copyIn). Sync
 * writes the whole segment back with rebind: the engine skips every page
 * still bound to the image, so only the pages changed since the last sync
 * reach the disk, and they become clean again. The write-back is atomic
 * (`atomic: true`): the changed pages go to a journal beside the image
 * (IMAGE.dio-journal), committed and fsynced, then in place and fsynced,
 * then the journal is removed; the engine recovers a journal a crash left
 * when the image is next opened read-write, so after any crash the image
 * is that of the last sync that completed, or of the one the crash
 * interrupted once its journal was committed, never a mix. A sync that
 * fails leaves the pages dirty, and the next sync writes them again.
 *
 * Another process may change the image while it is served. A change of
 * its metadata alone (chmod, chown: ctime moves, mtime and size do not) is
 * no change to the engine. A change of its content (size or mtime moves;
 * `touch` too, which stat cannot tell from a write) loses the bytes the
 * engine did not hold (in memory, or changed): the store accepts the
 * image's current content for them (`seg.refresh`), as a conventional
 * server's next read of those blocks would, and goes on; the clients'
 * changes not yet synced are the engine's own bytes, which a refresh never
 * touches. It does so when a sync finds the image's stat changed since the
 * last one, or when a load (or the sync's write-back) meets a lost byte,
 * which is then tried once more. Each change is reported once, to
 * `onOutsideChange`.
 */
import * as fs from 'node:fs';
import {
  type DeferredFile,
  Engine,
  type FileBackend,
  FileChangedError,
  IOError,
  JournalError,
  type Recovery,
  type Segment,
  type Stats,
} from '../impl/index.ts';
import type { SyncReport } from './fs.ts';
import { imageBlockSize, type ReadAt, readFrom, type Store, StoreError, type StoreOptions } from './store.ts';

export interface SegmentStoreOptions extends StoreOptions {
  /** The engine's frame budget in bytes (default: the engine's, 64 MiB). */
  memory?: number;
  /** Where the engine keeps its swap file and preserve store (default: the OS temp dir). */
  swapDir?: string;
  /** Told of each change another process made to the image that the store sees. */
  onOutsideChange?: (change: OutsideChange) => void;
}

/**
 * A change another process made to the image. `changed` names what its
 * stat shows changed since the store last looked (`mode 0644 -> 0600`,
 * `mtime`, `ctime` when nothing else). `refreshed`: the bytes the engine
 * did not hold (not in memory, not changed by the store), now bound to the
 * image's current content.
 */
export type OutsideChange =
  | { readonly kind: 'metadata'; readonly changed: readonly string[] }
  | { readonly kind: 'content'; readonly changed: readonly string[]; readonly refreshed: number };

/**
 * What the store compares to tell another process's change to the image:
 * fields of its fstat. An image given as a FileBackend (attach) has no
 * mode or owner to compare: they read 0 there, and only its content marks
 * count.
 */
type ImageStat = Pick<fs.Stats, 'mode' | 'uid' | 'gid' | 'size' | 'mtimeMs' | 'ctimeMs'>;

/** How the store reaches the image besides the engine: its stat, and what to release at close. */
interface ImageAccess {
  stat(): ImageStat;
  release(): void;
}

export class SegmentStore implements Store {
  readonly length: number;
  readonly readOnly: boolean;
  readonly #engine: Engine;
  readonly #file: DeferredFile;
  readonly #segment: Segment;
  readonly #image: ImageAccess;
  /** The image's stat as the store last saw it: after its own last write, or an outside change it handled. */
  #seen: ImageStat;
  readonly #onOutsideChange: (change: OutsideChange) => void;
  #closed = false;

  private constructor(
    engine: Engine,
    file: DeferredFile,
    segment: Segment,
    image: ImageAccess,
    readOnly: boolean,
    onOutsideChange: (change: OutsideChange) => void,
  ) {
    this.#engine = engine;
    this.#file = file;
    this.#segment = segment;
    this.#image = image;
    this.#seen = image.stat();
    this.#onOutsideChange = onOutsideChange;
    this.length = segment.length;
    this.readOnly = readOnly;
  }

  /**
   * Opens the image at `path` and reads all of it into one segment
   * (instant: nothing is copied yet). Opened read-write, a journal a crash
   * left beside it is recovered first (`recovery`); opened read-only, such
   * a journal is refused (StoreError, code EJOURNALPENDING).
   */
  static open(path: string, options: SegmentStoreOptions = {}): SegmentStore {
    const readOnly = options.readOnly ?? false;
    // A descriptor of the store's own, to fstat the image: what another process changed.
    const fd = fs.openSync(path, 'r');
    const image = { stat: () => fs.fstatSync(fd), release: () => fs.closeSync(fd) };
    return SegmentStore.#start(
      path,
      readFrom(fd),
      // The journal lives beside the path opened: the real one, so that every path to the image finds it, as the lock.
      (engine) => engine.open(fs.realpathSync(path), readOnly ? 'r' : 'r+'),
      image,
      options,
    );
  }

  /**
   * The same over an image given as a FileBackend (a test's recording
   * backend: every call of a sync logged, its crash states built from the
   * log). Recovery as open's.
   */
  static attach(backend: FileBackend, options: SegmentStoreOptions = {}): SegmentStore {
    const image = {
      stat: (): ImageStat => ({ ...backend.identity(), mode: 0, uid: 0, gid: 0 }),
      release: () => {},
    };
    return SegmentStore.#start(
      backend.name,
      (buffer, offset, length, position) => backend.read(buffer, offset, length, position),
      (engine) => engine.attach(backend, { readOnly: options.readOnly ?? false }),
      image,
      options,
    );
  }

  static #start(
    name: string,
    read: ReadAt,
    open: (engine: Engine) => DeferredFile,
    image: ImageAccess,
    options: SegmentStoreOptions,
  ): SegmentStore {
    let engine: Engine | undefined;
    try {
      engine = new Engine({ pageSize: imageBlockSize(read), memory: options.memory, swapDir: options.swapDir });
      const file = open(engine);
      if (file.size === 0) throw new StoreError(`${name}: the image is empty`, { cause: null });
      const segment = engine.segment(file.size);
      const count = segment.read(file, 0, file.size, 0);
      if (count !== file.size) throw new StoreError(`${name}: read ${count} of ${file.size} bytes`, { cause: null });
      return new SegmentStore(
        engine,
        file,
        segment,
        image,
        options.readOnly ?? false,
        options.onOutsideChange ?? (() => {}),
      );
    } catch (error) {
      engine?.close();
      image.release();
      throw error instanceof IOError || error instanceof JournalError
        ? new StoreError(error.message, { cause: error })
        : error;
    }
  }

  /** What opening the image recovered: the journal of a sync a crash cut short, replayed or discarded; null if there was none. */
  get recovery(): Recovery | null {
    return this.#file.recovery;
  }

  /** The engine's counters and occupancy (faults, bytes written and skipped, resident pages, ...). */
  stats(): Stats {
    return this.#engine.stats();
  }

  /** The engine's frame budget in bytes. */
  get memory(): number {
    return this.#engine.frames * this.#engine.pageSize;
  }

  getUint8(addr: number): number {
    try {
      return this.#segment.getUint8(addr);
    } catch (error) {
      return this.#retry(error, () => this.#segment.getUint8(addr));
    }
  }

  getUint16(addr: number): number {
    try {
      return this.#segment.getUint16(addr, true);
    } catch (error) {
      return this.#retry(error, () => this.#segment.getUint16(addr, true));
    }
  }

  getUint32(addr: number): number {
    try {
      return this.#segment.getUint32(addr, true);
    } catch (error) {
      return this.#retry(error, () => this.#segment.getUint32(addr, true));
    }
  }

  setUint8(addr: number, value: number): void {
    this.#writable();
    try {
      this.#segment.setUint8(addr, value);
    } catch (error) {
      this.#retry(error, () => this.#segment.setUint8(addr, value));
    }
  }

  setUint16(addr: number, value: number): void {
    this.#writable();
    try {
      this.#segment.setUint16(addr, value, true);
    } catch (error) {
      this.#retry(error, () => this.#segment.setUint16(addr, value, true));
    }
  }

  setUint32(addr: number, value: number): void {
    this.#writable();
    try {
      this.#segment.setUint32(addr, value, true);
    } catch (error) {
      this.#retry(error, () => this.#segment.setUint32(addr, value, true));
    }
  }

  copyOut(addr: number, target: Uint8Array): void {
    try {
      // Within one block (an inode, a directory block, a block of a file): through a view of
      // the page, which faults it in and keeps it, as the file system reads its metadata again
      // and again. Longer ranges are copied straight from their sources: the engine's copyOut
      // faults nothing in.
      this.#copyOut(addr, target);
    } catch (error) {
      this.#retry(error, () => this.#copyOut(addr, target));
    }
  }

  #copyOut(addr: number, target: Uint8Array): void {
    const B = this.#segment.pageSize;
    if (target.length > 0 && Math.floor(addr / B) === Math.floor((addr + target.length - 1) / B)) {
      target.set(this.#segment.bytes(addr, target.length));
    } else {
      this.#segment.copyOut(addr, target);
    }
  }

  view(addr: number, length: number): Uint8Array {
    try {
      return this.#segment.bytes(addr, length);
    } catch (error) {
      return this.#retry(error, () => this.#segment.bytes(addr, length));
    }
  }

  copyIn(addr: number, source: Uint8Array): void {
    this.#writable();
    try {
      // A copy over several pages (file data) faults in each page it stores into, one read
      // each for pages bound to the image. Prefetching exactly the range first fills it at
      // once (zeroed new blocks without a read, the rest in one read per run), so the stores
      // fault nothing in.
      this.#copyIn(addr, source);
    } catch (error) {
      this.#retry(error, () => this.#copyIn(addr, source));
    }
  }

  #copyIn(addr: number, source: Uint8Array): void {
    if (source.length > this.#segment.pageSize) this.#segment.prefetch(addr, source.length);
    this.#segment.copyIn(addr, source);
  }

  zero(addr: number, length: number): void {
    this.#writable();
    try {
      this.#segment.zero(addr, length);
    } catch (error) {
      this.#retry(error, () => this.#segment.zero(addr, length));
    }
  }

  /**
   * Writes the whole segment back atomically: the engine writes only the
   * pages changed since the last sync, first to a journal beside the image,
   * then in place, so that a crash at any point leaves, after the recovery
   * at the next open, the image of this sync or of the last one. First, a
   * change another process made to the image since the last look is
   * handled and reported.
   */
  sync(): SyncReport {
    if (this.readOnly) return { written: 0, skipped: this.length };
    const write = (): SyncReport => {
      const before = this.#engine.stats();
      const result = this.#segment.write(this.#file, 0, this.length, 0, { rebind: true, atomic: true });
      this.#seen = this.#image.stat();
      if (result.written === 0) return { written: 0, skipped: result.skipped };
      const after = this.#engine.stats();
      const journal = { runs: after.runs - before.runs, bytes: after.journaled - before.journaled };
      return { written: result.written, skipped: result.skipped, journal };
    };
    try {
      this.#look(false);
      return write();
    } catch (error) {
      return this.#retry(error, write);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#engine.close();
    } finally {
      this.#image.release();
    }
  }

  /**
   * After `error`: if it is a lost byte (another process changed the
   * image), the lost bytes are refreshed and `op` is tried once more;
   * otherwise, or if it fails again, the error as the store throws it.
   */
  #retry<T>(error: unknown, op: () => T): T {
    if (!(error instanceof FileChangedError)) throw failure(error);
    try {
      this.#look(true);
      return op();
    } catch (again) {
      throw failure(again);
    }
  }

  /**
   * Compares the image's stat with the last one seen, and reports a
   * change: a change of its content is refreshed, and so is every lost
   * byte if `refresh` (a load met one). A load may meet one with no new
   * change: a page the engine held when a change was refreshed, dropped
   * from memory since, is lost to that change, which was reported then.
   */
  #look(refresh: boolean): void {
    // The stat before the refresh: a change after it is seen again, never missed.
    const now = this.#image.stat();
    const content = contentChanged(this.#seen, now);
    const refreshed = content || refresh ? this.#segment.refresh() : 0;
    const changed = this.#changes(now);
    const metadata = now.ctimeMs !== this.#seen.ctimeMs;
    this.#seen = now;
    if (content) this.#onOutsideChange({ kind: 'content', changed, refreshed });
    else if (metadata) this.#onOutsideChange({ kind: 'metadata', changed });
  }

  /** What moved between the stat last seen and `now`, as the report names it. */
  #changes(now: ImageStat): string[] {
    const then = this.#seen;
    const changed: string[] = [];
    const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;
    if (then.mode !== now.mode) changed.push(`mode ${octal(then.mode)} -> ${octal(now.mode)}`);
    if (then.uid !== now.uid || then.gid !== now.gid)
      changed.push(`owner ${then.uid}:${then.gid} -> ${now.uid}:${now.gid}`);
    if (then.size !== now.size) changed.push(`size ${then.size} -> ${now.size}`);
    if (then.mtimeMs !== now.mtimeMs) changed.push('mtime');
    if (changed.length === 0 && then.ctimeMs !== now.ctimeMs) changed.push('ctime');
    return changed;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #writable(): void {
    if (this.readOnly) throw new StoreError('the image is open read-only', { cause: { code: 'EROFS' } });
  }
}

/**
 * Whether stat `now` shows another content than `then`, as the engine
 * judges it (its default change detection): size or mtime moved.
 */
function contentChanged(then: ImageStat, now: ImageStat): boolean {
  return then.size !== now.size || then.mtimeMs !== now.mtimeMs;
}

/** I/O failures become StoreErrors; anything else (an address out of range, a closed segment) is a bug and stays itself. */
function failure(error: unknown): unknown {
  if (error instanceof IOError || error instanceof FileChangedError)
    return new StoreError(error.message, { cause: error });
  if (error instanceof Error && 'syscall' in error) return new StoreError(error.message, { cause: error });
  return error;
}
