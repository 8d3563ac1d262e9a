/**
 * A client's workload for the crash tests, and what it allows the image to
 * hold after a crash. Through our 9P client it creates and removes files
 * in /d and asks for a sync (Tfsync); a change is known durable once a
 * Tfsync after it is answered. When each change is followed by a Tfsync,
 * the image a crash leaves must hold exactly the files of the last
 * answered Tfsync, except for the one change in flight, which a timer's
 * sync may have caught part of the way: a file being put is absent or
 * holds a prefix of its content (the writes go in ascending order, and a
 * sync falls between two requests), a file being removed is there whole or
 * gone (judgeFiles). debugfs (rdump) reads the image, never this project's
 * code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Random } from '../../bench/workload.ts';
import { Client } from '../9p/client.ts';
import { debugfs } from './e2fsprogs.ts';

const O_RDONLY = 0;
const O_RDWR = 2;

/** The directory of the image the workload changes; the source tree must hold it. */
export const workDir = 'd';

/** The change sent and not yet known durable. */
export type InFlight =
  | { readonly kind: 'put'; readonly name: string; readonly content: Buffer }
  | { readonly kind: 'remove'; readonly name: string };

/** The files of /d: name to content. */
export type Files = ReadonlyMap<string, Buffer>;

export interface WorkloadOptions {
  /** The files /d holds when the workload starts (durable: the image's own). */
  readonly files: Files;
  readonly random: Random;
  /** Names are `f` and a number from here up, so that no two runs over one image reuse one. */
  readonly firstName: number;
  /** At most this many files in /d: past it, a step removes one. */
  readonly most: number;
  /** At most this many bytes in a file put. */
  readonly largest: number;
}

export class SyncWorkload {
  /** /d as of the last answered Tfsync. */
  synced: Map<string, Buffer>;
  /** The changes made since, in order; the last may be in flight, not whole. */
  readonly changes: InFlight[] = [];
  /** Changes known durable. */
  changesSynced = 0;
  #next: number;
  readonly #client: Client;
  readonly #dir: number;
  /** The fid Tfsync goes through (it needs one open for I/O). */
  readonly #opened: number;
  readonly #options: WorkloadOptions;

  private constructor(client: Client, dir: number, opened: number, options: WorkloadOptions) {
    this.#client = client;
    this.#dir = dir;
    this.#opened = opened;
    this.#options = options;
    this.synced = new Map(options.files);
    this.#next = options.firstName;
  }

  /** Connects to the server on `port` and opens /d. */
  static async connect(port: number, options: WorkloadOptions): Promise<SyncWorkload> {
    const client = await Client.connect(port);
    const root = await client.attach();
    const dir = await client.walk(root, [workDir]);
    const opened = await client.walk(dir, []);
    await client.lopen(opened, O_RDONLY);
    return new SyncWorkload(client, dir, opened, options);
  }

  /** The number the next file name will have. */
  get nextName(): number {
    return this.#next;
  }

  /** /d once every change made is whole: the synced files, then the changes. */
  current(): Map<string, Buffer> {
    const files = new Map(this.synced);
    for (const change of this.changes)
      if (change.kind === 'remove') files.delete(change.name);
      else files.set(change.name, change.content);
    return files;
  }

  /** One change, not synced: a file put whole, or one removed. */
  async change(): Promise<void> {
    const { random, most, largest } = this.#options;
    const names = [...this.current().keys()];
    const remove = names.length >= most || (names.length > 0 && random.below(3) === 0);
    const change: InFlight = remove
      ? { kind: 'remove', name: names[random.below(names.length)] }
      : { kind: 'put', name: `f${this.#next++}`, content: randomBytes(random, 1 + random.below(largest)) };
    this.changes.push(change);
    const c = this.#client;
    if (change.kind === 'remove') {
      await c.rpc('Tunlinkat', { dirfid: this.#dir, name: change.name, flags: 0 });
    } else {
      const fid = await c.walk(this.#dir, []);
      await c.lcreate(fid, change.name, O_RDWR, 0o644);
      await c.writeAll(fid, 0, change.content);
      await c.clunk(fid);
    }
  }

  /** Tfsync; resolves once it is answered, every change made so far durable. */
  async sync(): Promise<void> {
    await this.#client.rpc('Tfsync', { fid: this.#opened, datasync: 0 });
    this.synced = this.current();
    this.changesSynced += this.changes.length;
    this.changes.length = 0;
  }

  /** Changes and syncs, one change per sync, until a request fails (the server is gone); resolves with that failure. */
  async run(): Promise<unknown> {
    for (;;) {
      try {
        await this.change();
        await this.sync();
      } catch (error) {
        return error;
      }
    }
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

function randomBytes(random: Random, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = random.next() & 0xff;
  return bytes;
}

/** /d of `image` as debugfs reads it (rdump into `scratch`, a directory that must not exist). */
export function filesOf(image: string, scratch: string): Map<string, Buffer> {
  fs.mkdirSync(scratch);
  try {
    debugfs(image, `rdump /${workDir} ${scratch}`);
    const dumped = path.join(scratch, workDir);
    return new Map(fs.readdirSync(dumped).map((name) => [name, fs.readFileSync(path.join(dumped, name))]));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * What is wrong with `found` as the /d a crash left, given the files of
 * the last answered sync and the change then in flight: one line per
 * problem, none if it is allowed.
 */
export function judgeFiles(found: Files, synced: Files, inFlight: InFlight | null): string[] {
  const problems: string[] = [];
  for (const [name, content] of synced) {
    const got = found.get(name);
    const mayBeGone = inFlight?.kind === 'remove' && inFlight.name === name;
    if (got === undefined) {
      if (!mayBeGone) problems.push(`${name}: missing (its Tfsync was answered)`);
    } else if (!got.equals(content)) problems.push(`${name}: ${got.length} bytes, not the ${content.length} synced`);
  }
  for (const [name, got] of found) {
    if (synced.has(name)) continue;
    if (inFlight?.kind !== 'put' || inFlight.name !== name) problems.push(`${name}: never put`);
    else if (!got.equals(inFlight.content.subarray(0, got.length)))
      problems.push(`${name}: ${got.length} bytes, not a prefix of what was being put`);
  }
  return problems;
}
