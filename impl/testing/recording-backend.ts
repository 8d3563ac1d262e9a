/**
 * A recording backend for crash testing, as ALICE and CrashMonkey record a
 * program's system calls: an in-memory directory whose files keep what
 * readers see (the page cache) apart from what survives a power cut, and
 * which logs, in order, every call that changes either. crash-states.ts
 * replays such a log to build every state a crash could leave after each
 * call; a crash state opens as a directory of its own, so recovery runs on
 * it and is recorded in turn (a crash inside recovery).
 *
 * The crash model is the spec's (spec/DeferredIO.tla, Crash; impl/README.md,
 * Durability): fsync (or fdatasync) makes a file's content and length
 * durable, a directory fsync makes its creations, removals and renames
 * durable; until then a power cut keeps any subset of the changes made
 * since, at block granularity.
 */
import { assert } from '../assert.ts';
import type { FileBackend, FileIdentity, Siblings } from '../backend.ts';
import { MemoryBackend } from '../memory-backend.ts';

/**
 * A call that changes a file or the directory, as logged. `file` is the
 * inode, `name` the name the file was opened or created by: what the spec's
 * log and the error messages call it. Data is copied when logged.
 */
export type RecordedCall =
  | {
      readonly op: 'write' | 'writev';
      readonly file: number;
      readonly name: string;
      readonly position: number;
      readonly data: Uint8Array;
    }
  | { readonly op: 'truncate'; readonly file: number; readonly name: string; readonly length: number }
  | { readonly op: 'sync' | 'datasync'; readonly file: number; readonly name: string }
  | { readonly op: 'create' | 'remove'; readonly file: number; readonly name: string }
  | { readonly op: 'rename'; readonly file: number; readonly name: string; readonly to: string }
  | { readonly op: 'syncDirectory' };

/**
 * A file's bytes by block of the directory's block size. A missing block
 * reads as zeros; no block lies wholly past `length`, and the one it falls
 * in is zero past it, so growing a file needs no zeroing. A block array is
 * never changed once stored, so states share blocks and compare them by
 * identity.
 */
export interface Content {
  readonly length: number;
  readonly blocks: ReadonlyMap<number, Uint8Array>;
}

/**
 * A change to a file's content since its last fsync, which a power cut may
 * keep or lose: a block as the page cache held it after a write (`bytes`,
 * the whole block), or a truncate, which zeroes every byte from `from` on.
 * `call` is its index in the log that made it.
 */
export type Unsynced =
  | { readonly kind: 'block'; readonly call: number; readonly block: number; readonly bytes: Uint8Array }
  | { readonly kind: 'cut'; readonly call: number; readonly from: number };

export interface FileState {
  /** What readers see. */
  readonly cache: Content;
  /** What the last fsync made durable. */
  readonly durable: Content;
  /** The changes made since, in order. */
  readonly unsynced: readonly Unsynced[];
}

/** A creation, removal or rename since the last directory fsync, which a power cut may keep or lose. */
export interface EntryChange {
  readonly call: number;
  readonly op: 'create' | 'remove' | 'rename';
  readonly name: string;
  /** The inode the change is about. */
  readonly file: number;
  /** A rename's new name. */
  readonly to?: string;
}

/** A directory and its files, as a crash sees them. */
export interface DirectoryState {
  readonly blockSize: number;
  /** Every inode, linked or not: an unlinked one comes back if its removal was not durable. */
  readonly files: ReadonlyMap<number, FileState>;
  /** Names to inodes, as readers see them. */
  readonly entries: ReadonlyMap<string, number>;
  /** Names to inodes, as the last directory fsync made them durable. */
  readonly durableEntries: ReadonlyMap<string, number>;
  readonly unsyncedEntries: readonly EntryChange[];
}

