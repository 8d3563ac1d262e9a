/**
 * effect Schemas for the model's State, Action and step record. Decoding is
 * the validation: anything read from outside (a regression case, a trace, a
 * JSON fixture) goes through decode*, whose errors name the bad field.
 * The encoded form is plain JSON: files as {name: bytes}, Absent as null.
 */
import { Either, ParseResult, Schema } from 'effect';
import type { Action } from './next.ts';
import type { State, StepRecord } from './state.ts';

const Byte = Schema.Int.pipe(Schema.between(0, 255));
const Count = Schema.Int.pipe(Schema.nonNegative());
const Bytes = Schema.Array(Byte);
const Slot = Schema.NullOr(Bytes);
const Files = Schema.ReadonlyMapFromRecord({ key: Schema.String, value: Schema.Array(Byte) });

export const SourceSchema = Schema.Struct({
  kind: Schema.Literal('Zero', 'Snap', 'Anon'),
  snap: Count,
  off: Count,
});

export const SnapshotSchema = Schema.Struct({
  file: Schema.String,
  preserved: Schema.Array(Slot),
});

export const StepRecordSchema = Schema.Struct({
  op: Schema.Literal('init', 'read', 'load', 'store', 'write', 'zero', 'fileWrite', 'fileTruncate', 'evict'),
  addr: Count,
  len: Count,
  file: Schema.String,
  pos: Count,
  val: Byte,
  data: Bytes,
  page: Count,
  rebind: Schema.Boolean,
  ret: Count,
  fault: Schema.Boolean,
  written: Count,
  skipped: Count,
  needed: Count,
});

export const StateSchema = Schema.Struct({
  src: Schema.Array(SourceSchema),
  frame: Schema.Array(Slot),
  swap: Schema.Array(Slot),
  snap: Schema.Array(SnapshotSchema),
  file: Files,
  mem: Bytes,
  cfile: Files,
  last: StepRecordSchema,
  steps: Count,
});

export const ActionSchema = Schema.Union(
  Schema.Struct({ op: Schema.Literal('read'), file: Schema.String, pos: Count, addr: Count, len: Count }),
  Schema.Struct({ op: Schema.Literal('load'), addr: Count }),
  Schema.Struct({ op: Schema.Literal('store'), addr: Count, val: Byte }),
  Schema.Struct({ op: Schema.Literal('write'), addr: Count, len: Count, file: Schema.String, pos: Count, rebind: Schema.Boolean }),
  Schema.Struct({ op: Schema.Literal('zero'), addr: Count, len: Count }),
  Schema.Struct({ op: Schema.Literal('fileWrite'), file: Schema.String, pos: Count, data: Bytes }),
  Schema.Struct({ op: Schema.Literal('fileTruncate'), file: Schema.String, len: Count }),
  Schema.Struct({ op: Schema.Literal('evict'), page: Count }),
);

function decoder<A, I>(schema: Schema.Schema<A, I>, what: string) {
  const decode = Schema.decodeUnknownEither(schema, { onExcessProperty: 'error' });
  return (input: unknown): A => {
    const result = decode(input);
    if (Either.isLeft(result)) {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
        .map((issue) => `  ${issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('') || '(root)'}: ${issue.message}`);
      throw new Error(`invalid ${what}:\n${issues.join('\n')}`);
    }
    return result.right;
  };
}

export const decodeState: (input: unknown) => State = decoder(StateSchema, 'State');
export const decodeAction: (input: unknown) => Action = decoder(ActionSchema, 'Action');
export const decodeStepRecord: (input: unknown) => StepRecord = decoder(StepRecordSchema, 'step record');
export const encodeState = (st: State): unknown => Schema.encodeSync(StateSchema)(st);
