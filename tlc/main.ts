/**
 * `npx tlc`: TLC when a tla2tools.jar is available, else the wasm checker on
 * the same spec and cfg. Exit status: 0 no error found, 1 a violation, 2 the
 * check could not be done (bad arguments, missing files, a syntax error, an
 * engine error or crash).
 */

import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { readCfg } from '../tla/cfg.ts';
import { type Command, locateFiles, parseArgs } from './args.ts';
import { installJar, installSource, PINNED_RELEASE } from './install.ts';
import { cacheJarPath, findJar, type JarEnv } from './jar.ts';
import { CheckError, type CheckResult, describeViolation, formatTrace, type JsonReport } from './result.ts';
import { checkWithTlc, tlcVersionOf } from './tlc.ts';
import { wasmCheckerVersion } from './wasm.ts';
import { checkInChild } from './wasm-process.ts';

/** The wrapper's version: that of the workspace package whose command it is (bin/package.json). */
const wrapperVersion = (
  JSON.parse(readFileSync(new URL('../bin/package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The process surroundings main runs in (injected so tests run in-process). */
export interface Io {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: JarEnv;
  readonly cwd: string;
}

const USAGE = `usage: npx tlc [TLC flags] Spec.tla      model-check (TLC's own flags, e.g.
                                          -config F -workers N -deadlock
                                          -dump dot,actionlabels FILE)
       npx tlc --json [TLC flags] Spec.tla  print {engine, distinctStates, edges,
                                          violation, seconds, error} as JSON on stdout
       npx tlc --install                  download TLC ${PINNED_RELEASE.version} into the cache
       npx tlc --version                  this wrapper's version, TLC's (if a jar is
                                          found) and the wasm checker's

TLC runs from $TLA2TOOLS_JAR, else ${'$'}{XDG_CACHE_HOME:-$HOME/.cache}/deferred-io/tla2tools.jar;
without either, the wasm checker tla-checker checks the same spec and cfg
(far slower: tlc/README.md measures both; and only a spec of one module),
printing a line every 10 s while it runs.
Environment: TLA2TOOLS_JAR, JAVA (java binary), TLC_JAVA_OPTS (JVM flags,
default "-XX:+UseParallelGC -Xmx8g"), TLA2TOOLS_URL and TLA2TOOLS_SHA256
(--install source and its expected sha256).
Exit status: 0 no error, 1 violation found, 2 could not check (bad arguments,
a syntax error, a checker that crashed, ...: the message names file:line:column
where the checker gives one).
`;

/**
 * Runs the command line `argv`; resolves to the exit status. Every failure to
 * check exits 2 with its message on stderr, whatever threw it: a checker's
 * crash or a bug here is no verdict on the spec, so it must not look like one
 * (exit 1) or like a pass. With --json, stdout carries exactly one object even
 * then, and even when the rest of the command line is wrong.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const run: Run = { engine: null };
  try {
    const command = parseArgs(argv);
    switch (command.kind) {
      case 'help':
        io.stdout.write(USAGE);
        return 0;
      case 'version':
        return await version(io);
      case 'install':
        return await install(io);
      case 'check':
        return await check(command, io, run);
    }
  } catch (e) {
    const error =
      e instanceof CheckError
        ? { message: e.message, location: e.location }
        : {
            message: `internal error in npx tlc: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
            location: null,
          };
    io.stderr.write(`tlc: ${error.message}\n`);
    if (argv.includes('--json')) {
      const report: JsonReport = {
        engine: run.engine,
        distinctStates: null,
        edges: null,
        violation: null,
        seconds: null,
        error,
      };
      io.stdout.write(`${JSON.stringify(report)}\n`);
    }
    return 2;
  }
}

/** What main knows of a check in progress, for the report of one that fails. */
interface Run {
  engine: CheckResult['engine'] | null;
}

/** The wrapper's version, then each checker's: TLC's version line when a jar is found, and the wasm checker's. */
async function version(io: Io): Promise<number> {
  io.stdout.write(`npx tlc: deferred-io-tools ${wrapperVersion}\n`);
  const jar = findJar(io.env);
  io.stdout.write(
    jar === null
      ? 'TLC: not installed (npx tlc --install, or set TLA2TOOLS_JAR)\n'
      : `TLC: ${await tlcVersionOf(jar, io.env, io.cwd)}\nTLC jar: ${jar}\n`,
  );
  io.stdout.write(`wasm checker: tla-checker ${wasmCheckerVersion}\n`);
  return 0;
}

async function install(io: Io): Promise<number> {
  const { url, sha256 } = installSource(io.env);
  const dest = cacheJarPath(io.env);
  io.stdout.write(`tlc: downloading ${url} (expecting sha256 ${sha256})\n`);
  await installJar(url, sha256, dest);
  io.stdout.write(`tlc: installed ${dest}\n`);
  return 0;
}

async function check(command: Extract<Command, { kind: 'check' }>, io: Io, run: Run): Promise<number> {
  const { specPath, cfgPath } = locateFiles(command.spec, command.config, io.cwd);
  // With --json, stdout carries only the JSON object; everything else goes to stderr.
  const log = command.json ? io.stderr : io.stdout;
  const jar = findJar(io.env);
  let result: CheckResult;
  if (jar !== null) {
    run.engine = 'tlc';
    result = namedProperty(
      await checkWithTlc({
        jar,
        tlcArgs: command.tlcArgs,
        dump: command.dump,
        countEdges: command.json,
        output: log,
        env: io.env,
        cwd: io.cwd,
      }),
      cfgPath,
    );
  } else {
    if (command.wasmRejected.length > 0) {
      throw new CheckError(
        `no tla2tools.jar, and the wasm checker cannot honour ${command.wasmRejected.join(' ')} (run npx tlc --install, or set TLA2TOOLS_JAR)`,
      );
    }
    log.write(
      `tlc: no tla2tools.jar (set TLA2TOOLS_JAR or run npx tlc --install): checking with the wasm checker tla-checker ${wasmCheckerVersion}, far slower than TLC (tlc/README.md, "Speed")\n`,
    );
    log.write(`tlc: checking ${specPath} with ${cfgPath}...\n`);
    run.engine = 'wasm';
    result = await checkInChild({ specPath, cfgPath, noDeadlock: command.noDeadlock }, (seconds) =>
      log.write(`tlc: still checking (${seconds} s; the wasm checker reports no count before it is done)\n`),
    );
  }
  if (command.json) {
    const report: JsonReport = { ...result, error: null };
    io.stdout.write(`${JSON.stringify(report)}\n`);
  } else report(result, log);
  return result.violation === null ? 0 : 1;
}

/** The human-readable verdict (TLC has already printed its own account). */
function report(result: CheckResult, out: Writable): void {
  const { violation } = result;
  if (result.engine === 'tlc') {
    if (violation !== null) out.write(`tlc: ${describeViolation(violation)} (TLC's counterexample above)\n`);
    return;
  }
  if (violation === null) {
    out.write(
      `tlc: no error found: ${result.distinctStates} distinct states, ${result.edges} edges, ${result.seconds} s\n`,
    );
    return;
  }
  out.write(
    `tlc: ${describeViolation(violation)} (after ${result.distinctStates} distinct states, ${result.seconds} s); counterexample:\n`,
  );
  out.write(`${formatTrace(violation.trace)}\n`);
}

/**
 * TLC names a violated action property by where it is in the source when the
 * property is a formula like C!Spec ("line 177, col 19 to line 177, col 33 of
 * module Conventional"). When the cfg lists exactly one PROPERTY, that is the
 * one violated: report it by its name.
 */
function namedProperty(result: CheckResult, cfgPath: string): CheckResult {
  const v = result.violation;
  if (v === null || v.kind !== 'property' || v.invariant === null || !/ of module \S+$/.test(v.invariant))
    return result;
  const properties = readCfg(cfgPath).names.get('PROPERTY') ?? [];
  if (properties.length !== 1) return result;
  return { ...result, violation: { ...v, invariant: properties[0]!.name } };
}
