/**
 * The fixtures are real checker output, regenerated in tla/fixtures/ by
 *   java -cp tla2tools.jar tlc2.TLC -workers 1 -metadir /tmp/m -noGenerateSpecTE \
 *     -dump dot,actionlabels values -config Values.cfg Values.tla
 * (TLC2 Version 2026.11.23; likewise onevar from OneVar.tla), by the same
 * without `actionlabels` on tlc/fixtures/Counter.tla for counter-tlc.dot
 * (TLC2 Version 2026.12.01), and for counter-wasm.dot by tla-checker 0.9.0's
 * check_spec_with_options on the same spec with export_dot and dot_mode
 * "full". TLC picks its fingerprint function at random per run, so node ids
 * change from run to run; nothing here depends on them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { countDotEdges, countDotFileEdges, DotGraphBuilder, DotGraphError, readDotGraph } from './dot.ts';
import { digestGraph, type Edge, type StateGraph } from './graph.ts';
import { canonicalState, ModelValue, type Tla, tlaFn, tlaRecord, tlaSeq, tlaSet } from './values.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

interface ValuesState {
  readonly n: number;
  readonly hist: readonly { readonly d: number; readonly n: number }[];
  readonly owner: Readonly<Record<'a' | 'b', readonly number[]>>;
  readonly who: 'a' | 'b';
  readonly ok: boolean;
}

const NOTE = 'say "hi"\\\n';

function valuesTla(s: ValuesState): Record<string, Tla> {
  const a = new ModelValue('a');
  const b = new ModelValue('b');
  return {
    n: s.n,
    hist: tlaSeq(
      s.hist.map((h) =>
        tlaRecord({
          d: h.d,
          at: tlaFn([
            [0, h.n],
            [2, tlaSeq([-h.n, tlaSet([])])],
          ]),
        }),
      ),
    ),
    owner: tlaFn([
      [a, tlaSet(s.owner.a)],
      [b, tlaSet(s.owner.b)],
    ]),
    tag: tlaRecord({ who: new ModelValue(s.who), ok: s.ok, note: NOTE }),
  };
}

/** fixtures/Values.tla, enumerated independently of TLC: the graph values.dot must hold. */
function enumerateValues(): StateGraph {
  const ids = new Map<string, number>();
  const states: string[] = [];
  const edges: Edge[] = [];
  const queue: ValuesState[] = [];
  const intern = (s: ValuesState): number => {
    const text = canonicalState(valuesTla(s));
    let id = ids.get(text);
    if (id === undefined) {
      id = states.length;
      ids.set(text, id);
      states.push(text);
      queue.push(s);
    }
    return id;
  };
  const init = { hist: [], owner: { a: [], b: [] }, who: 'a', ok: true } as const;
  const initial = [intern({ ...init, n: 0 }), intern({ ...init, n: -1 })];
  for (let i = 0; i < queue.length; i++) {
    const s = queue[i]!;
    const from = ids.get(canonicalState(valuesTla(s)))!;
    const step = (action: string, t: ValuesState) => edges.push({ from, to: intern(t), action });
    for (const d of [-1, 2]) {
      if (s.hist.length < 2) step(`Step(${d})`, { ...s, n: s.n + d, hist: [...s.hist, { d, n: s.n }] });
    }
    for (const m of ['a', 'b'] as const) {
      if (s.owner[m].length === 0 && s.hist.length === 0 && s.n < 0) {
        step(`Take(${m})`, { ...s, owner: { ...s.owner, [m]: [s.n, s.n - 1] }, who: m, ok: !s.ok });
      }
    }
    if (s.hist.length === 2) step('Stay', s);
  }
  return { states, initial, edges };
}

describe('readDotGraph on real TLC dumps', () => {
  test('values.dot holds exactly the graph of Values.tla', async () => {
    const graph = await readDotGraph(fixture('values.dot'));
    // TLC: "66 states generated, 42 distinct states found"; an edge per generated non-initial state.
    expect(graph.states).toHaveLength(42);
    expect(graph.edges).toHaveLength(64);
    expect(digestGraph(graph)).toEqual(digestGraph(enumerateValues()));
  });

  test('initial states, escapes in strings, self loops', async () => {
    const graph = await readDotGraph(fixture('values.dot'));
    const init = { hist: [], owner: { a: [], b: [] }, who: 'a', ok: true } as const;
    expect(graph.initial.map((i) => graph.states[i]).sort()).toEqual(
      [canonicalState(valuesTla({ ...init, n: 0 })), canonicalState(valuesTla({ ...init, n: -1 }))].sort(),
    );
    expect(graph.states.every((s) => s.includes('note |-> "say \\"hi\\"\\\\\\n"'))).toBe(true);
    const loops = graph.edges.filter((e) => e.from === e.to);
    expect(loops.length).toBeGreaterThan(0);
    expect(new Set(loops.map((e) => e.action))).toEqual(new Set(['Stay']));
    expect(new Set(graph.edges.map((e) => e.action))).toEqual(
      new Set(['Step(-1)', 'Step(2)', 'Take(a)', 'Take(b)', 'Stay']),
    );
  });

  test('onevar.dot: `x = v` states, a cycle, a label without arguments', async () => {
    const graph = await readDotGraph(fixture('onevar.dot'));
    const x = (i: number) => canonicalState({ x: tlaSeq(['a', i]) });
    const id = (i: number) => graph.states.indexOf(x(i));
    expect([...graph.states].sort()).toEqual([x(-1), x(0), x(1)].sort());
    expect(graph.initial).toEqual([id(-1)]);
    const edges = graph.edges.map((e) => [e.from, e.to, e.action]);
    expect(edges.sort()).toEqual(
      [
        [id(-1), id(0), 'Next'],
        [id(0), id(1), 'Next'],
        [id(1), id(0), 'Next'],
      ].sort(),
    );
  });
});

