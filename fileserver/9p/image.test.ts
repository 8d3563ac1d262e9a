/**
 * End to end through the protocol: fast-check generates sequences of
 * creates, writes (near where the block tree's direct, indirect and double
 * indirect ranges start), truncates, renames (Trenameat and Trename),
 * removes (Tunlinkat and Tremove), mkdirs, symlinks, reads and readdirs,
 * sent by our 9P client to the server serving an ext2 image through the
 * engine, and applied to a plain in-memory model (testing/tree-model.ts)
 * that says which errno each must fail with. ENOSPC is the one outcome the
 * model cannot foresee: it is accepted where something is allocated, and
 * the model then keeps what the client saw succeed (a write of several
 * messages may stop part way). Then the server stops (its last sync), and
 * tools no one here wrote judge the image: e2fsck -fn finds no problem, and
 * dumpe2fs and debugfs show exactly the model (testing/image-check.ts).
 *
 * FILESERVER_RUNS=n sets the runs per configuration (default 6),
 * FILESERVER_SEED a seed to replay.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openExt2 } from '../ext2/ext2.ts';
import { SegmentStore } from '../segment-store.ts';
import { e2fsprogs, type MkfsOptions, mkfs } from '../testing/e2fsprogs.ts';
import { expectImageMatches } from '../testing/image-check.ts';
import { offsetNearRanges, pattern } from '../testing/source-tree.ts';
import { describeWithTools } from '../testing/tools.ts';
import { byName, type DirNode, type Expected, type Node, pick, SparseBytes, TreeModel } from '../testing/tree-model.ts';
import { Client, RemoteError } from './client.ts';
import { Server } from './server.ts';

interface Config {
  readonly name: string;
  readonly image: MkfsOptions;
  readonly seed: number;
  /** Whether the disk is meant to fill up: some run must see ENOSPC. */
  readonly full: boolean;
}

const runs = Number(process.env.FILESERVER_RUNS ?? 6);
const seedOverride = process.env.FILESERVER_SEED === undefined ? undefined : Number(process.env.FILESERVER_SEED);

const configs: Config[] = [
  { name: '4 KiB blocks', image: { blockSize: 4096, size: 16 * 2 ** 20 }, seed: 1301, full: false },
  { name: '1 KiB blocks', image: { blockSize: 1024, size: 8 * 2 ** 20 }, seed: 1302, full: false },
  {
    name: '2 KiB blocks, 128-byte inodes',
    image: { blockSize: 2048, size: 8 * 2 ** 20, inodeSize: 128 },
    seed: 1303,
    full: false,
  },
  {
    name: 'a full disk (1 KiB blocks, 128 KiB, 32 inodes)',
    image: { blockSize: 1024, size: 128 * 1024, inodes: 32 },
    seed: 1304,
    full: true,
  },
];

const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_EXCL = 0o200;
const AT_REMOVEDIR = 0x200;
const SET_SIZE = 0x8;

const names = ['a', 'b', 'c', 'dir', 'a b', 'ü', 'x'.repeat(255), 'y'.repeat(256)];
/** Owners: each has its own attach (n_uname), through which it creates. */
const owners = [0, 1000, 70_000];

/** The client side of a run: one connection, a root fid per owner, and what it saw. */
interface Real {
  readonly c: Client;
  readonly roots: readonly number[];
  enospc: number;
}

/**
 * Runs `action`: it must fail with `expected`, or succeed when `expected`
 * is null (ENOSPC then allowed if `allocates`).
 */
async function outcome(real: Real, expected: Expected, allocates: boolean, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    if (expected === null && allocates && error.code === 'ENOSPC') {
      real.enospc++;
      return;
    }
    expect(error.code, error.message).toBe(expected);
    return;
  }
  expect(expected, 'the operation succeeded').toBe(null);
}

/** Walks to `where` from the root fid of `owner`, runs `body` with the fid, clunks it. */
async function withFid<T>(real: Real, owner: number, where: string, body: (fid: number) => Promise<T>): Promise<T> {
  const fid = await real.c.walkPath(real.roots[owner], where);
  try {
    return await body(fid);
  } finally {
    await real.c.clunk(fid);
  }
}

/** Where a generated create, mkdir or symlink makes its entry: indexes into the directories, `names` and `owners`. */
interface NewEntry {
  readonly dir: number;
  readonly name: number;
  readonly owner: number;
  /** A symlink's target, which the model checks too. */
  readonly target?: string;
}

/**
 * Makes the entry `at` says, as its owner: `make` sends the request through
 * a fid on the parent directory and returns the node the model then holds.
 * The model says whether it must fail, and with which errno.
 */
async function makeNew(
  model: TreeModel,
  real: Real,
  at: NewEntry,
  make: (fid: number, name: string, uid: number, parent: DirNode) => Promise<Node>,
): Promise<void> {
  const parent = pick(model.dirs(), at.dir);
  const name = names[at.name];
  await outcome(real, model.checkNew(parent, name, at.target), true, () =>
    withFid(real, at.owner, model.pathOf(parent), async (fid) =>
      model.add(parent, name, await make(fid, name, owners[at.owner], parent)),
    ),
  );
}