/** A directory of the files `files` (name to content), everything durable: the state before a test's first call. */
export function durableDirectory(blockSize: number, files: Readonly<Record<string, Uint8Array>>): DirectoryState {
  assert(Number.isInteger(blockSize) && blockSize > 0, 'block size not a positive integer');
  const states = new Map<number, FileState>();
  const entries = new Map<string, number>();
  for (const [name, bytes] of Object.entries(files)) {
    const blocks = new Map<number, Uint8Array>();
    for (let at = 0; at < bytes.length; at += blockSize) {
      const block = new Uint8Array(blockSize);
      block.set(bytes.subarray(at, at + blockSize));
      blocks.set(at / blockSize, block);
    }
    const content = { length: bytes.length, blocks };
    const file = states.size + 1;
    states.set(file, { cache: content, durable: content, unsynced: [] });
    entries.set(name, file);
  }
  return { blockSize, files: states, entries, durableEntries: entries, unsyncedEntries: [] };
}

/** `length` bytes of `content` from 0, zeros past its end. */
export function bytesOf(content: Content, blockSize: number): Uint8Array {
  const out = new Uint8Array(content.length);
  for (const [index, block] of content.blocks) {
    const at = index * blockSize;
    if (at < content.length) out.set(block.subarray(0, Math.min(blockSize, content.length - at)), at);
  }
  return out;
}

interface Inode {
  cache: Map<number, Uint8Array>;
  length: number;
  durable: Content;
  unsynced: Unsynced[];
  /** Changes of content: the file's mtime and ctime, for the engine's change detection. */
  version: number;
}

/**
 * Which calls of the directory's files the disk acknowledges and ignores: a
 * test-only fault (a disk that lies about flushing), to show that a check
 * catches a lost fsync. An ignored sync is not logged: the log is what
 * reached the disk.
 */
export type IgnoredSync = (call: Extract<RecordedCall, { op: 'sync' | 'datasync' | 'syncDirectory' }>) => boolean;

/**
 * The directory: `Siblings` for every file it holds, and the log of calls.
 * `apply` is the one place a call changes the state, whether a file backend
 * makes it or crash-states.ts replays it.
 */
export class RecordingDirectory implements Siblings {
  readonly blockSize: number;
  /** Every call that changed a file or the directory, in order. */
  readonly log: RecordedCall[] = [];
  readonly #ignored: IgnoredSync;
  readonly #inodes = new Map<number, Inode>();
  readonly #entries: Map<string, number>;
  #durableEntries: ReadonlyMap<string, number>;
  #unsyncedEntries: EntryChange[];
  #nextInode: number;

