/**
 * Reading TLC's console output: the final state counts, the violation and its
 * counterexample, and the errors of a run that failed otherwise, each with
 * the position TLC names for it.
 */

import { basename } from 'node:path';
import { locate, type SourceLocation, type TraceState, type Violation } from './result.ts';

/** One error TLC reported, and where in which file, if it says. */
export interface TlcError {
  readonly message: string;
  readonly location: SourceLocation | null;
}

/** What TLC's output says about a run. */
export interface TlcReport {
  /** "N states generated": initial states plus every successor TLC computed. */
  readonly generated: number | null;
  /** "M distinct states found". */
  readonly distinctStates: number | null;
  readonly violation: Violation | null;
  /**
   * In order: SANY's parse, lexical and semantic errors, and TLC's `Error:`
   * messages other than those introducing a violation or a counterexample.
   */
  readonly errors: readonly TlcError[];
}

/** `file:line:column: message` for an error TLC located, else its message. */
export function formatTlcError(e: TlcError): string {
  return locate(e.message, e.location);
}

const STATS = /^([\d,]+) states? generated, ([\d,]+) distinct states? found, [\d,]+ states? left on queue\./;
const STATE_HEADER = /^State (\d+): (.*)$/;
const TRACE_INTRO = new Set([
  'Error: The behavior up to this point is:',
  'Error: The following behavior constitutes a counter-example:',
]);

/** The violation an `Error:` line announces, if it announces one. */
function violationHeader(line: string): { kind: Violation['kind']; invariant: string | null; initial: boolean } | null {
  let m = /^Error: Invariant (\S+) is violated( by the initial state:|\.)$/.exec(line);
  if (m) return { kind: 'invariant', invariant: m[1], initial: m[2] !== '.' };
  if (line === 'Error: Deadlock reached.') return { kind: 'deadlock', invariant: null, initial: false };
  // TLC names an action property by its definition when it can, else by its
  // place in the source ("line 9, col 19 to line 9, col 33 of module M").
  m = /^Error: Action property (.+) is violated\.$/.exec(line);
  if (m) return { kind: 'property', invariant: m[1], initial: false };
  if (line === 'Error: Temporal properties were violated.')
    return { kind: 'property', invariant: null, initial: false };
  return null;
}

/**
 * The action named in a state header, e.g. `<IncX line 6, col 9 to line 6,
 * col 44 of module Counter>` gives "IncX"; the initial predicate gives null.
 */
function headerAction(header: string): string | null {
  const m = /^<(.*?)(?: line \d+, col \d+ to line \d+, col \d+ of module \S+)?>$/.exec(header);
  const name = m ? m[1] : header;
  return name === 'Initial predicate' ? null : name;
}

/**
 * Variables of one printed state: `/\ x = 1` per variable (just `x = 1` when
 * the spec has a single variable), long values continuing on indented lines.
 */
function parseVars(lines: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  let current: string | null = null;
  for (const line of lines) {
    const m: RegExpExecArray | null =
      /^\/\\ (\S+) = (.*)$/.exec(line) ?? (current === null ? /^(\S+) = (.*)$/.exec(line) : null);
    if (m) {
      current = m[1];
      vars[current] = m[2];
    } else if (current !== null) {
      vars[current] += `\n${line}`;
    }
  }
  return vars;
}

/** The lines from `start` up to the next blank line. */
function block(lines: readonly string[], start: number): string[] {
  const out: string[] = [];
  for (let i = start; i < lines.length && lines[i].trim() !== ''; i++) out.push(lines[i]);
  return out;
}

/**
 * The positions TLC and SANY print. A range (`line 5, col 14 to line 5, col
 * 17 of module M`) is located at its start; a module is the file TLC said it
 * parsed for it. SANY's parse errors name no module: they are in the file
 * being parsed.
 */
const RANGE = /\bline (\d+), col (\d+) to line \d+, col \d+ of module (\w+)/;
const AT = /\bat line (\d+), column (\d+)/;
/** One entry of "the error occurred when TLC was evaluating the nested expressions at the following positions". */
const NESTED = /^\d+\. Line (\d+), column (\d+) to line \d+, column \d+ in (\w+)$/;
const PARSING = /^Parsing file (.+?\.tla)(?: \(.*\))?$/;

