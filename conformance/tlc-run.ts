/**
 * Runs the project's TLC wrapper (`node bin/tlc.js --json ...`) for
 * certification, refusing anything but a complete run by TLC itself: the
 * wasm checker's graph is what a certificate is an independent witness
 * against.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A reason not to certify. */
export class RefusedError extends Error {}

/** What the wrapper's `--json` prints, as far as certification reads it. */
export interface WrapperResult {
  readonly engine: string;
  readonly distinctStates: number | null;
  readonly violation: { readonly invariant: string | null; readonly trace: readonly unknown[] } | null;
  readonly error: unknown;
  readonly seconds: number;
}

/**
 * Runs `node bin/tlc.js --json ...`. TLC's console output (the wrapper's
 * stderr under --json) streams through to ours and is kept, for its version
 * line and counts; stdout carries the JSON result.
 */
export function runWrapper(args: readonly string[]): Promise<{ status: number; result: WrapperResult; log: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'tlc.js'), '--json', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const log: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      log.push(chunk);
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8').trim();
      let result: WrapperResult;
      try {
        result = JSON.parse(text.split('\n').pop() ?? '') as WrapperResult;
      } catch {
        reject(new RefusedError(`the wrapper printed no JSON result (exit status ${code}; its messages are above)`));
        return;
      }
      if (result.engine !== 'tlc') {
        reject(
          new RefusedError(
            `the check ran on the ${result.engine} engine, not TLC: install TLC (npx tlc --install) or set TLA2TOOLS_JAR`,
          ),
        );
        return;
      }
      if (result.error !== null && result.error !== undefined) {
        reject(new RefusedError(`TLC could not check (exit status ${code}): ${JSON.stringify(result.error)}`));
        return;
      }
      resolvePromise({ status: code ?? 1, result, log: Buffer.concat(log).toString('utf8') });
    });
  });
}

export function tlcVersion(log: string): string {
  const tlc = /^TLC2 Version .*$/m.exec(log)?.[0];
  if (tlc === undefined) throw new RefusedError('TLC\'s output has no "TLC2 Version" line');
  return tlc;
}

export function statesGenerated(log: string): number {
  const m = /^([\d,]+) states? generated, [\d,]+ distinct states? found/m.exec(log);
  if (m === null) throw new RefusedError('TLC\'s output has no "N states generated" line');
  return Number(m[1]!.replace(/,/g, ''));
}
