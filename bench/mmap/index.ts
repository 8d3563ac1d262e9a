/**
 * The private-mmap addon (mmap.c): built on demand with node-gyp, never by
 * `npm ci` or `npm test`. If it cannot be built or loaded, the benchmarks
 * report the mmap columns as unavailable, with this reason, and go on.
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { requireFromRoot, root } from '../compile.ts';

/** An opaque mapping handle; unmapped explicitly or when collected. */
export type Mapping = { readonly __mapping: unique symbol };

export interface MmapAddon {
  /** mmap(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE) of the first `length` bytes of `file`. */
  map(file: string, length: number): Mapping;
  unmap(mapping: Mapping): void;
  /** A Buffer over the whole mapping (length <= 4 GiB); do not use it after unmap. */
  buffer(mapping: Mapping): Buffer;
  getUint8(mapping: Mapping, offset: number): number;
  setUint8(mapping: Mapping, offset: number, value: number): void;
  /** Loads the byte at each offset; returns their sum. */
  touch(mapping: Mapping, offsets: Float64Array): number;
  /**
   * mmap(PROT_READ [| PROT_WRITE], MAP_SHARED) of the first `length` bytes
   * of `file`: stores reach the file (the file server's mmap store). A
   * read-only mapping faults (SIGSEGV) on a store: refuse stores before.
   */
  mapShared(file: string, length: number, writable: boolean): Mapping;
  /** msync(MS_SYNC) of the whole mapping: its dirty pages are written and waited for. */
  sync(mapping: Mapping): void;
  /** The system page size: the unit in which a shared mapping's changes reach the file. */
  readonly pageSize: number;
}

export type MmapLoad = { addon: MmapAddon; reason: null; path: string } | { addon: null; reason: string; path: null };

export const addonDir = path.join(root, 'bench', 'mmap');
export const addonPath = path.join(addonDir, 'build', 'Release', 'mmap.node');
const sources = ['mmap.c', 'binding.gyp'].map((name) => path.join(addonDir, name));

function upToDate(): boolean {
  if (!fs.existsSync(addonPath)) return false;
  const built = fs.statSync(addonPath).mtimeMs;
  return sources.every((source) => fs.statSync(source).mtimeMs <= built);
}

/** Node's headers: npm's configured nodedir, else the prefix of this node binary if it ships them. */
function nodedir(): string | undefined {
  const configured = process.env.npm_config_nodedir;
  if (configured !== undefined && configured !== '') return configured;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined;
}

/** Runs `node-gyp rebuild` in bench/mmap. Returns null on success, else why it failed. */
export function build(log: (line: string) => void = () => {}): string | null {
  let gyp: string;
  try {
    gyp = requireFromRoot.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return 'node-gyp is not installed (npm install: it is a devDependency)';
  }
  const dir = nodedir();
  const args = [gyp, 'rebuild', ...(dir === undefined ? [] : [`--nodedir=${dir}`])];
  log(`building the mmap addon: node-gyp ${args.slice(1).join(' ')} (in bench/mmap)`);
  const result = spawnSync(process.execPath, args, { cwd: addonDir, encoding: 'utf8', timeout: 180_000 });
  if (result.error !== undefined) return `node-gyp could not run: ${result.error.message}`;
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n');
    const errors = output.filter((line) => /error|not found|fatal/i.test(line)).slice(-3);
    return `node-gyp rebuild failed (exit ${result.status}): ${(errors.length > 0 ? errors : output.slice(-3)).join(' | ')}`;
  }
  return null;
}

/**
 * Builds the addon if it is missing or older than its sources (unless
 * `build` is false: tests only use an addon already built), then loads it.
 * Never throws.
 */
export function loadMmap(log: (line: string) => void = () => {}, options: { build?: boolean } = {}): MmapLoad {
  try {
    if (!upToDate()) {
      if (options.build === false)
        return { addon: null, reason: 'the addon is not built (npm run bench:build)', path: null };
      const failure = build(log);
      if (failure !== null) return { addon: null, reason: failure, path: null };
    }
    const addon = createRequire(import.meta.url)(addonPath) as MmapAddon;
    return { addon, reason: null, path: addonPath };
  } catch (error) {
    return { addon: null, reason: `the addon did not load: ${(error as Error).message}`, path: null };
  }
}
