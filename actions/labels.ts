/**
 * An action as TLC names it: the label of its edge in a state graph,
 * Read(f1,0,0,2) -- what model graphs are compared by, and what replay
 * files, regression cases and failing fuzz runs are written in -- and the
 * action a state's step record describes.
 */
import type { StepRecord } from '../model/state.ts';
import { parseValueAt } from '../tla/tlc-values.ts';
import { canonical, ModelValue, type Tla, tlaSeq } from '../tla/values.ts';
import { type Action, actionDefs, decodeAction } from './table.ts';

/** Each op's parameters, in the spec's order, by the spec's operator name (Read). */
const paramsOf = new Map<string, { readonly op: string; readonly params: readonly string[] }>(
  Object.values(actionDefs).map((def) => [
    def.op[0]!.toUpperCase() + def.op.slice(1),
    { op: def.op, params: Object.keys(def.args) },
  ]),
);
const nameOf = new Map([...paramsOf].map(([name, { op, params }]) => [op, { name, params }]));

/** An argument as TLC prints it: a file is a model value (f1), data a sequence (<<1, 2>>). */
function labelValue(v: unknown): Tla {
  if (typeof v === 'string') return new ModelValue(v);
  if (Array.isArray(v)) return tlaSeq(v);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  throw new Error(`no TLA+ value for the argument ${JSON.stringify(v)}`);
}

/** The label TLC puts on the edge of this action: Read(f1,0,0,2). */
export function actionLabel(act: Action): string {
  const { name, params } = nameOf.get(act.op)!;
  const args: Readonly<Record<string, unknown>> = act;
  return `${name}(${params.map((p) => canonical(labelValue(args[p]))).join(',')})`;
}

/** The action a step record describes (the arguments of the step that produced the state). */
export function actionOf(rec: StepRecord): Action {
  if (rec.op === 'init') throw new Error('the initial step record describes no action');
  const fields: Readonly<Record<string, unknown>> = rec;
  const act: Record<string, unknown> = { op: rec.op };
  for (const p of nameOf.get(rec.op)!.params) act[p] = fields[p];
  // Each parameter is the step record's field of its name, of its type (defineAction checks the names).
  return act as Action;
}

const labelPattern = /^([A-Z][A-Za-z]*)\((.*)\)$/;

/**
 * The Action a TLC edge label names (the inverse of actionLabel). The
 * arguments are TLA+ values; the result is decoded by the actions'
 * Schema, so a malformed label is an error naming what is wrong.
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
    return v;
  };
  const action = paramsOf.get(m[1]!);
  if (action === undefined) throw new Error(`action label ${label}: no action ${m[1]}`);
  const { op, params } = action;
  if (params.length !== args.length) throw new Error(`action label ${label}: ${m[1]} takes ${params.length} arguments`);
  return decodeAction({ op, ...Object.fromEntries(params.map((p, i) => [p, plain(args[i]!)])) });
}
