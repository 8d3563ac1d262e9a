/**
 * Conventional I/O (spec/Conventional.tla): eager-copy read(2)/write(2) on
 * a program's memory and files. Its only job is to be obviously right, so it
 * is the naive thing -- byte arrays and loops -- and knows nothing of
 * snapshots. It is the oracle of differential fuzzing and the target of the
 * refinement check (model/refinement.ts). Methods carry the spec's action
 * names without the C prefix.
 */
import type { Action } from './schema.ts';

/** What a call returns (Conventional's call.ret and call.out). */
export interface Returned {
  readonly ret: number;
  readonly out: readonly number[];
}

const nothing: Returned = { ret: 0, out: [] };

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

  /** CLoad; CBytes and CCopyOut return memory(a, n). */
  load(a: number): number {
    return this.mem[a]!;
  }

  memory(a: number, n: number): number[] {
    return this.mem.slice(a, a + n);
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
   * Applies a call the conventional way and returns its results. A change
   * behind the engine's back is, for a program using conventional I/O, just
   * another writer's change; prefetch and evict are hints.
   */
  apply(act: Action): Returned {
    switch (act.op) {
      case 'read':
        return { ret: this.read(act.file, act.pos, act.addr, act.len), out: [] };
      case 'load':
        return { ret: this.load(act.addr), out: [] };
      case 'bytes':
      case 'copyOut':
        return { ret: 0, out: this.memory(act.addr, act.len) };
      case 'prefetch':
      case 'evict':
        return nothing;
      case 'store':
        this.store(act.addr, act.val);
        return nothing;
      case 'write':
        this.write(act.addr, act.len, act.file, act.pos);
        return nothing;
      case 'zero':
        this.zero(act.addr, act.len);
        return nothing;
      case 'fileWrite':
      case 'outsideWrite':
        this.fileWrite(act.file, act.pos, act.data);
        return nothing;
      case 'fileTruncate':
      case 'outsideTruncate':
        this.fileTruncate(act.file, act.len);
        return nothing;
    }
  }
}
