/**
 * The model-based test of the whole file system: fast-check generates
 * sequences of creates, writes (reaching the single, double and, with 1 KiB
 * blocks, triple indirect ranges), truncates, renames, unlinks, mkdirs,
 * rmdirs, symlinks, reads and readdirs; each runs on a TreeModel
 * (testing/tree-model.ts) and on ext2 over a real store, with the same
 * result or the same errno. ENOSPC is the one outcome the model cannot
 * foresee: it is accepted for an operation that allocates, and the model
 * is then left unchanged, so everything after checks that the failed
 * operation changed nothing.
 *
 * After each sequence: sync, then tools no one here wrote judge the image
 * (testing/image-check.ts): e2fsck -fn must find no problem, dumpe2fs
 * must show the superblock's free counts equal to the sum of the groups',
 * and debugfs's ls -l of every directory, cat of every file and the target
 * of every symlink must be exactly what the model holds (names, inode
 * numbers, "." and "..", modes, owners, sizes, bytes).
 *
 * FILESERVER_RUNS=n sets the runs per configuration and store (default
 * 10, CI's budget), FILESERVER_SEED a seed to replay.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FsError } from '../fs.ts';
import { e2fsprogs, type MkfsOptions, mkfs } from '../testing/e2fsprogs.ts';
import { expectImageMatches } from '../testing/image-check.ts';
import { offsetNearRanges, pattern, readdirAll } from '../testing/source-tree.ts';
import { describeEachStore, type StoreKind } from '../testing/stores.ts';
import { describeWithTools } from '../testing/tools.ts';
import { byName, type Expected, pick, SparseBytes, TreeModel } from '../testing/tree-model.ts';
import { type Ext2, openExt2 } from './ext2.ts';

interface Config {
  name: string;
  image: MkfsOptions;
  /** Whether writes reach the triple indirect range (cheap only with 1 KiB blocks). */
  triple: boolean;
  seed: number;
  /** Whether the disk is meant to fill up (ENOSPC must happen in some run). */
  full: boolean;
}

const runs = Number(process.env.FILESERVER_RUNS ?? 10);
const seedOverride = process.env.FILESERVER_SEED === undefined ? undefined : Number(process.env.FILESERVER_SEED);

const configs: Config[] = [
  {
    name: '1 KiB blocks, up to triple indirect',
    image: { blockSize: 1024, size: 8 * 2 ** 20 },
    triple: true,
    seed: 101,
    full: false,
  },
  { name: '2 KiB blocks', image: { blockSize: 2048, size: 8 * 2 ** 20 }, triple: false, seed: 202, full: false },
  {
    name: '4 KiB blocks, 128-byte inodes',
    image: { blockSize: 4096, size: 16 * 2 ** 20, inodeSize: 128 },
    triple: false,
    seed: 303,
    full: false,
  },
  { name: '4 KiB blocks', image: { blockSize: 4096, size: 24 * 2 ** 20 }, triple: false, seed: 404, full: false },
  {
    name: 'a full disk (1 KiB blocks, 128 KiB, 16 inodes)',
    image: { blockSize: 1024, size: 128 * 1024, inodes: 16 },
    triple: false,
    seed: 505,
    full: true,
  },
];

/** What a command runs against: the file system, and what the run saw. */
interface Real {
  fs: Ext2;
  enospc: number;
}

const names = ['a', 'b', 'c', 'dir', 'a b', 'ü', 'x'.repeat(255), 'y'.repeat(256)];
const owners = [0, 1000, 70_000];

/**
 * Runs `action` on the file system; it must fail with `expected`, or
 * succeed when `expected` is null (ENOSPC then allowed if `allocates`).
 * Returns whether it succeeded.
 */
function outcome(real: Real, expected: Expected, allocates: boolean, action: () => void): boolean {
  try {
    action();
  } catch (error) {
    if (!(error instanceof FsError)) throw error;
    if (expected === null && allocates && error.code === 'ENOSPC') {
      real.enospc++;
      return false;
    }
    expect(error.code, error.message).toBe(expected);
    return false;
  }
  expect(expected, 'the operation succeeded').toBe(null);
  return true;
}

