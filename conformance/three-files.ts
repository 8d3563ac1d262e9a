/**
 * The files of the fixed geometries that run past model checking's sizes
 * (the fuzzer's, conformance/fuzz.ts, and the model's medium run,
 * conformance/model-vs-conventional.test.ts): three files, each changed by
 * another writer through the engine, f1 and f3 also behind its back, f2
 * Persistent (written back with sync or atomically, fsynced, crashed and
 * recovered), of any byte values, their contents given by the run rather
 * than by Init (InitLen 0). Each geometry adds which file is isolated, its
 * sizes and its limits.
 */
import type { Constants } from '../model/constants.ts';

export const threeFiles = {
  Files: ['f1', 'f2', 'f3'],
  Foreign: ['f1', 'f2', 'f3'],
  Outside: ['f1', 'f3'],
  Persistent: ['f2'],
  Syncs: [false, true],
  Atomics: [false, true],
  NoFile: 'NoFile',
  InitLen: 0,
  Vals: Array.from({ length: 256 }, (_, v) => v),
} satisfies Partial<Constants>;
