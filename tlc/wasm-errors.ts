/**
 * What the wasm checker's failures to check mean, said with the position in
 * the spec wherever the checker gives one or the text shows one.
 *
 * tla-checker 0.9.0 fails in three ways that need reading:
 * - a parse error comes as Rust's Debug text of its error value,
 *   `ParseError { message: "...", span: Some(Span { start: 86, end: 88 }),
 *   expected: ..., found: ..., help: ... }`, whose span is in UTF-8 bytes;
 * - some syntax errors it does not report at all: it drops the definition it
 *   cannot parse and then fails with "NEXT definition 'Next' not found in
 *   spec" (or skips it silently if nothing uses it);
 * - a panic in the checker (an integer overflow, say) traps the wasm
 *   instance, which throws `RuntimeError: unreachable` with no message, and a
 *   deep recursion overflows the stack (`RangeError`).
 * It cannot check an action property (`[][A]_v` in a PROPERTY, as a
 * refinement is): it reports that the box action "reached eval", which is
 * said as a check that needs TLC. Anything else it reports (undefined
 * variables, type errors, ...) carries no position and is passed on as the
 * checker wrote it.
 */

import { GET_TLC } from './install.ts';
import { CheckError, locate, type SourceLocation } from './result.ts';

/** The fields of a ParseError's Debug text; strings are Rust-escaped. */
const PARSE_ERROR =
  /^ParseError \{ message: "((?:[^"\\]|\\.)*)", span: (?:Some\(Span \{ start: (\d+), end: \d+ \}\)|None), expected: (?:Some\("((?:[^"\\]|\\.)*)"\)|None), found: (?:Some\("(?:[^"\\]|\\.)*"\)|None), help: (?:Some\("((?:[^"\\]|\\.)*)"\)|None) \}$/s;

const MISSING_DEFINITION = /^(\w+) definition '(\w+)' not found in spec$/;

/** A string literal's body as Rust's Debug writes it, unescaped. */
function unescapeRust(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** The line and column (from 1, in characters) of a UTF-8 byte offset into `text`. */
function positionOfByte(text: string, byteOffset: number, file: string): SourceLocation {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lineStart = before.lastIndexOf('\n') + 1;
  return { file, line: before.split('\n').length, column: before.length - lineStart + 1 };
}

/** Where `name` is defined in the spec's text (`name ==` or `name(...) ==` at the start of a line), if it is. */
function definitionOf(spec: string, name: string, file: string): SourceLocation | null {
  const m = new RegExp(`^${name}[ \\t]*(?:\\([^)]*\\))?[ \\t]*==`, 'm').exec(spec);
  if (m === null) return null;
  return { file, line: spec.slice(0, m.index).split('\n').length, column: 1 };
}

/** The CheckError for a check the checker reported as failed other than by a violation or a limit. */
export function wasmFailure(errorType: string | null, message: string, spec: string, specPath: string): CheckError {
  if (errorType === 'ParseError') {
    const m = PARSE_ERROR.exec(message);
    if (m !== null) {
      const [, what, start, expected, help] = m;
      const location = start === undefined ? null : positionOfByte(spec, Number(start), specPath);
      const detail = [
        expected === undefined ? '' : ` (expected ${unescapeRust(expected)})`,
        help === undefined ? '' : `; ${unescapeRust(help)}`,
      ].join('');
      return new CheckError(locate(`syntax error: ${unescapeRust(what)}${detail}`, location), location);
    }
  }
  const missing = errorType === 'ConfigError' ? MISSING_DEFINITION.exec(message) : null;
  const location = missing === null ? null : definitionOf(spec, missing[2], specPath);
  if (missing !== null && location !== null) {
    return new CheckError(
      locate(
        `syntax error in or before the definition of ${missing[2]} (the wasm checker drops a definition it cannot parse, ` +
          `then reports "${message}"; TLC names the error's position: npx tlc --install)`,
        location,
      ),
      location,
    );
  }
  if (/\(box action\) reached eval/.test(message)) {
    return new CheckError(
      `the wasm checker cannot check an action property ([][A]_v, as a refinement is): this needs TLC ` +
        `(the checker says: ${message}). ${GET_TLC}`,
    );
  }
  return new CheckError(`the wasm checker failed: ${errorType}: ${message}`);
}

/** The CheckError for an exception thrown out of the checker: a crash, never a verdict on the spec. */
export function wasmCrash(e: unknown, version: string): CheckError {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new CheckError(
    `the wasm checker crashed (${what}): a failure of tla-checker ${version}, not a verdict on the spec; TLC may check it (npx tlc --install)`,
  );
}
