import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CheckError } from './result.ts';
import { tempDir } from './testkit.ts';
import { checkWithWasm, wasmCheckerVersion } from './wasm.ts';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const counter = fixture('Counter.tla');

describe('checkWithWasm', () => {
  it('counts the states and edges of a passing spec (SPECIFICATION, CHECK_DEADLOCK FALSE)', () => {
    const result = checkWithWasm(counter, fixture('Counter.cfg'));
    expect(result).toMatchObject({ engine: 'wasm', distinctStates: 9, edges: 12, violation: null });
    expect(result.seconds).toBeGreaterThanOrEqual(0);
  });

  it('counts distinct edges: self-loops once, several actions to one successor once (model values)', () => {
    // TLC reports 38 states generated (2 initial + 36 transitions) and 22 distinct edges.
    expect(checkWithWasm(fixture('Owners.tla'), fixture('Owners.cfg'))).toMatchObject({
      distinctStates: 8,
      edges: 22,
      violation: null,
    });
  });

  it('explores only states within the CONSTRAINT', () => {
    expect(checkWithWasm(counter, fixture('CounterConstraint.cfg'))).toMatchObject({
      distinctStates: 6,
      edges: 6,
      violation: null,
    });
  });

  it('names the violated invariant (the second in the cfg) and gives the trace', () => {
    const { violation } = checkWithWasm(counter, fixture('CounterSmall.cfg'));
    expect(violation).toEqual({
      kind: 'invariant',
      invariant: 'Small',
      trace: [
        { action: null, vars: { x: '0', y: '0' } },
        { action: null, vars: { x: '1', y: '0' } },
        { action: null, vars: { x: '2', y: '0' } },
        { action: null, vars: { x: '2', y: '1' } },
      ],
    });
  });

  it('reports a deadlock unless told not to check for one', () => {
    const cfg = fixture('CounterDeadlock.cfg');
    const deadlocked = checkWithWasm(counter, cfg).violation;
    expect(deadlocked?.kind).toBe('deadlock');
    expect(deadlocked?.trace.at(-1)?.vars).toEqual({ x: '2', y: '2' });
    expect(checkWithWasm(counter, cfg, { noDeadlock: true })).toMatchObject({ distinctStates: 9, violation: null });
  });

  it('refuses a cfg entry the checker would ignore, rather than miscount', () => {
    expect(() => checkWithWasm(counter, fixture('CounterActionConstraint.cfg'))).toThrow(
      /would ignore part of .*CounterActionConstraint\.cfg: ACTION_CONSTRAINT 'TwoDirections' is not yet supported/,
    );
  });

  it('reports a spec it cannot check as an error', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'Bad.tla'),
      "---- MODULE Bad ----\nVARIABLE x\nInit == x = 0\nNext == x' = x\nOk == TRUE\n====\n",
    );
    writeFileSync(join(dir, 'Bad.cfg'), 'INIT Init\nNEXT Next\nINVARIANT Missing\n');
    expect(() => checkWithWasm(join(dir, 'Bad.tla'), join(dir, 'Bad.cfg'))).toThrow(CheckError);
    expect(() => checkWithWasm(join(dir, 'Bad.tla'), join(dir, 'Bad.cfg'))).toThrow(
      "INVARIANT definition 'Missing' not found",
    );
  });

  it('says that a spec naming a module of its own needs TLC, and how to get it', () => {
    expect(() => checkWithWasm(fixture('CounterSums.tla'), fixture('CounterSums.cfg'))).toThrow(
      /^CounterSums\.tla needs TLC: it EXTENDS Counter, a module of its own \(Counter\.tla beside it\), while the wasm checker reads only the one module it is given\. To install TLC: npx tlc --install /,
    );
    const dir = tempDir();
    writeFileSync(join(dir, 'Base.tla'), '---- MODULE Base ----\nVARIABLE x\n====\n');
    writeFileSync(join(dir, 'Uses.cfg'), 'INIT Init\nNEXT Next\n');
    const uses = (body: string) => {
      writeFileSync(join(dir, 'Uses.tla'), `---- MODULE Uses ----\nEXTENDS Naturals, Sequences\n${body}\n====\n`);
      return () => checkWithWasm(join(dir, 'Uses.tla'), join(dir, 'Uses.cfg'));
    };
    expect(uses("VARIABLE y\nB == INSTANCE Base WITH x <- y\nInit == y = 0\nNext == y' = y")).toThrow(
      /^Uses\.tla needs TLC: it INSTANCEs Base, a module of its own \(Base\.tla beside it\)/,
    );
    // Standard modules are built in; a module named only in a comment is not used.
    const commented = "VARIABLE y\n\\* EXTENDS Base\n(* B == INSTANCE Base *)\nInit == y = 0\nNext == y' = y";
    expect(uses(commented)()).toMatchObject({ distinctStates: 1, violation: null });
  });

  it('says that an action property needs TLC', () => {
    expect(() => checkWithWasm(counter, fixture('CounterIncreasing.cfg'))).toThrow(
      /^the wasm checker cannot check an action property \(\[\]\[A\]_v, as a refinement is\): this needs TLC/,
    );
  });

  it('knows its version', () => {
    expect(wasmCheckerVersion).toBe('0.9.0');
  });
});
