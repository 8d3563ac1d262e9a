/**
 * npx tlc on specs that cannot be checked (tlc/fixtures/errors): exit status
 * 2, never 1 (a violation) or a stack trace; the message on stderr, with
 * `file:line:column:` where the checker names a position; and with --json
 * exactly one object on stdout, whose `error` carries the same message and
 * the position. The wasm checker always; TLC when a tla2tools.jar is found
 * (the one `npx tlc --install` puts in the cache, or $TLA2TOOLS_JAR).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findJar } from './jar.ts';
import type { JsonReport, SourceLocation } from './result.ts';
import { isolatedEnv, runTlc, tempDir } from './testkit.ts';

const fixtures = fileURLToPath(new URL('fixtures', import.meta.url));
const errors = join(fixtures, 'errors');
const spec = (name: string) => join(errors, `${name}.tla`);
const at = (name: string, line: number, column: number): SourceLocation => ({ file: spec(name), line, column });

/** Runs `npx tlc --json ... NAME.tla` in the fixtures and checks the shape of every could-not-check outcome. */
async function cannotCheck(
  name: string,
  env: Record<string, string>,
  flags: string[] = [],
): Promise<JsonReport & { error: object }> {
  const run = await runTlc(['--json', ...flags, `${name}.tla`], env, errors);
  expect(run.status).toBe(2);
  expect(run.stdout.endsWith('\n') && !run.stdout.slice(0, -1).includes('\n')).toBe(true);
  const report = JSON.parse(run.stdout) as JsonReport;
  if (report.error === null) throw new Error(`expected an error, got ${run.stdout}`);
  expect(report).toMatchObject({ distinctStates: null, edges: null, violation: null, seconds: null });
  expect(run.stderr.endsWith(`tlc: ${report.error.message}\n`)).toBe(true);
  return report;
}

describe('specs the wasm checker cannot check', () => {
  const env = isolatedEnv();

  it.each([
    [
      'UnfinishedNext',
      at('UnfinishedNext', 6, 1),
      'syntax error in or before the definition of Next (the wasm checker drops a definition it cannot parse',
    ],
    ['UnterminatedString', at('UnterminatedString', 6, 1), 'syntax error in or before the definition of Next'],
    ['StrayOperator', at('StrayOperator', 6, 6), 'syntax error: unexpected `==` (expected definition or declaration)'],
  ])('%s: a syntax error, located', async (name, location, message) => {
    const { engine, error } = await cannotCheck(name, env);
    expect(engine).toBe('wasm');
    expect(error.location).toEqual(location);
    expect(error.message.startsWith(`${location.file}:${location.line}:${location.column}: ${message}`)).toBe(true);
  });

  it("an undeclared variable: the checker's message, which names no position", async () => {
    const { error } = await cannotCheck('Undeclared', env);
    expect(error).toEqual({
      message: 'the wasm checker failed: NextError: undefined variable `y`\n  help: did you mean `x`?',
      location: null,
    });
  });

  it('an evaluation error', async () => {
    const { error } = await cannotCheck('EmptyChoose', env);
    expect(error.message).toMatch(/^the wasm checker failed: NextError: CHOOSE found no satisfying value/);
  });

  it('a crash of the checker (a trap in its wasm instance) is exit 2 with a message, and the next check works', async () => {
    const { error } = await cannotCheck('Overflow', env);
    expect(error).toEqual({
      message:
        'the wasm checker crashed (RuntimeError: unreachable): a failure of tla-checker 0.9.0, not a verdict on the spec; TLC may check it (npx tlc --install)',
      location: null,
    });
    const plain = await runTlc(['Overflow.tla'], env, errors);
    expect([plain.status, plain.stderr]).toEqual([2, `tlc: ${error.message}\n`]);
    expect((await runTlc(['-config', 'Counter.cfg', 'Counter.tla'], env, fixtures)).status).toBe(0);
  });

  it('a malformed cfg, located in the cfg', async () => {
    const { error } = await cannotCheck('Undeclared', env, ['-config', 'Malformed.cfg']);
    const cfg = join(errors, 'Malformed.cfg');
    expect(error).toEqual({
      message: `${cfg}:4: CHECK_DEADLOCK takes TRUE or FALSE, not maybe`,
      location: { file: cfg, line: 4, column: 16 },
    });
  });
});

describe('--json prints one object when the command line is wrong', () => {
  it.each([
    [['--json', '-workers'], '-workers needs a value'],
    [['--json', '-nosuchflag', 'Counter.tla'], 'unknown TLC flag -nosuchflag (try --help)'],
    [['--json', 'Nope.tla'], `spec file not found: ${join(fixtures, 'Nope.tla')}`],
    [['--json', '--install', 'Counter.tla'], '--install takes no other arguments'],
    [
      ['--json', '-simulate', 'Counter.tla'],
      'no tla2tools.jar, and the wasm checker cannot honour -simulate (run npx tlc --install, or set TLA2TOOLS_JAR)',
    ],
  ])('%j', async (argv, message) => {
    const run = await runTlc(argv, isolatedEnv(), fixtures);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      engine: null,
      distinctStates: null,
      edges: null,
      violation: null,
      seconds: null,
      error: { message, location: null },
    });
    expect(run.stderr).toBe(`tlc: ${message}\n`);
  });
});

const jar = findJar(process.env);

describe.skipIf(jar === null)(
  `specs TLC cannot check${jar === null ? ' (skipped: no tla2tools.jar; npx tlc --install)' : ''}`,
  { tags: ['slow'] },
  () => {
    const env = isolatedEnv({ TLA2TOOLS_JAR: jar ?? '' });
    const metadir = tempDir('tlc-errors-meta-');

    it.each([
      [
        'UnfinishedNext',
        at('UnfinishedNext', 7, 1),
        'parse error: Encountered "====" at line 7, column 1 and token "+"',
      ],
      ['UnterminatedString', at('UnterminatedString', 5, 15), 'Lexical error at line 5, column 15.'],
      [
        'StrayOperator',
        at('StrayOperator', 6, 1),
        'parse error: Encountered "Beginning of definition" at line 6, column 1',
      ],
      ['Undeclared', at('Undeclared', 6, 19), "Unknown operator: `y'."],
      ['EmptyChoose', at('EmptyChoose', 6, 14), 'TLC threw an unexpected exception.'],
      ['Overflow', at('Overflow', 7, 19), 'The error occurred when TLC was evaluating the nested'],
    ])("%s: TLC's error, located", async (name, location, message) => {
      const { engine, error } = await cannotCheck(name, env, ['-metadir', metadir]);
      expect(engine).toBe('tlc');
      expect(error.location).toEqual(location);
      expect(error.message).toMatch(/^TLC failed \(exit status \d+\):\n/);
      expect(error.message).toContain(`\n${location.file}:${location.line}:${location.column}: ${message}`);
    });
  },
);
