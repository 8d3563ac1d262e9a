/**
 * Edge replay: every labelled edge of the model-checked graph, applied to
 * the engine. For each edge, the engine is driven from the edge's initial
 * state along the BFS-tree path to its source, then through the edge; its
 * state, projected into the spec's variables and put in canonical form,
 * must equal the edge's target, and its results and counters must equal the
 * target's step record. The graph is the model's enumeration, which CI has
 * already proved equal to TLC's (the certificate), so these are TLC's edges.
 */

import { actionCall, actionOf, parseActionLabel } from '../actions/labels.ts';
import { apply } from '../actions/next.ts';
import type { Action } from '../actions/table.ts';
import { readConfig } from '../model/config.ts';
import type { Constants } from '../model/constants.ts';
import type { ModelGraph } from '../model/graph.ts';
import { decodeState, encodeState } from '../model/schema.ts';
import { type Bytes, initState, type State } from '../model/state.ts';
import { toTla } from '../model/tla.ts';
import { canonicalState } from '../tla/values.ts';
import { firstDifference } from './difference.ts';
import { type Backing, makeWorld, type Observed, observe, recorded, step } from './world.ts';

export interface Divergence {
  readonly edge: number;
  readonly backing: Backing;
  readonly files: ReadonlyMap<string, Bytes>;
  readonly path: readonly Action[];
  readonly expected: { readonly state: string; readonly results: Observed };
  readonly actual: { readonly state: string; readonly results: Observed } | { readonly error: string };
}

export interface ReplayReport {
  readonly edges: number;
  readonly covered: number;
  readonly onDisk: number;
  readonly divergences: readonly Divergence[];
  readonly seconds: number;
}

export interface ReplayOptions {
  /** Every diskEvery-th edge is also replayed on real temp files (20: 5%). */
  readonly diskEvery: number;
  /** Stop collecting after this many divergences (the count of edges covered still completes). */
  readonly maxDivergences?: number;
  /** Called after every edge (cheap; throttle output yourself). */
  readonly progress?: (done: number, total: number) => void;
}

/** The actions from an initial state to state id along the BFS tree. */
export function pathTo(graph: ModelGraph, id: number): { root: number; actions: Action[] } {
  const actions: Action[] = [];
  let at = id;
  for (let e = graph.parent[at]!; e >= 0; e = graph.parent[at]!) {
    actions.push(actionOf(graph.models[at]!.last));
    at = graph.edges[e]!.from;
  }
  return { root: at, actions: actions.reverse() };
}

/** Replays one action sequence on a fresh engine: the last step's results and the final state, in the spec's variables. */
export function replayPath(
  c: Constants,
  files: ReadonlyMap<string, Bytes>,
  path: readonly Action[],
  backing: Backing,
  like: State,
): { observed: State; results: Observed } {
  const w = makeWorld(c, files, backing);
  try {
    let results: Observed = recorded(initState(c, files));
    for (const act of path) results = step(w, act);
    return { observed: observe(c, w, like), results };
  } finally {
    w.close();
  }
}

export function replayGraph(c: Constants, graph: ModelGraph, opts: ReplayOptions): ReplayReport {
  const started = performance.now();
  const divergences: Divergence[] = [];
  const max = opts.maxDivergences ?? 10;
  let covered = 0;
  let onDisk = 0;
  graph.edges.forEach((edge, i) => {
    const target = graph.models[edge.to]!;
    const { root, actions } = pathTo(graph, edge.from);
    const path = [...actions, actionOf(target.last)];
    const files = graph.models[root]!.file;
    const expected = { state: graph.states[edge.to]!, results: recorded(target) };
    const backings: Backing[] = i % opts.diskEvery === 0 ? ['memory', 'disk'] : ['memory'];
    for (const backing of backings) {
      let actual: Divergence['actual'] | null;
      try {
        // Compared as values (the canonical text is written for a divergence only: it costs more than the replay).
        const r = replayPath(c, files, path, backing, target);
        actual =
          firstDifference(r.observed, target, 'state') === null &&
          JSON.stringify(r.results) === JSON.stringify(expected.results)
            ? null
            : { state: canonicalState(toTla(c, r.observed)), results: r.results };
      } catch (e) {
        actual = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      }
      if (actual !== null && divergences.length < max)
        divergences.push({ edge: i, backing, files, path, expected, actual });
      if (backing === 'disk') onDisk++;
    }
    covered++;
    opts.progress?.(covered, graph.edges.length);
  });
  return { edges: graph.edges.length, covered, onDisk, divergences, seconds: (performance.now() - started) / 1000 };
}

/** The model after an action sequence from the initial state with these files. */
export function modelAfter(c: Constants, files: ReadonlyMap<string, Bytes>, path: readonly Action[]) {
  let model: State = initState(c, files);
  for (const act of path) {
    const next = apply(c, model, act);
    if (next === null) throw new Error(`action not enabled in the model: ${JSON.stringify(act)}`);
    model = next;
  }
  return { model, state: canonicalState(toTla(c, model)), results: recorded(model) };
}

/**
 * A divergence as a vitest case that reproduces it, ready to paste into a
 * test file: the path is written as TLC edge labels, the form `npm run
 * replay` accepts too.
 */
export function regressionCase(cfgPath: string, d: Divergence): string {
  const files = JSON.stringify(Object.fromEntries(d.files));
  const labels = d.path.map(actionCall);
  return [
    `// import { expect, test } from 'vitest';`,
    `// import { replayLabels } from '../conformance/replay.ts';`,
    `test('replay divergence: edge ${d.edge} of ${cfgPath} (${d.backing})', () => {`,
    `  const r = replayLabels(${JSON.stringify(cfgPath)}, ${files}, ${JSON.stringify(labels)}, ${JSON.stringify(d.backing)});`,
    `  expect(r.actual).toEqual(r.expected);`,
    `});`,
  ].join('\n');
}

/**
 * Replays TLC edge labels from the initial state with these files, on the
 * model and on the engine: what a regression case and `npm run replay` run.
 * Every input is decoded (the files by the State schema's byte rule, the
 * labels by the Action schema).
 */
export function replayLabels(
  cfgPath: string,
  files: Readonly<Record<string, readonly number[]>>,
  labels: readonly string[],
  backing: Backing,
): { expected: { state: string; results: Observed }; actual: { state: string; results: Observed } } {
  const c = readConfig(cfgPath).constants;
  const contents = decodeState({ ...(encodeState(initState(c, new Map())) as object), file: files }).file;
  const path = labels.map(parseActionLabel);
  const expected = modelAfter(c, contents, path);
  const actual = replayPath(c, contents, path, backing, expected.model);
  return {
    expected: { state: expected.state, results: expected.results },
    actual: { state: canonicalState(toTla(c, actual.observed)), results: actual.results },
  };
}
