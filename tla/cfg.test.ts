import { describe, expect, test } from 'vitest';
import { CfgError, parseCfg } from './cfg.ts';
import { canonical } from './values.ts';

const names = (cfgText: string, keyword: Parameters<ReturnType<typeof parseCfg>['names']['get']>[0]) =>
  parseCfg(cfgText, 't.cfg')
    .names.get(keyword)
    ?.map((n) => `${n.name}@${n.line}`);

describe('parseCfg', () => {
  test('lists names in order across sections, skipping comments; line breaks mean nothing', () => {
    const cfg = [
      '\\* INVARIANT Commented',
      'CONSTANTS Procs = {p1, p2} Max = 3',
      '(* INVARIANT Hidden (* nested *) INVARIANT StillHidden *)',
      'INIT Init NEXT Next INVARIANTS TypeOK',
      '    Safe \\* trailing comment',
      'CONSTRAINT Bound',
      'INVARIANT Last',
      'CHECK_DEADLOCK FALSE',
    ].join('\n');
    expect(names(cfg, 'INVARIANT')).toEqual(['TypeOK@4', 'Safe@5', 'Last@7']);
    expect(names(cfg, 'INIT')).toEqual(['Init@4']);
    expect(names(cfg, 'CONSTRAINT')).toEqual(['Bound@6']);
    expect(names(cfg, 'PROPERTY')).toBeUndefined();
    const parsed = parseCfg(cfg, 't.cfg');
    expect(parsed.checkDeadlock).toEqual({ value: false, line: 8 });
    expect(parsed.constants.map((c) => (c.kind === 'value' ? `${c.name}=${canonical(c.value)}@${c.line}` : c))).toEqual(
      ['Procs={p1, p2}@2', 'Max=3@2'],
    );
  });

  test('constant values are TLA+ values; substitutions name an operator', () => {
    const cfg =
      'CONSTANTS\n  A = -2\n  B = "x \\\\* y"\n  C = TRUE\n  D = {}\n  E = {{1}, {a, "s"}}\n  F <- Op\n  NoFile = NoFile\nSPECIFICATION Spec';
    const parsed = parseCfg(cfg, 't.cfg');
    expect(
      parsed.constants.map((c) =>
        c.kind === 'value' ? `${c.name}=${canonical(c.value)}` : `${c.name}<-${c.operator}`,
      ),
    ).toEqual(['A=-2', 'B="x \\\\* y"', 'C=TRUE', 'D={}', 'E={{"s", a}, {1}}', 'F<-Op', 'NoFile=NoFile']);
    expect(parsed.checkDeadlock).toBeNull();
    expect(names(cfg, 'SPECIFICATION')).toEqual(['Spec@9']);
  });

  test('an empty config says nothing', () => {
    expect(parseCfg('\\* nothing\n', 't.cfg')).toEqual({ constants: [], names: new Map(), checkDeadlock: null });
  });

  test.each([
    ['CONSTANTS\n  N = \n', 't.cfg:3: constant N: expected a value but the input ended'],
    ['CONSTANTS\n  N = {1,\n', 't.cfg:3: constant N: expected a value but the input ended'],
    ['CONSTANTS\n  N 3', "t.cfg:2: expected '=' or '<-' after constant N"],
    ['CONSTANTS N = 1\n N = 2', 't.cfg:2: constant N is given twice'],
    ['CONSTANTS N <- [M] Op', 't.cfg:1: module-scoped substitutions (NAME <- [Module] Op) are not supported'],
    [
      'CONSTANTS Op(x) = x',
      "t.cfg:1: expected '=' or '<-' after constant Op (operator definitions with parameters are not supported)",
    ],
    ['INIT\nNEXT Next', 't.cfg:2: expected a name after INIT but found "NEXT"'],
    ['INIT Init\nINIT Init2', 't.cfg:2: INIT is given twice'],
    ['INIT Init Other', 't.cfg:1: expected a keyword (CONSTANTS, INIT, NEXT, INVARIANT, ...) but found "Other"'],
    ['CHECK_DEADLOCK\n  yes', 't.cfg:2: CHECK_DEADLOCK takes TRUE or FALSE, not yes'],
    ['Init == x = 0', 't.cfg:1: expected a keyword (CONSTANTS, INIT, NEXT, INVARIANT, ...) but found "Init"'],
    ['INVARIANT A\n\n(* open', "t.cfg:3: comment '(*' is never closed"],
  ])('rejects %j', (text, message) => {
    expect(() => parseCfg(text, 't.cfg')).toThrow(CfgError);
    expect(() => parseCfg(text, 't.cfg')).toThrow(message);
  });

  test.each([
    ['CHECK_DEADLOCK\n  yes', 2, 3],
    ['CONSTANTS\n  N = {1,,2}', 2, 10],
    ['INIT Init\n  $', 2, 3],
  ])('an error carries its line and column: %j', (text, line, column) => {
    expect(() => parseCfg(text, 't.cfg')).toThrow(expect.objectContaining({ line, column }));
  });
});
