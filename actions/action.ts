/**
 * What a spec action is on the TypeScript side, as one object: its
 * arguments (effect Schemas, in the spec's parameter order), the values
 * Next's quantifiers give them, the calls fast-check fuzzes it with, its
 * step in the model, its call on the engine, and the same call of
 * conventional I/O. Each action is one module of this folder that makes
 * its object with defineAction, and table.ts gathers them, so that an
 * action without one of these pieces, or left out of the table, does not
 * compile (CONTRIBUTING.md says what else adding an action takes).
 *
 * This layer stands between the model, which it hands each action's
 * ranges, step and conventional call, and conformance, which drives the
 * engine and fast-check through it; of the engine it knows the public API.
 */
import type { Schema } from 'effect';
import type fc from 'fast-check';
import type { DeferredFile, Segment } from '../impl/index.ts';
import type { Constants } from '../model/constants.ts';
import type { Conventional, Durability, Reread, Returned } from '../model/conventional.ts';
import type { ActionsOver } from '../model/next.ts';
import type { Bytes, Op, StepRecord, Token } from '../model/state.ts';

/** A spec action's op: the step record's, but for the initial state's `init`. */
export type ActionOp = Exclude<Op, 'init'>;

/** Another process's change to a file: a write of `data` at `pos`, a truncate to `len`, or a change of its metadata alone. */
export type OutsideChange =
  | { readonly data: Bytes; readonly pos: number }
  | { readonly len: number }
  | { readonly metadata: true };

/**
 * What a step chose, or how it ended, that its conventional call takes as
 * given: the bytes a refresh re-read (the spec's Refreshed, not the
 * refinement, judges that choice), the error it was refused with, and what
 * the Persistent files are after it under the refinement mapping (what a
 * crash left, whether a recovery made a file durable: conventional I/O
 * checks that it could have done the same).
 */
export interface Chosen {
  readonly reread: readonly Reread[];
  readonly err: StepRecord['err'];
  readonly after: () => Durability;
}

/** A step that chose nothing and was not refused. */
export const choseNothing: Chosen = {
  reread: [],
  err: 'none',
  after: () => {
    throw new Error('a step that chose nothing left no Persistent file to judge');
  },
};

/** The engine as an action's call reaches it; conformance/world.ts sets one up beside the model. */
export interface EngineSide {
  /** The segment of the engine now (a crash starts another engine). */
  readonly segment: Segment;
  /** The engine's file for this model file. */
  file(name: string): DeferredFile;
  /** Another process changes the file, behind the engine's back. */
  changeOutside(name: string, change: OutsideChange): void;
  /**
   * The process dies after call `cut` of the last step's I/O calls: a kill
   * keeps the page cache, a power cut what `keep` says; the engine is
   * thrown away and a new one opens the files, each whose journal is
   * pending left for recover.
   */
  crash(kind: 'kill' | 'power', cut: number, keep: readonly Token[]): void;
  /** Opens the file after a crash, recovering its journal (a JournalError where recovery refuses). */
  recover(name: string): void;
}

/** What an engine call returns, in the step record's fields (0 or none where absent); the world reads err, fault and preserved off the engine. */
export interface Reported {
  readonly ret?: number;
  readonly out?: readonly number[];
  readonly written?: number;
  readonly skipped?: number;
}

/** One spec action, its arguments A. */
export interface ActionDef<A extends { readonly op: ActionOp }> {
  readonly op: A['op'];
  /**
   * The arguments' Schemas, in the spec's parameter order, which is the
   * order of TLC's edge label (Read(f1,0,0,2)); each is the step record's
   * field of the same name, where conformance reads it back.
   */
  readonly args: Schema.Struct.Fields;
  /**
   * Where the spec's action chooses inside itself (a power cut: which
   * writes survive), the choice as arguments of the call that TLC's label
   * leaves out, each the step record's field of its name: the call with
   * them is one edge. choices gives every such call Next offers in state st.
   */
  readonly chosen?: Schema.Struct.Fields;
  choices?<S>(actions: ActionsOver<S>, c: Constants, st: S, act: A): Iterable<A>;
  /** The spec may refuse it (FileChangedError, nothing changes): where it needs a byte lost behind the engine's back. */
  readonly refusable: boolean;
  /** Every call Next's quantifiers give it, in their order (DeferredIO.tla, Next). */
  ranges(c: Constants): Iterable<A>;
  /** Calls to fuzz it with on a segment of `length` bytes, weighted among the other actions'; null where the geometry has none. */
  arbitrary(c: Constants, length: number): fc.WeightedArbitrary<A> | null;
  /** Its step in either model (per byte, run-length): the successor, or null where the spec's action is disabled. */
  step<S>(actions: ActionsOver<S>, c: Constants, st: S, act: A): S | null;
  /** The same call on the engine. */
  engine(w: EngineSide, act: A): Reported;
  /** The same call of conventional I/O (Conventional.tla), as the refinement mapping (Refinement.tla) pairs them, given what the step chose. */
  conventional(conv: Conventional, act: A, chosen: Chosen): Returned;
}

/** The arguments of action `K` whose argument Schemas are F. */
type ArgsOf<K extends ActionOp, F extends Schema.Struct.Fields> = { readonly op: K } & Schema.Struct.Type<F>;

/** F, if each of its names is a field of the step record. */
type InStepRecord<F> = { readonly [P in Exclude<keyof F, keyof StepRecord>]: never };

/** An action's object, its arguments' type derived from its Schemas. */
export const defineAction = <const K extends ActionOp, F extends Schema.Struct.Fields>(
  def: ActionDef<ArgsOf<K, F>> & { readonly op: K; readonly args: F & InStepRecord<F> },
): ActionDef<ArgsOf<K, F>> => def;

/** An action that chooses inside itself: its label's arguments F and its choice C, both fields of the step record. */
export const defineChoosingAction = <
  const K extends ActionOp,
  F extends Schema.Struct.Fields,
  C extends Schema.Struct.Fields,
>(
  def: ActionDef<ArgsOf<K, F & C>> & {
    readonly op: K;
    readonly args: F & InStepRecord<F>;
    readonly chosen: C & InStepRecord<C>;
    choices<S>(actions: ActionsOver<S>, c: Constants, st: S, act: ArgsOf<K, F & C>): Iterable<ArgsOf<K, F & C>>;
  },
): ActionDef<ArgsOf<K, F & C>> => def;
