/**
 * The command line: TLC's own argument style (`[-flag [value]]... SPEC`) plus
 * the wrapper's `--install`, `--json`, `--help` and `--version`. (TLC's
 * single-dash flags are why this is not node:util's parseArgs, which would
 * read `-config` as the short options c, o, n, f, i, g.)
 */

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CheckError } from './result.ts';

/**
 * How the wasm checker treats a TLC flag: `use` it, `ignore` it (it only
 * tunes TLC's performance or its files, not what is checked), or `reject` it
 * (it changes what is checked or reported, which the wasm checker cannot do).
 */
type WasmUse = 'use' | 'ignore' | 'reject';

/**
 * How many values a flag takes: a count, `optional` (one value unless the next
 * argument is the spec or another flag), or `dump` (`-dump [dot,...] FILE`).
 */
type Arity = 0 | 1 | 2 | 'optional' | 'dump';

/** TLC's flags (v1.7.4 and later), as `tlc2.TLC -help` lists them. */
const TLC_FLAGS: Readonly<Record<string, readonly [Arity, WasmUse]>> = {
  '-config': [1, 'use'],
  '-deadlock': [0, 'use'],
  '-workers': [1, 'ignore'],
  '-fpmem': [1, 'ignore'],
  '-fp': [1, 'ignore'],
  '-fpbits': [1, 'ignore'],
  '-metadir': [1, 'ignore'],
  '-checkpoint': [1, 'ignore'],
  '-cleanup': [0, 'ignore'],
  '-coverage': [1, 'ignore'],
  '-gzip': [0, 'ignore'],
  '-maxSetSize': [1, 'ignore'],
  '-nowarning': [0, 'ignore'],
  '-terse': [0, 'ignore'],
  '-difftrace': [0, 'ignore'],
  '-noGenerateSpecTE': [0, 'ignore'],
  '-generateSpecTE': [0, 'ignore'],
  '-teSpecOutDir': [1, 'ignore'],
  '-userFile': [1, 'ignore'],
  '-seed': [1, 'ignore'],
  '-aril': [1, 'ignore'],
  '-modelcheck': [0, 'ignore'],
  '-suppressMessages': [1, 'ignore'],
  '-continue': [0, 'reject'],
  '-debug': [0, 'reject'],
  '-debugger': ['optional', 'reject'],
  '-depth': [1, 'reject'],
  '-dfid': [1, 'reject'],
  '-dump': ['dump', 'reject'],
  '-dumpTrace': [2, 'reject'],
  '-h': [0, 'reject'],
  '-help': [0, 'reject'],
  '-inv': [1, 'reject'],
  '-invlevel': [1, 'reject'],
  '-lncheck': [1, 'reject'],
  '-loadTrace': [2, 'reject'],
  '-messagesAsErrors': [1, 'reject'],
  '-postCondition': [1, 'reject'],
  '-recover': [1, 'reject'],
  '-simulate': ['optional', 'reject'],
  '-tool': [0, 'reject'],
  '-view': [0, 'reject'],
};

/** TLC's `-dump`: a dot dump when `format` starts with "dot". */
export interface Dump {
  readonly format: string | null;
  /** The file as given; TLC appends `.dot` (or `.dump`) if missing. */
  readonly file: string;
}

/** A parsed command line. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'install' }
  | {
      readonly kind: 'check';
      readonly json: boolean;
      /** TLC's arguments, exactly as given. */
      readonly tlcArgs: readonly string[];
      /** The spec argument as given (TLC accepts it with or without `.tla`). */
      readonly spec: string;
      /** The `-config` value, or null for TLC's default SPEC.cfg. */
      readonly config: string | null;
      /** TLC's `-deadlock`: do not check for deadlock. */
      readonly noDeadlock: boolean;
      readonly dump: Dump | null;
      /** Flags the wasm checker cannot honour, for a clear refusal. */
      readonly wasmRejected: readonly string[];
    };