  constructor(state: DirectoryState, options: { ignoreSync?: IgnoredSync } = {}) {
    this.blockSize = state.blockSize;
    this.#ignored = options.ignoreSync ?? (() => false);
    for (const [file, { cache, durable, unsynced }] of state.files)
      this.#inodes.set(file, {
        cache: new Map(cache.blocks),
        length: cache.length,
        durable,
        unsynced: [...unsynced],
        version: 0,
      });
    this.#entries = new Map(state.entries);
    this.#durableEntries = state.durableEntries;
    this.#unsyncedEntries = [...state.unsyncedEntries];
    this.#nextInode = Math.max(0, ...state.files.keys()) + 1;
    for (const file of state.entries.values()) assert(this.#inodes.has(file), `an entry names no inode (${file})`);
  }

  /** The state now: a copy, which later calls leave alone. */
  state(): DirectoryState {
    const files = new Map<number, FileState>();
    for (const [file, inode] of this.#inodes)
      files.set(file, {
        cache: { length: inode.length, blocks: new Map(inode.cache) },
        durable: inode.durable,
        unsynced: [...inode.unsynced],
      });
    return {
      blockSize: this.blockSize,
      files,
      entries: new Map(this.#entries),
      durableEntries: this.#durableEntries,
      unsyncedEntries: [...this.#unsyncedEntries],
    };
  }

  /** The names readers see, sorted. */
  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** What readers of `name` see, or null if there is no such file. */
  content(name: string): Uint8Array | null {
    const file = this.#entries.get(name);
    if (file === undefined) return null;
    const inode = this.#inodes.get(file)!;
    return bytesOf({ length: inode.length, blocks: inode.cache }, this.blockSize);
  }

  open(name: string): RecordingFile | null {
    const file = this.#entries.get(name);
    return file === undefined ? null : new RecordingFile(this, file, name);
  }

  create(name: string): RecordingFile {
    if (this.#entries.has(name)) throw systemError('EEXIST', `create '${name}': file exists`);
    const file = this.#nextInode;
    this.apply({ op: 'create', file, name });
    return new RecordingFile(this, file, name);
  }

  remove(name: string): void {
    const file = this.#entries.get(name);
    if (file === undefined) throw systemError('ENOENT', `remove '${name}': no such file`);
    this.apply({ op: 'remove', file, name });
  }

  /** rename(2): `to`, if present, is replaced. */
  rename(name: string, to: string): void {
    const file = this.#entries.get(name);
    if (file === undefined) throw systemError('ENOENT', `rename '${name}': no such file`);
    this.apply({ op: 'rename', file, name, to });
  }

  sync(): void {
    this.apply({ op: 'syncDirectory' });
  }

  /** Logs `call` and makes its change; a sync the disk ignores (`ignoreSync`) does neither. */
  apply(call: RecordedCall): void {
    if ((call.op === 'sync' || call.op === 'datasync' || call.op === 'syncDirectory') && this.#ignored(call)) return;
    const index = this.log.length;
    this.log.push(call);
    switch (call.op) {
      case 'write':
      case 'writev':
        return this.#write(this.#inode(call.file), index, call.position, call.data);
      case 'truncate':
        return this.#truncate(this.#inode(call.file), index, call.length);
      case 'sync':
      case 'datasync': {
        const inode = this.#inode(call.file);
        inode.durable = { length: inode.length, blocks: new Map(inode.cache) };
        inode.unsynced = [];
        return;
      }
      case 'create':
        assert(call.file === this.#nextInode, 'a replayed creation made another inode than the recorded one');
        this.#nextInode++;
        this.#inodes.set(call.file, { cache: new Map(), length: 0, durable: emptyContent, unsynced: [], version: 0 });
        this.#entries.set(call.name, call.file);
        this.#unsyncedEntries.push({ call: index, op: 'create', name: call.name, file: call.file });
        return;
      case 'remove':
        assert(this.#entries.get(call.name) === call.file, 'removing a name that holds another inode');
        this.#entries.delete(call.name);
        this.#unsyncedEntries.push({ call: index, op: 'remove', name: call.name, file: call.file });
        return;
      case 'rename':
        assert(this.#entries.get(call.name) === call.file, 'renaming a name that holds another inode');
        this.#entries.delete(call.name);
        this.#entries.set(call.to, call.file);
        this.#unsyncedEntries.push({ call: index, op: 'rename', name: call.name, file: call.file, to: call.to });
        return;
      case 'syncDirectory':
        this.#durableEntries = new Map(this.#entries);
        this.#unsyncedEntries = [];
        return;
    }
  }

  read(file: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const inode = this.#inode(file);
    const count = Math.max(0, Math.min(length, inode.length - position));
    const B = this.blockSize;
    for (let done = 0; done < count; ) {
      const at = position + done;
      const within = at % B;
      const n = Math.min(B - within, count - done);
      const block = inode.cache.get((at - within) / B);
      if (block === undefined) buffer.fill(0, offset + done, offset + done + n);
      else buffer.set(block.subarray(within, within + n), offset + done);
      done += n;
    }
    return count;
  }

  identity(file: number): FileIdentity {
    const inode = this.#inode(file);
    let nlink = 0;
    for (const linked of this.#entries.values()) if (linked === file) nlink++;
    return { size: inode.length, mtimeMs: inode.version, ctimeMs: inode.version, nlink, ino: file, dev: 1 };
  }

  #inode(file: number): Inode {
    const inode = this.#inodes.get(file);
    assert(inode !== undefined, `no inode ${file}`);
    return inode;
  }

  #write(inode: Inode, call: number, position: number, data: Uint8Array): void {
    if (data.length === 0) return;
    const B = this.blockSize;
    for (let done = 0; done < data.length; ) {
      const at = position + done;
      const within = at % B;
      const n = Math.min(B - within, data.length - done);
      const index = (at - within) / B;
      const block = new Uint8Array(B);
      const old = inode.cache.get(index);
      if (old !== undefined) block.set(old);
      block.set(data.subarray(done, done + n), within);
      inode.cache.set(index, block);
      inode.unsynced.push({ kind: 'block', call, block: index, bytes: block });
      done += n;
    }
    inode.length = Math.max(inode.length, position + data.length);
    inode.version++;
  }

  #truncate(inode: Inode, call: number, length: number): void {
    assert(Number.isSafeInteger(length) && length >= 0, 'truncating to a negative length');
    // Growing cuts nothing: the cache is zero past its length already.
    const from = Math.min(length, inode.length);
    cut(inode.cache, from, this.blockSize);
    inode.length = length;
    inode.unsynced.push({ kind: 'cut', call, from });
    inode.version++;
  }
}

/**
 * Zeroes every byte of `blocks` from `from` on: drops the blocks wholly past
 * it, and replaces the one it falls in by a copy zeroed past it, unless that
 * one is zero there already. The copy of a block cut at a place is made once
 * (`cuts`), so that equal states built apart hold the same blocks.
 */
export function cut(blocks: Map<number, Uint8Array>, from: number, blockSize: number): void {
  const within = from % blockSize;
  const last = (from - within) / blockSize;
  for (const index of blocks.keys()) if (index > last || (index === last && within === 0)) blocks.delete(index);
  const partial = blocks.get(last);
  if (partial === undefined || partial.subarray(within).every((byte) => byte === 0)) return;
  const made = cuts.get(partial) ?? new Map<number, Uint8Array>();
  cuts.set(partial, made);
  let block = made.get(within);
  if (block === undefined) {
    block = new Uint8Array(blockSize);
    block.set(partial.subarray(0, within));
    made.set(within, block);
  }
  blocks.set(last, block);
}

/** Blocks cut short, by the block and the place cut. */
const cuts = new WeakMap<Uint8Array, Map<number, Uint8Array>>();

const emptyContent: Content = { length: 0, blocks: new Map() };

function systemError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/** One open file of a RecordingDirectory: the engine's FileBackend, its `siblings` the directory. */
export class RecordingFile implements FileBackend {
  readonly siblings: RecordingDirectory;
  /** The inode. */
  readonly file: number;
  readonly name: string;

  constructor(directory: RecordingDirectory, file: number, name: string) {
    this.siblings = directory;
    this.file = file;
    this.name = name;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    assert(position >= 0, 'reading at a negative position');
    assert(offset + length <= buffer.length, 'reading into past the end of the buffer');
    return this.siblings.read(this.file, buffer, offset, length, position);
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    assert(position >= 0, 'writing at a negative position');
    assert(offset + length <= buffer.length, 'writing from past the end of the buffer');
    const data = buffer.slice(offset, offset + length);
    this.siblings.apply({ op: 'write', file: this.file, name: this.name, position, data });
  }

  writev(buffers: readonly Uint8Array[], position: number): void {
    assert(position >= 0, 'writing at a negative position');
    const data = new Uint8Array(buffers.reduce((sum, buffer) => sum + buffer.length, 0));
    let at = 0;
    for (const buffer of buffers) {
      data.set(buffer, at);
      at += buffer.length;
    }
    this.siblings.apply({ op: 'writev', file: this.file, name: this.name, position, data });
  }

  truncate(length: number): void {
    this.siblings.apply({ op: 'truncate', file: this.file, name: this.name, length });
  }

  sync(): void {
    this.siblings.apply({ op: 'sync', file: this.file, name: this.name });
  }

  datasync(): void {
    this.siblings.apply({ op: 'datasync', file: this.file, name: this.name });
  }

  identity(): FileIdentity {
    return this.siblings.identity(this.file);
  }

  /** An isolation copy: private to the engine, so neither recorded nor crashed. */
  clone(): FileBackend {
    const { size } = this.identity();
    const bytes = new Uint8Array(size);
    this.read(bytes, 0, size, 0);
    return new MemoryBackend(`${this.name} (copy)`, bytes);
  }

  close(): void {}
}
