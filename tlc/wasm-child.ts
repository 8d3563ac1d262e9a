/**
 * The child process checkInChild (wasm-process.ts) forks: it runs one check
 * with the wasm checker and sends back the result, or the CheckError and its
 * location, then exits.
 */

import { CheckError } from './result.ts';
import { checkWithWasm } from './wasm.ts';
import type { WasmReply, WasmRequest } from './wasm-process.ts';

process.once('message', (request: WasmRequest) => {
  let reply: WasmReply;
  try {
    reply = { result: checkWithWasm(request.specPath, request.cfgPath, { noDeadlock: request.noDeadlock }) };
  } catch (e) {
    reply =
      e instanceof CheckError
        ? { error: { message: e.message, location: e.location } }
        : { crash: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  process.send!(reply, () => process.disconnect());
});
