import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseState, parseValue, parseValueAt, TlcValueError } from './tlc-values.ts';
import { canonical, canonicalState, ModelValue, type Tla, tlaFn, tlaRecord, tlaSeq, tlaSet } from './values.ts';

/** An initial state of spec/smoke.cfg exactly as TLC 2026.11 prints it: unsorted, wrapped, indented. */
const SMOKE_INITIAL = `/\\ src = ( 0 :> [snap |-> 0, kind |-> "Zero", off |-> 0] @@
  1 :> [snap |-> 0, kind |-> "Zero", off |-> 0] )
/\\ steps = 0
/\\ snap = << [file |-> NoFile, preserved |-> (0 :> <<>>)],
   [file |-> NoFile, preserved |-> (0 :> <<>>)] >>
/\\ cfile = (f1 :> <<0>>)
/\\ file = (f1 :> <<0>>)
/\\ frame = (0 :> <<>>)
/\\ last = [ file |-> NoFile,
  op |-> "init",
  addr |-> 0,
  len |-> 0,
  pos |-> 0,
  val |-> 0,
  data |-> <<>>,
  page |-> 0,
  rebind |-> FALSE,
  ret |-> 0,
  fault |-> FALSE,
  written |-> 0,
  skipped |-> 0,
  needed |-> 0 ]
/\\ swap = (0 :> <<>>)
/\\ mem = (0 :> 0 @@ 1 :> 0)`;

