/**
 * The crash properties the spec states (spec/DeferredIO.tla: Durable,
 * AtomicWriteBack, NoGhostReplay, RecoveryIdempotent), and Conventional,
 * checked on every crash state of a history: the state is opened by a new
 * engine (which recovers it), and what the file then holds is judged by the
 * history alone (history.ts: the file before and after each step, what each
 * step may change, which steps ended durable), never by the engine's state.
 *
 * - Durable: a byte no step has touched since the last step that ended
 *   with the file durable holds what it held then; so does the length.
 * - Conventional: every byte holds a value it held since then (or zero, past
 *   a length it had): a crash tears, it invents nothing.
 * - AtomicWriteBack: a crash inside an atomic write-back leaves its range
 *   exactly as before it or exactly as after it (when no earlier step since
 *   the last durable one touched that range, else the before is not
 *   durable to begin with). Once it returned, Durable holds it "after".
 * - NoGhostReplay: with no atomic write-back under way, recovery changes
 *   nothing of the file; and a kill (the page cache kept) between steps
 *   leaves the file exactly as the last step left it.
 * - RecoveryIdempotent: a crash inside recovery, then recovery, leaves what
 *   recovery alone left. A power cut inside the recovery of a kill state
 *   also loses what the kill left unsynced: it is judged instead as a power
 *   cut at the kill's point, by the four properties above.
 * - Recovers: recovery does not throw, and leaves the file alone in the
 *   directory, durably (a power cut after it brings no journal back).
 */
import { type Bounds, type CrashState, crashStates } from '../impl/testing/crash-states.ts';
import { type DirectoryState, RecordingDirectory } from '../impl/testing/recording-backend.ts';
import { describe, engineOf, fileName, type Geometry, type History, type Ran } from './history.ts';

export type Property =
  | 'Durable'
  | 'Conventional'
  | 'AtomicWriteBack'
  | 'NoGhostReplay'
  | 'RecoveryIdempotent'
  | 'Recovers';

/** A crash state whose recovery breaks a property. */
export class CrashPropertyError extends Error {
  override readonly name = 'CrashPropertyError';
  readonly property: Property;

  constructor(property: Property, message: string) {
    super(`${property}: ${message}`);
    this.property = property;
  }
}

/** Crash states checked, by kind. */
export interface Counts {
  histories: number;
  calls: number;
  kills: number;
  powerCuts: number;
  /** Crash states inside a recovery (RecoveryIdempotent), kills and power cuts. */
  insideRecovery: number;
  /** Recoveries that wrote the file (a journal replayed) and that removed a journal without writing. */
  replayed: number;
  discarded: number;
}

export function noCounts(): Counts {
  return { histories: 0, calls: 0, kills: 0, powerCuts: 0, insideRecovery: 0, replayed: 0, discarded: 0 };
}

/** All crash states checked. */
export function crashStatesChecked(counts: Counts): number {
  return counts.kills + counts.powerCuts + counts.insideRecovery;
}

interface Recovered {
  readonly directory: RecordingDirectory;
  readonly content: Uint8Array;
}

/** Opens `state` with a new engine, which recovers the file; what the directory then holds. */
function recover(geometry: Geometry, state: DirectoryState, where: string): Recovered {
  const directory = new RecordingDirectory(state);
  const backend = directory.open(fileName);
  if (backend === null) throw new CrashPropertyError('Durable', `${where}: the file is gone`);
  const engine = engineOf(geometry);
  try {
    engine.attach(backend);
  } catch (error) {
    throw new CrashPropertyError('Recovers', `${where}: recovery failed: ${(error as Error).message}`);
  } finally {
    engine.close();
  }
  const names = directory.names();
  if (names.join() !== fileName)
    throw new CrashPropertyError('Recovers', `${where}: files left after recovery: ${names}`);
  // Nor can a power cut after it bring a journal back (its removal made durable).
  const durableNames = [...directory.state().durableEntries.keys()].sort();
  if (durableNames.join() !== fileName)
    throw new CrashPropertyError('Recovers', `${where}: files a power cut after recovery keeps: ${durableNames}`);
  return { directory, content: directory.content(fileName)! };
}

