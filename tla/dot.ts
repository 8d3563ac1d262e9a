/**
 * Reads the dot files model checkers write for a state graph: TLC's
 * `-dump dot[,actionlabels] FILE` and the wasm checker's `export_dot`.
 *
 * Both write one statement per line. A node is `ID [label="STATE",...]`, an
 * edge `ID -> ID [label="Action(args)",...];`, where ID is the state's signed
 * 64-bit fingerprint in TLC's dumps (`-123`) and an index in the wasm
 * checker's (`s0`). An edge may come before its target's node line.
 * Everything else (the graph header, defaults such as `node [...]`, graph
 * attributes such as `rankdir=TB;`, `{rank = same; ...}`, closing braces)
 * carries no state or edge. Lines are read one at a time: a TLC dump of the
 * conformance config is tens of megabytes.
 *
 * Two readings are built on the one statement reader: the labelled state
 * graph of a TLC `actionlabels` dump, with states as canonical texts, so it
 * can be digested and compared with the graph the model enumerates; and the
 * count of a graph's edges, from either checker.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Edge, StateGraph } from './graph.ts';
import { parseState, TlcValueError } from './tlc-values.ts';
import { canonicalState } from './values.ts';

/** The dot file is not a state-graph dump; the message names the line. */
export class DotGraphError extends Error {
  override readonly name = 'DotGraphError';
}

/** A statement that names a node or an edge, with its attributes. */
type DotStatement =
  | { readonly kind: 'node'; readonly id: string; readonly attrs: ReadonlyMap<string, string> }
  | { readonly kind: 'edge'; readonly from: string; readonly to: string; readonly attrs: ReadonlyMap<string, string> };

/** A TLC fingerprint or a dot identifier. */
const NODE_ID = /-?\d+|[A-Za-z_][A-Za-z0-9_]*/y;
/** Dot's keywords: a statement starting with one sets defaults or opens a graph, it names no node. */
const KEYWORDS = new Set(['node', 'edge', 'graph', 'digraph', 'subgraph', 'strict']);
/** `ID =` opens a graph attribute (`rankdir=TB;`), not a node. */
const ASSIGN = /[ \t]*=/y;
const ATTR_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const SPACES = /[ \t]*/y;
const BARE_VALUE = /[^,\]\s]+/y;

/**
 * Reads a dump line by line into node and edge statements, checking that it
 * is one graph whose braces all close: a dump cut short (an interrupted
 * checker) is an error, never a smaller graph.
 */
class DotStatements {
  lineNo = 0;
  #sawHeader = false;
  /** Open braces: the graph is complete when they are all closed again. */
  #depth = 0;

  /** @param source names the dump in error messages. */
  constructor(readonly source: string) {}

  fail(message: string, line = this.lineNo): never {
    throw new DotGraphError(`${this.source} line ${line}: ${message}`);
  }