describe('parseValue', () => {
  test.each([
    ['0', '0'],
    ['-42', '-42'],
    ['TRUE', 'TRUE'],
    ['FALSE', 'FALSE'],
    ['f1', 'f1'],
    ['NoFile', 'NoFile'],
    ['"plain"', '"plain"'],
    ['<<>>', '<<>>'],
    ['{}', '{}'],
    ['<<1, -2, "x">>', '<<1, -2, "x">>'],
    ['{3, 1, 2, 1}', '{1, 2, 3}'],
    ['{-1, f1, "a"}', '{"a", -1, f1}'],
    ['1..3', '{1, 2, 3}'],
    ['3..1', '{}'],
    ['[b |-> 1, a |-> "s"]', '[a |-> "s", b |-> 1]'],
    ['(0 :> x @@ 1 :> y)', '(0 :> x @@ 1 :> y)'],
    ['( 1 :> y @@\n  0 :> x )', '(0 :> x @@ 1 :> y)'],
    ['0 :> x', '(0 :> x)'],
    ['0 :> x @@ -1 :> y', '(-1 :> y @@ 0 :> x)'],
    ['(2 :> b @@ 1 :> a)', '<<a, b>>'],
    ['(f2 :> <<1>> @@ f1 :> <<>>)', '(f1 :> <<>> @@ f2 :> <<1>>)'],
    ['({1} :> TRUE @@ {} :> FALSE)', '({1} :> TRUE @@ {} :> FALSE)'],
    ['((0 :> 1))', '(0 :> 1)'],
    [
      '<< [file |-> f1, preserved |-> (0 :> <<>> @@ 1 :> <<1, -1>>)],\n   [file |-> NoFile, preserved |-> (0 :> <<>>)] >>',
      '<<[file |-> f1, preserved |-> (0 :> <<>> @@ 1 :> <<1, -1>>)], [file |-> NoFile, preserved |-> (0 :> <<>>)]>>',
    ],
    [
      '<<(0 :> [k |-> {<<>>, <<{}>>}, v |-> (a :> -3)]), <<<<1>>>>>>',
      '<<(0 :> [k |-> {<<>>, <<{}>>}, v |-> (a :> -3)]), <<<<1>>>>>>',
    ],
  ])('%s', (text, expected) => {
    expect(canonical(parseValue(text))).toBe(expected);
  });

  test('strings: \\" \\\\ \\n \\t escapes are decoded', () => {
    expect(parseValue(String.raw`"say \"hi\"\\ \n\t."`)).toBe('say "hi"\\ \n\t.');
  });

  test('values, not just texts', () => {
    expect(parseValue('-7')).toBe(-7);
    expect(parseValue('TRUE')).toBe(true);
    expect(parseValue('f1')).toEqual(new ModelValue('f1'));
    expect(parseValue('[a |-> <<f1>>]')).toEqual(tlaRecord({ a: tlaSeq([new ModelValue('f1')]) }));
    expect(parseValue('{1, 2}')).toEqual(tlaSet([1, 2]));
  });

  test.each([
    ['[a |-> 1', "expected ',' or ']' but found end of input", 1, 9],
    ['<<1,,2>>', "expected a value but found ','", 1, 5],
    ['{1 2}', "expected ',' or '}' but found integer 2", 1, 4],
    ['(0 :> 1 @@ 0 :> 2)', 'function argument given twice', 1, 12],
    ['[a |-> 1, a |-> 2]', 'record field a given twice', 1, 11],
    ['[1 |-> 2]', 'expected a record field name but found integer 1', 1, 2],
    ['<<1>>\n  "abc', 'unterminated string', 2, 3],
    ['"\\q"', 'unknown escape \\q in string', 1, 2],
    ['1 2', 'expected end of input but found integer 2', 1, 3],
    ['', 'expected a value but the input ended', 1, 1],
    ['<<1, $>>', 'unexpected character "$"', 1, 6],
    ['99999999999999999999', 'integer 99999999999999999999 is too large', 1, 1],
    ['(0 :> 1', "expected ')' but found end of input", 1, 8],
    ['1..x', "expected the interval's upper bound but found 'x'", 1, 4],
  ])('rejects %j', (text, message, line, column) => {
    let error: unknown;
    try {
      parseValue(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TlcValueError);
    const e = error as TlcValueError;
    expect(e.message).toContain(`${message} at line ${line}, column ${column}`);
    expect([e.line, e.column]).toEqual([line, column]);
  });
});

describe('parseValueAt', () => {
  test('reads one value where more text follows, and says where that text starts', () => {
    const text = 'N = {a, 2} M = 3';
    const first = parseValueAt(text, 3);
    expect(canonical(first.value)).toBe('{2, a}');
    expect(text.slice(first.end)).toBe('M = 3');
    expect(parseValueAt(text, 14)).toEqual({ value: 3, end: text.length });
  });

  test('positions in errors count from the start of the text', () => {
    const error = (() => {
      try {
        parseValueAt('A = 1\nB = <<1,>>', 9);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ line: 2, column: 9, reason: "expected a value but found '>>'" });
  });
});

describe('parseState', () => {
  test("a state of TLC's, wrapped and unsorted, canonicalises", () => {
    expect(canonicalState(parseState(SMOKE_INITIAL))).toBe(
      [
        '/\\ cfile = (f1 :> <<0>>)',
        '/\\ file = (f1 :> <<0>>)',
        '/\\ frame = (0 :> <<>>)',
        '/\\ last = [addr |-> 0, data |-> <<>>, fault |-> FALSE, file |-> NoFile, len |-> 0, needed |-> 0, op |-> "init", page |-> 0, pos |-> 0, rebind |-> FALSE, ret |-> 0, skipped |-> 0, val |-> 0, written |-> 0]',
        '/\\ mem = (0 :> 0 @@ 1 :> 0)',
        '/\\ snap = <<[file |-> NoFile, preserved |-> (0 :> <<>>)], [file |-> NoFile, preserved |-> (0 :> <<>>)]>>',
        '/\\ src = (0 :> [kind |-> "Zero", off |-> 0, snap |-> 0] @@ 1 :> [kind |-> "Zero", off |-> 0, snap |-> 0])',
        '/\\ steps = 0',
        '/\\ swap = (0 :> <<>>)',
      ].join('\n'),
    );
  });

  test('a one-variable spec prints `x = v`', () => {
    expect(parseState('x = <<"a", -1>>')).toEqual({ x: tlaSeq(['a', -1]) });
  });

  test.each([
    ['/\\ x = 1\n/\\ x = 2', 'variable x given twice at line 2, column 4'],
    ['/\\ x = 1\n/\\ y 2', "expected '=' but found integer 2 at line 2, column 6"],
    ['/\\ x = 1\n/\\', 'expected a variable name but found end of input at line 2, column 3'],
    ['x = 1\ny = 2', "expected end of input but found 'y' at line 2, column 1"],
    ['/\\ x = 1 y = 2', "expected '/\\' but found 'y' at line 1, column 10"],
  ])('rejects %j', (text, message) => {
    expect(() => parseState(text)).toThrow(message);
  });
});

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/).filter((s) => s !== 'TRUE' && s !== 'FALSE');
const text = fc.string({
  unit: fc.constantFrom('a', 'Z', ' ', '"', '\\', '\n', '\t', 'é', '0', ':', '>'),
  maxLength: 6,
});

/** Arbitrary TLA+ values: every shape, nested, keys of every kind. */
const { value: tlaValue } = fc.letrec<{ value: Tla; key: Tla }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'tla' },
    fc.integer({ min: -1e6, max: 1e6 }),
    fc.boolean(),
    text,
    identifier.map((n) => new ModelValue(n)),
    fc.array(tie('value'), { maxLength: 3 }).map(tlaSet),
    fc.array(tie('value'), { maxLength: 3 }).map(tlaSeq),
    fc
      .uniqueArray(fc.tuple(identifier, tie('value')), { maxLength: 3, selector: ([k]) => k })
      .map((e) => tlaRecord(Object.fromEntries(e))),
    fc.uniqueArray(fc.tuple(tie('key'), tie('value')), { maxLength: 3, selector: ([k]) => canonical(k) }).map(tlaFn),
  ),
  // A string key among all-string keys would print as a record field, so it must be an identifier.
  key: fc.oneof(
    fc.integer({ min: -3, max: 5 }),
    identifier,
    identifier.map((n) => new ModelValue(n)),
    fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }).map(tlaSet),
  ),
}));

