/** The model-checking wrapper as a library, for the project's tests and tools. */

export { cacheJarPath, findJar } from './jar.ts';
export {
  CheckError,
  type CheckResult,
  type JsonReport,
  type SourceLocation,
  type TraceState,
  type Violation,
} from './result.ts';
export { checkWithTlc, type TlcInvocation, tlcVersionOf } from './tlc.ts';
export { checkWithWasm, type WasmResult, wasmCheckerVersion } from './wasm.ts';