  /** The node or edge a line states, or null for a line that states neither. */
  read(line: string): DotStatement | null {
    this.lineNo++;
    const trimmed = line.trim();
    if (trimmed === '') return null;
    if (!this.#sawHeader && !/^(strict\s+)?digraph\b/.test(trimmed)) {
      this.fail(
        `not a dot graph: expected "strict digraph ..." or "digraph ..." but found ${JSON.stringify(trimmed.slice(0, 60))}`,
      );
    }
    if (this.#sawHeader && this.#depth === 0) this.fail("text after the graph's closing '}'");
    this.#sawHeader = true;
    NODE_ID.lastIndex = 0;
    const id = NODE_ID.exec(trimmed);
    const after = NODE_ID.lastIndex;
    ASSIGN.lastIndex = after;
    if (id === null || KEYWORDS.has(id[0]) || ASSIGN.test(trimmed)) {
      // The other statements hold no strings with braces: headers, defaults, graph attributes, `{rank = same; ...}`.
      for (const c of trimmed) this.#depth += c === '{' ? 1 : c === '}' ? -1 : 0;
      return null;
    }
    if (!trimmed.startsWith(' -> ', after)) {
      const { attrs, rest } = this.#attrList(trimmed, after);
      if (rest !== '' && rest !== ';') this.fail(`unexpected text after node attributes: ${JSON.stringify(rest)}`);
      return { kind: 'node', id: id[0], attrs };
    }
    NODE_ID.lastIndex = after + 4;
    const to = NODE_ID.exec(trimmed);
    if (to === null) this.fail('edge without a target node id');
    const { attrs, rest } = this.#attrList(trimmed, NODE_ID.lastIndex);
    if (rest !== ';' && rest !== '') this.fail(`unexpected text after edge attributes: ${JSON.stringify(rest)}`);
    return { kind: 'edge', from: id[0], to: to[0], attrs };
  }

  /** Checks the dump is complete, once every line has been read. */
  end(): void {
    if (!this.#sawHeader) throw new DotGraphError(`${this.source}: empty file, not a dot graph`);
    if (this.#depth !== 0)
      throw new DotGraphError(`${this.source}: ends without the closing '}' (was the checker interrupted?)`);
  }

  /** Parses ` [k=v, ...]` starting at `at`; returns the attributes and the text after the `]`. */
  #attrList(line: string, at: number): { attrs: ReadonlyMap<string, string>; rest: string } {
    const skip = (): void => {
      SPACES.lastIndex = at;
      SPACES.exec(line);
      at = SPACES.lastIndex;
    };
    skip();
    if (line[at] !== '[')
      this.fail(`expected '[' after the node id but found ${JSON.stringify(line.slice(at, at + 20))}`);
    at++;
    const attrs = new Map<string, string>();
    for (;;) {
      skip();
      ATTR_NAME.lastIndex = at;
      const name = ATTR_NAME.exec(line);
      if (name === null) this.fail(`expected an attribute name at column ${at + 1}`);
      at = ATTR_NAME.lastIndex;
      skip();
      if (line[at] !== '=') this.fail(`expected '=' after attribute ${name[0]}`);
      at++;
      skip();
      let value: string;
      if (line[at] === '"') {
        [value, at] = this.#quoted(line, at + 1);
      } else {
        BARE_VALUE.lastIndex = at;
        const bare = BARE_VALUE.exec(line);
        if (bare === null) this.fail(`attribute ${name[0]} has no value`);
        value = bare[0];
        at = BARE_VALUE.lastIndex;
      }
      attrs.set(name[0], value);
      skip();
      if (line[at] === ']') return { attrs, rest: line.slice(at + 1).trim() };
      if (line[at] !== ',') this.fail(`expected ',' or ']' after attribute ${name[0]}`);
      at++;
    }
  }

  /** The decoded body of a dot string starting at `at` (after its quote), and the index after the closing quote. */
  #quoted(line: string, at: number): [string, number] {
    let out = '';
    let chunk = at;
    for (let i = at; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 34 /* " */) return [out + line.slice(chunk, i), i + 1];
      if (c !== 92 /* \ */) continue;
      out += line.slice(chunk, i);
      const e = line[i + 1];
      if (e === 'n') out += '\n';
      else if (e === '"' || e === '\\') out += e;
      else this.fail(`unknown escape \\${e ?? ''} in a dot string at column ${i + 1}`);
      i++;
      chunk = i + 1;
    }
    return this.fail('unterminated string');
  }
}

/**
 * Collects a TLC `-dump dot,actionlabels` dump line by line (`addLine`),
 * then resolves edges to state ids (`finish`). States are deduplicated by
 * canonical text and edges by (from, action, to), so the graph is a set of
 * states and labelled edges whatever TLC repeated. Initial states are the
 * nodes TLC marks `style = filled`.
 */
export class DotGraphBuilder {
  readonly #statements: DotStatements;
  readonly #idOfText = new Map<string, number>();
  readonly #idOfNode = new Map<string, number>();
  readonly #states: string[] = [];
  readonly #initial = new Set<number>();
  readonly #pending: { from: string; to: string; action: string; line: number }[] = [];