class Command implements fc.AsyncCommand<TreeModel, Real> {
  constructor(
    readonly label: string,
    readonly apply: (model: TreeModel, real: Real) => Promise<void>,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: TreeModel, real: Real): Promise<void> {
    return this.apply(model, real);
  }
  toString(): string {
    return this.label;
  }
}

function commands(config: Config): fc.Arbitrary<Command>[] {
  const B = config.image.blockSize;
  const offset = offsetNearRanges(B, false);
  const index = fc.nat(1000);
  const owner = fc.nat(owners.length - 1);
  const name = fc.nat(names.length - 1);

  const create = fc.record({ dir: index, name, mode: fc.constantFrom(0o644, 0o600, 0o755), owner }).map(
    (a) =>
      new Command(`create(${a.dir}, ${a.name}, ${a.owner})`, (model, real) =>
        makeNew(model, real, a, async (fid, n, uid) => {
          const qid = await real.c.lcreate(fid, n, O_RDWR | O_EXCL, a.mode, uid);
          return {
            kind: 'file',
            ino: Number(qid.path),
            mode: 0o100000 | a.mode,
            uid,
            gid: uid,
            data: new SparseBytes(),
          };
        }),
      ),
  );
  const mkdir = fc.record({ dir: index, name, owner }).map(
    (a) =>
      new Command(`mkdir(${a.dir}, ${a.name}, ${a.owner})`, (model, real) =>
        makeNew(model, real, a, async (dfid, n, uid, parent) => {
          const { qid } = await real.c.rpc('Tmkdir', { dfid, name: n, mode: 0o750, gid: 0 });
          return { kind: 'dir', ino: Number(qid.path), mode: 0o40750, uid, gid: 0, parent, children: new Map() };
        }),
      ),
  );
  const symlink = fc.record({ dir: index, name, length: fc.constantFrom(1, 59, 60, 61, B - 1, B), owner }).map(
    (a) =>
      new Command(`symlink(${a.dir}, ${a.name}, ${a.length})`, (model, real) => {
        const target = 't'.repeat(a.length);
        return makeNew(model, real, { ...a, target }, async (fid, n, uid) => {
          const { qid } = await real.c.rpc('Tsymlink', { fid, name: n, symtgt: target, gid: 0 });
          return { kind: 'link', ino: Number(qid.path), target, uid, gid: 0 };
        });
      }),
  );
  const write = fc
    .record({
      file: index,
      at: offset,
      length: fc.integer({ min: 1, max: (config.full ? 64 : 20) * B }),
      seed: fc.nat(),
    })
    .map(
      (a) =>
        new Command(`write(${a.file}, ${a.at}, ${a.length})`, async (model, real) => {
          const all = model.files();
          if (all.length === 0) return;
          const node = pick(all, a.file);
          const data = pattern(a.length, a.seed);
          await withFid(real, 0, model.pathOf(node), async (fid) => {
            await real.c.lopen(fid, O_WRONLY);
            // One Twrite per iounit: each is whole or refused, so on ENOSPC the file holds the chunks before it.
            const unit = real.c.msize - 24;
            for (let at = 0; at < data.length; at += unit) {
              const chunk = data.subarray(at, at + unit);
              let done = false;
              await outcome(real, null, true, async () => {
                expect(await real.c.write(fid, a.at + at, chunk)).toBe(chunk.length);
                node.data.write(a.at + at, chunk);
                done = true;
              });
              if (!done) return;
            }
          });
        }),
    );
  const truncate = fc.record({ file: index, size: fc.oneof(offset, fc.constant(0)) }).map(
    (a) =>
      new Command(`truncate(${a.file}, ${a.size})`, async (model, real) => {
        const all = model.files();
        if (all.length === 0) return;
        const node = pick(all, a.file);
        await withFid(real, 0, model.pathOf(node), async (fid) => {
          await real.c.setattr(fid, SET_SIZE, { size: a.size });
          node.data.truncate(a.size);
          expect((await real.c.getattr(fid)).size).toBe(a.size);
        });
      }),
  );
  const read = fc.record({ file: index, at: offset, length: fc.integer({ min: 0, max: 3 * B }) }).map(
    (a) =>
      new Command(`read(${a.file}, ${a.at}, ${a.length})`, async (model, real) => {
        const all = model.files();
        if (all.length === 0) return;
        const node = pick(all, a.file);
        await withFid(real, 0, model.pathOf(node), async (fid) => {
          await real.c.lopen(fid, O_RDONLY);
          const got = await real.c.read(fid, a.at, a.length);
          expect(got.equals(node.data.read(a.at, a.length))).toBe(true);
        });
      }),
  );
  const readdir = fc.record({ dir: index, count: fc.constantFrom(300, 4096) }).map(
    (a) =>
      new Command(`readdir(${a.dir}, ${a.count})`, async (model, real) => {
        const node = pick(model.dirs(), a.dir);
        await withFid(real, 0, model.pathOf(node), async (fid) => {
          await real.c.lopen(fid, O_RDONLY);
          const got = (await real.c.readdirAll(fid, a.count)).map(({ name, qid, type }) => ({
            name,
            ino: Number(qid.path),
            type,
          }));
          expect(got.sort(byName)).toEqual(model.listing(node));
        });
      }),
  );
  const remove = fc.record({ entry: index, how: fc.constantFrom('unlinkat', 'rmdir', 'Tremove') }).map(
    (a) =>
      new Command(`remove(${a.entry}, ${a.how})`, async (model, real) => {
        const all = model.named();
        if (all.length === 0) return;
        const { parent, name: n, node } = pick(all, a.entry);
        if (a.how === 'Tremove') {
          // Tremove removes what the fid names, a directory (rmdir) or not (unlink).
          const expected = node.kind === 'dir' ? model.checkRmdir(node) : model.checkUnlink(node);
          const fid = await real.c.walkPath(real.roots[0], model.pathOf(node));
          await outcome(real, expected, false, async () => {
            await real.c.rpc('Tremove', { fid });
            model.remove(parent, n);
          });
          return;
        }
        const expected = a.how === 'rmdir' ? model.checkRmdir(node) : model.checkUnlink(node);
        await outcome(real, expected, false, () =>
          withFid(real, 0, model.pathOf(parent), async (dirfid) => {
            await real.c.rpc('Tunlinkat', { dirfid, name: n, flags: a.how === 'rmdir' ? AT_REMOVEDIR : 0 });
            model.remove(parent, n);
          }),
        );
      }),
  );
  const rename = fc.record({ entry: index, dir: index, name, how: fc.constantFrom('Trenameat', 'Trename') }).map(
    (a) =>
      new Command(`rename(${a.entry}, ${a.dir}, ${a.name}, ${a.how})`, async (model, real) => {
        const all = model.named();
        if (all.length === 0) return;
        const { parent, name: fromName, node } = pick(all, a.entry);
        const to = pick(model.dirs(), a.dir);
        const toName = names[a.name];
        const expected = model.checkRename(parent, fromName, to, toName);
        const apply = (): void => {
          if (expected !== 'noop') model.rename(parent, fromName, to, toName);
        };
        await outcome(real, expected === 'noop' ? null : expected, to.children.get(toName) === undefined, () =>
          withFid(real, 0, model.pathOf(to), async (todir) => {
            if (a.how === 'Trename') {
              await withFid(real, 0, model.pathOf(node), (fid) =>
                real.c.rpc('Trename', { fid, dfid: todir, name: toName }),
              );
            } else {
              await withFid(real, 0, model.pathOf(parent), (from) =>
                real.c.rpc('Trenameat', { olddirfid: from, oldname: fromName, newdirfid: todir, newname: toName }),
              );
            }
            apply();
          }),
        );
      }),
  );
  return [create, create, mkdir, symlink, write, write, write, truncate, read, readdir, remove, rename, rename];
}

