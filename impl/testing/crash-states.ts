/**
 * Every state a crash can leave, given the calls a RecordingDirectory logged
 * and the state before them (ALICE's and CrashMonkey's method). A crash may
 * fall after any call:
 * - a process kill keeps the page cache whole (and what is durable and what
 *   is not, so that a later power cut, inside recovery, is modelled too);
 * - a power cut keeps each file's durable content plus any subset of the
 *   block writes and truncates made since its last fsync, and its durable
 *   length or its current one; and of the directory, its durable entries
 *   plus any subset of the creations, removals and renames since its last
 *   fsync (a file whose creation was not made durable may vanish, one whose
 *   removal was not may come back).
 * Each subset is applied in log order, so a block keeps its durable content
 * or its content after any one of the writes to it since. Up to `exhaustive`
 * choices, every subset is built; past that, the prefixes in log order (the
 * writes reaching the disk in order, with the new lengths and without) and
 * `samples` random subsets drawn from a seed: deterministic either way.
 * Equal states are built once per crash point.
 */
import { assert } from '../assert.ts';
import {
  type Content,
  cut,
  type DirectoryState,
  type EntryChange,
  type FileState,
  type RecordedCall,
  RecordingDirectory,
  type Unsynced,
} from './recording-backend.ts';

/** One thing a power cut may keep or lose. */
export type Choice =
  /** A write or truncate of `file` since its last fsync. */
  | { readonly kind: 'content'; readonly file: number; readonly change: Unsynced }
  /** `file`'s current length, `length` (lost: its durable one). */
  | { readonly kind: 'length'; readonly file: number; readonly length: number }
  /** A change of the directory since its last fsync. */
  | { readonly kind: 'entry'; readonly change: EntryChange };

export interface CrashPoint {
  /** How many calls of the log were made before the crash. */
  readonly after: number;
  /** The state then, which is what a process kill leaves. */
  readonly state: DirectoryState;
  /** What a power cut then may keep or lose: content changes and entry changes in log order, then lengths. */
  readonly choices: readonly Choice[];
}

export interface Bounds {
  /** Most choices whose every subset is built (2^exhaustive power cuts); default 10. */
  readonly exhaustive?: number;
  /** Random subsets drawn beyond that, after the prefixes; default 64. */
  readonly samples?: number;
  /** Seed of the draws; default 1. */
  readonly seed?: number;
}

export interface CrashState {
  readonly after: number;
  readonly kind: 'kill' | 'power';
  readonly state: DirectoryState;
}

/** The crash points after 0, 1, ..., log.length calls, replaying `log` from `before`. */
export function* crashPoints(before: DirectoryState, log: readonly RecordedCall[]): Generator<CrashPoint> {
  const directory = new RecordingDirectory(before);
  yield point(0, directory.state());
  for (const [index, call] of log.entries()) {
    directory.apply(call);
    yield point(index + 1, directory.state());
  }
}

/** Every crash state of `log` from `before`: at each point, the kill's, then the power cuts' (distinct). */
export function* crashStates(
  before: DirectoryState,
  log: readonly RecordedCall[],
  bounds: Bounds = {},
): Generator<CrashState> {
  for (const at of crashPoints(before, log)) {
    yield { after: at.after, kind: 'kill', state: at.state };
    for (const state of powerCuts(at, bounds)) yield { after: at.after, kind: 'power', state };
  }
}

function point(after: number, state: DirectoryState): CrashPoint {
  return { after, state, choices: choicesOf(state) };
}

/** What a power cut in `state` may keep or lose, of every file that may be linked after it. */
export function choicesOf(state: DirectoryState): Choice[] {
  const reachable = new Set([...state.durableEntries.values(), ...state.unsyncedEntries.map((change) => change.file)]);
  const changes: (Choice & { call: number })[] = [];
  const lengths: Choice[] = [];
  for (const file of [...reachable].sort((a, b) => a - b)) {
    const { cache, durable, unsynced } = state.files.get(file)!;
    for (const change of unsynced) changes.push({ kind: 'content', file, change, call: change.call });
    if (cache.length !== durable.length) lengths.push({ kind: 'length', file, length: cache.length });
  }
  for (const change of state.unsyncedEntries) changes.push({ kind: 'entry', change, call: change.call });
  // Stable: a file's own changes stay in their order whatever the calls' numbering.
  changes.sort((a, b) => a.call - b.call);
  return [...changes.map(({ call: _, ...choice }) => choice as Choice), ...lengths];
}

