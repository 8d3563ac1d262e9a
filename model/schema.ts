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
  'fileSync',
  'crash',
  'recover',
);

/**
 * A journal record, as the spec holds it (DeferredIO.tla, Rec): the header
 * (len: the file's length before), a run (off, data, and pre: the bytes it
 * overwrites), or the commit (len: the final length); ok FALSE where a
 * power cut tore it.
 */
export const JournalRecordSchema = Schema.Struct({
  kind: Schema.Literal('header', 'run', 'commit'),
  off: Count,
  data: ByteSeq,
  pre: ByteSeq,
  len: Count,
  ok: Schema.Boolean,
});

/** A file's journal: its name as readers see it (exists) and whether that is durable (named), its records, how many are durable. */
export const JournalSchema = Schema.Struct({
  exists: Schema.Boolean,
  named: Schema.Boolean,
  records: Schema.Array(JournalRecordSchema),
  synced: Count,
});

/** One I/O call a step made on a persistent file (DeferredIO.tla, Call): unused fields 0 or empty. */
export const CallSchema = Schema.Struct({
  op: Schema.Literal('write', 'truncate', 'sync', 'create', 'append', 'journalSync', 'remove', 'dirSync'),
  file: Schema.String,
  off: Count,
  data: ByteSeq,
  len: Count,
  records: Schema.Array(JournalRecordSchema),
});

const PerFile = <A, I>(value: Schema.Schema<A, I>) => Schema.ReadonlyMapFromRecord({ key: Schema.String, value });

/** The ghost interrupted[f]: an atomic write-back of f cut by a crash, its file before, durable before and after, and whether a power cut fell since. */
export const InterruptedSchema = Schema.Struct({
  cut: Schema.Boolean,
  pre: ByteSeq,
  durable: ByteSeq,
  post: ByteSeq,
  power: Schema.Boolean,
});

/** The file-system state and the ghosts before the last step, over the persistent files. */
export const BeforeSchema = Schema.Struct({
  file: PerFile(ByteSeq),
  disk: PerFile(ByteSeq),
  journal: PerFile(JournalSchema),
  synced: PerFile(ByteSeq),
  interrupted: PerFile(InterruptedSchema),
});

/** What a power cut kept, token by token: <<file, "block", b>>, <<file, "length", 0>>, <<file, "name", 0>>, <<file, "record", i>>. */
export const TokenSchema = Schema.Tuple(Schema.String, Schema.Literal('block', 'length', 'name', 'record'), Count);

/** A crash's history of the step it cut, for the properties (DeferredIO.tla, NoWas). */
export const WasSchema = Schema.Struct({
  /** The op of the step the crash fell in or after; none where no crash. */
  op: Schema.Union(OpSchema, Schema.Literal('none')),
  file: Schema.String,
  atomic: Schema.Boolean,
  /** What the recovery the crash fell in did. */
  recovery: Schema.Literal('none', 'replayed', 'discarded'),
  returned: Schema.Boolean,
  durable: ByteSeq,
  post: ByteSeq,
  /** <<file, offset, value>>: the bytes Durable protects. */
  promised: Schema.Array(Schema.Tuple(Schema.String, Count, Byte)),
});

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
  err: Schema.Literal('none', 'FileChangedError', 'EJOURNALCORRUPT'),
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
  /** Write's durability arguments. */
  sync: Schema.Boolean,
  atomic: Schema.Boolean,
  /** A crash's kind, and after how many calls of the step before it fell. */
  kind: Schema.Literal('none', 'kill', 'power'),
  cut: Count,
  /** What a power cut kept (the crash's choice). */
  keep: Schema.Array(TokenSchema),
  /** What a recovery did. */
  recovery: Schema.Literal('none', 'replayed', 'discarded'),
  was: WasSchema,
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
  /** Each persistent file's durable content. */
  disk: PerFile(ByteSeq),
  journal: PerFile(JournalSchema),
  /** Each persistent file has been opened (and recovered) since the last crash. */
  opened: PerFile(Schema.Boolean),
  /** The I/O calls of the last step, in order. */
  log: Schema.Array(CallSchema),
  before: BeforeSchema,
  /** Ghost: each persistent file's content when a call that promised durability last returned. */
  synced: PerFile(ByteSeq),
  /** Ghost: an atomic write-back of the file cut by a crash, until a recovery of it returns. */
  interrupted: PerFile(InterruptedSchema),
});

export type Bytes = typeof ByteSeq.Type;
export type MaybeBytes = typeof Slot.Type;
export type Source = typeof SourceSchema.Type;
export type Snapshot = typeof SnapshotSchema.Type;
export type Origin = typeof OriginSchema.Type;
export type Op = typeof OpSchema.Type;
export type StepRecord = typeof StepRecordSchema.Type;
export type JournalRecord = typeof JournalRecordSchema.Type;
export type Journal = typeof JournalSchema.Type;
export type Call = typeof CallSchema.Type;
export type Token = typeof TokenSchema.Type;
export type Was = typeof WasSchema.Type;
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
