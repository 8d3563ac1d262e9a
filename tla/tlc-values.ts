/**
 * Reads TLA+ values and states as TLC prints them (in traces, in -dump
 * files, in dot labels) into the `Tla` type, so that a TLC state and a model
 * state meet in one canonical text (tla/values.ts).
 *
 * TLC's printer is not canonical: it orders record fields as the spec built
 * them, breaks long values over indented lines, and writes a function as a
 * record, a sequence or a `k :> v @@ ...` chain depending on its domain.
 * Parsing into values and printing canonically removes all of that.
 */
import { canonical, ModelValue, type Tla, tlaFn, tlaSeq, tlaSet } from './values.ts';

/** Malformed input: the message names the line and column of the offence. */
export class TlcValueError extends Error {
  override readonly name = 'TlcValueError';
  constructor(
    message: string,
    /** What is wrong, without the position. */
    readonly reason: string,
    /** Offset of the offending character in the parsed text. */
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

type Punct = '<<' | '>>' | '[' | ']' | '{' | '}' | '(' | ')' | ',' | '|->' | ':>' | '@@' | '/\\' | '=' | '..';

type Token =
  | { readonly kind: 'punct'; readonly text: Punct; readonly at: number }
  | { readonly kind: 'int'; readonly value: number; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  | { readonly kind: 'ident'; readonly name: string; readonly at: number }
  | { readonly kind: 'end'; readonly at: number };

/** Longest first, so `>>` is not read as two `>`. */
const PUNCTS: readonly Punct[] = ['|->', '<<', '>>', ':>', '@@', '/\\', '..', '[', ']', '{', '}', '(', ')', ',', '='];

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', f: '\f' };

// Character classes by code, not regex: dot dumps hold tens of megabytes of values.
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9 || c === 12;

function describeToken(t: Token): string {
  switch (t.kind) {
    case 'punct':
      return `'${t.text}'`;
    case 'int':
      return `integer ${t.value}`;
    case 'string':
      return `string ${JSON.stringify(t.value)}`;
    case 'ident':
      return `'${t.name}'`;
    case 'end':
      return 'end of input';
  }
}

/** A recursive-descent parser over a token stream produced on demand. */
class Parser {
  readonly #text: string;
  #pos = 0;
  #tok: Token;

  /** @param start where parsing starts; positions in errors still count from the start of `text`. */
  constructor(text: string, start = 0) {
    this.#text = text;
    this.#pos = start;
    this.#tok = this.#lex();
  }

  /** Where the text after what has been parsed starts. */
  get offset(): number {
    return this.#tok.at;
  }

  #fail(message: string, at: number = this.#tok.at): never {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (this.#text[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    const column = at - lineStart + 1;
    const lineEnd = this.#text.indexOf('\n', at);
    const excerpt = this.#text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
    throw new TlcValueError(
      `${message} at line ${line}, column ${column}\n  ${excerpt}\n  ${' '.repeat(column - 1)}^`,
      message,
      at,
      line,
      column,
    );
  }

  #lex(): Token {
    const s = this.#text;
    while (this.#pos < s.length && isSpace(s.charCodeAt(this.#pos))) this.#pos++;
    const at = this.#pos;
    if (at >= s.length) return { kind: 'end', at };
    const c = s.charCodeAt(at);
    if (isDigit(c) || (c === 45 /* - */ && isDigit(s.charCodeAt(at + 1)))) {
      let end = at + 1;
      while (isDigit(s.charCodeAt(end))) end++;
      const value = Number(s.slice(at, end));
      if (!Number.isSafeInteger(value)) this.#fail(`integer ${s.slice(at, end)} is too large`, at);
      this.#pos = end;
      return { kind: 'int', value, at };
    }
    if (c === 34 /* " */) return this.#lexString(at);
    if (isLetter(c)) {
      let end = at + 1;
      while (isLetter(s.charCodeAt(end)) || isDigit(s.charCodeAt(end))) end++;
      this.#pos = end;
      return { kind: 'ident', name: s.slice(at, end), at };
    }
    for (const p of PUNCTS) {
      if (s.startsWith(p, at)) {
        this.#pos = at + p.length;
        return { kind: 'punct', text: p, at };
      }
    }
    return this.#fail(`unexpected character ${JSON.stringify(s[at])}`, at);
  }

  #lexString(at: number): Token {
    const s = this.#text;
    let value = '';
    let i = at + 1;
    for (;;) {
      const c = s[i];
      if (c === undefined) this.#fail('unterminated string', at);
      if (c === '"') break;
      if (c === '\\') {
        const e = ESCAPES[s[i + 1] ?? ''];
        if (e === undefined) this.#fail(`unknown escape \\${s[i + 1] ?? ''} in string`, i);
        value += e;
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    this.#pos = i + 1;
    return { kind: 'string', value, at };
  }

  #next(): Token {
    const t = this.#tok;
    this.#tok = this.#lex();
    return t;
  }

  #isPunct(p: Punct): boolean {
    return this.#tok.kind === 'punct' && this.#tok.text === p;
  }

  #expect(p: Punct): void {
    if (!this.#isPunct(p)) this.#fail(`expected '${p}' but found ${describeToken(this.#tok)}`);
    this.#next();
  }

  /** The `,` between elements, naming the closing bracket as the other thing that could come. */
  #expectSeparator(close: Punct): void {
    if (!this.#isPunct(',')) this.#fail(`expected ',' or '${close}' but found ${describeToken(this.#tok)}`);
    this.#next();
  }

  #ident(what: string): { name: string; at: number } {
    const t = this.#tok;
    if (t.kind !== 'ident') return this.#fail(`expected ${what} but found ${describeToken(t)}`);
    this.#next();
    return { name: t.name, at: t.at };
  }