describeWithTools('e2fsprogs', e2fsprogs, 'random operations through 9P, judged by e2fsck and debugfs', () => {
  let dir: string;
  const pristine = new Map<string, string>();

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), '9p-image-'));
    configs.forEach((config, i) => {
      const image = path.join(dir, `pristine-${i}`);
      mkfs(image, config.image);
      pristine.set(config.name, image);
    });
  }, 60_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const config of configs) {
    test(config.name, { timeout: 300_000 }, async () => {
      const image = path.join(dir, 'image');
      let enospc = 0;
      await fc.assert(
        fc.asyncProperty(fc.commands(commands(config), { maxCommands: 50, size: 'max' }), async (sequence) => {
          fs.copyFileSync(pristine.get(config.name)!, image);
          const model = new TreeModel(config.image.blockSize);
          const store = SegmentStore.open(image, { memory: 2 ** 20 });
          try {
            // The owners create in each other's directories: ownership is what is tested, not permissions.
            const server = new Server(openExt2(store), { permChecks: false });
            const { port } = await server.listen(0, '127.0.0.1');
            const c = await Client.connect(port);
            try {
              const roots = [];
              for (const uid of owners) roots.push(await c.attach('/', '', uid));
              const real: Real = { c, roots, enospc: 0 };
              await fc.asyncModelRun(() => ({ model, real }), sequence);
              enospc += real.enospc;
            } finally {
              await c.close();
              await server.close();
            }
          } finally {
            store.close();
          }
          expectImageMatches(image, model);
        }),
        { seed: seedOverride ?? config.seed, numRuns: runs },
      );
      if (config.full) expect(enospc, 'no run filled the disk').toBeGreaterThan(0);
    });
  }
});