  /** @param source names the dump in error messages. */
  constructor(source: string) {
    this.#statements = new DotStatements(source);
  }

  addLine(line: string): void {
    const s = this.#statements.read(line);
    if (s === null) return;
    if (s.kind === 'node') this.#addNode(s.id, s.attrs);
    else this.#addEdge(s.from, s.to, s.attrs);
  }

  #addNode(node: string, attrs: ReadonlyMap<string, string>): void {
    const label = attrs.get('label');
    if (label === undefined) this.#statements.fail(`node ${node} has no label`);
    let text: string;
    try {
      text = canonicalState(parseState(label));
    } catch (e) {
      if (e instanceof TlcValueError) this.#statements.fail(`node ${node}'s state: ${e.message}`);
      throw e;
    }
    let id = this.#idOfText.get(text);
    if (id === undefined) {
      id = this.#states.length;
      this.#idOfText.set(text, id);
      this.#states.push(text);
    }
    const known = this.#idOfNode.get(node);
    if (known !== undefined && known !== id)
      this.#statements.fail(`node ${node} is defined twice with different states`);
    this.#idOfNode.set(node, id);
    if (attrs.get('style') === 'filled') this.#initial.add(id);
  }

  #addEdge(from: string, to: string, attrs: ReadonlyMap<string, string>): void {
    // Without `actionlabels` TLC writes label="".
    const action = attrs.get('label');
    if (action === undefined || action === '')
      this.#statements.fail(`edge ${from} -> ${to} has no action label: dump with -dump dot,actionlabels`);
    this.#pending.push({ from, to, action, line: this.#statements.lineNo });
  }

  /** The graph, once every line has been added. */
  finish(): StateGraph {
    this.#statements.end();
    const edges: Edge[] = [];
    const seen = new Set<string>();
    for (const e of this.#pending) {
      const from = this.#idOfNode.get(e.from);
      const to = this.#idOfNode.get(e.to);
      if (from === undefined || to === undefined) {
        this.#statements.fail(
          `edge refers to node ${from === undefined ? e.from : e.to}, which the dump never defines`,
          e.line,
        );
      }
      const key = `${from} ${to} ${e.action}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to, action: e.action });
    }
    return { states: this.#states, initial: [...this.#initial], edges };
  }
}

/**
 * Counts a dump's edges as distinct (from, to) pairs of nodes, self-loops
 * included: a state graph's edges, however many actions or bindings lead from
 * one state to the other, from either checker and with or without labels.
 */
class DotEdgeCounter {
  readonly #statements: DotStatements;
  readonly #seen = new Set<string>();

  constructor(source: string) {
    this.#statements = new DotStatements(source);
  }

  addLine(line: string): void {
    const s = this.#statements.read(line);
    if (s?.kind === 'edge') this.#seen.add(`${s.from} ${s.to}`);
  }

  finish(): number {
    this.#statements.end();
    return this.#seen.size;
  }
}

async function readLines<T>(path: string, reader: { addLine(line: string): void; finish(): T }): Promise<T> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) reader.addLine(line);
  return reader.finish();
}

/** Reads a TLC `-dump dot,actionlabels` file from disk, line by line. */
export function readDotGraph(path: string): Promise<StateGraph> {
  return readLines(path, new DotGraphBuilder(path));
}

/** Distinct edges of a dot text held in memory (the wasm checker's export); `source` names it in errors. */
export function countDotEdges(dot: string, source: string): number {
  const counter = new DotEdgeCounter(source);
  for (const line of dot.split('\n')) counter.addLine(line);
  return counter.finish();
}

/** Distinct edges of a dot file, read line by line (TLC's dumps can be large). */
export function countDotFileEdges(path: string): Promise<number> {
  return readLines(path, new DotEdgeCounter(path));
}
