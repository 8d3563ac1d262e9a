/**
 * Reads a TLC model config (spec/*.cfg) into the spec's Constants: the model
 * enumerates exactly the graph TLC checks for the same file.
 *
 * Only what our configs use is accepted: CONSTANTS with integers, model
 * values (NAME = NAME) and sets of those; INIT, NEXT, INVARIANT(S) and
 * CHECK_DEADLOCK. Anything else is an error naming the line, never ignored.
 */
import { readFileSync } from 'node:fs';
import { checkConstants, type Constants } from './constants.ts';

export interface ModelConfig {
  readonly constants: Constants;
  readonly invariants: readonly string[];
  readonly checkDeadlock: boolean;
}

type CfgValue = number | string | readonly (number | string)[];

function parseValue(text: string, where: string): CfgValue {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return t;
  const set = /^\{(.*)\}$/.exec(t);
  if (set) {
    const body = set[1]!.trim();
    if (body === '') return [];
    return body.split(',').map((e) => {
      const v = parseValue(e, where);
      if (Array.isArray(v)) throw new Error(`${where}: nested sets are not supported`);
      return v as number | string;
    });
  }
  throw new Error(`${where}: cannot read the value "${t}"`);
}

export function parseConfig(text: string, source = 'cfg'): ModelConfig {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/\\\*.*$/, '').trim());
  const values = new Map<string, CfgValue>();
  const invariants: string[] = [];
  let checkDeadlock = true;
  let section: 'CONSTANTS' | 'INVARIANTS' | null = null;
  lines.forEach((line, i) => {
    const where = `${source}:${i + 1}`;
    if (line === '') return;
    const words = line.split(/\s+/);
    const head = words[0]!;
    if (head === 'CONSTANT' || head === 'CONSTANTS') {
      section = 'CONSTANTS';
      line = words.slice(1).join(' ');
      if (line === '') return;
    } else if (head === 'INVARIANT' || head === 'INVARIANTS') {
      section = 'INVARIANTS';
      invariants.push(...words.slice(1));
      return;
    } else if (head === 'INIT' || head === 'NEXT') {
      section = null;
      const expected = head === 'INIT' ? 'Init' : 'Next';
      if (words[1] !== expected) throw new Error(`${where}: the model knows only ${head} ${expected}`);
      return;
    } else if (head === 'CHECK_DEADLOCK') {
      section = null;
      if (words[1] !== 'TRUE' && words[1] !== 'FALSE') throw new Error(`${where}: CHECK_DEADLOCK takes TRUE or FALSE`);
      checkDeadlock = words[1] === 'TRUE';
      return;
    }
    if (section === 'INVARIANTS') {
      invariants.push(...words);
      return;
    }
    if (section !== 'CONSTANTS') throw new Error(`${where}: unexpected "${line}"`);
    const eq = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line);
    if (!eq) throw new Error(`${where}: expected NAME = value, got "${line}"`);
    values.set(eq[1]!, parseValue(eq[2]!, where));
  });

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
  const noFile = need('NoFile');
  if (noFile !== 'NoFile') throw new Error(`${source}: NoFile must be the model value NoFile`);
  const known = ['Files', 'Foreign', 'NoFile', 'B', 'P', 'MaxLen', 'InitLen', 'Vals', 'MaxSnap', 'MaxWrite', 'MaxSteps'];
  for (const name of values.keys()) {
    if (!known.includes(name)) throw new Error(`${source}: unknown constant ${name}`);
  }
  const constants: Constants = {
    Files: names('Files').sort(),
    Foreign: names('Foreign').sort(),
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
  return { constants, invariants, checkDeadlock };
}

export function readConfig(path: string): ModelConfig {
  return parseConfig(readFileSync(path, 'utf8'), path);
}