/** Whether an argument can be a flag's value: it exists and is no TLC flag (so `-seed -42` works). */
function isValue(arg: string | undefined): arg is string {
  return arg !== undefined && TLC_FLAGS[arg] === undefined;
}

/** Parses the wrapper's arguments; bad arguments throw a CheckError. */
export function parseArgs(argv: readonly string[]): Command {
  const wrapperFlags = argv.filter((a) => a.startsWith('--'));
  for (const flag of wrapperFlags) {
    if (!['--help', '--version', '--install', '--json'].includes(flag))
      throw new CheckError(`unknown option ${flag} (try --help)`);
  }
  if (wrapperFlags.includes('--help')) return { kind: 'help' };
  if (wrapperFlags.includes('--version')) return { kind: 'version' };
  if (wrapperFlags.includes('--install')) {
    if (argv.length > 1) throw new CheckError('--install takes no other arguments');
    return { kind: 'install' };
  }
  const args = argv.filter((a) => !a.startsWith('--'));
  const positional: string[] = [];
  const wasmRejected: string[] = [];
  let config: string | null = null;
  let noDeadlock = false;
  let dump: Dump | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const known = TLC_FLAGS[arg];
    if (known === undefined) throw new CheckError(`unknown TLC flag ${arg} (try --help)`);
    const [arity, wasm] = known;
    if (wasm === 'reject') wasmRejected.push(arg);
    const takeValue = (): string => {
      if (!isValue(args[i + 1])) throw new CheckError(`${arg} needs a value`);
      return args[++i];
    };
    if (arity === 'optional') {
      // Taken only if something follows it, which can then be the spec.
      if (i + 2 < args.length && isValue(args[i + 1]) && !args[i + 1].startsWith('-')) i++;
    } else if (arity === 'dump') {
      // As TLC: a first value starting with "dot" is the format if a file follows.
      const first = takeValue();
      dump =
        first.startsWith('dot') && isValue(args[i + 1])
          ? { format: first, file: takeValue() }
          : { format: null, file: first };
    } else {
      const values = Array.from({ length: arity }, takeValue);
      if (arg === '-config') config = values[0];
      if (arg === '-deadlock') noDeadlock = true;
    }
  }
  if (positional.length === 0) throw new CheckError('no spec given: npx tlc [TLC flags] Spec.tla (try --help)');
  if (positional.length > 1) throw new CheckError(`more than one spec given: ${positional.join(', ')}`);
  return {
    kind: 'check',
    json: wrapperFlags.includes('--json'),
    tlcArgs: args,
    spec: positional[0],
    config,
    noDeadlock,
    dump,
    wasmRejected,
  };
}

/**
 * The spec and cfg files a check reads, resolved as TLC resolves them: the
 * spec with `.tla` added if missing; the cfg from `-config` (with `.cfg` added
 * if missing) relative to the working directory or else to the spec's
 * directory, or by default the spec's name with `.cfg`. Missing files throw.
 */
export function locateFiles(spec: string, config: string | null, cwd: string): { specPath: string; cfgPath: string } {
  const specPath = resolve(cwd, spec.endsWith('.tla') ? spec : `${spec}.tla`);
  if (!existsSync(specPath)) throw new CheckError(`spec file not found: ${specPath}`);
  if (config === null) {
    const cfgPath = specPath.replace(/\.tla$/, '.cfg');
    if (!existsSync(cfgPath)) throw new CheckError(`cfg file not found: ${cfgPath} (give one with -config FILE)`);
    return { specPath, cfgPath };
  }
  const name = config.endsWith('.cfg') ? config : `${config}.cfg`;
  const candidates = [...new Set([resolve(cwd, name), resolve(dirname(specPath), name)])];
  const cfgPath = candidates.find((c) => existsSync(c));
  if (cfgPath === undefined) throw new CheckError(`cfg file not found: ${candidates.join(' or ')}`);
  return { specPath, cfgPath };
}
