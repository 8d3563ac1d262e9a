/**
 * The command line of the repository's scripts (verify, fuzz, spec:certify,
 * spec:simulate, the benchmarks): node:util's parseArgs in strict mode, plus
 * what every command owes its user: `-h`/`--help` prints its help and exits 0,
 * and a command line it cannot run exits 2 with one line naming the problem
 * and `--help`, never a stack trace.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What a command takes, and the text its `--help` prints. */
export interface Command<O extends Options> {
  /** How the user runs it, as messages name it: `npm run verify --`. */
  readonly name: string;
  /** Usage lines, then what each option means, `-h, --help` included (the option itself is added here). */
  readonly help: string;
  readonly options: O;
  /** Whether it takes arguments other than options. */
  readonly positionals?: boolean;
}

/** parseArgs's result for a command's options. */
export type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean }>>;

/** A command line that cannot run: exit status 2, the message, and a pointer to --help. */
export class UsageError extends Error {}

/**
 * Parses `argv` for `command`: 'help' when it asks for help, else what
 * `interpret` makes of the options (it throws UsageError for a value it
 * cannot use). parseArgs's own errors become UsageErrors of their first
 * sentence without its period: the rest, when there is more, is advice
 * about `--` that fits none of these commands, or, on lines of its own,
 * about writing a value that starts with a dash (`--opt=-1`), which would
 * break the one line.
 */
export function parseCommandLine<O extends Options, T>(
  command: Command<O>,
  argv: readonly string[],
  interpret: (parsed: Parsed<O>) => T,
): 'help' | T {
  let parsed: Parsed<O>;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
    if ((values as { help?: boolean }).help === true) return 'help';
    parsed = { values, positionals } as Parsed<O>;
  } catch (e) {
    if (!(e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) throw e;
    throw new UsageError(e.message.replace(/\.\s.*$/s, ''));
  }
  return interpret(parsed);
}

/**
 * parseCommandLine for a script's top level, on process.argv: `--help`
 * prints the help and exits 0; a UsageError prints `NAME: message (try
 * --help)` on stderr and exits 2.
 */
export function readCommandLine<O extends Options, T>(command: Command<O>, interpret: (parsed: Parsed<O>) => T): T {
  let result: 'help' | T;
  try {
    result = parseCommandLine(command, process.argv.slice(2), interpret);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${command.name}: ${e.message} (try --help)\n`);
    process.exit(2);
  }
  if (result === 'help') {
    process.stdout.write(`${command.help.trimEnd()}\n`);
    process.exit(0);
  }
  return result;
}

/**
 * A numeric option's value: `given` as a number (an integer if `integer`),
 * at least `min`, or greater than `min` if `above`; `byDefault` when not
 * given. Throws UsageError.
 */
export function numberOption(
  name: string,
  given: string | undefined,
  byDefault: number,
  {
    min = Number.NEGATIVE_INFINITY,
    above = false,
    integer = false,
  }: { min?: number; above?: boolean; integer?: boolean },
): number {
  if (given === undefined) return byDefault;
  const n = given.trim() === '' ? Number.NaN : Number(given);
  if (Number.isNaN(n) || n < min || (above && n === min) || (integer && !Number.isInteger(n))) {
    const bound = min === Number.NEGATIVE_INFINITY ? '' : ` ${above ? '>' : '>='} ${min}`;
    throw new UsageError(
      `${name} must be ${integer ? 'an integer' : 'a number'}${bound}, got ${JSON.stringify(given)}`,
    );
  }
  return n;
}