/** One generated operation: applied to the model and the file system, printed by its label when a run fails. */
class Command {
  constructor(
    readonly label: string,
    readonly apply: (model: TreeModel, real: Real) => void,
  ) {}
  toString(): string {
    return this.label;
  }
}

function commands(config: Config): fc.Arbitrary<Command> {
  const B = config.image.blockSize;
  const offset = offsetNearRanges(B, config.triple);
  // Which file, directory or entry: often the first, so that operations pile up on one file.
  const index = fc.oneof(fc.constant(0), fc.nat(1000));
  const owner = fc.constantFrom(...owners);
  const create = fc
    .record({ dir: index, name: fc.nat(names.length - 1), mode: fc.constantFrom(0o644, 0o600, 0o755), uid: owner })
    .map(
      ({ dir, name, mode, uid }) =>
        new Command(`create(${dir}, ${name})`, (model, real) => {
          const parent = pick(model.dirs(), dir);
          const n = names[name];
          outcome(real, model.checkNew(parent, n), true, () => {
            const ino = real.fs.create(parent.ino, n, mode, uid, uid);
            model.add(parent, n, { kind: 'file', ino, mode: 0o100000 | mode, uid, gid: uid, data: new SparseBytes() });
          });
        }),
    );
  const mkdir = fc.record({ dir: index, name: fc.nat(names.length - 1), uid: owner }).map(
    ({ dir, name, uid }) =>
      new Command(`mkdir(${dir}, ${name})`, (model, real) => {
        const parent = pick(model.dirs(), dir);
        const n = names[name];
        outcome(real, model.checkNew(parent, n), true, () => {
          const ino = real.fs.mkdir(parent.ino, n, 0o750, uid, 0);
          model.add(parent, n, { kind: 'dir', ino, mode: 0o40750, uid, gid: 0, parent, children: new Map() });
        });
      }),
  );
  const symlink = fc
    .record({ dir: index, name: fc.nat(names.length - 1), length: fc.constantFrom(1, 59, 60, 61, B - 1, B) })
    .map(
      ({ dir, name, length }) =>
        new Command(`symlink(${dir}, ${name}, ${length})`, (model, real) => {
          const parent = pick(model.dirs(), dir);
          const n = names[name];
          const target = 't'.repeat(length);
          outcome(real, model.checkNew(parent, n, target), true, () => {
            const ino = real.fs.symlink(parent.ino, n, target, 0, 0);
            model.add(parent, n, { kind: 'link', ino, target, uid: 0, gid: 0 });
          });
        }),
    );
  const write = fc
    .record({
      file: index,
      at: offset,
      length: fc.oneof(fc.integer({ min: 1, max: 3 * B }), fc.integer({ min: 1, max: (config.full ? 128 : 20) * B })),
      seed: fc.nat(),
    })
    .map(
      ({ file, at, length, seed }) =>
        new Command(`write(${file}, ${at}, ${length})`, (model, real) => {
          const all = model.files();
          if (all.length === 0) return;
          const node = pick(all, file);
          const data = pattern(length, seed);
          outcome(real, null, true, () => {
            expect(real.fs.write(node.ino, at, data)).toBe(length);
            node.data.write(at, data);
          });
        }),
    );
  // A new size near a range of the block tree, or a fraction of the current size (cutting into data, so that growing again must read zeros).
  const newSize = fc.oneof(
    offset.map((at) => ({ label: String(at), of: (): number => at })),
    fc.integer({ min: 0, max: 1000 }).map((permille) => ({
      label: `${permille}‰`,
      of: (current: number): number => Math.floor((current * permille) / 1000),
    })),
  );
  const truncate = fc.record({ file: index, size: newSize }).map(
    ({ file, size }) =>
      new Command(`truncate(${file}, ${size.label})`, (model, real) => {
        const all = model.files();
        if (all.length === 0) return;
        const node = pick(all, file);
        const to = size.of(node.data.size);
        const attr = real.fs.setattr(node.ino, { size: to });
        node.data.truncate(to);
        expect(attr.size).toBe(to);
      }),
  );
  // Into a new array, or into one given (as the server reads into its reply) that holds garbage, so that holes must be zeroed.
  const read = fc
    .record({ file: index, at: offset, length: fc.integer({ min: 0, max: 3 * B }), into: fc.boolean() })
    .map(
      ({ file, at, length, into }) =>
        new Command(`read(${file}, ${at}, ${length}${into ? ', into' : ''})`, (model, real) => {
          const all = model.files();
          if (all.length === 0) return;
          const node = pick(all, file);
          const target = into ? new Uint8Array(length + 3).fill(0xa5) : undefined;
          const got = real.fs.read(node.ino, at, length, target);
          expect(Buffer.from(got).equals(node.data.read(at, length))).toBe(true);
          if (target !== undefined) expect(got.buffer).toBe(target.buffer);
        }),
    );
  const readdir = fc.record({ dir: index, page: fc.integer({ min: 1, max: 5 }) }).map(
    ({ dir, page }) =>
      new Command(`readdir(${dir}, ${page})`, (model, real) => {
        const node = pick(model.dirs(), dir);
        const got = readdirAll(real.fs, node.ino, page).map(({ name, ino, type }) => ({ name, ino, type }));
        expect(got.sort(byName)).toEqual(model.listing(node));
      }),
  );
  // unlink or rmdir of any named entry, a file, a directory or a link alike: the model says which errno refuses it.
  const removal = (how: 'unlink' | 'rmdir'): fc.Arbitrary<Command> =>
    fc.record({ entry: index }).map(
      ({ entry }) =>
        new Command(`${how}(${entry})`, (model, real) => {
          const all = model.named();
          if (all.length === 0) return;
          const { parent, name, node } = pick(all, entry);
          outcome(real, how === 'unlink' ? model.checkUnlink(node) : model.checkRmdir(node), false, () => {
            real.fs[how](parent.ino, name);
            model.remove(parent, name);
          });
        }),
    );
  const unlink = removal('unlink');
  const rmdir = removal('rmdir');
  const rename = fc.record({ entry: index, dir: index, name: fc.nat(names.length - 1) }).map(
    ({ entry, dir, name }) =>
      new Command(`rename(${entry}, ${dir}, ${name})`, (model, real) => {
        const all = model.named();
        if (all.length === 0) return;
        const { parent, name: fromName } = pick(all, entry);
        const to = pick(model.dirs(), dir);
        const toName = names[name];
        const expected = model.checkRename(parent, fromName, to, toName);
        outcome(real, expected === 'noop' ? null : expected, to.children.get(toName) === undefined, () => {
          real.fs.rename(parent.ino, fromName, to.ino, toName);
          if (expected !== 'noop') model.rename(parent, fromName, to, toName);
        });
      }),
  );
  const weighted = (arbitrary: fc.Arbitrary<Command>, weight: number): fc.WeightedArbitrary<Command> => ({
    arbitrary,
    weight,
  });
  return fc.oneof(
    weighted(create, 3),
    weighted(mkdir, 1),
    weighted(symlink, 1),
    // On the small disk, writes dominate: it must fill up.
    weighted(write, config.full ? 8 : 4),
    weighted(truncate, 1),
    weighted(read, 1),
    weighted(readdir, 1),
    weighted(unlink, 1),
    weighted(rmdir, 1),
    weighted(rename, 2),
  );
}

describeWithTools('e2fsprogs', e2fsprogs, 'ext2 against a model, judged by e2fsck and debugfs', () => {
  let dir: string;
  const pristine = new Map<string, string>();

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ext2-model-'));
    for (const config of configs) {
      const image = path.join(dir, `pristine-${configs.indexOf(config)}`);
      mkfs(image, config.image);
      pristine.set(config.name, image);
    }
  }, 60_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describeEachStore('random operations', (kind: StoreKind) => {
    for (const config of configs) {
      test(config.name, { tags: ['slow'] }, () => {
        const image = path.join(dir, `image-${kind.name}`);
        let enospc = 0;
        fc.assert(
          fc.property(fc.array(commands(config), { minLength: 10, maxLength: 50 }), (sequence) => {
            fs.copyFileSync(pristine.get(config.name)!, image);
            const model = new TreeModel(config.image.blockSize);
            const store = kind.open(image);
            try {
              const real: Real = { fs: openExt2(store), enospc: 0 };
              for (const command of sequence) command.apply(model, real);
              real.fs.sync();
              enospc += real.enospc;
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
});
