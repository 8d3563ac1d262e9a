/**
 * Enumerates the reachable state graph of a config, breadth first and
 * deterministically: the graph TLC explores for the same spec and cfg.
 */
import type { StateGraph } from '../tla/graph.ts';
import { canonicalState } from '../tla/values.ts';
import type { Constants } from './constants.ts';
import { violated } from './invariants.ts';
import type { Next } from './next.ts';
import { initStates, type State } from './state.ts';
import { toTla } from './tla.ts';

export interface ModelGraph extends StateGraph {
  /** The model states, by id (same index as states). */
  readonly models: readonly State[];
  /** parent[id]: the index of the edge that first reached state id (-1 for an initial state): a BFS tree. */
  readonly parent: readonly number[];
}

export interface EnumerateOptions {
  /** Invariants to check on every state; a violation throws with the state. */
  readonly invariants?: readonly string[];
  /** Called after each state expanded and each BFS level, with the states found so far (cheap; throttle output yourself). */
  readonly progress?: (found: number, depth: number) => void;
  /** Explicit limit: refuse to grow past this many states. */
  readonly maxStates?: number;
}

/** The graph `Next` reaches from the initial states; the layer above hands Next in (actions/next.ts, successors). */
export function enumerate(c: Constants, Next: Next, opts: EnumerateOptions = {}): ModelGraph {
  const maxStates = opts.maxStates ?? 5_000_000;
  const ids = new Map<string, number>();
  const states: string[] = [];
  const models: State[] = [];
  const edges: { from: number; to: number; action: string }[] = [];
  const parent: number[] = [];
  const intern = (st: State): number => {
    const text = canonicalState(toTla(c, st));
    let id = ids.get(text);
    if (id === undefined) {
      if (states.length >= maxStates) throw new Error(`state graph exceeds ${maxStates} states`);
      id = states.length;
      ids.set(text, id);
      states.push(text);
      models.push(st);
      parent.push(edges.length - 1); // the edge being added, or -1 while interning initial states
      const bad = opts.invariants ? violated(c, st, opts.invariants) : [];
      if (bad.length > 0) throw new Error(`invariant ${bad.join(', ')} violated in state\n${text}`);
    }
    return id;
  };
  const initial = [...new Set(initStates(c).map(intern))];
  let frontier = initial;
  let depth = 0;
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const from of frontier) {
      for (const { label, next: succ } of Next(c, models[from]!)) {
        // Push the edge first: a state found now records this edge as its parent.
        const edge = { from, to: -1, action: label };
        edges.push(edge);
        const before = states.length;
        edge.to = intern(succ);
        if (states.length > before) next.push(edge.to);
      }
      opts.progress?.(states.length, depth + 1);
    }
    depth++;
    opts.progress?.(states.length, depth);
    frontier = next;
  }
  return { states, initial, edges, models, parent };
}