/** Lines that end a message: blank, another message, a state, a count. */
function endsMessage(line: string): boolean {
  return (
    line.trim() === '' ||
    /^(Error:|Warning:|Finished in |Starting\.\.\.|State \d+:|Progress\(|The depth |Semantic errors:|Linting of module |Semantic processing of module |Parsing file |\*\*\* )/.test(
      line,
    ) ||
    STATS.test(line)
  );
}

/** Reads the errors in TLC's output; `files` maps module names to the files TLC parsed for them. */
class ErrorReader {
  readonly errors: TlcError[] = [];
  readonly #files = new Map<string, string>();
  /** The file SANY is parsing, where its parse errors are. */
  #parsing: string | null = null;

  #inModule(module: string, line: string, column: string): SourceLocation | null {
    const file = this.#files.get(module);
    return file === undefined ? null : { file, line: Number(line), column: Number(column) };
  }

  /** The position a message names: a range's start, or SANY's `at line L, column C` in the file being parsed. */
  #locate(text: string): SourceLocation | null {
    const range = RANGE.exec(text);
    if (range) return this.#inModule(range[3], range[1], range[2]);
    const at = AT.exec(text);
    if (at && this.#parsing !== null) return { file: this.#parsing, line: Number(at[1]), column: Number(at[2]) };
    return null;
  }

  /** Reads the error starting at lines[i], if one does; returns the index of its last line. */
  read(lines: readonly string[], i: number): number {
    const line = lines[i];
    const parsing = PARSING.exec(line);
    if (parsing) {
      this.#parsing = parsing[1];
      this.#files.set(basename(parsing[1], '.tla'), parsing[1]);
      return i;
    }
    if (line === '***Parse Error***') {
      let end = i + 1;
      while (end < lines.length && lines[end].trim() !== '' && lines[end] !== 'Residual stack trace follows:') end++;
      const message = lines
        .slice(i + 1, end)
        .map((l) => l.trim())
        .join('\n');
      this.errors.push({ message: `parse error: ${message}`, location: this.#locate(message) });
      return end - 1;
    }
    if (line.startsWith('Lexical error at line ')) {
      this.errors.push({ message: line, location: this.#locate(line) });
      return i;
    }
    if (line === 'Semantic errors:') return this.#semanticErrors(lines, i + 1);
    if (line.startsWith('Error:')) {
      let end = i + 1;
      while (end < lines.length && !endsMessage(lines[end])) end++;
      const block = lines.slice(i, end);
      const message = [block[0].slice('Error:'.length).trim(), ...block.slice(1)].join('\n');
      // Of nested positions, the last is the innermost: the expression itself.
      const nested = block
        .map((l) => NESTED.exec(l))
        .filter((m) => m !== null)
        .at(-1);
      const location = nested ? this.#inModule(nested[3], nested[1], nested[2]) : this.#locate(message);
      this.errors.push({ message, location });
      return end - 1;
    }
    return i;
  }

  /**
   * SANY's `Semantic errors:` section: after `*** Errors: N`, each error is
   * its range on a line of its own, then its message, blank lines between.
   */
  #semanticErrors(lines: readonly string[], start: number): number {
    let i = start;
    let current: { location: SourceLocation | null; message: string[] } | null = null;
    const flush = () => {
      if (current !== null) this.errors.push({ message: current.message.join('\n'), location: current.location });
      current = null;
    };
    for (; i < lines.length; i++) {
      const line = lines[i];
      if (line.trim() === '' || /^\*\*\* Errors: \d+$/.test(line)) continue;
      const range = RANGE.exec(line);
      if (range && range.index === 0) {
        flush();
        current = { location: this.#inModule(range[3], range[1], range[2]), message: [] };
      } else if (current !== null && !endsMessage(line)) {
        current.message.push(line.trim());
      } else {
        break;
      }
    }
    flush();
    return i - 1;
  }
}

/** Parses TLC's complete console output. */
export function parseTlcOutput(output: string): TlcReport {
  const lines = output.split(/\r?\n/);
  let generated: number | null = null;
  let distinctStates: number | null = null;
  let violation: Violation | null = null;
  const errors = new ErrorReader();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const stats = STATS.exec(line);
    if (stats) {
      generated = Number(stats[1].replace(/,/g, ''));
      distinctStates = Number(stats[2].replace(/,/g, ''));
      continue;
    }
    if (TRACE_INTRO.has(line)) continue;
    const header = line.startsWith('Error:') ? violationHeader(line) : null;
    if (header === null) i = errors.read(lines, i);
    // With -continue TLC reports several violations; the first one is kept.
    else if (violation === null) {
      const { kind, invariant } = header;
      const trace = header.initial
        ? [{ action: null, vars: parseVars(block(lines, i + 1)) }]
        : parseTrace(lines, i + 1);
      violation = { kind, invariant, trace };
    }
  }
  return { generated, distinctStates, violation, errors: errors.errors };
}

/** The `State N:` blocks following a violation, up to the next non-state line. */
function parseTrace(lines: readonly string[], start: number): TraceState[] {
  const trace: TraceState[] = [];
  let i = start;
  while (i < lines.length && (lines[i].trim() === '' || TRACE_INTRO.has(lines[i]) || STATE_HEADER.test(lines[i]))) {
    const header = STATE_HEADER.exec(lines[i]);
    if (header) {
      const body = block(lines, i + 1);
      trace.push({ action: headerAction(header[2]), vars: parseVars(body) });
      i += body.length;
    }
    i++;
  }
  return trace;
}
