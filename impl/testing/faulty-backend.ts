/**
 * A fault-injecting backend for tests: an in-memory file whose calls can be
 * made to fail with a chosen system error code (EIO, ENOSPC, ENOENT, ...),
 * which counts every call, and whose clones (isolation copies) are faulty
 * backends too, kept in `clones` so that tests can fail or count theirs.
 */
import type { FileBackend, FileIdentity, Siblings } from '../backend.ts';
import { MemoryBackend } from '../memory-backend.ts';

/** The kinds of call; a writev counts (and fails) as a write: it is one write call of several buffers. */
export type Call = 'read' | 'write' | 'truncate' | 'sync' | 'datasync' | 'identity' | 'clone' | 'close';

interface Fault {
  call: Call;
  code: string;
  /** Successful calls to let through first. */
  after: number;
  /** Failures left; Infinity until healed. */
  times: number;
}

export class FaultyBackend implements FileBackend {
  readonly inner: MemoryBackend;
  /** In no directory: an atomic write-back to it is refused before any call. */
  readonly siblings: Siblings | null = null;
  #faults: Fault[] = [];
  /** Calls made, by kind (failed ones included). */
  readonly calls: Record<Call, number> = {
    read: 0,
    write: 0,
    truncate: 0,
    sync: 0,
    datasync: 0,
    identity: 0,
    clone: 0,
    close: 0,
  };
  /** Every call made, in order (failed ones included). */
  readonly log: Call[] = [];
  /** The copies `clone` made, in order; the i-th is named `${name} copy ${i}`. */
  readonly clones: FaultyBackend[] = [];

  constructor(name: string, content?: Uint8Array) {
    this.inner = new MemoryBackend(name, content);
  }

  get name(): string {
    return this.inner.name;
  }

  /** Makes `call` fail with `code`, after `after` more successful calls, `times` times. */
  fail(call: Call, code: string, { after = 0, times = Infinity }: { after?: number; times?: number } = {}): this {
    this.#faults.push({ call, code, after, times });
    return this;
  }

  heal(): void {
    this.#faults = [];
  }

  #enter(call: Call): void {
    this.calls[call]++;
    this.log.push(call);
    for (const fault of this.#faults) {
      if (fault.call !== call || fault.times === 0) continue;
      if (fault.after > 0) {
        fault.after--;
        continue;
      }
      fault.times--;
      throw Object.assign(new Error(`injected ${fault.code} on ${call}`), { code: fault.code });
    }
  }

  read(buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.#enter('read');
    return this.inner.read(buffer, offset, length, position);
  }
  write(buffer: Uint8Array, offset: number, length: number, position: number): void {
    this.#enter('write');
    this.inner.write(buffer, offset, length, position);
  }
  writev(buffers: readonly Uint8Array[], position: number): void {
    this.#enter('write');
    this.inner.writev(buffers, position);
  }
  truncate(length: number): void {
    this.#enter('truncate');
    this.inner.truncate(length);
  }
  sync(): void {
    this.#enter('sync');
    this.inner.sync();
  }
  datasync(): void {
    this.#enter('datasync');
    this.inner.datasync();
  }
  identity(): FileIdentity {
    this.#enter('identity');
    return this.inner.identity();
  }
  clone(): FileBackend {
    this.#enter('clone');
    const copy = new FaultyBackend(`${this.name} copy ${this.clones.length}`, this.content());
    this.clones.push(copy);
    return copy;
  }
  close(): void {
    this.#enter('close');
    this.inner.close();
  }

  /** The whole file as it stands, read from `inner`: not a call the engine made, so neither counted nor failed. */
  content(): Uint8Array {
    const out = new Uint8Array(this.inner.size());
    this.inner.read(out, 0, out.length, 0);
    return out;
  }
}
