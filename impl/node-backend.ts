/**
 * Files on disk through node:fs, by file descriptor: every read, write and
 * identity check goes to the open file, so a rename over its path or its
 * deletion changes nothing the engine reads (the open file is another file
 * than the one the path names now).
 */

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assert } from './assert.ts';
import type { FileBackend, FileIdentity, Siblings } from './backend.ts';

export class NodeFileBackend implements FileBackend {
  readonly name: string;
  /** The file's directory, as its path named it when opened; null for a temporary, which has no name. */
  readonly siblings: Siblings | null;
  readonly #fd: number;
  #closed = false;

  private constructor(name: string, fd: number, siblings: Siblings | null) {
    this.name = name;
    this.#fd = fd;
    this.siblings = siblings;
  }

  /**
   * Opens `file` ('r' read-only, 'r+' read-write, 'w+' read-write and
   * created if missing: the engine truncates it itself, after recovering
   * a pending journal, so that a crash between the two finds the journal),
   * which must be a regular file whose size describes its content: anything
   * else is closed again and refused with EISDIR (a directory) or ENODEV (a
   * FIFO, socket or device, or a file of a pseudo file system such as
   * procfs or sysfs, where a file's bytes are made as it is read and its
   * size is 0 or a page whatever it holds), an error shaped as the open(2)
   * failure it stands for (ENODEV: what mmap(2) answers for a file it
   * cannot map).
   * Opened non-blocking so that a FIFO is refused instead of waiting for a
   * writer; the flag means nothing to regular files. A Buffer path is
   * opened byte for byte; the backend's name is its UTF-8 reading, as a
   * Node system error's `path` is.
   */
  static open(file: string | Buffer, flags: 'r' | 'r+' | 'w+'): NodeFileBackend {
    const { O_RDONLY, O_RDWR, O_CREAT, O_NONBLOCK } = fs.constants;
    const mode = { r: O_RDONLY, 'r+': O_RDWR, 'w+': O_RDWR | O_CREAT }[flags];
    const name = file.toString();
    const fd = fs.openSync(file, mode | O_NONBLOCK, 0o666);
    let refusal: Refusal | null;
    try {
      refusal = refused(fd);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    if (refusal !== null) {
      fs.closeSync(fd);
      const [code, kind] = refusal;
      throw Object.assign(new Error(`${code}: ${kind}, open '${name}'`), {
        errno: -os.constants.errno[code],
        code,
        syscall: 'open',
        path: name,
      });
    }
    return new NodeFileBackend(name, fd, new NodeSiblings(path.resolve(path.dirname(name))));
  }

  /** A backend over `fd`, a regular file of `siblings` named `name` (a journal). */
  static adopt(name: string, fd: number, siblings: Siblings): NodeFileBackend {
    return new NodeFileBackend(name, fd, siblings);
  }

  /**
   * A new empty file in `dir`, unlinked as soon as it is created so nothing is
   * left behind after a crash. Written sparsely: only what is written takes space.
   */
  static temporary(dir: string, purpose: string): NodeFileBackend {
    const file = temporaryPath(dir, purpose);
    const fd = fs.openSync(file, 'wx+', 0o600);
    fs.unlinkSync(file);
    return new NodeFileBackend(`${purpose} in ${dir}`, fd, null);
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    // readSync takes a negative position as "the file position", which the engine never uses.
    assert(position >= 0, 'reading at a negative position');
    assert(offset + length <= buffer.length, 'reading into past the end of the buffer');
    let done = 0;
    // Stryker disable next-line EqualityOperator
    while (done < length) {
      const count = fs.readSync(this.#fd, buffer, offset + done, length - done, position + done);
      if (count === 0) break;
      done += count;
    }
    return done;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    assert(position >= 0, 'writing at a negative position');
    assert(offset + length <= buffer.length, 'writing from past the end of the buffer');
    let done = 0;
    while (done < length) done += fs.writeSync(this.#fd, buffer, offset + done, length - done, position + done);
  }

  writev(buffers: readonly Uint8Array[], position: number): void {
    assert(position >= 0, 'writing at a negative position');
    let total = 0;
    // Stryker disable next-line AssignmentOperator
    for (const buffer of buffers) total += buffer.length;
    const done = fs.writevSync(this.#fd, buffers as Uint8Array[], position);
    if (done === total) return;
    // A short writev (a signal, a disk filling up): the rest buffer by buffer.
    let start = 0;
    for (const buffer of buffers) {
      const from = Math.max(0, done - start);
      if (from < buffer.length) this.write(buffer, from, buffer.length - from, position + start + from);
      start += buffer.length;
    }
  }

  truncate(length: number): void {
    assert(length >= 0, 'truncating to a negative length');
    fs.ftruncateSync(this.#fd, length);
  }

  sync(): void {
    fs.fsyncSync(this.#fd);
  }

  datasync(): void {
    fs.fdatasyncSync(this.#fd);
  }

  /**
   * fstat(2) of the descriptor, times in milliseconds as doubles: exact to
   * a quarter of a microsecond at today's dates, finer than any file
   * system's timestamp granularity, and a plain Stats object (the bigint
   * variant costs a third more per call).
   */
  identity(): FileIdentity {
    return fs.fstatSync(this.#fd);
  }

  /**
   * A reflink clone where the file system supports it (FICLONE), a full
   * copy otherwise, of the open file (through its descriptor's name in
   * /proc/self/fd, or /dev/fd: not the path, which may name another file
   * by now).
   */
  clone(dir: string): FileBackend {
    if (this.siblings === null) throw Object.assign(new Error('a temporary file is never copied'), { code: 'EINVAL' });
    const file = temporaryPath(dir, 'copy');
    fs.copyFileSync(`${descriptors}/${this.#fd}`, file, fs.constants.COPYFILE_FICLONE);
    try {
      return new NodeFileBackend(`copy of ${this.name}`, fs.openSync(file, 'r'), null);
    } finally {
      fs.unlinkSync(file);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    fs.closeSync(this.#fd);
  }
}

/**
 * The directory a file was opened in, by its absolute path at open time
 * (a directory has no descriptor-relative calls in node:fs): a journal is
 * made, found and removed there by name.
 */
class NodeSiblings implements Siblings {
  constructor(readonly dir: string) {}

  open(name: string): FileBackend | null {
    const file = path.join(this.dir, name);
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return NodeFileBackend.adopt(file, fd, this);
  }

  create(name: string): FileBackend {
    const file = path.join(this.dir, name);
    const { O_RDWR, O_CREAT, O_EXCL } = fs.constants;
    return NodeFileBackend.adopt(file, fs.openSync(file, O_RDWR | O_CREAT | O_EXCL, 0o666), this);
  }

  remove(name: string): void {
    fs.unlinkSync(path.join(this.dir, name));
  }

  sync(): void {
    const fd = fs.openSync(this.dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

// Where an open descriptor can be opened again by name: Linux's /proc/self/fd, else /dev/fd (macOS, the BSDs).
const descriptors = fs.existsSync('/proc/self/fd') ? '/proc/self/fd' : '/dev/fd';

/**
 * Linux's pseudo file systems, by statfs(2) f_type (linux/magic.h; configfs
 * and fusectl from their kernel sources, which keep theirs private): their
 * regular files are made by the kernel as they are read, sized 0 or a page
 * whatever they hold, and change with no mtime to show for it, so no
 * snapshot of them can be bound or checked.
 */
const pseudoFileSystems = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x62656570, 'configfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0xcafe4a11, 'bpf'],
  [0xf97cff8c, 'selinuxfs'],
  [0x43415d53, 'smackfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x65735543, 'fusectl'],
  [0x6e736673, 'nsfs'],
  [0x7655821, 'resctrl'],
  [0x5a3c69f0, 'apparmorfs'],
]);

type Refusal = readonly [code: 'EISDIR' | 'ENODEV', kind: string];

/** Why NodeFileBackend.open refuses open descriptor `fd` (see there), or null. */
function refused(fd: number): Refusal | null {
  const stat = fs.fstatSync(fd);
  if (stat.isDirectory()) return ['EISDIR', 'a directory'];
  if (!stat.isFile()) return ['ENODEV', 'not a regular file'];
  const pseudo = pseudoFileSystem(fd);
  return pseudo === null ? null : ['ENODEV', `a file of ${pseudo}, whose size does not describe its content`];
}

/**
 * The pseudo file system open descriptor `fd` is on, else null. Node has
 * statfs by path only: the descriptor's name in /proc/self/fd leads to the
 * open file, not to whatever its path names by now. Linux only, with /proc
 * mounted: elsewhere the magic numbers mean nothing (and without /proc no
 * file of procfs can be open; null).
 */
function pseudoFileSystem(fd: number): string | null {
  if (process.platform !== 'linux' || descriptors !== '/proc/self/fd') return null;
  const type = fs.statfsSync(`${descriptors}/${fd}`).type;
  assert(Number.isInteger(type), 'a file system type that is not an integer');
  return pseudoFileSystems.get(type) ?? null;
}

function temporaryPath(dir: string, purpose: string): string {
  return path.join(dir, `.deferred-io-${process.pid}-${randomBytes(8).toString('hex')}.${purpose}`);
}
