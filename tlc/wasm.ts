/**
 * Checking with the wasm checker (npm `tla-checker`), the engine used when no
 * tla2tools.jar is available: same spec, same cfg, far slower than TLC.
 */

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { check_spec_with_options, initSync } from 'tla-checker';
import { CfgError, parseCfg } from '../tla/cfg.ts';
import { countDotEdges } from '../tla/dot.ts';
import { GET_TLC } from './install.ts';
import { CheckError, type CheckResult, type TraceState, type Violation } from './result.ts';
import { wasmCrash, wasmFailure } from './wasm-errors.ts';

const require = createRequire(import.meta.url);

/** The installed tla-checker version, e.g. "0.9.0". */
export const wasmCheckerVersion: string = (require('tla-checker/package.json') as { version: string }).version;

/**
 * The checker's limits are usize in wasm32; the largest value makes them
 * unreachable in practice, and hitting one is still reported as an error.
 */
const UNLIMITED = 2 ** 32 - 1;

let initialized = false;

/** The JSON object every tla-checker check function returns. */
interface WasmOutput {
  success: boolean;
  error_type: string | null;
  error_message: string | null;
  states_explored: number;
  /** Each element is one printed behaviour ("State 0\n  x = 0\n..."). */
  trace: string[] | null;
  dot: string | null;
  warnings: string[];
}

/** A check by the wasm checker: counts are always known. */
export interface WasmResult extends CheckResult {
  readonly engine: 'wasm';
  readonly distinctStates: number;
  readonly edges: number;
}

/**
 * Model-checks `specPath` against the cfg at `cfgPath` with the wasm checker,
 * exhaustively. CHECK_DEADLOCK in the cfg is honoured; `noDeadlock` is TLC's
 * `-deadlock` flag and, as in TLC, overrides the cfg. A violation is a result;
 * anything that prevents a complete check (a parse or evaluation error, a cfg
 * entry the checker would ignore, a limit hit, a crash of the checker) throws
 * a CheckError.
 */
export function checkWithWasm(specPath: string, cfgPath: string, options: { noDeadlock?: boolean } = {}): WasmResult {
  const spec = readFileSync(specPath, 'utf8');
  const cfg = readFileSync(cfgPath, 'utf8');
  refuseModulesOfItsOwn(spec, specPath);
  const invariants = cfgInvariants(cfg, cfgPath);
  if (!initialized) {
    initSync({ module: readFileSync(require.resolve('tla-checker/tla_checker_bg.wasm')) });
    initialized = true;
  }
  const started = performance.now();
  let text: string;
  try {
    text = check_spec_with_options(
      spec,
      JSON.stringify({
        cfg_source: cfg,
        max_states: UNLIMITED,
        max_depth: UNLIMITED,
        allow_deadlock: options.noDeadlock ?? false,
        export_dot: true,
        // "full" keeps self-loops and every action's edge; the default mode
        // drops self-loops, which would undercount the graph's edges.
        dot_mode: 'full',
      }),
    );
  } catch (e) {
    // A trap stops the instance wherever it was (its allocator, its borrows
    // half done): the next check gets a fresh one.
    initialized = false;
    throw wasmCrash(e, wasmCheckerVersion);
  }
  const out = JSON.parse(text) as WasmOutput;
  const seconds = Math.round(performance.now() - started) / 1000;
  // Every warning tla-checker 0.9.0 gives means part of the cfg was skipped
  // (e.g. "ACTION_CONSTRAINT ... is not yet supported, ignoring"), so the
  // counts would not be those of the model the cfg describes.
  if (out.warnings.length > 0) {
    throw new CheckError(`the wasm checker would ignore part of ${cfgPath}: ${out.warnings.join('; ')}`);
  }
  const violation = out.success ? null : wasmViolation(out, invariants, cfgPath, spec, specPath);
  if (out.dot === null) throw new CheckError('the wasm checker returned no state graph to count edges in');
  return {
    engine: 'wasm',
    distinctStates: out.states_explored,
    edges: countDotEdges(out.dot, "the wasm checker's state graph"),
    violation,
    seconds,
  };
}

