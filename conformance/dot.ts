/**
 * Reads the state graph TLC writes with `-dump dot,actionlabels FILE` into a
 * StateGraph whose states are canonical texts, so it can be digested and
 * compared with the graph the model enumerates.
 *
 * TLC writes one statement per line: a node is `FP [label="STATE",...]`
 * (initial states carry `style = filled`, the others a tooltip repeating the
 * label), an edge is `FP -> FP [label="Action(args)",...];`, where FP is the
 * state's signed 64-bit fingerprint. An edge may come before its target's
 * node line. Everything else (the graph header, `{rank = same; ...}`, closing
 * braces) carries no state or edge. Lines are read one at a time: a dump of
 * the conformance config is tens of megabytes.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Edge, StateGraph } from './graph.ts';
import { canonicalState } from './tla.ts';
import { parseState, TlcValueError } from './tlcValues.ts';

/** The dot file is not a TLC state-graph dump; the message names the line. */
export class DotGraphError extends Error {
  override readonly name = 'DotGraphError';
}

const FINGERPRINT = /-?\d+/y;
const ATTR_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const SPACES = /[ \t]*/y;
const BARE_VALUE = /[^,\]\s]+/y;

/** The attributes of a `[k="v",k = v,...]` list and the text after its `]`. */
interface AttrList {
  readonly attrs: ReadonlyMap<string, string>;
  readonly rest: string;
}

/**
 * Collects a dump line by line (`addLine`), then resolves edges to state ids
 * (`finish`). States are deduplicated by canonical text and edges by
 * (from, action, to), so the graph is a set of states and labelled edges
 * whatever TLC repeated.
 */
export class DotGraphBuilder {
  private lineNo = 0;
  private sawHeader = false;
  /** Open braces: the graph is complete when they are all closed again. */
  private depth = 0;
  private readonly idOfText = new Map<string, number>();
  private readonly idOfFingerprint = new Map<string, number>();
  private readonly states: string[] = [];
  private readonly initial = new Set<number>();
  private readonly pending: { from: string; to: string; action: string; line: number }[] = [];

  /** @param source names the dump in error messages. */
  constructor(private readonly source: string) {}

  private fail(message: string): never {
    throw new DotGraphError(`${this.source} line ${this.lineNo}: ${message}`);
  }

  addLine(line: string): void {
    this.lineNo++;
    const trimmed = line.trim();
    if (trimmed === '') return;
    if (!this.sawHeader && !/^(strict\s+)?digraph\b/.test(trimmed)) {
      this.fail(`not a dot graph: expected "strict digraph ..." but found ${JSON.stringify(trimmed.slice(0, 60))}`);
    }
    if (this.sawHeader && this.depth === 0) this.fail("text after the graph's closing '}'");
    this.sawHeader = true;
    FINGERPRINT.lastIndex = 0;
    const fp = FINGERPRINT.exec(trimmed);
    if (fp === null) {
      // The other statements hold no strings with braces: headers, subgraphs, `{rank = same; ...}`.
      for (const c of trimmed) this.depth += c === '{' ? 1 : c === '}' ? -1 : 0;
      return;
    }
    const at = FINGERPRINT.lastIndex;
    if (!trimmed.startsWith(' -> ', at)) {
      this.addNode(fp[0], this.attrList(trimmed, at));
      return;
    }
    FINGERPRINT.lastIndex = at + 4;
    const to = FINGERPRINT.exec(trimmed);
    if (to === null) this.fail('edge without a target fingerprint');
    this.addEdge(fp[0], to[0], this.attrList(trimmed, FINGERPRINT.lastIndex));
  }

  private addNode(fingerprint: string, { attrs, rest }: AttrList): void {
    if (rest !== '' && rest !== ';') this.fail(`unexpected text after node attributes: ${JSON.stringify(rest)}`);
    const label = attrs.get('label');
    if (label === undefined) this.fail(`node ${fingerprint} has no label`);
    let text: string;
    try {
      text = canonicalState(parseState(label));
    } catch (e) {
      if (e instanceof TlcValueError) this.fail(`node ${fingerprint}'s state: ${e.message}`);
      throw e;
    }
    let id = this.idOfText.get(text);
    if (id === undefined) {
      id = this.states.length;
      this.idOfText.set(text, id);
      this.states.push(text);
    }
    const known = this.idOfFingerprint.get(fingerprint);
    if (known !== undefined && known !== id) this.fail(`node ${fingerprint} is defined twice with different states`);
    this.idOfFingerprint.set(fingerprint, id);
    if (attrs.get('style') === 'filled') this.initial.add(id);
  }

  private addEdge(from: string, to: string, { attrs, rest }: AttrList): void {
    if (rest !== ';' && rest !== '') this.fail(`unexpected text after edge attributes: ${JSON.stringify(rest)}`);
    // Without `actionlabels` TLC writes label="".
    const action = attrs.get('label');
    if (action === undefined || action === '') this.fail(`edge ${from} -> ${to} has no action label: dump with -dump dot,actionlabels`);
    this.pending.push({ from, to, action, line: this.lineNo });
  }

  /** Parses ` [k=v, ...]` starting at `at`. */
  private attrList(line: string, at: number): AttrList {
    const skip = (): void => {
      SPACES.lastIndex = at;
      SPACES.exec(line);
      at = SPACES.lastIndex;
    };
    skip();
    if (line[at] !== '[') this.fail(`expected '[' after the fingerprint but found ${JSON.stringify(line.slice(at, at + 20))}`);
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
        [value, at] = this.quoted(line, at + 1);
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
  private quoted(line: string, at: number): [string, number] {
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

  /** The graph, once every line has been added. */
  finish(): StateGraph {
    if (!this.sawHeader) throw new DotGraphError(`${this.source}: empty file, not a dot graph`);
    if (this.depth !== 0) throw new DotGraphError(`${this.source}: ends without the closing '}' (was TLC interrupted?)`);
    const edges: Edge[] = [];
    const seen = new Set<string>();
    for (const e of this.pending) {
      const from = this.idOfFingerprint.get(e.from);
      const to = this.idOfFingerprint.get(e.to);
      if (from === undefined || to === undefined) {
        throw new DotGraphError(`${this.source} line ${e.line}: edge refers to node ${from === undefined ? e.from : e.to}, which the dump never defines`);
      }
      const key = `${from} ${to} ${e.action}`;
      if (seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to, action: e.action });
    }
    return { states: this.states, initial: [...this.initial], edges };
  }
}

/** Reads a TLC dot dump from disk, line by line. */
export async function readDotGraph(path: string): Promise<StateGraph> {
  const builder = new DotGraphBuilder(path);
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) builder.addLine(line);
  return builder.finish();
}
