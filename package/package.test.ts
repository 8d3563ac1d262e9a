// @module-tag slow
/**
 * The published package, tested the way a user meets it: the tarball npm
 * pack makes, installed offline into a throwaway consumer project, run by
 * plain node as an ES module and from CommonJS, and type-checked by a strict
 * consumer tsc. The README's code blocks run against the same installation
 * (its cheap shell commands too), and every link of the shipped documents
 * must resolve inside the package, so the documentation cannot drift from
 * the package.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  diskUsage,
  installConsumer,
  pack,
  type Resolution,
  root,
  runBin,
  runNode,
  runShell,
  type Tarball,
  tempDir,
  typeCheck,
} from './consumer.ts';
import { type CodeBlock, codeBlocks, shellCommands } from './readme-blocks.ts';

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  files: string[];
  exports: Record<string, string | Record<string, string>>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
};

let work: string;
let tarball: Tarball;
let consumer: string;
let installed: string;

beforeAll(() => {
  work = tempDir('package');
  tarball = pack(work);
  consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  installConsumer(consumer, tarball);
  installed = path.join(consumer, 'node_modules', 'deferred-io');
  console.log(
    `tarball: ${tarball.files.length} files, ${tarball.size} B packed, ${tarball.unpackedSize} B unpacked; ` +
      `consumer node_modules after install: ${diskUsage(path.join(consumer, 'node_modules'))} B`,
  );
}, 600_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  test('holds only what a user runs and reads: dist/ modules with their types and source maps, the docs, LICENSE, package.json', () => {
    const paths = tarball.files.map((f) => f.path);
    const docs = manifest.files.filter((f) => f !== 'dist');
    const stray = paths.filter(
      (p) =>
        !['package.json', 'README.md', 'LICENSE', ...docs].includes(p) && !/^dist\/.+\.(js|d\.ts|js\.map)$/.test(p),
    );
    expect(stray).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(docs));
    expect(paths.filter((p) => /\.test\.|\/testing\//.test(p))).toEqual([]);
    const modules = paths.filter((p) => p.endsWith('.js'));
    expect(modules.length).toBeGreaterThan(0);
    for (const module of modules) {
      expect(paths).toContain(module.replace(/\.js$/, '.d.ts'));
      expect(paths).toContain(`${module}.map`);
    }
  });

  test('every export and bin target is in it', () => {
    const targets = [
      ...Object.values(manifest.exports).flatMap((entry) =>
        typeof entry === 'string' ? [entry] : Object.values(entry),
      ),
      ...Object.values(manifest.bin ?? {}),
    ].map((target) => path.posix.normalize(target));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(tarball.files.map((f) => f.path)).toContain(target);
  });

  // The README sends its reader to the API reference, the contract and the file server's manual: they ship with it.
  test('every relative link of each Markdown file in it resolves to a file in it', () => {
    const paths = new Set(tarball.files.map((f) => f.path));
    const documents = [...paths].filter((p) => p.endsWith('.md'));
    expect(documents).toEqual(expect.arrayContaining(['README.md', 'impl/README.md']));
    const broken: string[] = [];
    for (const document of documents) {
      const text = fs.readFileSync(path.join(installed, document), 'utf8');
      for (const target of linkTargets(text)) {
        // A URL with a scheme (https:, mailto:) or an anchor in the same document leaves the package's files alone.
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const file = path.posix.join(path.posix.dirname(document), decodeURI(target.replace(/[?#].*$/, '')));
        if (!paths.has(file)) broken.push(`${document}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('its runtime dependencies are exactly the packages the shipped code imports', () => {
    const imported = new Set<string>();
    for (const entry of fs.readdirSync(path.join(installed, 'dist'), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
      const source = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
      for (const { fileName } of ts.preProcessFile(source, true, true).importedFiles) {
        if (fileName.startsWith('.') || fileName.startsWith('node:')) continue;
        imported.add(fileName.startsWith('@') ? fileName.split('/').slice(0, 2).join('/') : fileName.split('/')[0]);
      }
    }
    expect([...imported].sort()).toEqual(Object.keys(manifest.dependencies ?? {}).sort());
  });
});

/** The targets of a Markdown text's links and images, inline and reference-style, outside code. */
function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^ {0,3}(`{3,}|~{3,})[\s\S]*?^ {0,3}\1\s*$/gm, '').replace(/`[^`\n]*`/g, '');
  return [
    ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!),
  ];
}