/**
 * The state a power cut in `at` leaves when it keeps exactly the choices
 * `keep` marks (keep[i] for at.choices[i]): every linked file durable, with
 * nothing unsynced.
 */
export function powerCut(at: CrashPoint, keep: readonly boolean[]): DirectoryState {
  const { state, choices } = at;
  assert(keep.length === choices.length, 'a power cut decides every choice');
  const keptContent = new Set<Unsynced>();
  const keptLength = new Set<number>();
  const keptEntries = new Set<EntryChange>();
  for (const [i, choice] of choices.entries()) {
    if (!keep[i]) continue;
    if (choice.kind === 'content') keptContent.add(choice.change);
    else if (choice.kind === 'length') keptLength.add(choice.file);
    else keptEntries.add(choice.change);
  }
  const entries = new Map(state.durableEntries);
  for (const change of state.unsyncedEntries) {
    if (!keptEntries.has(change)) continue;
    if (change.op === 'create') entries.set(change.name, change.file);
    // A removal or rename whose creation was lost finds no such entry, and does nothing.
    else if (entries.get(change.name) === change.file) {
      entries.delete(change.name);
      if (change.op === 'rename') entries.set(change.to!, change.file);
    }
  }
  const files = new Map<number, FileState>();
  for (const file of new Set(entries.values())) {
    const { cache, durable, unsynced } = state.files.get(file)!;
    const blocks = new Map(durable.blocks);
    for (const change of unsynced) {
      if (!keptContent.has(change)) continue;
      if (change.kind === 'block') blocks.set(change.block, change.bytes);
      else cut(blocks, change.from, state.blockSize);
    }
    const length = keptLength.has(file) ? cache.length : durable.length;
    cut(blocks, length, state.blockSize);
    const content: Content = { length, blocks };
    files.set(file, { cache: content, durable: content, unsynced: [] });
  }
  return { blockSize: state.blockSize, files, entries, durableEntries: entries, unsyncedEntries: [] };
}

/** The distinct power-cut states of `at`, within `bounds`. */
export function* powerCuts(at: CrashPoint, bounds: Bounds = {}): Generator<DirectoryState> {
  const seen = new Set<string>();
  for (const keep of subsets(at.choices, at.after, bounds)) {
    const state = powerCut(at, keep);
    const key = stateKey(state);
    if (seen.has(key)) continue;
    seen.add(key);
    yield state;
  }
}

/** The subsets of `choices` a crash point's power cuts keep: all of them, or the prefixes and seeded samples. */
function* subsets(
  choices: readonly Choice[],
  after: number,
  { exhaustive = 10, samples = 64, seed = 1 }: Bounds,
): Generator<boolean[]> {
  const n = choices.length;
  if (n <= exhaustive) {
    for (let mask = 0; mask < 2 ** n; mask++) yield Array.from({ length: n }, (_, i) => ((mask >>> i) & 1) === 1);
    return;
  }
  // The lengths come last: a prefix of the changes with every length kept, and with none.
  const changes = choices.findIndex((choice) => choice.kind === 'length');
  const m = changes < 0 ? n : changes;
  for (let k = 0; k <= m; k++)
    for (const lengths of [true, false]) yield Array.from({ length: n }, (_, i) => (i < m ? i < k : lengths));
  const random = mulberry32(Math.imul(seed, 0x9e3779b1) + after);
  for (let s = 0; s < samples; s++) yield Array.from({ length: n }, () => random() < 0.5);
}

/** A small seeded generator of floats in [0, 1) (mulberry32): the same draws on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Blocks are never changed once stored, so a block's identity stands for its bytes.
const blockIds = new WeakMap<Uint8Array, number>();
let blocksSeen = 0;

function blockId(block: Uint8Array): number {
  let id = blockIds.get(block);
  if (id === undefined) {
    id = blocksSeen++;
    blockIds.set(block, id);
  }
  return id;
}

/** Equal keys, equal states (of a power cut: nothing unsynced). */
function stateKey(state: DirectoryState): string {
  const parts: string[] = [];
  for (const [name, file] of [...state.entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const { length, blocks } = state.files.get(file)!.cache;
    const ids = [...blocks].sort(([a], [b]) => a - b).map(([index, block]) => `${index}:${blockId(block)}`);
    parts.push(`${name}=${file}/${length}/${ids.join(',')}`);
  }
  return parts.join(' ');
}
