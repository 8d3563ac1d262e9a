/**
 * The refinement of Conventional (spec/Refinement.tla), checked edge by
 * edge: under the mapping mem <- Mem, file <- file (a Persistent file: what
 * recovery makes of it), durable <- what recovery makes of what a power cut
 * surely keeps, prev <- the same of the state before the last step, call <-
 * the step record's operation, arguments and results, every step of the
 * model is the same call of conventional I/O returning the same results, or
 * a refused call that changes nothing a program can see. TLC checks the
 * same property when it certifies a config; this is how CI checks it on the
 * certified graphs without TLC.
 */
import { fileSystem } from './actions.ts';
import { Addrs, type Constants } from './constants.ts';
import { type CallMade, Conventional, type ConventionalCall, type Durability } from './conventional.ts';
import { Mem } from './derived.ts';
import type { FileSystemOf } from './file-system.ts';
import { type Bytes, Now, type State, type StepRecord } from './state.ts';

/** The Persistent files of file-system state s as the refinement maps them: what recovery makes of them, and of their durable part. */
export const recovered = (
  c: Constants,
  s: FileSystemOf<Bytes>,
): { readonly file: ReadonlyMap<string, Bytes>; readonly durable: ReadonlyMap<string, Bytes> } =>
  fileSystem.Mapped(c, s);

/** The call a step record describes, as a crash after it judges it (Refinement.tla's Call). */
export const callMade = (r: StepRecord): CallMade => ({
  op: r.op,
  file: r.file,
  addr: r.addr,
  len: r.len,
  pos: r.pos,
  data: r.data,
  atomic: r.atomic,
  err: r.err,
});

/** The refinement mapping: Conventional's variables as this state defines them. */
export function mapping(
  c: Constants,
  st: State,
): { mem: number[]; file: ReadonlyMap<string, Bytes>; durable: ReadonlyMap<string, Bytes>; prev: Durability } {
  const now = recovered(c, Now(c, st));
  return {
    mem: Addrs(c).map((a) => Mem(c, st, a)),
    file: new Map([...st.file].map(([f, b]) => [f, now.file.get(f) ?? b])),
    durable: now.durable,
    prev: recovered(c, st.before),
  };
}

function same(x: ArrayLike<number> | undefined, y: ArrayLike<number> | undefined): boolean {
  if (x === undefined || y === undefined || x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Bytes as JSON shows them: an array (a Uint8Array would print as an object). */
const shown = (x: ArrayLike<number> | undefined): string => JSON.stringify(x === undefined ? x : Array.from(x));

/** Why Conventional's Init does not hold of st under the mapping, or null. */
export function initRefines(c: Constants, st: State): string | null {
  const m = mapping(c, st);
  if (m.mem.some((v) => v !== 0)) return 'the initial memory is not all zero';
  for (const f of c.Files)
    if (m.file.get(f)?.length !== c.InitLen) return `file ${f} does not start ${c.InitLen} bytes long`;
  for (const f of c.Persistent) {
    const file = m.file.get(f);
    if (![m.durable.get(f), m.prev.file.get(f), m.prev.durable.get(f)].every((x) => same(x, file)))
      return `file ${f} does not start durable`;
  }
  return null;
}

/**
 * Why the step from `from` to `to` is not `call`, the same call of
 * conventional I/O (its action's, actions/) -- same memory and files after
 * it, same results -- or, refused, a call that changed nothing; null when
 * it is.
 */
export function stepRefines(c: Constants, from: State, call: ConventionalCall, to: State): string | null {
  const before = mapping(c, from);
  const conventional = new Conventional(before.mem, before.file, c.B, before.durable, before.prev, callMade(from.last));
  let returned: ReturnType<ConventionalCall>;
  try {
    returned = call(conventional);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (to.last.ret !== returned.ret) return `returned ${to.last.ret}, conventional I/O returns ${returned.ret}`;
  if (!same(to.last.out, returned.out))
    return `returned ${shown(to.last.out)}, conventional I/O returns ${shown(returned.out)}`;
  const after = mapping(c, to);
  const wrongMem = Addrs(c).filter((a) => after.mem[a] !== conventional.mem[a]);
  if (wrongMem.length > 0) {
    return `memory differs from conventional I/O at ${wrongMem.map((a) => `${a} (${after.mem[a]}, expected ${conventional.mem[a]})`).join(', ')}`;
  }
  for (const f of c.Files) {
    if (!same(after.file.get(f), conventional.file.get(f))) {
      return `file ${f} is ${shown(after.file.get(f))}, conventional I/O gives ${shown(conventional.file.get(f))}`;
    }
  }
  for (const f of c.Persistent) {
    if (!same(after.durable.get(f), conventional.durable.get(f)))
      return `durable ${f} is ${shown(after.durable.get(f))}, conventional I/O gives ${shown(conventional.durable.get(f))}`;
    if (
      !same(after.prev.file.get(f), conventional.prev.file.get(f)) ||
      !same(after.prev.durable.get(f), conventional.prev.durable.get(f))
    )
      return `the state of ${f} before the call is ${shown(after.prev.file.get(f))} (durable ${shown(after.prev.durable.get(f))}), conventional I/O's ${shown(conventional.prev.file.get(f))} (durable ${shown(conventional.prev.durable.get(f))})`;
  }
  return null;
}
