/**
 * A reachable state graph, as TLC dumps it or the model enumerates it, and
 * the digest that certifies two graphs are the same machine.
 */
import { createHash } from 'node:crypto';

export interface Edge {
  readonly from: number;
  readonly to: number;
  /** The action and its arguments as TLC labels the edge: Read(f1,0,0,2), Write(0,1,f1,0,TRUE). */
  readonly action: string;
}

export interface StateGraph {
  /** Canonical state texts (tla/values.ts canonicalState); the index is the state's id. */
  readonly states: readonly string[];
  /** Ids of the initial states. */
  readonly initial: readonly number[];
  readonly edges: readonly Edge[];
}

export interface GraphDigest {
  readonly distinctStates: number;
  readonly edges: number;
  /** sha256 over the sorted state hashes, the sorted initial-state hashes and the sorted labelled edges. */
  readonly graphSha256: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The digest of a graph: independent of state numbering and of the order states and edges were found in. */
export function digestGraph(graph: StateGraph): GraphDigest {
  const stateHash = graph.states.map(sha256);
  const sorted = (lines: string[]) => lines.sort().join('\n');
  const edgeLines = graph.edges.map((e) => `${stateHash[e.from]} ${e.action} ${stateHash[e.to]}`);
  const edgeSet = new Set(edgeLines);
  if (edgeSet.size !== edgeLines.length) throw new Error('state graph has duplicate edges');
  const hash = createHash('sha256');
  hash.update(`states\n${sorted([...stateHash])}\n`);
  hash.update(`initial\n${sorted(graph.initial.map((i) => stateHash[i]!))}\n`);
  hash.update(`edges\n${sorted(edgeLines)}\n`);
  return { distinctStates: graph.states.length, edges: edgeLines.length, graphSha256: hash.digest('hex') };
}