describe('a consumer project', () => {
  const expected = {
    read: 3 * 4096,
    loaded: 2,
    first: { written: 4096, skipped: 2 * 4096 },
    second: { written: 0, skipped: 3 * 4096 },
    faults: 2,
    rejected: { argumentError: true, deferredIOError: true },
    stored: 'deadbeef',
    unchangedElsewhere: true,
  };

  test.each(['esm.mjs', 'cjs.cjs'])(
    'plain node runs %s: read, load, store and write-back of a temp file',
    (program) => {
      const ran = runNode(path.join(consumer, program), consumer);
      expect(ran.stderr).toBe('');
      expect(ran.status).toBe(0);
      expect(JSON.parse(ran.stdout)).toEqual(expected);
    },
  );

  test.each(Object.keys(manifest.bin ?? {}))('its shell runs the installed %s command (--help)', (name) => {
    const ran = runBin(consumer, name, ['--help']);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^Usage: ${name} `));
  });

  // Each tsc run checks @types/node whole (skipLibCheck off): about 8 s on a loaded machine.
  test.each<Resolution>(['nodenext', 'node16', 'bundler'])(
    'a strict tsc with %s resolution accepts its TypeScript',
    (resolution) => {
      const files = ['typed.ts'];
      if (resolution === 'nodenext') {
        // As CommonJS too: nodenext knows that Node >= 20.19 can require() the ES module.
        fs.copyFileSync(path.join(consumer, 'typed.ts'), path.join(consumer, 'typed.cts'));
        files.push('typed.cts');
      }
      expect(typeCheck(consumer, resolution, files)).toBe('');
    },
  );
});

/**
 * Each program block of a document runs as a user would paste it into the
 * consumer project, by the plain node running these tests (the documented
 * minimum's major version, 20, on the project's machine): JavaScript as
 * written, in a .mjs file; TypeScript type-checked by the strict tsc and
 * compiled to JavaScript first. Each runs in an empty directory of its own.
 */
const documents = ['README.md', 'impl/README.md'].map((document) => ({
  document,
  blocks: codeBlocks(fs.readFileSync(path.join(root, document), 'utf8')),
}));
const blockName = (document: string, block: CodeBlock) => `${document.replaceAll('/', '-')}-L${block.line}`;

test('the TypeScript blocks of the documents type-check against the installed package', () => {
  fs.mkdirSync(path.join(consumer, 'readme'));
  const files = documents.flatMap(({ document, blocks }) =>
    blocks
      .filter((b) => b.language === 'ts')
      .map((block) => {
        const file = `readme/${blockName(document, block)}.ts`;
        // `export {}` makes each block a module of its own, as a file of its own would be.
        fs.writeFileSync(path.join(consumer, file), `${block.code}export {};\n`);
        return file;
      }),
  );
  expect(files.length).toBeGreaterThan(0);
  expect(typeCheck(consumer, 'nodenext', files)).toBe('');
});

describe.each(documents)('$document', ({ document, blocks }) => {
  test('has program blocks', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  test.each(blocks.map((block) => ({ line: block.line, block })))(
    'the block at line $line runs and prints what it says',
    ({ block }) => {
      const program = path.join(consumer, 'run', `${blockName(document, block)}.mjs`);
      fs.mkdirSync(path.dirname(program), { recursive: true });
      const javascript =
        block.language === 'js'
          ? block.code
          : ts.transpileModule(block.code, {
              compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
            }).outputText;
      fs.writeFileSync(program, javascript);
      const ran = runNode(program, fs.mkdtempSync(path.join(work, 'cwd-')));
      expect(ran.stderr).toBe('');
      expect(ran.status).toBe(0);
      if (block.output !== null) expect(ran.stdout).toBe(block.output);
    },
  );
});

/**
 * The README's shell commands, run as written where they are cheap: the
 * package's own command in the consumer project, the others in the clone
 * these tests run in. Each command not run is listed here with the reason;
 * a command in neither place fails, so a new one is decided on.
 */
const notRun: Readonly<Record<string, string>> = {
  'npm install ./deferred-io-0.1.0.tgz':
    'what beforeAll does to the consumer project (offline, from the tarball it packed)',
  'npm ci': 'would reinstall the node_modules these tests run from',
  'npm run verify': 'the main job: about 12 minutes',
  'npm run test:quick': 'runs the tests this file is one of',
  'npm test': 'runs this test',
  'npm run build': 'replaces dist/, which npm pack has just built',
  'npm run lint:fix': 'rewrites the sources',
};
const packageCommand = /^npx deferred-io-9p\b/;

describe("the README's shell commands", () => {
  const commands = shellCommands(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));

  test('every command not run is still in the README', () => {
    expect(Object.keys(notRun).filter((c) => !commands.some(({ command }) => command === c))).toEqual([]);
  });

  test.each(commands.filter(({ command }) => notRun[command] === undefined))(
    'line $line: $command exits 0',
    ({ command }) => {
      const ran = runShell(command, packageCommand.test(command) ? consumer : root);
      // npm's notice of a newer npm is the one thing allowed on stderr.
      expect(ran.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm notice'))).toEqual([]);
      expect(ran.status).toBe(0);
      expect(ran.stdout).not.toBe('');
    },
  );
});
