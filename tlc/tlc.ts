/** Running TLC itself: `java -cp tla2tools.jar tlc2.TLC <args>`. */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { countDotFileEdges } from '../tla/dot.ts';
import type { Dump } from './args.ts';
import type { JarEnv } from './jar.ts';
import { CheckError, type CheckResult } from './result.ts';
import { formatTlcError, parseTlcOutput } from './tlcOutput.ts';

/**
 * The JVM flags: `$TLC_JAVA_OPTS` (split on whitespace) if set, replacing the
 * default. ParallelGC is what TLC's authors recommend for throughput; 8 GB of
 * heap is a cap, not a reservation, and leaves TLC's fingerprint set (off the
 * heap, sized by -fpmem) the rest of the memory.
 */
export function jvmOptions(env: JarEnv): string[] {
  const opts = env.TLC_JAVA_OPTS;
  return opts === undefined ? ['-XX:+UseParallelGC', '-Xmx8g'] : opts.split(/\s+/).filter((o) => o !== '');
}

/** What to run TLC with. */
export interface TlcInvocation {
  readonly jar: string;
  /** TLC's arguments, passed through unchanged. */
  readonly tlcArgs: readonly string[];
  /** The `-dump` among tlcArgs, if any. */
  readonly dump: Dump | null;
  /**
   * Count the state graph's edges. TLC prints no such count, so unless
   * tlcArgs already dump a dot graph, TLC is also given `-dump dot FILE` into
   * a temporary directory, removed afterwards; this costs disk and time in
   * proportion to the state space.
   */
  readonly countEdges: boolean;
  /** Receives TLC's output as it runs (its progress reports included). */
  readonly output: Writable;
  readonly env: JarEnv;
  readonly cwd: string;
}

/** The dot file TLC writes for `-dump dot... FILE`: it appends ".dot" if missing. */
function dotFile(file: string, cwd: string): string {
  return resolve(cwd, file.endsWith('.dot') ? file : `${file}.dot`);
}

/**
 * Runs TLC (the java binary is `$JAVA`, else `java` on PATH) and reads its
 * output. A violation is a result; a run that failed otherwise (TLC's exit
 * status non-zero without a violation, or no final state count) throws a
 * CheckError quoting TLC's errors, located at the first position TLC names.
 */
export async function checkWithTlc(run: TlcInvocation): Promise<CheckResult> {
  const scratch = run.countEdges && run.dump === null ? await mkdtemp(join(tmpdir(), 'tlc-dump-')) : null;
  try {
    const extra = scratch === null ? [] : ['-dump', 'dot', join(scratch, 'graph.dot')];
    const java = run.env.JAVA || 'java';
    const args = [...jvmOptions(run.env), '-cp', run.jar, 'tlc2.TLC', ...extra, ...run.tlcArgs];
    run.output.write(`tlc: ${[java, ...args].join(' ')}\n`);
    const started = performance.now();
    const { status, output } = await spawnTee(java, args, run);
    const seconds = Math.round(performance.now() - started) / 1000;
    const report = parseTlcOutput(output);
    if (report.violation === null && (status !== 0 || report.errors.length > 0)) {
      const why = report.errors.length > 0 ? report.errors.map(formatTlcError).join('\n') : 'no error message';
      const located = report.errors.find((e) => e.location !== null);
      throw new CheckError(`TLC failed (exit status ${status}):\n${why}`, located?.location ?? null);
    }
    // A violation in an initial state stops TLC before it prints any count;
    // a simulation (-simulate) prints none either.
    if (report.violation === null && report.distinctStates === null && !run.tlcArgs.includes('-simulate')) {
      throw new CheckError('TLC\'s output has no final state count ("N states generated, M distinct states found")');
    }
    const dot =
      scratch !== null
        ? join(scratch, 'graph.dot')
        : run.countEdges && run.dump?.format?.startsWith('dot')
          ? dotFile(run.dump.file, run.cwd)
          : null;
    // TLC may stop (in the initial states, say) before it creates the dot file.
    const edges = dot !== null && existsSync(dot) ? await countDotFileEdges(dot) : null;
    return { engine: 'tlc', distinctStates: report.distinctStates, edges, violation: report.violation, seconds };
  } finally {
    if (scratch !== null) await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The version line TLC prints first on every run (`TLC2 Version 2.19 of 08
 * August 2024 (rev: 5a47802)`). TLC has no version flag: run without
 * arguments, it prints that line and its usage, and exits 1.
 */
export async function tlcVersionOf(jar: string, env: JarEnv, cwd: string): Promise<string> {
  const java = env.JAVA || 'java';
  const { output } = await spawnTee(java, [...jvmOptions(env), '-cp', jar, 'tlc2.TLC'], { cwd, env, output: null });
  const line = /^TLC2 Version .*$/m.exec(output)?.[0];
  if (line === undefined) throw new CheckError(`${jar} printed no TLC version line: is it a tla2tools.jar?`);
  return line;
}

/** Runs a command, keeping its stdout and stderr and copying them to `output` if given. */
function spawnTee(
  command: string,
  args: string[],
  run: { readonly cwd: string; readonly env: JarEnv; readonly output: Writable | null },
): Promise<{ status: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const tee = (chunk: Buffer) => {
      chunks.push(chunk);
      run.output?.write(chunk);
    };
    child.stdout.on('data', tee);
    child.stderr.on('data', tee);
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        new CheckError(
          e.code === 'ENOENT'
            ? `${command} not found: install a JDK (11 or later) or set JAVA`
            : `${command}: ${e.message}`,
        ),
      );
    });
    child.on('close', (code) => {
      resolvePromise({ status: code ?? 1, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}
