/**
 * The package as a user gets it: `npm pack` (whose prepack builds dist/), the
 * tarball installed offline into a throwaway consumer project, and the
 * consumer's programs run by plain node and checked by the repository's tsc.
 * Nothing here reaches into the repository's sources: only the tarball does.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Bounds on each child process, generous for a loaded 2-core machine. */
const packSeconds = 180;
const installSeconds = 120;
const tscSeconds = 180;
const runSeconds = 60;

export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

export interface Tarball {
  readonly file: string;
  /** Bytes of the .tgz. */
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly PackedFile[];
}

function run(command: string, args: readonly string[], cwd: string, seconds: number): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: seconds * 1000 });
  if (result.error !== undefined) throw result.error;
  return result;
}

function succeed(command: string, args: readonly string[], cwd: string, seconds: number): string {
  const result = run(command, args, cwd, seconds);
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Packs the repository into dir, running prepack (the build) as `npm publish` would. */
export function pack(dir: string): Tarball {
  const out = succeed('npm', ['pack', '--json', '--pack-destination', dir], root, packSeconds);
  const [packed] = JSON.parse(out) as [{ filename: string; size: number; unpackedSize: number; files: PackedFile[] }];
  return {
    file: path.join(dir, packed.filename),
    size: packed.size,
    unpackedSize: packed.unpackedSize,
    files: packed.files.map(({ path, size }) => ({ path, size })),
  };
}

/**
 * A consumer project in dir, an ES module package, with the tarball installed
 * from the file alone (--offline: whatever it needs must be in it or in the
 * npm cache) and the fixture programs of package/consumer/ beside it.
 */
export function installConsumer(dir: string, tarball: Tarball): void {
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  succeed('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball.file], dir, installSeconds);
  fs.cpSync(path.join(root, 'package', 'consumer'), dir, { recursive: true });
}

/** Bytes of every file under dir. */
export function diskUsage(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + fs.statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

/** How a consumer's TypeScript resolves modules: Node's two ESM-aware modes and a bundler's. */
export type Resolution = 'nodenext' | 'node16' | 'bundler';

/**
 * Type-checks files of the consumer with the repository's tsc under the
 * strictest settings a consumer might use, the package's .d.ts included
 * (skipLibCheck off). Types for node come from the repository's @types/node,
 * as a consumer's would from its own. Returns tsc's diagnostics, '' if none.
 */
export function typeCheck(dir: string, resolution: Resolution, files: readonly string[]): string {
  const modes = {
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
    node16: { module: 'node16', moduleResolution: 'node16' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
  } as const;
  const config = path.join(dir, `tsconfig.${resolution}.json`);
  fs.writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        ...modes[resolution],
        target: 'ES2022',
        lib: ['ES2023'],
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
        typeRoots: [path.join(root, 'node_modules', '@types')],
      },
      files,
    }),
  );
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], dir, tscSeconds);
  return result.status === 0
    ? ''
    : `${result.stdout}${result.stderr}` || `tsc exited ${result.status ?? result.signal}`;
}

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a JavaScript file with plain node (no loader, no flags) in cwd. */
export function runNode(file: string, cwd: string): Ran {
  const { status, stdout, stderr } = run(process.execPath, [file], cwd, runSeconds);
  return { status, stdout, stderr };
}

/** Runs a command the package installed, as a shell would: node_modules/.bin/NAME, by its #! line. */
export function runBin(consumer: string, name: string, args: readonly string[]): Ran {
  const { status, stdout, stderr } = run(path.join(consumer, 'node_modules', '.bin', name), args, consumer, runSeconds);
  return { status, stdout, stderr };
}

/** Runs a command line as a user's shell would, in cwd. */
export function runShell(command: string, cwd: string): Ran {
  const { status, stdout, stderr } = run('sh', ['-c', command], cwd, runSeconds);
  return { status, stdout, stderr };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `deferred-io-${prefix}-`));
}
