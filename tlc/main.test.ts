import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runTlc, tempDir } from './testkit.ts';

const fixtures = fileURLToPath(new URL('fixtures', import.meta.url));
const canned = (name: string) => join(fixtures, 'tlc-output', name);

describe('npx tlc without a jar (wasm checker)', () => {
  it('says so first, then reports a pass with exit 0', async () => {
    const run = await runTlc(['-config', 'Counter.cfg', 'Counter.tla'], isolatedEnv(), fixtures);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(
      'tlc: no tla2tools.jar (set TLA2TOOLS_JAR or run npx tlc --install): checking with the wasm checker tla-checker 0.9.0, far slower than TLC (tlc/README.md, "Speed")',
    );
    expect(run.stdout).toMatch(/^tlc: no error found: 9 distinct states, 12 edges, [\d.]+ s$/m);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('prints a violation state by state and exits 1', async () => {
    const run = await runTlc(['-config', 'CounterSmall', 'Counter'], isolatedEnv(), fixtures);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^tlc: invariant Small is violated \(after 7 distinct states, [\d.]+ s\); counterexample:$/m,
    );
    expect(run.stdout.slice(run.stdout.indexOf('State 1'))).toBe(
      'State 1 (initial):\n  x = 0\n  y = 0\nState 2:\n  x = 1\n  y = 0\nState 3:\n  x = 2\n  y = 0\nState 4:\n  x = 2\n  y = 1\n',
    );
  });

  it("passes -deadlock on, as TLC's flag", async () => {
    expect((await runTlc(['-config', 'CounterDeadlock.cfg', 'Counter.tla'], isolatedEnv(), fixtures)).status).toBe(1);
    expect(
      (await runTlc(['-deadlock', '-config', 'CounterDeadlock.cfg', 'Counter.tla'], isolatedEnv(), fixtures)).status,
    ).toBe(0);
  });

  it('--json prints only the result object on stdout', async () => {
    const run = await runTlc(['--json', '-workers', '4', 'Owners.tla'], isolatedEnv(), fixtures);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toEqual({
      engine: 'wasm',
      distinctStates: 8,
      edges: 22,
      violation: null,
      seconds: result.seconds,
      error: null,
    });
    expect(typeof result.seconds).toBe('number');
    expect(run.stderr).toMatch(/^tlc: no tla2tools.jar/);
  });

  it('refuses TLC flags the wasm checker cannot honour', async () => {
    const run = await runTlc(['-simulate', '-config', 'Counter.cfg', 'Counter.tla'], isolatedEnv(), fixtures);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'tlc: no tla2tools.jar, and the wasm checker cannot honour -simulate (run npx tlc --install, or set TLA2TOOLS_JAR)\n',
    );
    expect(run.stdout).toBe('');
  });

  it('exits 2 with a clear message on a missing file or a bad flag', async () => {
    const missing = await runTlc(['-config', 'Counter.cfg', 'Nope.tla'], isolatedEnv(), fixtures);
    expect([missing.status, missing.stderr]).toEqual([2, `tlc: spec file not found: ${join(fixtures, 'Nope.tla')}\n`]);
    const bad = await runTlc(['-workers'], isolatedEnv(), fixtures);
    expect([bad.status, bad.stderr]).toEqual([2, 'tlc: -workers needs a value\n']);
  });

  it('exits 2 when TLA2TOOLS_JAR names no file, instead of switching engines', async () => {
    const run = await runTlc(['Counter.tla'], isolatedEnv({ TLA2TOOLS_JAR: '/nonexistent/tla2tools.jar' }), fixtures);
    expect([run.status, run.stderr]).toEqual([2, 'tlc: TLA2TOOLS_JAR=/nonexistent/tla2tools.jar: no such file\n']);
  });

  it('--help prints usage', async () => {
    const run = await runTlc(['--help'], isolatedEnv(), fixtures);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npx tlc/);
  });

  it('--version names the wrapper and the wasm checker, and says TLC is not installed', async () => {
    const run = await runTlc(['--version'], isolatedEnv(), fixtures);
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toBe(
      'npx tlc: deferred-io-tools 0.1.0\nTLC: not installed (npx tlc --install, or set TLA2TOOLS_JAR)\nwasm checker: tla-checker 0.9.0\n',
    );
  });

  it('says a spec that EXTENDS a module of its own needs TLC, and how to get it', async () => {
    const run = await runTlc(['-config', 'CounterSums.cfg', 'CounterSums.tla'], isolatedEnv(), fixtures);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^tlc: CounterSums\.tla needs TLC: it EXTENDS Counter, a module of its own \(Counter\.tla beside it\), .* npx tlc --install /,
    );
  });
});

