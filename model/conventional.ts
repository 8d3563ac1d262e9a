/**
 * Conventional I/O (spec/Conventional.tla): eager-copy read(2)/write(2) on
 * a program's memory and files. Its only job is to be obviously right, so it
 * is the naive thing -- byte arrays and loops -- and knows nothing of
 * snapshots. It is the oracle of differential fuzzing and the target of the
 * refinement check (model/refinement.ts). Methods carry the spec's action
 * names without the C prefix; which of them a spec action is, and what it
 * returns, is that action's conventional call (its module in actions/).
 */

/** What a call returns (Conventional's call.ret and call.out). */
export interface Returned {
  readonly ret: number;
  readonly out: readonly number[];
}

/** What a call that returns nothing returns. */
export const nothing: Returned = { ret: 0, out: [] };

/** Bytes [start, end) of memory re-read from `file` at offsets start + delta on (a refresh's choice). */
export interface Reread {
  readonly start: number;
  readonly end: number;
  readonly file: string;
  readonly delta: number;
}

/** One call of conventional I/O, made on `conv`: what it returns. */
export type ConventionalCall = (conv: Conventional) => Returned;

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

  /**
   * CRefresh: re-reads the chosen bytes of a..a+n-1, each from its file at
   * its offset (runs of addresses [start, end) from offsets start + delta
   * on), and returns how many. Each must lie in the range and inside its
   * file: a re-read of anything else is not a call conventional I/O makes.
   */
  refresh(a: number, n: number, reread: readonly Reread[]): number {
    let k = 0;
    for (const { start, end, file, delta } of reread) {
      const bytes = this.#file(file);
      if (start < a || end > a + n || end + delta > bytes.length)
        throw new Error(
          `refresh(${a}, ${n}) re-reads bytes ${start}..${end - 1} from ${file} at ${start + delta}: outside its range or its file`,
        );
      for (let x = start; x < end; x++) this.mem[x] = bytes[x + delta]!;
      k += end - start;
    }
    return k;
  }

  fileTruncate(name: string, len: number): void {
    const bytes = this.#file(name);
    if (len < bytes.length) bytes.length = len;
    while (bytes.length < len) bytes.push(0);
  }
}
