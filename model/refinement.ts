/**
 * The refinement of Conventional (spec/Refinement.tla), checked edge by
 * edge: under the mapping mem <- Mem, file <- file, call <- the step
 * record's operation, arguments and results, every step of the model is the
 * same call of conventional I/O returning the same results, or a refused
 * call that changes nothing a program can see. TLC checks
 * the same property when it certifies a config; this is how CI checks it on
 * the certified graphs without TLC.
 */
import { Addrs, type Constants } from './constants.ts';
import { Conventional, type ConventionalCall } from './conventional.ts';
import { Mem } from './derived.ts';
import type { State } from './state.ts';

/** The refinement mapping: Conventional's variables as this state defines them. */
export function mapping(c: Constants, st: State): { mem: number[]; file: ReadonlyMap<string, readonly number[]> } {
  return { mem: Addrs(c).map((a) => Mem(c, st, a)), file: st.file };
}

const same = (x: readonly number[] | undefined, y: readonly number[] | undefined) =>
  x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => v === y[i]);

/** Why Conventional's Init does not hold of st under the mapping, or null. */
export function initRefines(c: Constants, st: State): string | null {
  const m = mapping(c, st);
  if (m.mem.some((v) => v !== 0)) return 'the initial memory is not all zero';
  for (const f of c.Files)
    if (m.file.get(f)?.length !== c.InitLen) return `file ${f} does not start ${c.InitLen} bytes long`;
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
  const conventional = new Conventional(before.mem, before.file);
  const refused = to.last.err !== 'none';
  const returned = refused ? { ret: 0, out: [] } : call(conventional);
  if (to.last.ret !== returned.ret) return `returned ${to.last.ret}, conventional I/O returns ${returned.ret}`;
  if (!same(to.last.out, returned.out))
    return `returned ${JSON.stringify(to.last.out)}, conventional I/O returns ${JSON.stringify(returned.out)}`;
  const after = mapping(c, to);
  const wrongMem = Addrs(c).filter((a) => after.mem[a] !== conventional.mem[a]);
  if (wrongMem.length > 0) {
    return `memory differs from conventional I/O at ${wrongMem.map((a) => `${a} (${after.mem[a]}, expected ${conventional.mem[a]})`).join(', ')}`;
  }
  for (const f of c.Files) {
    if (!same(after.file.get(f), conventional.file.get(f))) {
      return `file ${f} is ${JSON.stringify(after.file.get(f))}, conventional I/O gives ${JSON.stringify(conventional.file.get(f))}`;
    }
  }
  return null;
}
