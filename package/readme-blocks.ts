/**
 * The code blocks of a Markdown document, as the README test runs them.
 *
 * A fenced block whose info string starts with ts, typescript, js, javascript
 * or mjs is a program: the test type-checks it (TypeScript) and runs it.
 * `ignore` among the info string's later words exempts it (for a listing of
 * signatures, say; keep those rare). A block whose info string is `output`
 * states exactly what the program just before it prints on stdout. A block
 * whose info string starts with sh holds shell commands, one a line, each
 * with an optional `# comment`.
 */

export interface CodeBlock {
  readonly language: 'ts' | 'js';
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
  readonly code: string;
  /** What the block must print, when an `output` block follows it. */
  readonly output: string | null;
}

interface Fenced {
  readonly info: readonly string[];
  readonly line: number;
  readonly text: string;
}

const languages: Readonly<Record<string, CodeBlock['language']>> = {
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
};

/** CommonMark fences: three or more backticks or tildes, indented at most three spaces. */
function fenced(markdown: string): Fenced[] {
  const lines = markdown.split('\n');
  const blocks: Fenced[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (open === null) continue;
    const fence = open[1];
    const close = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !close.test(lines[i]); i++) body.push(lines[i]);
    if (i === lines.length) throw new Error(`line ${start + 1}: code block never closed`);
    blocks.push({
      info: open[2]
        .trim()
        .split(/\s+/)
        .filter((w) => w !== ''),
      line: start + 1,
      text: `${body.join('\n')}\n`,
    });
  }
  return blocks;
}

/** A command of a shell block, its comment removed. */
export interface ShellCommand {
  /** 1-based line of the command, for messages. */
  readonly line: number;
  readonly command: string;
}

/** The commands of a document's sh blocks, in order. */
export function shellCommands(markdown: string): ShellCommand[] {
  return fenced(markdown)
    .filter((block) => block.info[0] === 'sh')
    .flatMap((block) =>
      block.text
        .split('\n')
        .map((text, i) => ({ line: block.line + 1 + i, command: text.replace(/(^|\s)#.*$/, '').trim() }))
        .filter(({ command }) => command !== ''),
    );
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const all = fenced(markdown);
  const programs: CodeBlock[] = [];
  all.forEach((block, i) => {
    const [first, ...rest] = block.info;
    if (first === 'output') {
      const before = all[i - 1];
      const program = programs.at(-1);
      if (before === undefined || program === undefined || program.line !== before.line) {
        throw new Error(`line ${block.line}: an output block must follow the program it is the output of`);
      }
      programs[programs.length - 1] = { ...program, output: block.text };
      return;
    }
    const language = first === undefined ? undefined : languages[first];
    if (language === undefined || rest.includes('ignore')) return;
    programs.push({ language, line: block.line, code: block.text, output: null });
  });
  return programs;
}
