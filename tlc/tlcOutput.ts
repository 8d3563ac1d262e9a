/**
 * Reading TLC's console output: the final state counts, the violation and its
 * counterexample, and the error lines of a run that failed otherwise.
 */

import type { TraceState, Violation } from "./result.ts";

/** What TLC's output says about a run. */
export interface TlcReport {
  /** "N states generated": initial states plus every successor TLC computed. */
  readonly generated: number | null;
  /** "M distinct states found". */
  readonly distinctStates: number | null;
  readonly violation: Violation | null;
  /** TLC's `Error:` lines other than those introducing a counterexample. */
  readonly errors: readonly string[];
}

const STATS = /^([\d,]+) states? generated, ([\d,]+) distinct states? found, [\d,]+ states? left on queue\./;
const STATE_HEADER = /^State (\d+): (.*)$/;
const TRACE_INTRO = new Set([
  "Error: The behavior up to this point is:",
  "Error: The following behavior constitutes a counter-example:",
]);

/** The violation an `Error:` line announces, if it announces one. */
function violationHeader(line: string): { kind: Violation["kind"]; invariant: string | null; initial: boolean } | null {
  let m = /^Error: Invariant (\S+) is violated( by the initial state:|\.)$/.exec(line);
  if (m) return { kind: "invariant", invariant: m[1], initial: m[2] !== "." };
  if (line === "Error: Deadlock reached.") return { kind: "deadlock", invariant: null, initial: false };
  m = /^Error: Action property (\S+) is violated\.$/.exec(line);
  if (m) return { kind: "property", invariant: m[1], initial: false };
  if (line === "Error: Temporal properties were violated.") return { kind: "property", invariant: null, initial: false };
  return null;
}

/**
 * The action named in a state header, e.g. `<IncX line 6, col 9 to line 6,
 * col 44 of module Counter>` gives "IncX"; the initial predicate gives null.
 */
function headerAction(header: string): string | null {
  const m = /^<(.*?)(?: line \d+, col \d+ to line \d+, col \d+ of module \S+)?>$/.exec(header);
  const name = m ? m[1] : header;
  return name === "Initial predicate" ? null : name;
}

/**
 * Variables of one printed state: `/\ x = 1` per variable (just `x = 1` when
 * the spec has a single variable), long values continuing on indented lines.
 */
function parseVars(lines: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  let current: string | null = null;
  for (const line of lines) {
    const m: RegExpExecArray | null = /^\/\\ (\S+) = (.*)$/.exec(line) ?? (current === null ? /^(\S+) = (.*)$/.exec(line) : null);
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
  for (let i = start; i < lines.length && lines[i].trim() !== ""; i++) out.push(lines[i]);
  return out;
}

/** Parses TLC's complete console output. */
export function parseTlcOutput(output: string): TlcReport {
  const lines = output.split(/\r?\n/);
  let generated: number | null = null;
  let distinctStates: number | null = null;
  let violation: Violation | null = null;
  const errors: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const stats = STATS.exec(line);
    if (stats) {
      generated = Number(stats[1].replace(/,/g, ""));
      distinctStates = Number(stats[2].replace(/,/g, ""));
      continue;
    }
    if (!line.startsWith("Error:") || TRACE_INTRO.has(line)) continue;
    const header = violationHeader(line);
    if (header === null) errors.push(line);
    // With -continue TLC reports several violations; the first one is kept.
    else if (violation === null) {
      const { kind, invariant } = header;
      const trace = header.initial ? [{ action: null, vars: parseVars(block(lines, i + 1)) }] : parseTrace(lines, i + 1);
      violation = { kind, invariant, trace };
    }
  }
  return { generated, distinctStates, violation, errors };
}

/** The `State N:` blocks following a violation, up to the next non-state line. */
function parseTrace(lines: readonly string[], start: number): TraceState[] {
  const trace: TraceState[] = [];
  let i = start;
  while (i < lines.length && (lines[i].trim() === "" || TRACE_INTRO.has(lines[i]) || STATE_HEADER.test(lines[i]))) {
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
