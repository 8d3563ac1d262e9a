/**
 * The model's data, defined once as effect Schemas: the spec's variables
 * (DeferredIO.tla, VARIABLES) and the step record. The TypeScript types are
 * derived from these schemas, and everything that enters from outside (a
 * TLC trace, a regression case, a replay file) is decoded through them,
 * whose errors name the bad field. An action's arguments are its own
 * module's (actions/), built from the field schemas here.
 *
 * The encoded form is plain JSON: files as {name: bytes}, Absent as null,
 * sets as sorted arrays, tuples (<<s, x>>, <<a, f, o>>) as arrays.
 */
import { Either, ParseResult, Schema } from 'effect';

export const Byte = Schema.Int.pipe(Schema.between(0, 255));
export const Count = Schema.Int.pipe(Schema.nonNegative());
/** A byte sequence (ByteSeq where the spec's action Bytes takes the name). */
export const ByteSeq = Schema.Array(Byte);
/** A frame, swap slot or preserved block: B bytes, or Absent (null). */
const Slot = Schema.NullOr(ByteSeq);
const Files = Schema.ReadonlyMapFromRecord({ key: Schema.String, value: ByteSeq });
const Pair = Schema.Tuple(Count, Count);
/** <<address, file, offset>>: a byte of the segment and the file offset it is (re-)read from. */
const Reread = Schema.Tuple(Count, Schema.String, Count);
/** <<snapshot, file>>. */
const SnapOfFile = Schema.Tuple(Count, Schema.String);

export const SourceSchema = Schema.Struct({
  kind: Schema.Literal('Zero', 'Snap', 'Anon'),
  snap: Count,
  off: Count,
});

export const SnapshotSchema = Schema.Struct({
  /** The snapshot's file; NoFile when the id is free. */
  file: Schema.String,
  /** preserved[b]: block b saved by copy-before-write, or Absent. */
  preserved: Schema.Array(Slot),
  /** The file changed behind the engine's back since the snapshot was taken. */
  stale: Schema.Boolean,
  /** An isolated snapshot whose private copy still equals the file. */
  fresh: Schema.Boolean,
  /** An isolated snapshot's private copy (the file when it was taken); [] otherwise. */
  copy: ByteSeq,
});

export const OriginSchema = Schema.Struct({
  file: Schema.String,
  off: Count,
  /** Where the value is: in the file (intact, neighbour), put aside (saved), in memory only (gone, doubtful). */
  fact: Schema.Literal('none', 'intact', 'neighbour', 'saved', 'gone', 'doubtful'),
});

/** The step record's operation: init, or a spec action (the ops the action table, actions/table.ts, must cover). */
export const OpSchema = Schema.Literal(
  'init',
  'read',
  'load',
  'bytes',
  'copyOut',
  'prefetch',
  'store',
  'write',
  'zero',
  'refresh',
  'fileWrite',
  'fileTruncate',
  'outsideWrite',
  'outsideTruncate',
  'outsideMetadata',
  'evict',
);

/** The step record: every field in every step, as in the spec's NoStep. */
export const StepRecordSchema = Schema.Struct({
  op: OpSchema,
  addr: Count,
  len: Count,
  file: Schema.String,
  pos: Count,
  val: Byte,
  data: ByteSeq,
  page: Count,
  rebind: Schema.Boolean,
  writable: Schema.Boolean,
  ret: Count,
  out: ByteSeq,
  err: Schema.Literal('none', 'FileChangedError'),
  fault: Schema.Boolean,
  written: Count,
  skipped: Count,
  wrote: Schema.Array(Count),
  needed: Schema.Array(Count),
  excused: Schema.Array(Count),
  bound: Schema.Array(Pair),
  preserved: Schema.Array(Pair),
  /** The bytes a refresh re-read, by address. */
  reread: Schema.Array(Reread),
  /** The bytes of a refresh's range with no copy, inside their file, whose value is gone / may be gone (the ghost's, judged before). */
  lapsed: Schema.Array(Reread),
  doubted: Schema.Array(Reread),
  /** The snapshots that could serve a step's new bindings, judged before it, by id. */
  offered: Schema.Array(SnapOfFile),
});

export const StateSchema = Schema.Struct({
  src: Schema.Array(SourceSchema),
  frame: Schema.Array(Slot),
  swap: Schema.Array(Slot),
  /** snap[s - 1] is snapshot id s (ids are 1..MaxSnap). */
  snap: Schema.Array(SnapshotSchema),
  file: Files,
  origin: Schema.Array(OriginSchema),
  lost: ByteSeq,
  last: StepRecordSchema,
  steps: Count,
});

export type Bytes = typeof ByteSeq.Type;
export type MaybeBytes = typeof Slot.Type;
export type Source = typeof SourceSchema.Type;
export type Snapshot = typeof SnapshotSchema.Type;
export type Origin = typeof OriginSchema.Type;
export type Op = typeof OpSchema.Type;
export type StepRecord = typeof StepRecordSchema.Type;
export type State = typeof StateSchema.Type;

/** A decoder whose error lists every bad field by its path. */
export function decoder<A, I>(schema: Schema.Schema<A, I>, what: string) {
  const decode = Schema.decodeUnknownEither(schema, { onExcessProperty: 'error' });
  return (input: unknown): A => {
    const result = decode(input);
    if (Either.isLeft(result)) {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left).map(
        (issue) =>
          `  ${issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('') || '(root)'}: ${issue.message}`,
      );
      throw new Error(`invalid ${what}:\n${issues.join('\n')}`);
    }
    return result.right;
  };
}

export const decodeState: (input: unknown) => State = decoder(StateSchema, 'State');
export const decodeStepRecord: (input: unknown) => StepRecord = decoder(StepRecordSchema, 'step record');
export const encodeState = (st: State): unknown => Schema.encodeSync(StateSchema)(st);
