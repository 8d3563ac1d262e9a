/**
 * deferred-io-9p: serves an ext2 image over 9P (9P2000.L and 9P2000). The
 * image is read into one deferred segment in one gulp (instant: nothing is
 * copied until touched), served from there, and written back every --sync
 * seconds, on a client's fsync and on SIGINT/SIGTERM; each write-back
 * writes only the blocks changed since the last. fileserver/README.md
 * documents it.
 */
import { constants } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseCommandLine, UsageError } from '../cli/command-line.ts';
import type { Recovery } from '../impl/index.ts';
import { Server, SYNC_INTERVAL_MAX, type SyncFailure } from './9p/server.ts';
import { ImageError, openExt2 } from './ext2/ext2.ts';
import { type FileSystem, FsError, S_IFDIR, S_IFMT } from './fs.ts';
import { describeHolder, ImageLock, ImageLockedError } from './image-lock.ts';
import { startedByNpm, watchNpmAncestors } from './parent-watch.ts';
import { type OutsideChange, SegmentStore } from './segment-store.ts';
import { StoreError } from './store.ts';

export const usage = `Usage: deferred-io-9p serve IMAGE --listen HOST:PORT [--sync SECONDS] [--read-only] [--memory BYTES]
                            [--export PATH]... [--no-perm-checks] [--verbose]
       deferred-io-9p --help | --version

Serves the ext2 file system in IMAGE over 9P (9P2000.L and 9P2000, no
authentication) to users named by their uid, checking their permissions.

  --listen HOST:PORT  address to listen on, e.g. 127.0.0.1:5640 or [::1]:564
                      (port 0: any free port, printed when listening)
  --sync SECONDS      write changes back every SECONDS (default 30; 0: only
                      on a client's fsync and at shutdown)
  --read-only         refuse every change (EROFS); the image is never written
  --memory BYTES      the engine's memory budget for image pages (default
                      64M, at least 4K); a suffix K, M or G multiplies by
                      1024, 1024^2, 1024^3
  --export PATH       a directory of the image (absolute: /home) that an
                      aname may attach, or a directory below it; repeatable
                      (default: the image's root, /); any other aname is
                      refused ("" is /, "ctl" is /ctl)
  --no-perm-checks    trust the client: no permission checks (the owners
                      the client names are still recorded)
  --verbose           also log the syncs that found nothing to write
  -h, --help          this text
  --version           the version of deferred-io-9p

It logs on stderr. While it serves IMAGE read-write it holds IMAGE.lock,
which a second server of IMAGE respects. Each write-back is atomic, through
IMAGE.dio-journal: after a crash, the next read-write start recovers the
image of a whole write-back (and logs it). SIGINT or SIGTERM: stop accepting
requests, write changes back, exit 0. Exit status 1: the image cannot be
served (or another server holds it); 2: a bad command line; 3: a sync
failed, and the changes since the last one are not all on disk. Under a
supervisor, run this command itself (or exec it from a script): npm (npx,
npm run) does not pass signals on, and a server it started stops, with its
last sync, only after npm is gone.
`;

/** Where the CLI writes: its output, and its log and errors. */
export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const defaultSync = 30;

export interface ServeArgs {
  readonly image: string;
  readonly host: string;
  readonly port: number;
  readonly sync: number;
  readonly readOnly: boolean;
  readonly memory: number | undefined;
  /** The directories an aname may attach; null: none given, the one export is the image's root. */
  readonly exports: readonly string[] | null;
  readonly permChecks: boolean;
  readonly verbose: boolean;
}

/** HOST:PORT, or [IPv6]:PORT. */
function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (m === null) throw new UsageError(`--listen ${JSON.stringify(text)}: expected HOST:PORT, e.g. 127.0.0.1:5640`);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`--listen ${text}: port ${port} is over 65535`);
  return { host: m[1] ?? m[2], port };
}

function parseSync(text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= 0 && seconds <= SYNC_INTERVAL_MAX))
    throw new UsageError(`--sync ${JSON.stringify(text)}: expected seconds from 0 to ${SYNC_INTERVAL_MAX}`);
  return seconds;
}

/** --export: an absolute path in the image, without '..' (it could name what is not below it). */
function parseExport(text: string): string {
  if (!text.startsWith('/') || text.split('/').includes('..') || text.includes('\0'))
    throw new UsageError(
      `--export ${JSON.stringify(text)}: expected an absolute path in the image without "..", e.g. /home`,
    );
  return text;
}

/**
 * --memory: at least one page of any image (the engine's page is the
 * image's block, at most 4 KiB), at most what the engine's frame pool, one
 * buffer, can hold.
 */
const memoryMin = 4096;
const memoryMax = constants.MAX_LENGTH;