/**
 * A stand-in for `java`: records its arguments, writes a canned dot dump where
 * -dump asks, prints canned TLC output and exits with the given status.
 */
function fakeJava(dir: string): string {
  const path = join(dir, 'java');
  writeFileSync(
    path,
    `#!/usr/bin/env node
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.writeFileSync(process.env.FAKE_ARGS, JSON.stringify(args));
const d = args.indexOf("-dump");
if (d >= 0 && process.env.FAKE_DOT) {
  let file = args[d + 1].startsWith("dot") ? args[d + 2] : args[d + 1];
  if (!file.endsWith(".dot")) file += ".dot";
  fs.writeFileSync(file, fs.readFileSync(process.env.FAKE_DOT));
}
process.stdout.write(fs.readFileSync(process.env.FAKE_OUTPUT));
process.exit(Number(process.env.FAKE_EXIT));
`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('npx tlc with a jar (TLC, faked)', () => {
  const setup = (output: string, exit: number, extra: Record<string, string> = {}) => {
    const dir = tempDir();
    const jar = join(dir, 'tla2tools.jar');
    writeFileSync(jar, 'not really a jar');
    const argsFile = join(dir, 'args.json');
    const env = isolatedEnv({
      TLA2TOOLS_JAR: jar,
      JAVA: fakeJava(dir),
      FAKE_ARGS: argsFile,
      FAKE_OUTPUT: canned(output),
      FAKE_EXIT: String(exit),
      FAKE_DOT: canned('owners.dot'),
      ...extra,
    });
    return { env, jar, dir, javaArgs: () => JSON.parse(readFileSync(argsFile, 'utf8')) as string[] };
  };

  it("runs java -cp JAR tlc2.TLC with TLC's arguments unchanged and streams its output", async () => {
    const { env, jar, javaArgs } = setup('owners.txt', 0);
    const tlcArgs = ['-config', 'Owners.cfg', '-workers', '4', '-fpmem', '0.4', '-metadir', '/tmp/m', 'Owners.tla'];
    const run = await runTlc(tlcArgs, env, fixtures);
    expect(run.status).toBe(0);
    expect(javaArgs()).toEqual(['-XX:+UseParallelGC', '-Xmx8g', '-cp', jar, 'tlc2.TLC', ...tlcArgs]);
    expect(run.stdout).toBe(`tlc: ${env.JAVA} ${javaArgs().join(' ')}\n${readFileSync(canned('owners.txt'), 'utf8')}`);
  });

  it('takes the JVM flags from TLC_JAVA_OPTS', async () => {
    const { env, jar, javaArgs } = setup('owners.txt', 0, { TLC_JAVA_OPTS: ' -Xmx2g  -XX:+UseG1GC ' });
    await runTlc(['Owners.tla'], env, fixtures);
    expect(javaArgs()).toEqual(['-Xmx2g', '-XX:+UseG1GC', '-cp', jar, 'tlc2.TLC', 'Owners.tla']);
  });

  it("--json parses TLC's counts and counts the distinct edges of a dot dump it adds", async () => {
    const { env, javaArgs } = setup('owners.txt', 0);
    const run = await runTlc(['--json', '-config', 'Owners.cfg', 'Owners.tla'], env, fixtures);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    // 36 transitions in the dump, 22 distinct (from, to) pairs.
    expect(result).toEqual({
      engine: 'tlc',
      distinctStates: 8,
      edges: 22,
      violation: null,
      seconds: result.seconds,
      error: null,
    });
    const args = javaArgs();
    expect(args.slice(5, 8)).toEqual(['-dump', 'dot', expect.stringMatching(/graph\.dot$/)]);
    expect(args.slice(8)).toEqual(['-config', 'Owners.cfg', 'Owners.tla']);
    expect(
      run.stderr.endsWith(`tlc2.TLC ${args.slice(5).join(' ')}\n${readFileSync(canned('owners.txt'), 'utf8')}`),
    ).toBe(true);
  });

  it("--json counts the user's own -dump dot file instead of adding one", async () => {
    const { env, dir, javaArgs } = setup('owners.txt', 0);
    const graph = join(dir, 'graph');
    const run = await runTlc(['--json', '-dump', 'dot,actionlabels', graph, 'Owners.tla'], env, fixtures);
    expect(JSON.parse(run.stdout).edges).toBe(22);
    expect(javaArgs().slice(5)).toEqual(['-dump', 'dot,actionlabels', graph, 'Owners.tla']);
    expect(readFileSync(`${graph}.dot`, 'utf8')).toBe(readFileSync(canned('owners.dot'), 'utf8'));
  });

  it("--json gives null edges when the user's -dump is not a dot dump", async () => {
    const { env, dir } = setup('owners.txt', 0);
    const run = await runTlc(['--json', '-dump', join(dir, 'states'), 'Owners.tla'], env, fixtures);
    expect(JSON.parse(run.stdout)).toMatchObject({ distinctStates: 8, edges: null });
  });

  it('exits 1 on an invariant violation, naming it', async () => {
    const { env } = setup('invariant.txt', 12);
    const run = await runTlc(['-config', 'CounterSmall.cfg', 'Counter.tla'], env, fixtures);
    expect(run.status).toBe(1);
    expect(run.stdout.endsWith("tlc: invariant Small is violated (TLC's counterexample above)\n")).toBe(true);
    const json = await runTlc(['--json', '-config', 'CounterSmall.cfg', 'Counter.tla'], env, fixtures);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).violation).toMatchObject({ kind: 'invariant', invariant: 'Small' });
  });

  it("exits 1 on a violation even if TLC's exit status says nothing", async () => {
    const { env } = setup('deadlock.txt', 0);
    const run = await runTlc(['Counter.tla'], env, fixtures);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/tlc: deadlock reached/);
  });

  it('exits 2 when TLC fails without a violation, quoting its errors located, and --json says so', async () => {
    const { env } = setup('parse-error.txt', 150);
    const run = await runTlc(['--json', 'Counter.tla'], env, fixtures);
    expect(run.status).toBe(2);
    const message =
      'TLC failed (exit status 150):\n/tmp/Broken.tla:3:9: parse error: Was expecting "Expression or Instance"\n' +
      'Encountered "Beginning of definition" at line 3, column 9 and token "=="\nParsing or semantic analysis failed.';
    expect(JSON.parse(run.stdout)).toEqual({
      engine: 'tlc',
      distinctStates: null,
      edges: null,
      violation: null,
      seconds: null,
      error: { message, location: { file: '/tmp/Broken.tla', line: 3, column: 9 } },
    });
    expect(run.stderr.endsWith(`tlc: ${message}\n`)).toBe(true);
  });

  it('exits 2 when TLC succeeds but prints no counts', async () => {
    const { env } = setup('parse-error.txt', 0, { FAKE_OUTPUT: join(fixtures, 'Counter.cfg') });
    const run = await runTlc(['--json', 'Counter.tla'], env, fixtures);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/TLC's output has no final state count/);
  });

  it("--version prints TLC's version line and the jar", async () => {
    const { env, jar, javaArgs } = setup('owners.txt', 1);
    const run = await runTlc(['--version'], env, fixtures);
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toBe(
      `npx tlc: deferred-io-tools 0.1.0\nTLC: ${readFileSync(canned('owners.txt'), 'utf8').split('\n')[0]}\n` +
        `TLC jar: ${jar}\nwasm checker: tla-checker 0.9.0\n`,
    );
    expect(javaArgs()).toEqual(['-XX:+UseParallelGC', '-Xmx8g', '-cp', jar, 'tlc2.TLC']);
  });

  it('exits 2 with a clear message when java is missing', async () => {
    const { env } = setup('owners.txt', 0, { JAVA: '/nonexistent/java' });
    const run = await runTlc(['Owners.tla'], env, fixtures);
    expect([run.status, run.stderr]).toEqual([
      2,
      'tlc: /nonexistent/java not found: install a JDK (11 or later) or set JAVA\n',
    ]);
  });
});
