/**
 * The suite runs as plain JavaScript, transpiled from impl/ and bench/ by
 * TypeScript's transpileModule into a temporary directory: the figures are
 * those of code as it ships, not of a TypeScript loader (tsx compiles with
 * esbuild's keepNames, which wraps every closure the engine makes on its hot
 * paths in a defineProperty call, and its loader thread adds about 50 MiB to
 * the RSS P5 measures).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: where impl/, bench/results/ and bench/mmap/ live, wherever the compiled suite runs from. */
export const root = process.env.DEFERRED_IO_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Whether this module runs compiled (.js) rather than from source under a TypeScript loader. */
export const compiled = import.meta.url.endsWith('.js');

/** Resolves packages from the repository's node_modules (the compiled suite runs outside it). */
export const requireFromRoot = createRequire(path.join(root, 'package.json'));

/**
 * Transpiles impl/, bench/ and cli/ (its command-line helper; tests aside;
 * `dirs` for other suites, e.g. the file server's) into `out`, keeping the
 * layout. Returns the compiled bench/main.js.
 */
export function compileSuite(out: string, dirs: readonly string[] = ['impl', 'bench', 'cli']): string {
  const ts = requireFromRoot('typescript') as typeof import('typescript');
  const sources = dirs.flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.startsWith('testing'))
      .map((name) => path.join(dir, name)),
  );
  for (const source of sources) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(root, source), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        rewriteRelativeImportExtensions: true,
      },
      fileName: source,
    });
    const target = path.join(out, source.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, outputText);
  }
  fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
  return path.join(out, 'bench', 'main.js');
}
