import { expect, test } from 'vitest';
import { codeBlocks, shellCommands } from './readme-blocks.ts';

const fence = '```';

test('programs are the ts and js blocks, each with the output block that follows it', () => {
  const markdown = [
    '# Title',
    '',
    `${fence}ts`,
    'console.log(1);',
    fence,
    'prints',
    '',
    `${fence}output`,
    '1',
    fence,
    `${fence}sh`,
    'npm test',
    fence,
    `${fence}javascript extra words`,
    'let x = 2;',
    fence,
    `~~~~mjs`,
    `${fence}`,
    'not a fence end',
    '~~~~',
  ].join('\n');
  expect(codeBlocks(markdown)).toEqual([
    { language: 'ts', line: 3, code: 'console.log(1);\n', output: '1\n' },
    { language: 'js', line: 14, code: 'let x = 2;\n', output: null },
    { language: 'js', line: 17, code: `${fence}\nnot a fence end\n`, output: null },
  ]);
});

test('a block marked ignore is not a program', () => {
  expect(codeBlocks(`${fence}ts ignore\nnew Engine(options?: {});\n${fence}\n`)).toEqual([]);
});

test('an output block must follow a program', () => {
  expect(() => codeBlocks(`${fence}output\n1\n${fence}\n`)).toThrow('line 1: an output block must follow');
  expect(() =>
    codeBlocks(`${fence}ts\nf();\n${fence}\n${fence}sh\nls\n${fence}\n${fence}output\n1\n${fence}\n`),
  ).toThrow('line 7: an output block must follow');
  expect(() => codeBlocks(`${fence}ts ignore\nf();\n${fence}\n${fence}output\n1\n${fence}\n`)).toThrow('line 4');
});

test('an unclosed block is an error, not the rest of the document', () => {
  expect(() => codeBlocks(`text\n${fence}ts\nf();\n`)).toThrow('line 2: code block never closed');
});

test('the commands of sh blocks, one a line, without their comments', () => {
  const markdown = [
    `${fence}sh`,
    'npm ci               # the locked dependencies',
    '',
    '# a comment alone',
    'npx tlc --help',
    fence,
    `${fence}ts`,
    'f(); # not a shell block',
    fence,
  ].join('\n');
  expect(shellCommands(markdown)).toEqual([
    { line: 2, command: 'npm ci' },
    { line: 5, command: 'npx tlc --help' },
  ]);
});
