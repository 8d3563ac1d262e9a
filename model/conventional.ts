/**
 * Conventional I/O (spec/Conventional.tla): eager-copy read(2)/write(2) on
 * a program's memory and files. Its only job is to be obviously right, so it
 * is the naive thing -- byte arrays and loops -- and knows nothing of
 * snapshots. It is the oracle of differential fuzzing and the target of the
 * refinement check (model/refinement.ts). Methods carry the spec's action
 * names without the C prefix.
 */
import type { Action } from './schema.ts';

export class Conventional {
  readonly mem: number[];
  readonly file = new Map<string, number[]>();

  constructor(mem: readonly number[] | number, files: ReadonlyMap<string, readonly number[]>) {
    this.mem = typeof mem === 'number' ? new Array<number>(mem).fill(0) : [...mem];
    for (const [name, bytes] of files) this.file.set(name, [...bytes]);
  }

  #file(name: string): number[] {
    const bytes = this.file.get(name);
    if (bytes === undefined) throw new Error(`no file ${name}`);
    return bytes;
  }

  /** CRead: copies min(n, len - pos) bytes (none at or past EOF) into memory at a; returns how many. */
  read(name: string, pos: number, a: number, n: number): number {
    const bytes = this.#file(name);
    const k = pos >= bytes.length ? 0 : Math.min(n, bytes.length - pos);
    for (let i = 0; i < k; i++) this.mem[a + i] = bytes[pos + i]!;
    return k;
  }

  /** What a load returns (loads are not steps of Conventional). */
  load(a: number): number {
    return this.mem[a]!;
  }

  store(a: number, v: number): void {
    this.mem[a] = v;
  }

  zero(a: number, n: number): void {
    for (let i = 0; i < n; i++) this.mem[a + i] = 0;
  }

  /** CWrite: memory a..a+n-1 to the file at pos; a gap reads as zero; writing nothing changes nothing. */
  write(a: number, n: number, name: string, pos: number): void {
    if (n > 0) this.fileWrite(name, pos, this.mem.slice(a, a + n));
  }

  fileWrite(name: string, pos: number, data: readonly number[]): void {
    const bytes = this.#file(name);
    while (bytes.length < pos) bytes.push(0);
    for (let i = 0; i < data.length; i++) bytes[pos + i] = data[i]!;
  }

  fileTruncate(name: string, len: number): void {
    const bytes = this.#file(name);
    if (len < bytes.length) bytes.length = len;
    while (bytes.length < len) bytes.push(0);
  }

  /**
   * Applies a model action the conventional way; returns what read or load
   * returns (0 for the rest). A change behind the engine's back is, for a
   * program using conventional I/O, just another writer's change.
   */
  apply(act: Action): number {
    switch (act.op) {
      case 'read': return this.read(act.file, act.pos, act.addr, act.len);
      case 'load': return this.load(act.addr);
      case 'store': this.store(act.addr, act.val); return 0;
      case 'write': this.write(act.addr, act.len, act.file, act.pos); return 0;
      case 'zero': this.zero(act.addr, act.len); return 0;
      case 'fileWrite': case 'outsideWrite': this.fileWrite(act.file, act.pos, act.data); return 0;
      case 'fileTruncate': case 'outsideTruncate': this.fileTruncate(act.file, act.len); return 0;
      case 'evict': return 0;
    }
  }
}
