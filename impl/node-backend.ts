/**
 * Files on disk through node:fs, by file descriptor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FileBackend } from './backend.ts';

export class NodeFileBackend implements FileBackend {
  readonly name: string;
  readonly #fd: number;
  // The path whose inode the engine watches (replaced or deleted shows as a change); null for temporaries.
  readonly #path: string | null;
  #closed = false;

  private constructor(name: string, fd: number, watched: string | null) {
    this.name = name;
    this.#fd = fd;
    this.#path = watched;
  }

  /**
   * Opens `file` ('r' read-only, 'r+' read-write, 'w+' created or truncated),
   * which must be a regular file: anything else is closed again and refused
   * with EISDIR (a directory) or ENODEV (a FIFO, socket or device). Opened
   * non-blocking so that a FIFO is refused instead of waiting for a writer;
   * the flag means nothing to regular files.
   */
  static open(file: string, flags: 'r' | 'r+' | 'w+'): NodeFileBackend {
    const { O_RDONLY, O_RDWR, O_CREAT, O_TRUNC, O_NONBLOCK } = fs.constants;
    const mode = { r: O_RDONLY, 'r+': O_RDWR, 'w+': O_RDWR | O_CREAT | O_TRUNC }[flags];
    const fd = fs.openSync(file, mode | O_NONBLOCK, 0o666);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      fs.closeSync(fd);
      const [code, kind] = stat.isDirectory() ? ['EISDIR', 'a directory'] : ['ENODEV', 'not a regular file'];
      throw Object.assign(new Error(`${code}: ${kind}, open '${file}'`), { code });
    }
    return new NodeFileBackend(file, fd, file);
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

  size(): number {
    return fs.fstatSync(this.#fd).size;
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const count = fs.readSync(this.#fd, buffer, offset + done, length - done, position + done);
      if (count === 0) break;
      done += count;
    }
    return done;
  }

  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    let done = 0;
    while (done < length) done += fs.writeSync(this.#fd, buffer, offset + done, length - done, position + done);
  }

  truncate(length: number): void {
    fs.ftruncateSync(this.#fd, length);
  }

  sync(): void {
    fs.fsyncSync(this.#fd);
  }

  datasync(): void {
    fs.fdatasyncSync(this.#fd);
  }

  identity(): string {
    const own = fs.fstatSync(this.#fd, { bigint: true });
    const token = `${own.dev}:${own.ino}:${own.size}:${own.mtimeNs}:${own.ctimeNs}`;
    if (this.#path === null) return token;
    const named = fs.statSync(this.#path, { bigint: true, throwIfNoEntry: false });
    return `${token}/${named === undefined ? 'gone' : `${named.dev}:${named.ino}`}`;
  }

  /** A reflink clone where the file system supports it (FICLONE), a full copy otherwise. */
  clone(dir: string): FileBackend {
    if (this.#path === null) throw Object.assign(new Error('a temporary file has no path to copy'), { code: 'EINVAL' });
    const file = temporaryPath(dir, 'copy');
    fs.copyFileSync(this.#path, file, fs.constants.COPYFILE_FICLONE);
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

function temporaryPath(dir: string, purpose: string): string {
  return path.join(dir, `.deferred-io-${process.pid}-${randomBytes(8).toString('hex')}.${purpose}`);
}
