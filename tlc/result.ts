/**
 * What a model-checking run reports, whichever engine ran it, and how a
 * counterexample is shown to a person.
 */

/** One state of a counterexample. */
export interface TraceState {
  /**
   * The action that produced this state, as the engine names it; null for an
   * initial state, and always null from the wasm checker, whose traces do not
   * name actions.
   */
  readonly action: string | null;
  /** Each variable's value, as the engine prints it (TLA+ syntax). */
  readonly vars: Readonly<Record<string, string>>;
}

/** A property the engine found violated, with the behaviour that violates it. */
export interface Violation {
  readonly kind: 'invariant' | 'deadlock' | 'property';
  /**
   * The violated invariant's name from the cfg (or the property's name when
   * TLC gives one); null for a deadlock and for an unnamed temporal property.
   */
  readonly invariant: string | null;
  /** The states from an initial state to the violating one. */
  readonly trace: readonly TraceState[];
}

/**
 * The outcome of one check; `--json` prints this object with `error: null`.
 *
 * `distinctStates` counts the distinct reachable states (explored so far, if
 * the check stopped at a violation); null only when TLC stopped before printing
 * any count (a violation by an initial state).
 *
 * `edges` counts the distinct (from, to) pairs of states in the state graph,
 * self-loops included: both engines' dot exports give it, and it does not
 * depend on how an engine enumerates actions (TLC's "states generated" counts
 * one successor per action and per binding of an existential, the wasm checker
 * merges equal successors of one action, so neither count is comparable
 * across engines). Transitions to states excluded by a CONSTRAINT are not
 * edges, in either engine. Null from TLC when not counted: without --json,
 * with a non-dot -dump (TLC takes only one), or when TLC stopped in the
 * initial states before writing a dump.
 */
export interface CheckResult {
  readonly engine: 'tlc' | 'wasm';
  readonly distinctStates: number | null;
  readonly edges: number | null;
  readonly violation: Violation | null;
  readonly seconds: number;
}

/** A position in a spec or cfg file; line and column count from 1. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** `file:line:column: message`, the form editors and terminals link to a position. */
export function locate(message: string, location: SourceLocation | null): string {
  return location === null ? message : `${location.file}:${location.line}:${location.column}: ${message}`;
}

/**
 * A failure to check at all (bad arguments, missing files, a syntax error, a
 * checker that crashed, a limit hit): reported as a message, never as a result.
 * The message is complete for a person (with `file:line:column:` where the
 * checker names a position); `location` is that position for a program.
 */
export class CheckError extends Error {
  override readonly name = 'CheckError';
  constructor(
    message: string,
    readonly location: SourceLocation | null = null,
  ) {
    super(message);
  }
}

/**
 * What `--json` prints on stdout, exactly one per run: the result of a check
 * that was done (exit status 0 or 1) with `error` null, or, when it could not
 * be done (exit status 2), the error with everything else null but the engine
 * that failed (null if the failure came before any engine ran).
 */
export type JsonReport =
  | (CheckResult & { readonly error: null })
  | {
      readonly engine: CheckResult['engine'] | null;
      readonly distinctStates: null;
      readonly edges: null;
      readonly violation: null;
      readonly seconds: null;
      readonly error: { readonly message: string; readonly location: SourceLocation | null };
    };

/** One line naming what was violated, e.g. "invariant Small is violated". */
export function describeViolation(v: Violation): string {
  switch (v.kind) {
    case 'invariant':
      return `invariant ${v.invariant} is violated`;
    case 'deadlock':
      return 'deadlock reached';
    case 'property':
      return v.invariant === null ? 'a temporal property is violated' : `property ${v.invariant} is violated`;
  }
}

/** The counterexample, state by state and variable by variable. */
export function formatTrace(trace: readonly TraceState[]): string {
  return trace
    .map((state, i) => {
      const label = i === 0 ? 'initial' : (state.action ?? '');
      const head = `State ${i + 1}${label === '' ? '' : ` (${label})`}:`;
      const vars = Object.entries(state.vars).map(([name, value]) => `  ${name} = ${value.replace(/\n/g, '\n    ')}`);
      return [head, ...vars].join('\n');
    })
    .join('\n');
}
