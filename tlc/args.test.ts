import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { locateFiles, parseArgs } from './args.ts';
import { CheckError } from './result.ts';
import { tempDir } from './testkit.ts';

function check(argv: string[]) {
  const command = parseArgs(argv);
  if (command.kind !== 'check') throw new Error(`expected a check, got ${command.kind}`);
  return command;
}

describe('parseArgs', () => {
  it("reads TLC's flags and keeps them unchanged", () => {
    const argv = [
      '-config',
      'smoke.cfg',
      '-workers',
      '4',
      '-deadlock',
      '-fpmem',
      '0.5',
      '-metadir',
      '/tmp/m',
      'Spec.tla',
    ];
    const c = check(argv);
    expect(c.tlcArgs).toEqual(argv);
    expect(c.spec).toBe('Spec.tla');
    expect(c.config).toBe('smoke.cfg');
    expect(c.noDeadlock).toBe(true);
    expect(c.dump).toBeNull();
    expect(c.json).toBe(false);
    expect(c.wasmRejected).toEqual([]);
  });

  it('defaults: no -config, deadlock checked', () => {
    const c = check(['Spec']);
    expect(c.config).toBeNull();
    expect(c.noDeadlock).toBe(false);
  });

  it('takes a dot format and a file after -dump, or just a file', () => {
    expect(check(['-dump', 'dot,actionlabels', 'graph', 'S.tla']).dump).toEqual({
      format: 'dot,actionlabels',
      file: 'graph',
    });
    expect(check(['-dump', 'states.txt', 'S.tla']).dump).toEqual({ format: null, file: 'states.txt' });
    expect(check(['-dump', 'dot', 'g.dot', '-workers', '2', 'S.tla']).wasmRejected).toEqual(['-dump']);
  });

  it("strips --json from TLC's arguments", () => {
    const c = check(['--json', '-workers', '2', 'S.tla']);
    expect(c.json).toBe(true);
    expect(c.tlcArgs).toEqual(['-workers', '2', 'S.tla']);
  });

  it('accepts a negative value and the spec before flags, as TLC does', () => {
    const c = check(['S.tla', '-seed', '-42']);
    expect(c.spec).toBe('S.tla');
    expect(c.tlcArgs).toEqual(['S.tla', '-seed', '-42']);
  });

  it('takes an optional value only when the spec still follows', () => {
    expect(check(['-simulate', 'num=3', 'S.tla']).spec).toBe('S.tla');
    expect(check(['-simulate', 'S.tla']).spec).toBe('S.tla');
    expect(check(['-simulate', 'S.tla']).wasmRejected).toEqual(['-simulate']);
  });

  it('recognizes --help, --version and --install', () => {
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parseArgs(['--json', '--version', 'S.tla'])).toEqual({ kind: 'version' });
    expect(parseArgs(['--install'])).toEqual({ kind: 'install' });
  });

  it.each([
    [['-frobnicate', 'S.tla'], 'unknown TLC flag -frobnicate'],
    [['-config'], '-config needs a value'],
    [['-config', '-workers', '2', 'S.tla'], '-config needs a value'],
    [['-workers', '2'], 'no spec given'],
    [['A.tla', 'B.tla'], 'more than one spec given: A.tla, B.tla'],
    [['--jsno', 'S.tla'], 'unknown option --jsno'],
    [['--install', 'S.tla'], '--install takes no other arguments'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(CheckError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('locateFiles', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'spec'));
  writeFileSync(join(dir, 'spec', 'S.tla'), '');
  writeFileSync(join(dir, 'spec', 'S.cfg'), '');
  writeFileSync(join(dir, 'spec', 'smoke.cfg'), '');
  writeFileSync(join(dir, 'here.cfg'), '');

  it('adds .tla and finds the default cfg beside the spec', () => {
    expect(locateFiles('spec/S', null, dir)).toEqual({
      specPath: join(dir, 'spec/S.tla'),
      cfgPath: join(dir, 'spec/S.cfg'),
    });
  });

  it("finds -config relative to the working directory, else to the spec's directory", () => {
    expect(locateFiles('spec/S.tla', 'here.cfg', dir).cfgPath).toBe(join(dir, 'here.cfg'));
    expect(locateFiles('spec/S.tla', 'smoke', dir).cfgPath).toBe(join(dir, 'spec/smoke.cfg'));
  });

  it('names a missing spec or cfg', () => {
    expect(() => locateFiles('spec/Nope.tla', null, dir)).toThrow(`spec file not found: ${join(dir, 'spec/Nope.tla')}`);
    expect(() => locateFiles('spec/S.tla', 'nope.cfg', dir)).toThrow(
      `cfg file not found: ${join(dir, 'nope.cfg')} or ${join(dir, 'spec/nope.cfg')}`,
    );
    writeFileSync(join(dir, 'Lone.tla'), '');
    expect(() => locateFiles('Lone.tla', null, dir)).toThrow(`cfg file not found: ${join(dir, 'Lone.cfg')}`);
  });
});
