/**
 * The conventional oracle: what plain read(2)/write(2) on an eagerly copied
 * buffer would give. Its only job is to be obviously right, so it is the
 * naive thing -- byte arrays and loops -- and knows nothing of snapshots.
 */
import type { Action } from './next.ts';

export class Conventional {
  readonly mem: number[];
  readonly files = new Map<string, number[]>();

  constructor(size: number, files: ReadonlyMap<string, readonly number[]>) {
    this.mem = new Array<number>(size).fill(0);
    for (const [name, bytes] of files) this.files.set(name, [...bytes]);
  }

  private file(name: string): number[] {
    const bytes = this.files.get(name);
    if (bytes === undefined) throw new Error(`no file ${name}`);
    return bytes;
  }

  /** Copies min(n, len - pos) bytes of the file into memory at a; returns how many. */
  read(name: string, pos: number, a: number, n: number): number {
    const bytes = this.file(name);
    const k = Math.max(0, Math.min(n, bytes.length - pos));
    for (let i = 0; i < k; i++) this.mem[a + i] = bytes[pos + i]!;
    return k;
  }

  load(a: number): number {
    return this.mem[a]!;
  }

  store(a: number, v: number): void {
    this.mem[a] = v;
  }

  zero(a: number, n: number): void {
    for (let i = 0; i < n; i++) this.mem[a + i] = 0;
  }

  /** Writes memory a..a+n-1 to the file at pos; a gap past the end reads as zero. */
  write(a: number, n: number, name: string, pos: number): void {
    this.fileWrite(name, pos, this.mem.slice(a, a + n));
  }

  fileWrite(name: string, pos: number, data: readonly number[]): void {
    const bytes = this.file(name);
    while (bytes.length < pos) bytes.push(0);
    for (let i = 0; i < data.length; i++) bytes[pos + i] = data[i]!;
  }

  /** Applies a model action the conventional way; returns what read or load returns (0 for the rest). */
  apply(act: Action): number {
    switch (act.op) {
      case 'read': return this.read(act.file, act.pos, act.addr, act.len);
      case 'load': return this.load(act.addr);
      case 'store': this.store(act.addr, act.val); return 0;
      case 'write': this.write(act.addr, act.len, act.file, act.pos); return 0;
      case 'zero': this.zero(act.addr, act.len); return 0;
      case 'fileWrite': this.fileWrite(act.file, act.pos, act.data); return 0;
      case 'fileTruncate': this.fileTruncate(act.file, act.len); return 0;
      case 'evict': return 0;
    }
  }

  fileTruncate(name: string, len: number): void {
    const bytes = this.file(name);
    if (len < bytes.length) bytes.length = len;
    while (bytes.length < len) bytes.push(0);
  }
}
