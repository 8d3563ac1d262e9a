/**
 * Reads a TLC model config (spec/*.cfg) into the spec's Constants: the model
 * enumerates exactly the graph TLC checks for the same file.
 *
 * Only what our configs use is accepted: CONSTANTS with integers, booleans,
 * model values (NAME = NAME) and sets of those; INIT, NEXT, INVARIANT(S),
 * PROPERTY (Refines) and CHECK_DEADLOCK. Anything else is an error naming the line, never ignored.
 */
import { type Cfg, parseCfg, readCfg } from '../tla/cfg.ts';
import { ModelValue, type Tla } from '../tla/values.ts';
import { type Constants, checkConstants } from './constants.ts';

export interface ModelConfig {
  readonly constants: Constants;
  readonly invariants: readonly string[];
  /** Temporal properties TLC checks (Refines); the model checks them with model/refinement.ts. */
  readonly properties: readonly string[];
  readonly checkDeadlock: boolean;
}

/** A constant's value as the model holds it: integers, booleans and model values, flat sets of those. */
type Scalar = number | boolean | string;
type CfgValue = Scalar | readonly Scalar[];

function modelValue(v: Tla, where: string): Scalar {
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof ModelValue) return v.name;
  throw new Error(`${where}: only integers, booleans, model values and sets of those are supported`);
}

function toModel(cfg: Cfg, source: string): ModelConfig {
  for (const [keyword, names] of cfg.names) {
    const where = `${source}:${names[0]!.line}`;
    if (keyword === 'INIT' || keyword === 'NEXT') {
      const expected = keyword === 'INIT' ? 'Init' : 'Next';
      if (names[0]!.name !== expected) throw new Error(`${where}: the model knows only ${keyword} ${expected}`);
    } else if (keyword !== 'INVARIANT' && keyword !== 'PROPERTY') {
      throw new Error(`${where}: unexpected ${keyword}`);
    }
  }
  const values = new Map<string, CfgValue>();
  for (const c of cfg.constants) {
    const where = `${source}:${c.line}`;
    if (c.kind === 'substitution') throw new Error(`${where}: unexpected substitution ${c.name} <- ${c.operator}`);
    const v = c.value;
    if (typeof v === 'object' && !(v instanceof ModelValue) && v.kind === 'set') {
      values.set(
        c.name,
        v.elems.map((e) => {
          if (typeof e === 'object' && !(e instanceof ModelValue))
            throw new Error(`${where}: nested sets are not supported`);
          return modelValue(e, where);
        }),
      );
    } else {
      values.set(c.name, modelValue(v, where));
    }
  }
  const invariants = (cfg.names.get('INVARIANT') ?? []).map((n) => n.name);
  const properties = (cfg.names.get('PROPERTY') ?? []).map((n) => n.name);
  const checkDeadlock = cfg.checkDeadlock?.value ?? true;

  const need = (name: string): CfgValue => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`${source}: constant ${name} is not set`);
    return v;
  };
  const int = (name: string): number => {
    const v = need(name);
    if (typeof v !== 'number') throw new Error(`${source}: constant ${name} must be an integer`);
    return v;
  };
  const names = (name: string): string[] => {
    const v = need(name);
    if (!Array.isArray(v) || !v.every((e) => typeof e === 'string')) {
      throw new Error(`${source}: constant ${name} must be a set of model values`);
    }
    return [...v] as string[];
  };
  const ints = (name: string): number[] => {
    const v = need(name);
    if (!Array.isArray(v) || !v.every((e) => typeof e === 'number')) {
      throw new Error(`${source}: constant ${name} must be a set of integers`);
    }
    return [...new Set(v as number[])].sort((a, b) => a - b);
  };
  const booleans = (name: string): boolean[] => {
    const v = need(name);
    if (!Array.isArray(v) || !v.every((e) => typeof e === 'boolean')) {
      throw new Error(`${source}: constant ${name} must be a set of booleans`);
    }
    // FALSE before TRUE, the order TLC enumerates BOOLEAN in.
    return [false, true].filter((b) => v.includes(b));
  };
  const noFile = need('NoFile');
  if (noFile !== 'NoFile') throw new Error(`${source}: NoFile must be the model value NoFile`);
  const known = [
    'Files',
    'Foreign',
    'Outside',
    'Isolated',
    'Persistent',
    'Syncs',
    'Atomics',
    'NoFile',
    'B',
    'P',
    'MaxLen',
    'InitLen',
    'Vals',
    'MaxSnap',
    'MaxWrite',
    'MaxSteps',
  ];
  for (const name of values.keys()) {
    if (!known.includes(name)) throw new Error(`${source}: unknown constant ${name}`);
  }
  const constants: Constants = {
    Files: names('Files').sort(),
    Foreign: names('Foreign').sort(),
    Outside: names('Outside').sort(),
    Isolated: names('Isolated').sort(),
    Persistent: names('Persistent').sort(),
    Syncs: booleans('Syncs'),
    Atomics: booleans('Atomics'),
    NoFile: noFile,
    B: int('B'),
    P: int('P'),
    MaxLen: int('MaxLen'),
    InitLen: int('InitLen'),
    Vals: ints('Vals'),
    MaxSnap: int('MaxSnap'),
    MaxWrite: int('MaxWrite'),
    MaxSteps: int('MaxSteps'),
  };
  checkConstants(constants);
  return { constants, invariants, properties, checkDeadlock };
}

export function parseConfig(text: string, source = 'cfg'): ModelConfig {
  return toModel(parseCfg(text, source), source);
}

export function readConfig(path: string): ModelConfig {
  return toModel(readCfg(path), path);
}
