/**
 * Conventional I/O (spec/Conventional.tla): eager-copy read(2)/write(2) on
 * a program's memory and files, each Persistent file with what is durable,
 * and crashes. Its only job is to be obviously right, so it is the naive
 * thing -- byte arrays and loops -- and knows nothing of snapshots or
 * journals. It is the oracle of differential fuzzing and the target of the
 * refinement check (model/refinement.ts). Methods carry the spec's action
 * names without the C prefix; which of them a spec action is, and what it
 * returns, is that action's conventional call (its module in actions/).
 * Where the spec lets a call choose (what a crash leaves, whether a
 * recovery made a file durable), the method takes the choice as given and
 * throws if conventional I/O could not have made it. Memory and files are
 * Uint8Arrays, which every value of the engine's fits (the constructor and
 * every method that takes values check that they are bytes): the fuzzer's
 * files are megabytes, and a copy of one must be a memcpy.
 */
import type { Bytes } from './schema.ts';

/** What a call returns (Conventional's call.ret and call.out). */
export interface Returned {
  readonly ret: number;
  readonly out: ArrayLike<number>;
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

/** The program's last call as a crash judges it (Conventional.tla's call, the fields CVersions reads). */
export interface CallMade {
  readonly op: string;
  readonly file: string;
  readonly addr: number;
  readonly len: number;
  readonly pos: number;
  readonly data: Bytes;
  readonly atomic: boolean;
  readonly err: string;
}

/** The Persistent files' contents and durable contents (Conventional.tla's CNow, prev). */
export interface Durability {
  readonly file: ReadonlyMap<string, ArrayLike<number>>;
  readonly durable: ReadonlyMap<string, ArrayLike<number>>;
}

/** No call yet (Conventional.tla's NoCall). */
export const noCall: CallMade = { op: 'init', file: '', addr: 0, len: 0, pos: 0, data: [], atomic: false, err: 'none' };

/** A copy of the values as bytes; a value that is not a byte is an error (a Uint8Array holds nothing else). */
function bytes(values: ArrayLike<number>): Uint8Array {
  if (!(values instanceof Uint8Array)) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new RangeError(`conventional I/O holds bytes: ${v}`);
    }
  }
  return Uint8Array.from(values);
}

export class Conventional {
  readonly mem: Uint8Array;
  readonly file = new Map<string, Uint8Array>();
  /** Each Persistent file's durable content. */
  readonly durable = new Map<string, Uint8Array>();
  /** The Persistent files before the last call: where a crash inside it starts from. */
  prev: Durability;
  /** The last call. */
  call: CallMade;

  /**
   * Memory and files; B, the block size a power cut keeps or loses whole;
   * the Persistent files are those `durable` names, durable as it says (by
   * default as they are, as CInit has them).
   */
  constructor(
    mem: ArrayLike<number> | number,
    files: ReadonlyMap<string, ArrayLike<number>>,
    readonly B: number,
    durable: ReadonlyMap<string, ArrayLike<number>> = new Map(),
    prev?: Durability,
    call: CallMade = noCall,
  ) {
    this.mem = typeof mem === 'number' ? new Uint8Array(mem) : bytes(mem);
    for (const [name, content] of files) this.file.set(name, bytes(content));
    for (const [name, content] of durable) this.durable.set(name, bytes(content));
    this.prev = prev ?? this.now();
    this.call = call;
  }