  expectEnd(): void {
    if (this.#tok.kind !== 'end') this.#fail(`expected end of input but found ${describeToken(this.#tok)}`);
  }

  /** A value, or a `k :> v @@ ...` chain, which TLC prints without parentheses at the top level. */
  value(): Tla {
    const first = this.#primary();
    if (!this.#isPunct(':>')) return first;
    const entries: (readonly [Tla, Tla])[] = [];
    const seen = new Set<string>();
    let key = first;
    let keyAt = this.#tok.at;
    for (;;) {
      this.#expect(':>');
      const k = canonical(key);
      if (seen.has(k)) this.#fail('function argument given twice', keyAt);
      seen.add(k);
      entries.push([key, this.#primary()]);
      if (!this.#isPunct('@@')) return tlaFn(entries);
      this.#next();
      keyAt = this.#tok.at;
      key = this.#primary();
    }
  }

  #primary(): Tla {
    const t = this.#next();
    switch (t.kind) {
      case 'int':
        if (this.#isPunct('..')) return this.#interval(t.value);
        return t.value;
      case 'string':
        return t.value;
      case 'ident':
        if (t.name === 'TRUE') return true;
        if (t.name === 'FALSE') return false;
        return new ModelValue(t.name);
      case 'end':
        return this.#fail('expected a value but the input ended', t.at);
      case 'punct':
        switch (t.text) {
          case '<<':
            return tlaSeq(this.#list('>>'));
          case '{':
            return tlaSet(this.#list('}'));
          case '[':
            return this.#record();
          case '(': {
            const v = this.value();
            this.#expect(')');
            return v;
          }
          default:
            return this.#fail(`expected a value but found ${describeToken(t)}`, t.at);
        }
    }
  }

  /** `lo..hi`, as TLC prints an integer interval held in a variable. */
  #interval(lo: number): Tla {
    this.#next();
    const hiTok = this.#next();
    if (hiTok.kind !== 'int')
      return this.#fail(`expected the interval's upper bound but found ${describeToken(hiTok)}`, hiTok.at);
    const elems: number[] = [];
    for (let i = lo; i <= hiTok.value; i++) elems.push(i);
    return tlaSet(elems);
  }

  /** Comma-separated values up to `close`, the opening bracket already read. */
  #list(close: Punct): Tla[] {
    const out: Tla[] = [];
    if (this.#isPunct(close)) {
      this.#next();
      return out;
    }
    for (;;) {
      out.push(this.value());
      if (this.#isPunct(close)) {
        this.#next();
        return out;
      }
      this.#expectSeparator(close);
    }
  }

  /** `[f |-> v, ...]`, the `[` already read; TLC never prints an empty record. */
  #record(): Tla {
    const fields: (readonly [Tla, Tla])[] = [];
    const seen = new Set<string>();
    for (;;) {
      const field = this.#ident('a record field name');
      if (seen.has(field.name)) this.#fail(`record field ${field.name} given twice`, field.at);
      seen.add(field.name);
      this.#expect('|->');
      fields.push([field.name, this.value()]);
      if (this.#isPunct(']')) {
        this.#next();
        return tlaFn(fields);
      }
      this.#expectSeparator(']');
    }
  }

  /** `/\ x = v` per variable, or `x = v` alone (TLC's form for a one-variable spec). */
  state(): Record<string, Tla> {
    // A Map, not an object, until the end: a variable may be called __proto__.
    const vars = new Map<string, Tla>();
    const conjoined = this.#isPunct('/\\');
    do {
      if (conjoined) this.#expect('/\\');
      const name = this.#ident('a variable name');
      if (vars.has(name.name)) this.#fail(`variable ${name.name} given twice`, name.at);
      this.#expect('=');
      vars.set(name.name, this.value());
    } while (conjoined && this.#tok.kind !== 'end');
    this.expectEnd();
    return Object.fromEntries(vars);
  }
}

/** Parses one value as TLC prints it. Throws TlcValueError, with the position, on malformed input. */
export function parseValue(text: string): Tla {
  const p = new Parser(text);
  const v = p.value();
  p.expectEnd();
  return v;
}

/**
 * Parses a state as TLC prints it: `/\ name = value` per variable (values
 * may continue on following lines), or a lone `name = value` when the spec
 * has one variable. `canonicalState(parseState(text))` is its canonical text.
 */
export function parseState(text: string): Record<string, Tla> {
  return new Parser(text).state();
}

/**
 * Parses one value at `start` in a text where more may follow (a cfg's
 * `NAME = value NAME = value`): the value, and the offset of the text after
 * it. Positions in errors count from the start of `text`.
 */
export function parseValueAt(text: string, start: number): { value: Tla; end: number } {
  const p = new Parser(text, start);
  const value = p.value();
  return { value, end: p.offset };
}
