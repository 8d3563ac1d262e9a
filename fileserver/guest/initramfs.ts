/**
 * The guest's initramfs: Debian's static busybox, util-linux's flock and
 * attr's getfattr and setfattr (busybox has none of them) with the shared
 * libraries they need, the kernel modules the guest
 * loads (9P over TCP and a virtio NIC, with everything they depend on, from
 * the installed kernel's modules.dep), init.sh as /init and workload.sh.
 *
 * Built once per kernel and per content of what goes in, and kept under
 * ~/.cache/deferred-io/guest/: the file name carries the kernel version and
 * a hash of the scripts, the builder and the binaries, so editing the
 * workload (or an upgrade of busybox) builds a new one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CpioEntry, cpio } from './cpio.ts';

const here = path.dirname(new URL(import.meta.url).pathname);

/** The modules /init loads, by name; their dependencies come from modules.dep. */
const wantedModules = ['9pnet_fd', '9p', 'virtio_pci', 'virtio_net'];

const busybox = '/bin/busybox';
/** Dynamically linked tools the workload needs beside busybox. */
const tools = ['/usr/bin/flock', '/usr/bin/getfattr', '/usr/bin/setfattr'];

export interface Kernel {
  version: string;
  /** The bzImage QEMU boots (-kernel). */
  image: string;
  /** /lib/modules/VERSION. */
  modules: string;
}

/** The installed kernel with the highest version that has both /boot/vmlinuz-VERSION and its modules. */
export function installedKernel(): Kernel {
  const versions = fs
    .readdirSync('/boot')
    .filter((name) => name.startsWith('vmlinuz-'))
    .map((name) => name.slice('vmlinuz-'.length))
    .filter((version) => fs.existsSync(path.join('/lib/modules', version, 'modules.dep')))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const version = versions.at(-1);
  if (version === undefined)
    throw new Error('no kernel in /boot with modules in /lib/modules (apt-get install linux-image-amd64)');
  return { version, image: path.join('/boot', `vmlinuz-${version}`), modules: path.join('/lib/modules', version) };
}

/**
 * The module files to load, dependencies first: `modulesDep` is the text of
 * modules.dep ("kernel/a/x.ko: kernel/b/y.ko ..."), `wanted` module names
 * (a module's name is its file name without .ko, whatever its compression).
 */
function loadOrder(modulesDep: string, wanted: readonly string[]): string[] {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const file = line.slice(0, colon);
    deps.set(
      file,
      line
        .slice(colon + 1)
        .trim()
        .split(/\s+/)
        .filter(Boolean),
    );
    byName.set(moduleName(file), file);
  }
  const order: string[] = [];
  const visit = (file: string): void => {
    if (order.includes(file)) return;
    for (const dep of deps.get(file) ?? []) visit(dep);
    order.push(file);
  };
  for (const name of wanted) {
    const file = byName.get(name);
    if (file === undefined) throw new Error(`module ${name} is not in modules.dep`);
    visit(file);
  }
  return order;
}

function moduleName(file: string): string {
  return path.basename(file).replace(/\.ko(\.(xz|zst|gz))?$/, '');
}

/** A module's bytes as insmod takes them: Debian 13's kernels ship them xz- or zstd-compressed. */
function moduleBytes(file: string): Buffer {
  if (file.endsWith('.ko')) return fs.readFileSync(file);
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : 'gzip';
  return execFileSync(tool, ['-dc', file], { maxBuffer: 2 ** 28 });
}

/** The shared libraries `binary` loads, as ldd resolves them (absolute paths, the loader included). */
function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
}

/** Archive entries with every parent directory made once, before what it holds. */
class Tree {
  readonly entries: CpioEntry[] = [];
  private readonly dirs = new Set<string>(['']);

  dir(dir: string): void {
    if (this.dirs.has(dir)) return;
    this.dir(path.posix.dirname(dir) === '/' ? '' : path.posix.dirname(dir));
    this.dirs.add(dir);
    this.entries.push({ kind: 'dir', path: dir });
  }

  add(entry: CpioEntry): void {
    const parent = path.posix.dirname(entry.path);
    this.dir(parent === '/' ? '' : parent);
    this.entries.push(entry);
  }
}

/**
 * What names the archive in the cache: the kernel, the scripts and the code
 * that builds it, and the binaries' identity (size and mtime: a package
 * upgrade changes both).
 */
function cacheKey(kernel: Kernel): string {
  const hash = createHash('sha256').update(kernel.version);
  for (const source of ['cpio.ts', 'initramfs.ts', 'init.sh', 'workload.sh']) {
    hash.update(fs.readFileSync(path.join(here, source)));
  }
  for (const binary of [busybox, ...tools, path.join(kernel.modules, 'modules.dep')]) {
    const stat = fs.statSync(binary);
    hash.update(`${binary} ${stat.size} ${stat.mtimeMs}`);
  }
  return hash.digest('hex').slice(0, 16);
}

function contents(kernel: Kernel): CpioEntry[] {
  const tree = new Tree();
  const file = (at: string, data: Buffer, mode: number): void => tree.add({ kind: 'file', path: at, data, mode });
  for (const dir of ['/proc', '/sys', '/dev', '/tmp', '/mnt', '/sbin', '/usr/bin', '/usr/sbin']) tree.dir(dir);
  // The kernel opens /dev/console for /init before anything is mounted.
  tree.add({ kind: 'char', path: '/dev/console', major: 5, minor: 1 });
  file('/bin/busybox', fs.readFileSync(busybox), 0o755);
  tree.add({ kind: 'symlink', path: '/bin/sh', target: 'busybox' });
  for (const tool of tools) file(tool, fs.readFileSync(tool), 0o755);
  for (const lib of new Set(tools.flatMap(sharedLibraries))) file(lib, fs.readFileSync(lib), 0o755);
  const order = loadOrder(fs.readFileSync(path.join(kernel.modules, 'modules.dep'), 'utf8'), wantedModules);
  for (const module of order) {
    file(`/lib/modules/${moduleName(module)}.ko`, moduleBytes(path.join(kernel.modules, module)), 0o644);
  }
  file('/lib/modules/order', Buffer.from(`${order.map(moduleName).join('\n')}\n`), 0o644);
  file('/init', fs.readFileSync(path.join(here, 'init.sh')), 0o755);
  file('/workload.sh', fs.readFileSync(path.join(here, 'workload.sh')), 0o755);
  return tree.entries;
}

/** The path of the initramfs for `kernel`, built now unless the cache has it. */
export function initramfs(
  kernel: Kernel,
  cacheDir = path.join(os.homedir(), '.cache', 'deferred-io', 'guest'),
): string {
  const file = path.join(cacheDir, `initramfs-${kernel.version}-${cacheKey(kernel)}.cpio`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed, so an interrupted build never leaves a truncated archive under the final name.
  const partial = `${file}.${process.pid}`;
  fs.writeFileSync(partial, cpio(contents(kernel)));
  fs.renameSync(partial, file);
  return file;
}
