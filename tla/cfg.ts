/**
 * Reads a TLC model config (a `.cfg` file) into what it says: the constants'
 * values and substitutions, and the names listed under each keyword, each
 * with the line it is on so that whoever rejects an entry can point at it.
 *
 * The grammar is TLC's: keywords open sections (`CONSTANTS`, `INIT`,
 * `INVARIANTS`, ...), `\*` comments run to the end of the line and `(* *)`
 * comments nest, and line breaks mean nothing (`CONSTANTS N = 3 M = 4 INIT
 * Init` is one valid config). Constant values are TLA+ values written as TLC
 * prints them (integers, strings, booleans, model values, sets), so they are
 * read by TLC's value parser. What TLC's grammar has and no checker here
 * uses (module-scoped `<- [M]` substitutions, operator definitions with
 * parameters) is an error naming its line, never skipped.
 */
import { readFileSync } from 'node:fs';
import { parseValueAt, TlcValueError } from './tlc-values.ts';
import type { Tla } from './values.ts';

/** The config is malformed; the message names the source and line. */
export class CfgError extends Error {
  override readonly name = 'CfgError';
  constructor(
    message: string,
    /** Where the offence starts, from 1. */
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/** Keywords followed by any number of names, by their singular form. */
const LIST_KEYWORDS = {
  INVARIANT: 'INVARIANT',
  INVARIANTS: 'INVARIANT',
  PROPERTY: 'PROPERTY',
  PROPERTIES: 'PROPERTY',
  CONSTRAINT: 'CONSTRAINT',
  CONSTRAINTS: 'CONSTRAINT',
  ACTION_CONSTRAINT: 'ACTION_CONSTRAINT',
  ACTION_CONSTRAINTS: 'ACTION_CONSTRAINT',
} as const;

/** Keywords followed by exactly one name, given at most once. */
const ONE_NAME_KEYWORDS = ['INIT', 'NEXT', 'SPECIFICATION', 'SYMMETRY', 'VIEW', 'ALIAS', 'POSTCONDITION'] as const;

export type CfgKeyword = (typeof LIST_KEYWORDS)[keyof typeof LIST_KEYWORDS] | (typeof ONE_NAME_KEYWORDS)[number];

export interface CfgName {
  readonly name: string;
  readonly line: number;
}

/** `NAME = value` or `NAME <- Operator` under CONSTANT(S). */
export type CfgConstant =
  | { readonly kind: 'value'; readonly name: string; readonly value: Tla; readonly line: number }
  | { readonly kind: 'substitution'; readonly name: string; readonly operator: string; readonly line: number };

export interface Cfg {
  /** In the order given; a name is assigned at most once. */
  readonly constants: readonly CfgConstant[];
  /** The names under each keyword present, in order across all its sections (INVARIANTS under INVARIANT). */
  readonly names: ReadonlyMap<CfgKeyword, readonly CfgName[]>;
  /** CHECK_DEADLOCK's value, or null when the config does not set it (TLC then checks for deadlock). */
  readonly checkDeadlock: { readonly value: boolean; readonly line: number } | null;
}

/**
 * The text with every comment replaced by spaces, line breaks kept, so that
 * offsets and line numbers stay those of the file. Strings are copied
 * whole: `\*` inside one is no comment.
 */
function blankComments(text: string, fail: (message: string, at: number) => never): string {
  let out = '';
  let depth = 0;
  let openedAt = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const two = text.slice(i, i + 2);
    const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
    if (two === '(*') {
      if (depth === 0) openedAt = i;
      depth++;
      out += '  ';
      i++;
    } else if (depth > 0 && two === '*)') {
      depth--;
      out += '  ';
      i++;
    } else if (depth > 0) {
      out += blank(c);
    } else if (two === '\\*') {
      const eol = text.indexOf('\n', i);
      const end = eol === -1 ? text.length : eol;
      out += blank(text.slice(i, end));
      i = end - 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else {
      out += c;
    }
  }
  if (depth > 0) fail("comment '(*' is never closed", openedAt);
  return out;
}

const WORD = /[A-Za-z0-9_]+/y;
const SPACE = /\s*/y;

/** Parses a config's text; `source` names it in errors. Throws CfgError. */
export function parseCfg(text: string, source: string): Cfg {
  const lineAt = (at: number): number => {
    let line = 1;
    for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
    return line;
  };
  const fail = (message: string, at: number): never => {
    const line = lineAt(at);
    throw new CfgError(`${source}:${line}: ${message}`, line, at - text.lastIndexOf('\n', at - 1));
  };
  const body = blankComments(text, fail);
  let pos = 0;
  const skipSpace = (): void => {
    SPACE.lastIndex = pos;
    SPACE.exec(body);
    pos = SPACE.lastIndex;
  };
  /** The word at pos, without consuming it; null at the end or before punctuation. */
  const peekWord = (): string | null => {
    skipSpace();
    WORD.lastIndex = pos;
    return WORD.exec(body)?.[0] ?? null;
  };
  const isKeyword = (w: string): boolean =>
    w === 'CONSTANT' ||
    w === 'CONSTANTS' ||
    w === 'CHECK_DEADLOCK' ||
    w in LIST_KEYWORDS ||
    (ONE_NAME_KEYWORDS as readonly string[]).includes(w);
  const describeHere = (): string =>
    pos >= body.length ? 'the end of the file' : JSON.stringify(body.slice(pos).split(/\s/)[0]);
  /** A name that is no keyword, consumed. */
  const name = (what: string): CfgName => {
    const w = peekWord();
    if (w === null || isKeyword(w)) return fail(`expected ${what} but found ${describeHere()}`, pos);
    const at = pos;
    pos += w.length;
    return { name: w, line: lineAt(at) };
  };

  const constants: CfgConstant[] = [];
  const names = new Map<CfgKeyword, CfgName[]>();
  let checkDeadlock: Cfg['checkDeadlock'] = null;
  for (;;) {
    const keyword = peekWord();
    if (keyword === null) {
      if (pos < body.length)
        fail(`expected a keyword (CONSTANTS, INIT, NEXT, INVARIANT, ...) but found ${describeHere()}`, pos);
      break;
    }
    const keywordAt = pos;
    if (!isKeyword(keyword))
      fail(`expected a keyword (CONSTANTS, INIT, NEXT, INVARIANT, ...) but found ${JSON.stringify(keyword)}`, pos);
    pos += keyword.length;
    if (keyword === 'CONSTANT' || keyword === 'CONSTANTS') {
      for (let w = peekWord(); w !== null && !isKeyword(w); w = peekWord()) {
        const constant = name('a constant name');
        if (constants.some((c) => c.name === constant.name))
          fail(`constant ${constant.name} is given twice`, pos - constant.name.length);
        skipSpace();
        if (body.startsWith('<-', pos)) {
          pos += 2;
          skipSpace();
          if (body[pos] === '[') fail('module-scoped substitutions (NAME <- [Module] Op) are not supported', pos);
          constants.push({
            kind: 'substitution',
            name: constant.name,
            operator: name('an operator name after <-').name,
            line: constant.line,
          });
        } else if (body[pos] === '=') {
          try {
            const { value, end } = parseValueAt(body, pos + 1);
            constants.push({ kind: 'value', name: constant.name, value, line: constant.line });
            pos = end;
          } catch (e) {
            if (e instanceof TlcValueError)
              throw new CfgError(`${source}:${e.line}: constant ${constant.name}: ${e.reason}`, e.line, e.column);
            throw e;
          }
        } else {
          fail(
            `expected '=' or '<-' after constant ${constant.name} (operator definitions with parameters are not supported)`,
            pos,
          );
        }
      }
    } else if (keyword === 'CHECK_DEADLOCK') {
      const value = name('TRUE or FALSE after CHECK_DEADLOCK');
      if (value.name !== 'TRUE' && value.name !== 'FALSE')
        fail(`CHECK_DEADLOCK takes TRUE or FALSE, not ${value.name}`, pos - value.name.length);
      if (checkDeadlock !== null) fail('CHECK_DEADLOCK is given twice', keywordAt);
      checkDeadlock = { value: value.name === 'TRUE', line: value.line };
    } else if (keyword in LIST_KEYWORDS) {
      const list = LIST_KEYWORDS[keyword as keyof typeof LIST_KEYWORDS];
      const listed = names.get(list) ?? [];
      names.set(list, listed);
      for (let w = peekWord(); w !== null && !isKeyword(w); w = peekWord()) listed.push(name('a name'));
    } else {
      const single = keyword as CfgKeyword;
      if (names.has(single)) fail(`${single} is given twice`, keywordAt);
      names.set(single, [name(`a name after ${single}`)]);
    }
  }
  return { constants, names, checkDeadlock };
}

export function readCfg(path: string): Cfg {
  return parseCfg(readFileSync(path, 'utf8'), path);
}