/**
 * Prints a value as TLC might: function entries and record fields in any
 * order, sequences sometimes as `1 :> ...` chains, whitespace and line breaks
 * anywhere between tokens.
 */
function scrambled(v: Tla, order: () => number, gap: () => string): string {
  const inner = (x: Tla) => scrambled(x, order, gap);
  const shuffle = <T>(xs: readonly T[]): T[] =>
    xs
      .map((x) => [order(), x] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, x]) => x);
  if (typeof v !== 'object' || v instanceof ModelValue) return canonical(v);
  if (v.kind === 'set') return `{${gap()}${shuffle(v.elems).map(inner).join(`,${gap()}`)}${gap()}}`;
  const entries = shuffle(v.entries);
  if (entries.length > 0 && entries.every(([k]) => typeof k === 'string')) {
    return `[${gap()}${entries.map(([k, x]) => `${k as string}${gap()}|->${gap()}${inner(x)}`).join(`,${gap()}`)}${gap()}]`;
  }
  const text = canonical(v);
  if (text.startsWith('<<') && order() < 0.5) return text;
  if (entries.length === 0) return '<<>>';
  return `(${gap()}${entries.map(([k, x]) => `${inner(k)}${gap()}:>${gap()}${inner(x)}`).join(`${gap()}@@${gap()}`)}${gap()})`;
}

describe('canonical round trip', () => {
  test('print canonically, parse, print again: the same text', () => {
    fc.assert(
      fc.property(tlaValue, (v) => {
        const text = canonical(v);
        expect(canonical(parseValue(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  test('any order and spacing TLC might print reads back to the canonical text', () => {
    const gaps = fc.constantFrom('', ' ', '\n  ', '\n   ');
    fc.assert(
      fc.property(
        tlaValue,
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.infiniteStream(gaps),
        (v, orders, spaces) => {
          const order = () => orders.next().value as number;
          const gap = () => spaces.next().value as string;
          expect(canonical(parseValue(scrambled(v, order, gap)))).toBe(canonical(v));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('states: canonicalState(parseState(canonicalState(s))) is canonicalState(s)', () => {
    const state = fc.dictionary(identifier, tlaValue, { minKeys: 1, maxKeys: 4 });
    fc.assert(
      fc.property(state, (vars) => {
        const text = canonicalState(vars);
        expect(canonicalState(parseState(text))).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});