/** TLA+ text without its comments: `\* ...` to the end of the line, and `(* ... *)`, which nest. */
function withoutComments(text: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('(*', i)) {
      depth++;
      i++;
    } else if (depth > 0 && text.startsWith('*)', i)) {
      depth--;
      i++;
    } else if (depth === 0 && text.startsWith('\\*', i)) {
      const end = text.indexOf('\n', i);
      if (end === -1) break;
      i = end - 1;
    } else if (depth === 0) out += text[i];
  }
  return out;
}

/**
 * The checker is given one module's text and nothing else: it skips EXTENDS
 * (the standard modules' operators are built in) and has no way to load
 * another module, so a definition of a module of the spec's own, EXTENDed or
 * INSTANCEd, is missing and the check fails on whatever needs it first
 * ("INIT definition 'Init' not found in spec", "instance I not found"). A
 * module beside the spec is TLC's first place to look for one: if the spec
 * names such a module, say that it needs TLC instead.
 */
function refuseModulesOfItsOwn(spec: string, specPath: string): void {
  const text = withoutComments(spec);
  const uses = [
    ...[...text.matchAll(/\bEXTENDS\s+(\w+(?:\s*,\s*\w+)*)/g)].flatMap((m) =>
      m[1]!.split(',').map((name) => ({ how: 'EXTENDS', name: name.trim() })),
    ),
    ...[...text.matchAll(/\bINSTANCE\s+(\w+)/g)].map((m) => ({ how: 'INSTANCEs', name: m[1]! })),
  ].filter(({ name }) => existsSync(join(dirname(specPath), `${name}.tla`)));
  if (uses.length === 0) return;
  const files = [...new Set(uses.map((u) => `${u.name}.tla`))];
  throw new CheckError(
    `${basename(specPath)} needs TLC: it ${uses.map((u) => `${u.how} ${u.name}`).join(' and ')}, ` +
      `${files.length === 1 ? 'a module' : 'modules'} of its own (${files.join(' and ')} beside it), while the wasm checker ` +
      `reads only the one module it is given. ${GET_TLC}`,
  );
}

/**
 * The invariant names of a cfg, in order: the checker reports a violated
 * invariant by its position in the cfg ("Invariant 2 violated").
 */
function cfgInvariants(cfg: string, cfgPath: string): string[] {
  try {
    return (parseCfg(cfg, cfgPath).names.get('INVARIANT') ?? []).map((n) => n.name);
  } catch (e) {
    if (e instanceof CfgError) throw new CheckError(e.message, { file: cfgPath, line: e.line, column: e.column });
    throw e;
  }
}

/** The violation a failed check reports, or a CheckError if it failed otherwise. */
function wasmViolation(
  out: WasmOutput,
  invariants: readonly string[],
  cfgPath: string,
  spec: string,
  specPath: string,
): Violation {
  const trace = parseWasmTrace(out.trace ?? []);
  switch (out.error_type) {
    case 'InvariantViolation': {
      // The checker names the invariant by its 0-based position in the cfg.
      const index = /^Invariant (\d+) violated$/.exec(out.error_message ?? '');
      const invariant = index ? invariants[Number(index[1])] : undefined;
      if (invariant === undefined) {
        throw new CheckError(
          `the wasm checker reported "${out.error_message}", which names no invariant of ${cfgPath}`,
        );
      }
      return { kind: 'invariant', invariant, trace };
    }
    case 'Deadlock':
      return { kind: 'deadlock', invariant: null, trace };
    case 'LivenessViolation':
      return { kind: 'property', invariant: null, trace };
    case 'MaxStatesExceeded':
    case 'MaxDepthExceeded':
      throw new CheckError(`the wasm checker hit its limit (${out.error_message}); the check is incomplete`);
    default:
      throw wasmFailure(out.error_type, out.error_message ?? '', spec, specPath);
  }
}

/**
 * The checker prints behaviours as "State 0\n  x = 0\n  y = 1\nState 1\n...";
 * a liveness counterexample comes as two behaviours (prefix, then cycle),
 * which are concatenated.
 */
function parseWasmTrace(behaviours: readonly string[]): TraceState[] {
  const trace: { action: null; vars: Record<string, string> }[] = [];
  for (const line of behaviours.join('\n').split('\n')) {
    const v = /^ {2}(\S+) = (.*)$/.exec(line);
    if (/^State \d+$/.test(line)) trace.push({ action: null, vars: {} });
    else if (v && trace.length > 0) trace[trace.length - 1].vars[v[1]] = v[2];
  }
  return trace;
}
