import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTlcError, parseTlcOutput } from './tlcOutput.ts';

/** Real TLC console output, captured from tlc2.TLC runs on the fixtures. */
const canned = (name: string) => readFileSync(new URL(`fixtures/tlc-output/${name}.txt`, import.meta.url), 'utf8');

describe('parseTlcOutput', () => {
  it('reads the final counts of a passing run', () => {
    expect(parseTlcOutput(canned('pass'))).toEqual({ generated: 13, distinctStates: 9, violation: null, errors: [] });
  });

  it("reads an invariant violation and its trace, naming each state's action", () => {
    const report = parseTlcOutput(canned('invariant'));
    expect(report.distinctStates).toBe(7);
    expect(report.errors).toEqual([]);
    expect(report.violation).toEqual({
      kind: 'invariant',
      invariant: 'Small',
      trace: [
        { action: null, vars: { x: '0', y: '0' } },
        { action: 'IncX', vars: { x: '1', y: '0' } },
        { action: 'IncX', vars: { x: '2', y: '0' } },
        { action: 'IncY', vars: { x: '2', y: '1' } },
      ],
    });
  });

  it('reads a deadlock', () => {
    const { violation, distinctStates } = parseTlcOutput(canned('deadlock'));
    expect(distinctStates).toBe(9);
    expect(violation?.kind).toBe('deadlock');
    expect(violation?.invariant).toBeNull();
    expect(violation?.trace.at(-1)).toEqual({ action: 'IncY', vars: { x: '2', y: '2' } });
    expect(violation?.trace).toHaveLength(5);
  });

  it('reads a violation by an initial state, which comes without counts', () => {
    expect(parseTlcOutput(canned('initial-state'))).toEqual({
      generated: null,
      distinctStates: null,
      violation: { kind: 'invariant', invariant: 'InitInv', trace: [{ action: null, vars: { x: '0' } }] },
      errors: [],
    });
  });

  it('reads states of a single-variable spec, printed without /\\', () => {
    const { violation } = parseTlcOutput(canned('one-variable'));
    expect(violation?.trace.map((s) => s.vars)).toEqual([{ x: '0' }, { x: '1' }, { x: '2' }]);
  });

  it('keeps multi-line values whole, and actions with arguments', () => {
    const { violation, distinctStates } = parseTlcOutput(canned('multiline'));
    expect(violation?.invariant).toBe('AnonBacked');
    expect(distinctStates).toBeGreaterThan(0);
    expect(violation?.trace.map((s) => s.action)).toEqual([null, 'Store(0,0)', 'Evict(0)']);
    const last = violation?.trace[2].vars ?? {};
    expect(Object.keys(last)).toEqual(['src', 'steps', 'snap', 'cfile', 'file', 'frame', 'last', 'swap', 'mem']);
    expect(last.src).toBe(
      '( 0 :> [snap |-> 0, kind |-> "Anon", off |-> 0] @@\n  1 :> [snap |-> 0, kind |-> "Anon", off |-> 0] )',
    );
    expect(last.last.split('\n')).toHaveLength(14);
    expect(last.last.split('\n').at(-1)).toBe('  needed |-> 0 ]');
    expect(last.mem).toBe('(0 :> 0 @@ 1 :> 0)');
  });

  it('collects the errors of a failed run, each located where TLC says', () => {
    expect(parseTlcOutput(canned('parse-error'))).toEqual({
      generated: null,
      distinctStates: null,
      violation: null,
      errors: [
        {
          message:
            'parse error: Was expecting "Expression or Instance"\nEncountered "Beginning of definition" at line 3, column 9 and token "=="',
          location: { file: '/tmp/Broken.tla', line: 3, column: 9 },
        },
        { message: 'Parsing or semantic analysis failed.', location: null },
      ],
    });
  });

  it('reads counts written with thousands separators', () => {
    const report = parseTlcOutput(
      '1,234,567 states generated, 89,012 distinct states found, 0 states left on queue.\n',
    );
    expect([report.generated, report.distinctStates]).toEqual([1234567, 89012]);
  });

  /**
   * Real output of tlc2.TLC (2026.12.01) on tlc/fixtures/errors/*.tla, run
   * from /tmp/tlc-errors: each kind of error SANY and TLC print, with the
   * position a person would look at first.
   */
  const errorsIn = (name: string) => parseTlcOutput(canned(name)).errors.map(formatTlcError);
  const at = (spec: string, line: number, column: number) => `/tmp/tlc-errors/${spec}.tla:${line}:${column}: `;
  const failed = 'Parsing or semantic analysis failed.';

  it.each([
    [
      'unfinished-next',
      [`${at('UnfinishedNext', 7, 1)}parse error: Encountered "====" at line 7, column 1 and token "+"`, failed],
    ],
    [
      'stray-operator',
      [
        `${at('StrayOperator', 6, 1)}parse error: Encountered "Beginning of definition" at line 6, column 1 and token "+"`,
        failed,
      ],
    ],
    [
      'unterminated-string',
      [
        `${at('UnterminatedString', 5, 15)}Lexical error at line 5, column 15.  Encountered: "\\n" (10), after : "\\"a"`,
        failed,
      ],
    ],
    ['undeclared', [`${at('Undeclared', 6, 19)}Unknown operator: \`y'.`, failed]],
  ])("reads SANY's errors: %s", (name, expected) => {
    expect(errorsIn(name)).toEqual(expected);
  });

  it('locates an evaluation error at the range TLC gives it', () => {
    const [exception] = parseTlcOutput(canned('empty-choose')).errors;
    expect(exception.location).toEqual({ file: '/tmp/tlc-errors/EmptyChoose.tla', line: 6, column: 14 });
    expect(exception.message.split('\n').slice(-3)).toEqual([
      ': Attempted to compute the value of an expression of form',
      'CHOOSE x \\in S: P, but no element of S satisfied P.',
      'line 6, col 14 to line 6, col 35 of module EmptyChoose',
    ]);
  });

  it('locates an error without a range at the innermost of the nested positions TLC lists', () => {
    const report = parseTlcOutput(canned('overflow'));
    expect(report.violation).toBeNull();
    expect(report.errors.map((e) => e.location)).toEqual([
      null,
      { file: '/tmp/tlc-errors/Overflow.tla', line: 7, column: 19 },
    ]);
    expect(report.errors[0].message).toBe('Overflow when computing 2^63');
  });
});