describe('DotGraphBuilder', () => {
  const HEAD = [
    'strict digraph DiskGraph {',
    'node [shape=box,style=rounded]',
    'nodesep=0.35;',
    'subgraph cluster_graph {',
    'color="white";',
  ];
  const TAIL = ['{rank = same; 1;}', '}', '}'];
  const node = (fp: string, state: string, initial = false) => {
    // JSON's escapes for \\, " and newline are dot's.
    const label = JSON.stringify(state).slice(1, -1);
    return initial ? `${fp} [label="${label}",style = filled]` : `${fp} [label="${label}",tooltip="${label}"];`;
  };
  const edge = (from: string, to: string, action: string) =>
    `${from} -> ${to} [label="${action}",color="black",fontcolor="black"];`;
  const build = (lines: readonly string[]) => {
    const builder = new DotGraphBuilder('test.dot');
    for (const line of lines) builder.addLine(line);
    return builder.finish();
  };

  test('an edge before its target node; duplicate edges and states are merged', () => {
    const graph = build([
      ...HEAD,
      node('-1', '/\\ x = 1', true),
      edge('-1', '22', 'A'),
      edge('-1', '22', 'A'),
      edge('-1', '-9223372036854775808', 'B'),
      node('22', '/\\ x = 2'),
      node('-9223372036854775808', '/\\ x = 2'),
      ...TAIL,
    ]);
    expect(graph.states).toEqual(['/\\ x = 1', '/\\ x = 2']);
    expect(graph.initial).toEqual([0]);
    expect(graph.edges).toEqual([
      { from: 0, to: 1, action: 'A' },
      { from: 0, to: 1, action: 'B' },
    ]);
  });

  test('label escapes: \\\\ is a backslash, \\" a quote, \\n a newline', () => {
    const graph = build([...HEAD, String.raw`5 [label="/\\ s = \"a\\\\b\\\"c\"\n/\\ t = 1",style = filled]`, ...TAIL]);
    expect(graph.states).toEqual([canonicalState({ s: 'a\\b"c', t: 1 })]);
  });

  test.each([
    [[], 'test.dot: empty file, not a dot graph'],
    [[...HEAD, ...TAIL, node('1', '/\\ x = 1', true)], "test.dot line 9: text after the graph's closing '}'"],
    [['graph G {', '}'], 'test.dot line 1: not a dot graph'],
    [
      [...HEAD, node('1', '/\\ x = 1', true), '}'],
      "test.dot: ends without the closing '}' (was the checker interrupted?)",
    ],
    [
      [...HEAD, node('1', '/\\ x = 1', true), edge('1', '2', 'A'), ...TAIL],
      'test.dot line 7: edge refers to node 2, which the dump never defines',
    ],
    [
      [...HEAD, '1 -> 1 [color="black"];', ...TAIL],
      'test.dot line 6: edge 1 -> 1 has no action label: dump with -dump dot,actionlabels',
    ],
    [
      [...HEAD, edge('1', '1', ''), ...TAIL],
      'test.dot line 6: edge 1 -> 1 has no action label: dump with -dump dot,actionlabels',
    ],
    [
      [...HEAD, node('1', '/\\ x = <<1,>>'), ...TAIL],
      "test.dot line 6: node 1's state: expected a value but found '>>' at line 1, column 12",
    ],
    [
      [...HEAD, '1 [label="/\\\\ x = \\q"];', ...TAIL],
      'test.dot line 6: unknown escape \\q in a dot string at column 19',
    ],
    [[...HEAD, '1 [label="/\\\\ x = 1];', ...TAIL], 'test.dot line 6: unterminated string'],
    [
      [...HEAD, '1 [label="/\\\\ x = 1"] extra', ...TAIL],
      'test.dot line 6: unexpected text after node attributes: "extra"',
    ],
    [[...HEAD, '1 label="x"', ...TAIL], "test.dot line 6: expected '[' after the node id"],
    [
      [...HEAD, node('1', '/\\ x = 1'), node('1', '/\\ x = 2'), ...TAIL],
      'test.dot line 7: node 1 is defined twice with different states',
    ],
  ])('rejects malformed dumps: %#', (lines, message) => {
    expect(() => build(lines)).toThrow(DotGraphError);
    expect(() => build(lines)).toThrow(message);
  });
});

describe('edge counts', () => {
  test('distinct (from, to) pairs of a labelled TLC dump: its graph with actions merged', async () => {
    const graph = await readDotGraph(fixture('values.dot'));
    const pairs = new Set(graph.edges.map((e) => `${e.from} ${e.to}`));
    // In Values.tla no two actions lead from one state to the same state: every labelled edge is its own pair.
    expect(pairs.size).toBe(64);
    expect(await countDotFileEdges(fixture('values.dot'))).toBe(pairs.size);
  });

  test('a TLC dump without action labels and the wasm export of the same spec agree: 12 edges', async () => {
    expect(await countDotFileEdges(fixture('counter-tlc.dot'))).toBe(12);
    expect(countDotEdges(readFileSync(fixture('counter-wasm.dot'), 'utf8'), 'counter-wasm.dot')).toBe(12);
  });

  test('two actions between the same states count once; an unfinished dump is an error', () => {
    const lines = ['digraph G {', 's0 [label="x=0"];', 's0 -> s0 [label="A"];', 's0 -> s0 [label="B"];', '}'];
    expect(countDotEdges(lines.join('\n'), 'g.dot')).toBe(1);
    expect(() => countDotEdges(lines.slice(0, -1).join('\n'), 'g.dot')).toThrow("g.dot: ends without the closing '}'");
  });
});
