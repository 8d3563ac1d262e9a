/**
 * An action as TLC names it: the label of its edge in a state graph,
 * Read(f1,0,0,2) -- what model graphs are compared by -- and as a call, the
 * label with what the action chose inside itself appended (a power cut's
 * keep: Crash("power",3,{<<f1, "block", 0>>})), which is one edge: what
 * replay files, regression cases and failing fuzz runs are written in; and
 * the action a state's step record describes.
 */
import { SchemaAST } from 'effect';
import type { StepRecord } from '../model/state.ts';
import { parseValueAt } from '../tla/tlc-values.ts';
import { canonical, ModelValue, type Tla, tlaSeq, tlaSet } from '../tla/values.ts';
import { type Action, actionDefs, decodeAction } from './table.ts';

interface Params {
  readonly op: string;
  readonly name: string;
  /** The label's parameters, in the spec's order. */
  readonly params: readonly string[];
  /** What the action chooses, after them in a call. */
  readonly chosen: readonly string[];
  /** How TLC prints each parameter that is not a number, a boolean or a byte sequence. */
  readonly printed: ReadonlyMap<string, 'string' | 'set'>;
}

/**
 * A literal-valued argument ("kill" | "power") is a TLA+ string (a file is a
 * model value); an array of tuples (a power cut's keep) is a set.
 */
function printedAs(ast: SchemaAST.AST): 'string' | 'set' | null {
  if (SchemaAST.isLiteral(ast) || (SchemaAST.isUnion(ast) && ast.types.every(SchemaAST.isLiteral))) return 'string';
  if (SchemaAST.isTupleType(ast) && ast.rest.some((r) => SchemaAST.isTupleType(r.type))) return 'set';
  return null;
}

/** Each op's parameters, by the spec's operator name (Read). */
const paramsOf = new Map<string, Params>(
  Object.values(actionDefs).map((def) => {
    const name = def.op[0]!.toUpperCase() + def.op.slice(1);
    const fields = { ...def.args, ...def.chosen };
    const printed = new Map(
      Object.keys(fields).flatMap((p) => {
        const as = printedAs(fields[p]!.ast as SchemaAST.AST);
        return as === null ? [] : [[p, as] as const];
      }),
    );
    return [name, { op: def.op, name, params: Object.keys(def.args), chosen: Object.keys(def.chosen ?? {}), printed }];
  }),
);
const nameOf = new Map([...paramsOf.values()].map((p) => [p.op, p]));

/**
 * An argument as TLC prints it: a file is a model value (f1), a kind a
 * string ("power"), data a sequence (<<1, 2>>), a choice a set of tuples
 * ({<<f1, "block", 0>>}: a file, a string, a number).
 */
function labelValue(v: unknown, as: 'string' | 'set' | undefined): Tla {
  if (typeof v === 'string') return as === 'string' ? v : new ModelValue(v);
  if (Array.isArray(v) && as === 'set')
    return tlaSet(
      v.map((t: readonly unknown[]) => tlaSeq(t.map((x, i) => labelValue(x, i === 1 ? 'string' : undefined)))),
    );
  if (Array.isArray(v)) return tlaSeq(v);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  throw new Error(`no TLA+ value for the argument ${JSON.stringify(v)}`);
}

function printed(act: Action, params: readonly string[], p: Params): string[] {
  const args: Readonly<Record<string, unknown>> = act;
  return params.map((q) => canonical(labelValue(args[q], p.printed.get(q))));
}

/** The label TLC puts on the edge of this action: Read(f1,0,0,2). */
export function actionLabel(act: Action): string {
  const p = nameOf.get(act.op)!;
  return `${p.name}(${printed(act, p.params, p).join(',')})`;
}

/** The action as one edge: its label's arguments, then what it chose (only a choosing action has any). */
export function actionCall(act: Action): string {
  const p = nameOf.get(act.op)!;
  return `${p.name}(${printed(act, [...p.params, ...p.chosen], p).join(',')})`;
}

/** The action `act`, with what it chose inside itself as the step record `rec` of the step it took says. */
export function withChosen(act: Action, rec: object): Action {
  const chosen = nameOf.get(act.op)!.chosen;
  const fields = rec as Readonly<Record<string, unknown>>;
  return chosen.length === 0 ? act : ({ ...act, ...Object.fromEntries(chosen.map((q) => [q, fields[q]])) } as Action);
}

/** The action a step record describes (the arguments of the step that produced the state, and what it chose). */
export function actionOf(rec: StepRecord): Action {
  if (rec.op === 'init') throw new Error('the initial step record describes no action');
  const fields: Readonly<Record<string, unknown>> = rec;
  const act: Record<string, unknown> = { op: rec.op };
  const p = nameOf.get(rec.op)!;
  for (const q of [...p.params, ...p.chosen]) act[q] = fields[q];
  // Each parameter is the step record's field of its name, of its type (defineAction checks the names).
  return act as Action;
}

const labelPattern = /^([A-Z][A-Za-z]*)\((.*)\)$/;

/**
 * The Action a call names (the inverse of actionCall; a TLC edge label of
 * an action that chooses nothing). The arguments are TLA+ values; the
 * result is decoded by the actions' Schema, so a malformed label is an
 * error naming what is wrong.
 */
export function parseActionLabel(label: string): Action {
  const m = labelPattern.exec(label.replace(/\s+/g, ''));
  if (m === null) throw new Error(`not an action label: ${JSON.stringify(label)} (expected e.g. Read(f1,0,0,2))`);
  const args: Tla[] = [];
  const text = m[2]!;
  for (let at = 0; at < text.length; ) {
    const { value, end } = parseValueAt(text, at);
    args.push(value);
    if (end < text.length && text[end] !== ',') throw new Error(`action label ${label}: expected "," at ${end}`);
    at = end + 1;
  }
  const plain = (v: Tla): unknown => {
    if (v instanceof ModelValue) return v.name;
    if (typeof v === 'object' && v.kind === 'fn') return v.entries.map(([, x]) => plain(x));
    if (typeof v === 'object' && v.kind === 'set') return v.elems.map(plain);
    return v;
  };
  const action = paramsOf.get(m[1]!);
  if (action === undefined) throw new Error(`action label ${label}: no action ${m[1]}`);
  const params = [...action.params, ...action.chosen];
  if (params.length !== args.length) throw new Error(`action label ${label}: ${m[1]} takes ${params.length} arguments`);
  return decodeAction({ op: action.op, ...Object.fromEntries(params.map((p, i) => [p, plain(args[i]!)])) });
}
