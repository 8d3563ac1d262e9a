/**
 * fast-check arbitraries for 9P messages, derived from the codec's layout
 * table, so every message type of either dialect can be generated; and
 * mutations of encoded messages for the decoder and server fuzzers.
 */
import fc from 'fast-check';
import { type Dialect, layouts, type Message, type MessageType, NONUNAME, type Qid, type Stat } from '../codec.ts';

export interface ValueShape {
  /** Strings the generator picks from (names a server would find), besides arbitrary ones. */
  readonly names?: readonly string[];
  /** Numbers for fid fields, so generated requests hit fids that exist. */
  readonly fids?: readonly number[];
  /** Arbitraries for fields by name (plausible flags, offsets, counts), overriding the field's kind. */
  readonly fields?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

const u32 = fc.nat({ max: 0xffffffff });
const u64 = fc.oneof(fc.nat({ max: 1 << 20 }), fc.maxSafeNat());
const u64n = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });

function str(shape: ValueShape): fc.Arbitrary<string> {
  const any = fc.string({ unit: 'binary', maxLength: 24 });
  return shape.names === undefined
    ? any
    : fc.oneof({ arbitrary: fc.constantFrom(...shape.names), weight: 3 }, { arbitrary: any, weight: 1 });
}

const qid: fc.Arbitrary<Qid> = fc.record({ type: fc.nat({ max: 255 }), version: u32, path: u64n });

function stat(shape: ValueShape): fc.Arbitrary<Stat> {
  return fc.record({
    type: fc.nat({ max: 0xffff }),
    dev: u32,
    qid,
    mode: u32,
    atime: u32,
    mtime: u32,
    length: u64n,
    name: str(shape),
    uid: str(shape),
    gid: str(shape),
    muid: str(shape),
  });
}

const fidFields = new Set(['fid', 'newfid', 'afid', 'dfid', 'olddirfid', 'newdirfid', 'dirfid']);

function field(kind: string, name: string, dialect: Dialect, shape: ValueShape): fc.Arbitrary<unknown> {
  const given = shape.fields?.[name];
  if (given !== undefined) return given;
  if (fidFields.has(name) && shape.fids !== undefined)
    return fc.oneof({ arbitrary: fc.constantFrom(...shape.fids), weight: 4 }, { arbitrary: u32, weight: 1 });
  switch (kind) {
    case 'u8':
      return fc.nat({ max: 255 });
    case 'u16':
      return fc.nat({ max: 0xffff });
    case 'u32':
      return u32;
    case 'u64':
      return u64;
    case 'u64n':
      return u64n;
    case 'str':
      return str(shape);
    case 'qid':
      return qid;
    case 'strs':
      return fc.array(str(shape), { maxLength: 18 });
    case 'qids':
      return fc.array(qid, { maxLength: 18 });
    case 'data':
      return fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    case 'stat':
      return stat(shape);
    case 'nuname':
      return dialect === '9P2000.L' ? u32 : fc.constant(NONUNAME);
  }
  throw new Error(`no arbitrary for field kind ${kind}`);
}

/** The message types a dialect carries. */
export function typesOf(dialect: Dialect): MessageType[] {
  return (Object.keys(layouts) as MessageType[]).filter((t) =>
    (layouts[t].dialects as readonly Dialect[]).includes(dialect),
  );
}

/** A message of one of `types` as `dialect` carries it. */
export function message(
  dialect: Dialect,
  types: readonly MessageType[] = typesOf(dialect),
  shape: ValueShape = {},
): fc.Arbitrary<Message> {
  return fc.constantFrom(...types).chain((type) => {
    const fields = layouts[type].fields as Record<string, string>;
    const record: Record<string, fc.Arbitrary<unknown>> = { tag: fc.nat({ max: 0xffff }) };
    for (const [name, kind] of Object.entries(fields)) record[name] = field(kind, name, dialect, shape);
    return fc.record(record).map((r) => ({ type, ...r }) as unknown as Message);
  });
}

/** A change to an encoded message: flipped bytes, a cut, bytes appended, a new size field. */
export const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('size' as const), size: fc.oneof(fc.nat({ max: 64 }), u32) }),
);

export type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

/** Applies mutations; a cut or append keeps the size field truthful half the time so the body parser is reached. */
export function mutate(bytes: Buffer, mutations: readonly Mutation[], fixSize: boolean): Buffer {
  let b = Buffer.from(bytes);
  for (const m of mutations) {
    if (m.kind === 'flip' && b.length > 0) b[m.at % b.length] = m.value;
    if (m.kind === 'cut') b = b.subarray(0, m.at % (b.length + 1));
    if (m.kind === 'append') b = Buffer.concat([b, m.bytes]);
    if (m.kind === 'size' && b.length >= 4) b.writeUInt32LE(m.size, 0);
  }
  if (fixSize && b.length >= 4) b.writeUInt32LE(b.length, 0);
  return b;
}
