/**
 * The wasm checker in a child process. Its check is one synchronous call
 * that reports nothing until it returns (minutes, on a large model), so the
 * wrapper runs it in a child (wasm-child.ts) and keeps its own event loop
 * free to say, every 10 s, that the check is still running and for how long.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CheckError, type SourceLocation } from './result.ts';
import type { WasmResult } from './wasm.ts';

/** What the parent asks the child to check. */
export interface WasmRequest {
  readonly specPath: string;
  readonly cfgPath: string;
  readonly noDeadlock: boolean;
}

/** What the child answers: the result, the reason it could not check, or the stack of a bug in it. */
export type WasmReply =
  | { readonly result: WasmResult }
  | { readonly error: { readonly message: string; readonly location: SourceLocation | null } }
  | { readonly crash: string };

/** tsx's loader, so that the child runs the TypeScript sources as this process does. */
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * checkWithWasm(specPath, cfgPath, { noDeadlock }) in a child process;
 * `progress(seconds)` is called every `every` ms (10 s) while it runs.
 * Resolves to the result; rejects with the CheckError the check threw, or
 * one saying the child ended without an answer (killed, out of memory).
 */
export function checkInChild(
  request: WasmRequest,
  progress: (seconds: number) => void,
  every = 10_000,
): Promise<WasmResult> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(fileURLToPath(new URL('wasm-child.ts', import.meta.url)), [], {
      execArgv: ['--import', tsx],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const started = performance.now();
    const timer = setInterval(() => progress(Math.round((performance.now() - started) / 1000)), every);
    const stderr: Buffer[] = [];
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    let reply: WasmReply | null = null;
    child.on('message', (message: WasmReply) => {
      reply = message;
    });
    child.on('error', (e) => {
      clearInterval(timer);
      reject(new CheckError(`could not start the wasm checker's process: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const answer = reply as WasmReply | null;
      if (answer === null) {
        const why = signal === null ? `exit status ${code}` : `signal ${signal}`;
        const text = Buffer.concat(stderr).toString('utf8').trim();
        reject(new CheckError(`the wasm checker's process ended without a result (${why})${text ? `:\n${text}` : ''}`));
      } else if ('result' in answer) resolvePromise(answer.result);
      else if ('error' in answer) reject(new CheckError(answer.error.message, answer.error.location));
      else reject(new Error(`in the wasm checker's process: ${answer.crash}`));
    });
    child.send(request);
  });
}