/** Checks every crash state of `history` (and inside each recovery), adding to `counts`; throws CrashPropertyError. */
export function checkCrashes(history: History, bounds: Bounds, counts: Counts): void {
  counts.histories++;
  counts.calls += history.log.length;
  const initial = new RecordingDirectory(history.before).content(fileName)!;
  for (const crash of crashStates(history.before, history.log, bounds)) {
    if (crash.kind === 'kill') counts.kills++;
    else counts.powerCuts++;
    const where = `${crash.kind} after call ${crash.after} of ${history.log.length} (${history.log[crash.after - 1]?.op ?? 'none'})`;
    const recovered = recover(history.geometry, crash.state, where);
    const judged = judge(history, initial, crash, recovered, where);
    if (judged.recoveryWrites > 0) counts.replayed++;
    else if (recovered.directory.log.some((call) => call.op === 'remove')) counts.discarded++;
    checkJudged(judged);
    checkInsideRecovery(history, initial, crash, recovered, judged.where, bounds, counts);
  }
}

/** A crash state after recovery, and what the history says of it. */
interface Judged {
  /** Where the crash fell, for messages. */
  readonly where: string;
  readonly kind: CrashState['kind'];
  /** The file after recovery. */
  readonly file: Uint8Array;
  /** The step under way, if the crash fell inside one. */
  readonly step: Ran | null;
  /** The file when the last step that ended durable returned (or at the start). */
  readonly durable: Uint8Array;
  /** The steps begun since that changed the file (the one under way included). */
  readonly since: readonly Ran[];
  /** The file as the page cache held it at the crash, outside the step under way. */
  readonly cache: Uint8Array;
  /** Calls of the recovery that wrote or truncated the file. */
  readonly recoveryWrites: number;
}

/** What the history says of the file `recovered` holds after `crash` (a crash after `crash.after` calls). */
function judge(history: History, initial: Uint8Array, crash: CrashState, recovered: Recovered, where: string): Judged {
  const { ran } = history;
  const i = crash.after;
  const during = ran.findIndex((r) => r.start < i && i < r.end);
  const step = during < 0 ? null : ran[during]!;
  const inode = crash.state.entries.get(fileName)!;
  let last = -1;
  for (const [k, r] of ran.entries()) if (r.durable && r.end <= i) last = k;
  let cache = initial;
  for (const r of ran) if (r.end <= i) cache = r.after;
  return {
    where: `${where}, ${step === null ? 'between steps' : `inside step ${during}: ${describe(step.step)}`}`,
    kind: crash.kind,
    file: recovered.content,
    step,
    durable: last < 0 ? initial : ran[last]!.after,
    since: ran.filter((r, k) => k > last && r.start < i && r.range !== null),
    cache: step === null ? cache : step.before,
    recoveryWrites: recovered.directory.log.filter(
      (call) => (call.op === 'write' || call.op === 'writev' || call.op === 'truncate') && call.file === inode,
    ).length,
  };
}

function checkJudged(judged: Judged): void {
  checkNoGhostReplay(judged);
  checkDurable(judged);
  checkConventional(judged);
  checkAtomicWriteBack(judged);
}

const grows = (r: Ran): boolean => r.after.length > r.before.length;
const touches = (r: Ran, lo: number, hi: number): boolean => r.range![0] < hi && lo < r.range![1];

function checkDurable({ where, file, durable, since }: Judged): void {
  for (let p = 0; p < durable.length; p++)
    if (!since.some((r) => touches(r, p, p + 1)) && file[p] !== durable[p])
      throw new CrashPropertyError('Durable', `${where}: byte ${p} is ${shown(file, p)}, durable ${durable[p]}`);
  if (!since.some(grows) && file.length !== durable.length)
    throw new CrashPropertyError('Durable', `${where}: length ${file.length}, durable ${durable.length}`);
}

