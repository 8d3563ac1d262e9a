// @module-tag slow
/**
 * The compiler checks that every spec action is whole: the table has an
 * entry for every op of the step record, and each action's module has
 * every piece (actions/action.ts). Each test type-checks the real source
 * with one edit made by the TypeScript compiler API -- an action left out
 * of the table, a module without its arbitrary, a parameter the step
 * record has no field for -- and expects the diagnostic that names what is
 * missing; the unedited sources must type-check clean, so each diagnostic
 * is its edit's.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, test } from 'vitest';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const config = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  },
);
// No build info: these programs are thrown away.
const options: ts.CompilerOptions = { ...config!.options, incremental: false, tsBuildInfoFile: undefined };
/** The last program, whose unedited files the next one reuses (a few seconds saved per test). */
let previous: ts.Program | undefined;

/** The diagnostics of `file` (relative to the root) with `edit` made to its text, each as `the code it is at: message`. */
function diagnosticsOf(file: string, edit: (text: string) => string): string[] {
  const path = join(root, file);
  const original = readFileSync(path, 'utf8');
  const text = edit(original);
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile;
  host.getSourceFile = (name, language, ...rest) =>
    name === path ? ts.createSourceFile(name, text, language) : read.call(host, name, language, ...rest);
  const program = ts.createProgram([path], options, host, previous);
  previous = program;
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(path))
    .map(
      (d) =>
        `${text.slice(d.start, (d.start ?? 0) + (d.length ?? 0))}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
}

/** `edit`, which must change the text: an edit that no longer finds its place would prove nothing. */
const changing =
  (edit: (text: string) => string) =>
  (text: string): string => {
    const edited = edit(text);
    expect(edited, 'the edit changes the source').not.toBe(text);
    return edited;
  };

test('the table and an action module as they are type-check', () => {
  expect(diagnosticsOf('actions/table.ts', (text) => text)).toEqual([]);
  expect(diagnosticsOf('actions/evict.ts', (text) => text)).toEqual([]);
});

test('an action left out of the table is a compile error naming it', () => {
  const found = diagnosticsOf(
    'actions/table.ts',
    changing((text) => text.replace(/^ {2}evict,\n/m, '')),
  );
  expect(found.join('\n')).toMatch(/Property 'evict' is missing/);
});

test('an action without its arbitrary is a compile error naming the piece', () => {
  const found = diagnosticsOf(
    'actions/evict.ts',
    changing((text) => text.replace(/^ {2}arbitrary: [\s\S]*?^ {2}\}\),\n/m, '')),
  );
  expect(found.join('\n')).toMatch(/Property 'arbitrary' is missing/);
});

test('a parameter the step record has no field for is a compile error', () => {
  // Evict's page renamed throughout, so that the name is all that is wrong.
  const found = diagnosticsOf(
    'actions/evict.ts',
    changing((text) => text.replace(/\bpage\b/g, 'victim')),
  );
  expect(found).toEqual([expect.stringMatching(/^victim: .*not assignable to type 'never'/s)]);
});
