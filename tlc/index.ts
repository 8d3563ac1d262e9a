/** The model-checking wrapper as a library, for the project's tests and tools. */

export { findJar, cacheJarPath } from "./jar.ts";
export { checkWithWasm, wasmCheckerVersion, type WasmResult } from "./wasm.ts";
export { checkWithTlc, type TlcInvocation } from "./tlc.ts";
export { CheckError, type CheckResult, type JsonReport, type SourceLocation, type TraceState, type Violation } from "./result.ts";