function checkConventional({ where, file, durable, since }: Judged): void {
  const lengthMax = Math.max(durable.length, ...since.map((r) => r.after.length));
  if (file.length < durable.length || file.length > lengthMax)
    throw new CrashPropertyError(
      'Conventional',
      `${where}: length ${file.length}, not in [${durable.length}, ${lengthMax}]`,
    );
  const held = [durable, ...since.map((r) => r.after)];
  for (let p = 0; p < file.length; p++)
    if (!held.some((s) => (p < s.length ? s[p] : 0) === file[p]))
      throw new CrashPropertyError(
        'Conventional',
        `${where}: byte ${p} is ${file[p]}, a value it never held since the last fsync`,
      );
}

function checkAtomicWriteBack({ where, kind, file, step, since }: Judged): void {
  if (!step?.atomic) return;
  const [lo, hi] = step.range!;
  const earlier = since.filter((r) => r !== step);
  // A kill keeps the page cache, which held the before exactly; a power cut keeps only what was durable of it.
  if (kind === 'power' && earlier.some((r) => touches(r, lo, hi))) return;
  const settledLength = kind === 'kill' || !earlier.some(grows);
  const sides = [step.before, step.after].filter(
    (s) => equalRange(file, s, lo, hi) && (!settledLength || file.length === s.length),
  );
  if (sides.length === 0)
    throw new CrashPropertyError(
      'AtomicWriteBack',
      `${where}: bytes [${lo}, ${hi}) and the length (${file.length}) are neither before (length ${step.before.length}) nor after (${step.after.length})`,
    );
}

function checkNoGhostReplay({ where, kind, file, step, cache, recoveryWrites }: Judged): void {
  if (!step?.atomic && recoveryWrites > 0)
    throw new CrashPropertyError(
      'NoGhostReplay',
      `${where}: recovery wrote the file with no atomic write-back under way`,
    );
  if (kind !== 'kill') return;
  const [lo, hi] = step?.range ?? [0, 0];
  for (let p = 0; p < Math.max(file.length, cache.length); p++)
    if ((p < lo || p >= hi) && file[p] !== cache[p])
      throw new CrashPropertyError(
        'NoGhostReplay',
        `${where}: byte ${p} is ${shown(file, p)}, the page cache held ${shown(cache, p)}`,
      );
}

/**
 * A crash inside the recovery of `crash`, then recovery: RecoveryIdempotent
 * gives what the first recovery gave, unless the first crash was a kill and
 * this one a power cut, which also loses what the kill left unsynced: that
 * is a power cut at the first crash's point as far as the history goes, and
 * is judged as one.
 */
function checkInsideRecovery(
  history: History,
  initial: Uint8Array,
  crash: CrashState,
  recovered: Recovered,
  where: string,
  bounds: Bounds,
  counts: Counts,
): void {
  const { log } = recovered.directory;
  for (const inner of crashStates(crash.state, log, bounds)) {
    // The crash before recovery's first call is the crash being recovered.
    if (inner.after === 0) continue;
    counts.insideRecovery++;
    const innerWhere = `${where}, then a ${inner.kind} after recovery's call ${inner.after} of ${log.length} (${log[inner.after - 1]!.op})`;
    const again = recover(history.geometry, inner.state, innerWhere);
    if (crash.kind === 'kill' && inner.kind === 'power')
      checkJudged(judge(history, initial, { ...crash, kind: 'power', state: inner.state }, again, innerWhere));
    else if (Buffer.compare(again.content, recovered.content) !== 0)
      throw new CrashPropertyError('RecoveryIdempotent', `${innerWhere}: the file differs from one recovery's`);
  }
}

/** Byte `p` of `bytes`, for a message. */
function shown(bytes: Uint8Array, p: number): string {
  return p < bytes.length ? String(bytes[p]) : `past the end (${bytes.length})`;
}

/** Whether `a` and `b` (zero past their lengths) agree on [lo, hi). */
function equalRange(a: Uint8Array, b: Uint8Array, lo: number, hi: number): boolean {
  for (let p = lo; p < hi; p++) if ((p < a.length ? a[p] : 0) !== (p < b.length ? b[p] : 0)) return false;
  return true;
}
