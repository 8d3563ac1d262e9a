import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { numberOption, parseCommandLine, UsageError } from './command-line.ts';

const command = {
  name: 'npm run demo --',
  help: 'usage: npm run demo -- [--count N] [--quick]\n  -h, --help  this text\n',
  options: { count: { type: 'string' }, quick: { type: 'boolean', default: false } },
} as const;
const parse = (argv: string[]) =>
  parseCommandLine(command, argv, ({ values }) => ({
    count: numberOption('--count', values.count, 3, { min: 1, integer: true }),
    quick: values.quick,
  }));

describe('parseCommandLine', () => {
  test('interprets the options, defaults included', () => {
    expect(parse([])).toEqual({ count: 3, quick: false });
    expect(parse(['--count', '7', '--quick'])).toEqual({ count: 7, quick: true });
    expect(parse(['--count=7'])).toEqual({ count: 7, quick: false });
  });

  test('-h and --help ask for help, whatever else is given', () => {
    expect(parse(['--help'])).toBe('help');
    expect(parse(['-h', '--count', 'x'])).toBe('help');
  });

  test.each([
    [['--cuont', '2'], "Unknown option '--cuont'"],
    [['--count'], "Option '--count <value>' argument missing"],
    [['extra'], "Unexpected argument 'extra'"],
    [['--quick=yes'], "Option '--quick' does not take an argument"],
    [['--count', '-1'], "Option '--count' argument is ambiguous"],
    [['--count', '0'], '--count must be an integer >= 1, got "0"'],
    [['--count', '1.5'], '--count must be an integer >= 1, got "1.5"'],
    [['--count', ''], '--count must be an integer >= 1, got ""'],
  ])('%j is a usage error of one line: %s', (argv, message) => {
    let error: unknown;
    try {
      parse(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
  });

  test('positional arguments only where the command takes them; the advice about -- is left out', () => {
    const withPositionals = { ...command, positionals: true };
    expect(parseCommandLine(withPositionals, ['a.cfg', 'b.cfg'], (p) => p.positionals)).toEqual(['a.cfg', 'b.cfg']);
    expect(() => parseCommandLine(withPositionals, ['a.cfg', '--cuont'], (p) => p)).toThrow(
      new UsageError("Unknown option '--cuont'"),
    );
  });
});

test('numberOption: a number of at least min, the default when not given', () => {
  expect(numberOption('--s', undefined, 60, { min: 0 })).toBe(60);
  expect(numberOption('--s', '0', 60, { min: 0 })).toBe(0);
  expect(numberOption('--s', '2.5', 60, { min: 0 })).toBe(2.5);
  expect(() => numberOption('--s', '-1', 60, { min: 0 })).toThrow('--s must be a number >= 0, got "-1"');
  expect(() => numberOption('--s', 'ten', 60, { min: 0 })).toThrow(UsageError);
  expect(() => numberOption('--s', '0', 60, { min: 0, above: true })).toThrow('--s must be a number > 0, got "0"');
  expect(numberOption('--seed', '-42', 0, { integer: true })).toBe(-42);
  expect(() => numberOption('--seed', '4.2', 0, { integer: true })).toThrow('--seed must be an integer, got "4.2"');
});

/** The scripts that read their command line with readCommandLine, as a user runs them (tsx, as npm run does). */
describe.each([
  ['conformance/verify.ts', 'npm run verify --'],
  ['conformance/fuzz-cli.ts', 'npm run fuzz --'],
  ['conformance/certify.ts', 'npm run spec:certify --'],
  ['conformance/simulate.ts', 'npm run spec:simulate --'],
  ['conformance/mutants/certify.ts', 'npm run spec:mutants:certify --'],
  ['conformance/mutants/write-modules.ts', 'npm run spec:mutants --'],
  ['fileserver/bench/main.ts', 'npm run bench:fileserver --'],
  ['fileserver/bench/diodload.ts', 'npm run bench:9p --'],
  ['fileserver/testing/kill-loop-cli.ts', 'npm run crash:9p --'],
  ['crashes/run.ts', 'npm run crashes --'],
])('%s', (script, name) => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8' });

  test('--help prints its usage and exits 0', () => {
    const ran = run(['--help']);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toMatch(/^usage: npm run /);
    expect(ran.stdout).toContain('-h, --help');
    expect(ran.status).toBe(0);
  });

  test('a mistyped option is one line on stderr and exit status 2', () => {
    const ran = run(['--no-such-option']);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toBe(`${name}: Unknown option '--no-such-option' (try --help)\n`);
    expect(ran.status).toBe(2);
  });
});
