/**
 * Crash(kind, cut): the process dies after call `cut` of the last step's
 * I/O calls (DeferredIO.tla, Crash). A kill keeps the page cache whole; a
 * power cut keeps each Persistent file's durable state plus the changes
 * since that `keep` names (the crash's own choice, not in TLC's label: a
 * block, the length, the journal's name, a journal record). The engine's
 * state is lost. To a program it is conventional I/O's crash: memory gone,
 * each Persistent file what conventional I/O could have left.
 */
import { Schema } from 'effect';
import fc from 'fast-check';
import { range } from '../model/constants.ts';
import { nothing } from '../model/conventional.ts';
import { MaxCalls } from '../model/file-system.ts';
import { Count, TokenSchema } from '../model/schema.ts';
import { defineChoosingAction } from './action.ts';

const kinds = ['kill', 'power'] as const;

export const crash = defineChoosingAction({
  op: 'crash',
  args: { kind: Schema.Literal(...kinds), cut: Count },
  chosen: { keep: Schema.Array(TokenSchema) },
  refusable: false,
  *ranges(c) {
    for (const kind of kinds) for (const cut of range(0, MaxCalls(c))) yield { op: 'crash', kind, cut, keep: [] };
  },
  choices: (actions, c, st, a) => (actions.Keeps(c, st, a.kind, a.cut) ?? []).map((keep) => ({ ...a, keep })),
  // Cuts within a write-back's calls (a cut past the last step's calls is not enabled; after a step with none,
  // only 0 is), and tokens of any kind: the step keeps those that make a difference.
  arbitrary: (c) =>
    c.Persistent.length === 0
      ? null
      : {
          weight: 3,
          arbitrary: fc
            .record({
              kind: fc.constantFrom(...kinds),
              cut: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 12 })),
              keep: fc.array(
                fc.tuple(
                  fc.constantFrom(...c.Persistent),
                  fc.constantFrom('block' as const, 'length' as const, 'name' as const, 'record' as const),
                  fc.integer({ min: 0, max: Math.ceil(c.MaxLen / c.B) }),
                ),
                { maxLength: 12 },
              ),
            })
            .map((a) => ({ op: 'crash', ...a }) as const),
        },
  step: (actions, c, st, a) =>
    actions.Crash(c, st, a.kind, a.cut, actions.NearestKeep(c, st, a.kind, a.cut, a.keep) ?? a.keep),
  engine: (w, a) => {
    w.crash(a.kind, a.cut, a.keep);
    return {};
  },
  conventional: (conv, a, chosen) => {
    conv.crash(a.kind, chosen.after());
    return nothing;
  },
});
