// @module-tag slow
/**
 * The published package, tested the way a user meets it: the tarball npm
 * pack makes, installed offline into a throwaway consumer project, run by
 * plain node as an ES module and from CommonJS, and type-checked by a strict
 * consumer tsc. The README's code blocks run against the same installation,
 * so the documentation cannot drift from the package.
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
  type Tarball,
  tempDir,
  typeCheck,
} from './consumer.ts';
import { type CodeBlock, codeBlocks } from './readme-blocks.ts';

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
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
  test('holds only what a user runs: dist/ modules with their types and source maps, README, LICENSE, package.json', () => {
    const paths = tarball.files.map((f) => f.path);
    const stray = paths.filter(
      (p) => !['package.json', 'README.md', 'LICENSE'].includes(p) && !/^dist\/.+\.(js|d\.ts|js\.map)$/.test(p),
    );
    expect(stray).toEqual([]);
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
 * consumer project: TypeScript type-checked by the strict tsc and compiled
 * to JavaScript, then run by plain node in an empty directory of its own.
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