  /** The Persistent files now (CNow): shared, not copied, as a Persistent file is copied before it is changed. */
  now(): Durability {
    return {
      file: new Map([...this.durable.keys()].map((f) => [f, this.#file(f)])),
      durable: new Map(this.durable),
    };
  }

  /** Every call keeps the Persistent files before it (prev) and is the last call (CDo). */
  made(before: Durability, call: CallMade): void {
    this.prev = before;
    this.call = call;
  }

  #file(name: string): Uint8Array {
    const content = this.file.get(name);
    if (content === undefined) throw new Error(`no file ${name}`);
    return content;
  }

  /**
   * The file to change in place, `len` bytes long (cut, or extended with
   * zeros): a new array where the length changes, and for a Persistent file
   * always, as its content may be what is durable or was before a call.
   */
  #changing(name: string, len: number): Uint8Array {
    const content = this.#file(name);
    if (len === content.length && !this.durable.has(name)) return content;
    const changed = new Uint8Array(len);
    changed.set(content.subarray(0, len));
    this.file.set(name, changed);
    return changed;
  }

  /** CRead: copies min(n, len - pos) bytes (none at or past EOF) into memory at a; returns how many. */
  read(name: string, pos: number, a: number, n: number): number {
    const content = this.#file(name);
    const k = pos >= content.length ? 0 : Math.min(n, content.length - pos);
    this.mem.set(content.subarray(pos, pos + k), a);
    return k;
  }

  /** CLoad; CBytes and CCopyOut return memory(a, n). */
  load(a: number): number {
    return this.mem[a]!;
  }

  memory(a: number, n: number): Uint8Array {
    return this.mem.slice(a, a + n);
  }

  store(a: number, v: number): void {
    this.mem.set(bytes([v]), a);
  }

  zero(a: number, n: number): void {
    this.mem.fill(0, a, a + n);
  }

  /** CWrite: memory a..a+n-1 to the file at pos; a gap reads as zero; writing nothing changes nothing; with sync, then durable. */
  write(a: number, n: number, name: string, pos: number, sync: boolean): void {
    if (n > 0) this.fileWrite(name, pos, this.mem.subarray(a, a + n));
    if (sync) this.fileSync(name);
  }

  /** CFileSync: the file's content becomes durable. */
  fileSync(name: string): void {
    if (!this.durable.has(name)) throw new Error(`fileSync(${name}): not a Persistent file`);
    this.durable.set(name, this.#file(name));
  }

  /** CRecover: nothing a program can see changes; the file may become durable (the given outcome must be one of the two). */
  recover(name: string, after: Durability): void {
    const durable = after.durable.get(name);
    if (durable === undefined || !this.durable.has(name)) throw new Error(`recover(${name}): not a Persistent file`);
    if (!same(durable, this.durable.get(name)!) && !same(durable, this.#file(name)))
      throw new Error(
        `recover(${name}) left ${JSON.stringify(Array.from(durable))} durable: neither what was nor the file`,
      );
    this.durable.set(name, bytes(durable));
  }

  /**
   * CCrash: memory is lost, a file outside Persistent is kept whole, and
   * each Persistent file is what `after` says, which must be what
   * conventional I/O's crash allows given the last call: after a kill one
   * of its versions, with one of its durables durable; after a power cut
   * all durable, each block from a durable or a version (an atomic write:
   * exactly after it, or mixed from what was durable and the file before).
   */
  crash(kind: 'kill' | 'power', after: Durability): void {
    for (const f of this.durable.keys()) {
      const file = after.file.get(f)!;
      const durable = after.durable.get(f)!;
      const durables = this.#durables(f);
      const fine =
        kind === 'kill'
          ? this.#version(f, file, null) && durables.some((d) => same(durable, d))
          : same(durable, file) &&
            (this.#atomic(f)
              ? same(file, this.#file(f)) ||
                [this.prev.durable.get(f)!, this.prev.file.get(f)!].some((d) =>
                  mixed(file, d, this.prev.file.get(f)!, this.B),
                )
              : durables.some((d) => this.#version(f, file, d)));
      if (!fine)
        throw new Error(
          `a ${kind} after ${this.call.op}(${this.call.file}) left ${f} ${JSON.stringify(Array.from(file))} (durable ${JSON.stringify(Array.from(durable))}): conventional I/O cannot`,
        );
    }
    this.mem.fill(0);
    for (const f of this.durable.keys()) {
      this.file.set(f, bytes(after.file.get(f)!));
      this.durable.set(f, bytes(after.durable.get(f)!));
    }
  }

  /** The last call was an atomic write of f that was not refused (CAtomic). */
  #atomic(f: string): boolean {
    return this.call.op === 'write' && this.call.atomic && this.call.file === f && this.call.err === 'none';
  }

  /**
   * Whether s is one of f's versions (CVersions: what f may have held when
   * the crash came) -- or, given d, what a power cut leaves of d and one of
   * them (CMixed). The versions of a write are its front-to-back prefixes,
   * as many as it has bytes, so they are judged without being made.
   */
  #version(f: string, s: ArrayLike<number>, d: ArrayLike<number> | null): boolean {
    const k = this.call;
    const now = this.#file(f);
    const judge = (v: ArrayLike<number>) => (d === null ? same(s, v) : mixed(s, d, v, this.B));
    if (k.file !== f || k.err !== 'none') return judge(now);
    const before = this.prev.file.get(f)!;
    if ((k.op === 'write' || k.op === 'fileWrite' || k.op === 'outsideWrite') && !this.#atomic(f)) {
      const n = k.op === 'write' ? k.len : k.data.length;
      const wrote = (i: number) => (k.op === 'write' ? this.mem[k.addr + i]! : k.data[i]!);
      return prefixes(s, d, before, k.pos, n, wrote, this.B);
    }
    if (k.op === 'fileTruncate' || k.op === 'outsideTruncate' || this.#atomic(f)) return judge(before) || judge(now);
    return judge(now);
  }

  /** What may have been durable of f when the crash came (CDurables). */
  #durables(f: string): readonly ArrayLike<number>[] {
    const d = [this.prev.durable.get(f)!, this.durable.get(f)!];
    return this.#atomic(f) ? [...d, this.prev.file.get(f)!] : d;
  }

  fileWrite(name: string, pos: number, data: ArrayLike<number>): void {
    const written = bytes(data);
    this.#changing(name, Math.max(this.#file(name).length, pos + written.length)).set(written, pos);
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
      const content = this.#file(file);
      if (start < a || end > a + n || end + delta > content.length)
        throw new Error(
          `refresh(${a}, ${n}) re-reads bytes ${start}..${end - 1} from ${file} at ${start + delta}: outside its range or its file`,
        );
      this.mem.set(content.subarray(start + delta, end + delta), start);
      k += end - start;
    }
    return k;
  }

  fileTruncate(name: string, len: number): void {
    this.#changing(name, len);
  }
}

function same(x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const byteAt = (s: ArrayLike<number>, o: number): number => (o < s.length ? s[o]! : 0);

/**
 * Whether, for some m in 0..n, s is the prefix version v_m of a write of n
 * bytes (wrote(i)) at pos over `before` (CPrefix: v_m's byte o is wrote(o -
 * pos) for pos <= o < pos + m, else before's; its length before's, or pos +
 * m if longer) -- exactly (d null: a kill), or mixed with d (a power cut:
 * each block below s's length d's or v_m's, s's length one of theirs).
 * Each block allows an interval of m, found by where in the block the
 * prefix may end; the answer is whether they and the length meet.
 */
function prefixes(
  s: ArrayLike<number>,
  d: ArrayLike<number> | null,
  before: ArrayLike<number>,
  pos: number,
  n: number,
  wrote: (i: number) => number,
  B: number,
): boolean {
  let lo = 0;
  let hi = n;
  const within = (from: number, to: number, want: (o: number) => number) => {
    for (let o = from; o < to; o++) if (byteAt(s, o) !== want(o)) return o;
    return to;
  };
  // The lengths: s's is d's (any m will do), or v_m's.
  const lenB = before.length;
  if (d === null || s.length !== d.length) {
    if (s.length === lenB) hi = Math.min(hi, Math.max(0, lenB - pos));
    else if (s.length > lenB && s.length - pos >= 1)
      [lo, hi] = [Math.max(lo, s.length - pos), Math.min(hi, s.length - pos)];
    else return false;
  }
  for (let b = 0; b * B < s.length && lo <= hi; b++) {
    const start = b * B;
    const end = Math.min(s.length, start + B);
    if (d !== null && within(start, end, (o) => byteAt(d, o)) === end) continue;
    // Where in [L, H] the prefix may end in this block: the bytes before it wrote's, those after before's.
    const L = Math.min(end, Math.max(start, pos));
    const H = Math.max(L, Math.min(end, pos + n));
    if (within(start, L, (o) => byteAt(before, o)) !== L) return false;
    const upTo = within(L, H, (o) => wrote(o - pos));
    let from = end;
    while (from > L && byteAt(s, from - 1) === byteAt(before, from - 1)) from--;
    const eLo = Math.max(L, from);
    const eHi = Math.min(H, upTo);
    if (eLo > eHi) return false;
    // The prefix ends at clamp(pos + m, L, H): an end strictly inside bounds m, one at an edge does not.
    if (eLo > L) lo = Math.max(lo, eLo - pos);
    if (eHi < H) hi = Math.min(hi, eHi - pos);
  }
  return lo <= hi;
}

/** Whether s and t hold the same bytes at offsets lo..hi-1 (zero past either's end). */
function sameIn(s: ArrayLike<number>, t: ArrayLike<number>, lo: number, hi: number): boolean {
  for (let o = lo; o < hi; o++) if (byteAt(s, o) !== byteAt(t, o)) return false;
  return true;
}

/** s is what a power cut may leave of a file durable as d and seen as v (CMixed): each block d's or v's below s's length, the length one of theirs. */
function mixed(s: ArrayLike<number>, d: ArrayLike<number>, v: ArrayLike<number>, B: number): boolean {
  if (s.length !== d.length && s.length !== v.length) return false;
  for (let b = 0; b * B < s.length; b++) {
    const end = Math.min(s.length, (b + 1) * B);
    if (!sameIn(s, d, b * B, end) && !sameIn(s, v, b * B, end)) return false;
  }
  return true;
}