function parseBytes(text: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  const scale = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[(m?.[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G'];
  const bytes = m === null ? Number.NaN : Number(m[1]) * scale;
  if (!(bytes >= memoryMin && bytes <= memoryMax))
    throw new UsageError(
      `--memory ${JSON.stringify(text)}: expected bytes from ${memoryMin} (4K) to ${memoryMax}, e.g. 67108864 or 64M`,
    );
  return bytes;
}

/**
 * The command line as cli/command-line.ts reads it (adding -h, --help).
 * main() prints the help and the usage errors itself, not readCommandLine:
 * to the Io it is given, and pointing at the command as installed.
 */
const command = {
  name: 'deferred-io-9p',
  help: usage,
  options: {
    listen: { type: 'string' },
    sync: { type: 'string' },
    'read-only': { type: 'boolean', default: false },
    memory: { type: 'string' },
    export: { type: 'string', multiple: true },
    'no-perm-checks': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    version: { type: 'boolean', default: false },
  },
  positionals: true,
} as const;

/** The command line as a serve request, or 'help' or 'version'; throws UsageError. */
export function parse(argv: readonly string[]): ServeArgs | 'help' | 'version' {
  return parseCommandLine(command, argv, ({ values, positionals }) => {
    if (values.version) return 'version';
    const [subcommand, image, ...extra] = positionals;
    if (subcommand === undefined) throw new UsageError('no command: the one command is serve');
    if (subcommand !== 'serve')
      throw new UsageError(`unknown command ${JSON.stringify(subcommand)}: the one command is serve`);
    if (image === undefined || image === '') throw new UsageError('serve needs the IMAGE to serve');
    if (extra.length > 0)
      throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}: serve takes one IMAGE`);
    if (values.listen === undefined) throw new UsageError('serve needs --listen HOST:PORT');
    return {
      image,
      ...parseListen(values.listen),
      sync: values.sync === undefined ? defaultSync : parseSync(values.sync),
      readOnly: values['read-only'],
      memory: values.memory === undefined ? undefined : parseBytes(values.memory),
      exports: values.export === undefined ? null : values.export.map(parseExport),
      permChecks: !values['no-perm-checks'],
      verbose: values.verbose,
    };
  });
}

/** The version of the package holding this module: its nearest package.json, as Node finds a module's package. */
export function version(): string {
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
      if (typeof version !== 'string') throw new Error(`${manifest} has no version`);
      return version;
    }
    if (dir === path.dirname(dir)) throw new Error(`no package.json above ${import.meta.dirname}`);
  }
}

/** Open errors that mean the image may not be written (EPERM: an immutable file); --read-only would serve it. */
const unwritable = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * Runs the command line; resolves with the exit status: 0 after --help,
 * --version or a clean shutdown, 1 if the image cannot be served (another
 * server holds it, among other reasons), 2 for a command line that makes no
 * sense, 3 when a sync failed.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let args: ServeArgs | 'help' | 'version';
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`deferred-io-9p: ${err.message} (see deferred-io-9p --help)\n`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(usage);
    return 0;
  }
  if (args === 'version') {
    io.stdout.write(`deferred-io-9p ${version()}\n`);
    return 0;
  }
  return serve(args, io);
}

async function serve(args: ServeArgs, io: Io): Promise<number> {
  const log = (line: string): void => void io.stderr.write(`deferred-io-9p: ${line}\n`);
  const cannotOpen = (err: Error): number => {
    const { code } = err as { code?: unknown };
    const hint =
      !args.readOnly && unwritable.has(code as string)
        ? '; to serve it without writing to it, add --read-only'
        : code === 'EJOURNALPENDING'
          ? '; serve it once without --read-only to recover it'
          : '';
    log(`cannot open ${args.image}: ${err.message}${hint}`);
    return 1;
  };
  // A read-only server writes nothing, so it takes no lock: a writer's changes are outside changes to it.
  let lock: ImageLock | null = null;
  if (!args.readOnly) {
    try {
      lock = ImageLock.take(args.image);
    } catch (err) {
      if (err instanceof ImageLockedError) {
        log(`cannot serve ${args.image}: ${err.message}`);
        return 1;
      }
      if (!(err instanceof Error && 'syscall' in err)) throw err;
      return cannotOpen(err);
    }
    if (lock.tookOver !== null) log(`took over ${lock.file} from ${describeHolder(lock.tookOver)}, which is gone`);
  }
  // Released on every return below, and on an exit this function never sees (an uncaught error: a bug).
  const release = (): void => lock?.release();
  process.once('exit', release);
  try {
    return await serveImage(args, log, cannotOpen);
  } finally {
    process.off('exit', release);
    release();
  }
}

/** An --export must name a directory of the image when the server starts: a typo is an error, not an export no one can attach. */
function checkExport(fs: FileSystem, path: string): void {
  let ino = fs.root;
  for (const name of path.split('/').filter((n) => n !== '' && n !== '.')) {
    try {
      ino = fs.lookup(ino, name);
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
      throw new FsError(err.code, `--export ${path}: ${err.message}`);
    }
  }
  if ((fs.getattr(ino).mode & S_IFMT) !== S_IFDIR) throw new FsError('ENOTDIR', `--export ${path} is not a directory`);
}

/** One line for a change another process made to the image. */
function outsideChange(change: OutsideChange): string {
  const what = change.changed.join(', ');
  if (change.kind === 'metadata')
    return `the image's metadata changed outside this server (${what}): its content did not`;
  return `the image changed outside this server (${what}): the ${change.refreshed} bytes it did not hold will be read from the image as it is now; clients' changes not yet synced are kept`;
}

/**
 * One line for the journal a crash left beside the image, which opening it
 * recovered: a sync the crash cut short after its commit is completed
 * (replayed), one cut short before is undone (discarded). Either way the
 * image is that of a whole sync.
 */
function recovered(recovery: Recovery): string {
  return recovery.outcome === 'replayed'
    ? `recovery: replayed the journal of the sync a crash interrupted after its commit (${recovery.records} runs, ${recovery.bytes} bytes): the image is that sync's`
    : `recovery: discarded the journal of a sync a crash interrupted before its commit (${recovery.reason}): the image is the last completed sync's`;
}

/** Serves the image until a signal, npm's going or a failed sync; the exit status. */
async function serveImage(
  args: ServeArgs,
  log: (line: string) => void,
  cannotOpen: (err: Error) => number,
): Promise<number> {
  let store: SegmentStore;
  let server: Server;
  let serving: string;
  try {
    store = SegmentStore.open(args.image, {
      readOnly: args.readOnly,
      memory: args.memory,
      onOutsideChange: (change) => log(outsideChange(change)),
    });
  } catch (err) {
    return cannotOpen(err as Error);
  }
  if (store.recovery !== null) log(recovered(store.recovery));
  try {
    const fs = openExt2(store, { readOnly: args.readOnly });
    for (const reason of fs.readOnlyReasons) log(`serving read-only: ${reason}`);
    for (const path of args.exports ?? []) checkExport(fs, path);
    server = new Server(fs, {
      syncInterval: fs.readOnly ? 0 : args.sync,
      log,
      debug: args.verbose ? log : undefined,
      exports: args.exports ?? undefined,
      permChecks: args.permChecks,
    });
    const address = await server.listen(args.port, args.host);
    const sb = fs.superblock;
    const mode = fs.readOnly
      ? 'read-only'
      : `read-write, atomic sync ${args.sync > 0 ? `every ${args.sync} s` : 'on fsync and at shutdown'}`;
    if (args.exports !== null) log(`exports ${args.exports.join(' ')}: any other aname is refused`);
    if (!args.permChecks) log('no permission checks: the clients are trusted to have made them');
    serving = `serving ${args.image} (ext2, ${sb.blocksCount} blocks of ${sb.blockSize} bytes, memory ${store.memory} bytes) ${mode} on ${address.address}:${address.port}`;
  } catch (err) {
    store.close();
    if (
      !(
        err instanceof ImageError ||
        err instanceof StoreError ||
        err instanceof FsError ||
        (err instanceof Error && 'syscall' in err)
      )
    )
      throw err;
    log(`cannot serve ${args.image}: ${err.message}`);
    return 1;
  }
  const notOnDisk = 'the changes since the last sync are not all on disk';
  // What stops it: a signal's name, npm's going, or a sync that failed.
  let settle: (stop: string | SyncFailure) => void = () => {};
  const stopped = new Promise<string | SyncFailure>((resolve) => {
    settle = resolve;
  });
  process.once('SIGINT', settle);
  process.once('SIGTERM', settle);
  // Said once the signals are handled: whoever waits for this line may stop the server at once.
  log(serving);
  void server.failed.then(settle);
  // npm does not pass its signals on (parent-watch.ts): its going is the signal.
  const unwatch = startedByNpm()
    ? watchNpmAncestors((pid) => settle(`the npm run that started this server is over (process ${pid} is gone)`))
    : () => {};
  const stop = await stopped;
  unwatch();
  process.off('SIGINT', settle);
  process.off('SIGTERM', settle);
  try {
    if (typeof stop !== 'string') {
      log(`sync (${stop.reason}) failed, stopping: ${stop.error.message}; ${notOnDisk}`);
      await server.close({ sync: false });
      return 3;
    }
    log(`${stop}: stopping`);
    try {
      await server.close();
      return 0;
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
      log(`sync (shutdown) failed: ${err.message}; ${notOnDisk}`);
      return 3;
    }
  } finally {
    store.close();
  }
}
