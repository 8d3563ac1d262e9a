/**
 * The spec's Write: a segment's bytes to a file (write-back), skipping every
 * byte the file provably holds already. Byte i of a write of segment
 * [addr, addr + n) to file offset pos is Provable (the spec's word) iff it
 * is bound to Snap(s, pos + i) with s a trusted snapshot of that file,
 * pos + i inside the file, and block(pos + i) not preserved in s (so no
 * change has reached a bound offset of that block since s was taken).
 * Provable bytes are skipped and every other byte is written: skipping is
 * exact both ways. The write is itself a change to the file, so
 * copy-before-write comes first.
 *
 * The written runs go to the file straight from the frames (and, for pages
 * not resident, from swap or their other sources read into the staging
 * buffer), one write call per run: a writev of the run's pieces (an
 * atomic write-back, atomic.ts, writes the same runs through a journal
 * first, with the same RunWriter). With
 * rebind, only what is not already bound as it must end up is rebound: the
 * written runs, and skipped bytes bound to another snapshot than the one
 * chosen. Either way every step costs in the runs and the extents they
 * touch, never in the length written.
 */

import { crc32 } from 'node:zlib';
import { assert } from './assert.ts';
import type { Binding } from './bindings.ts';
import { type Change, change } from './copy-before-write.ts';
import type { FileState } from './files.ts';
import { iovMax } from './limits.ts';
import type { Pager } from './paging.ts';
import type { Shared } from './shared.ts';
import type { Snapshot } from './snapshots.ts';

export interface WriteResult {
  /** Bytes written to the file. */
  written: number;
  /** Bytes the file already held, so not written. */
  skipped: number;
}

/** Half-open ranges [lo, hi) of segment addresses, sorted, disjoint and coalesced. */
export type Runs = [number, number][];

/** Skipped bytes [lo, hi), bound to `snap` (the offset is the write's: address + position - addr). */
interface Skip {
  readonly lo: number;
  readonly hi: number;
  readonly snap: Snapshot;
}

/**
 * What a write-back writes: the runs not skipped (segment addresses; file
 * offset = address + delta) and the bytes skipped, judged before anything
 * changes; kept for the rebinding after it.
 */
export interface WritePlan extends WriteResult {
  readonly runs: Runs;
  readonly skips: readonly Skip[];
  /** The bytes skipped, by the snapshot they are bound to. */
  readonly skippedOf: ReadonlyMap<Snapshot, number>;
  /** File offset minus segment address. */
  readonly delta: number;
  /** The file's length before the write-back and after it. */
  readonly lengthBefore: number;
  readonly lengthAfter: number;
}

/**
 * How a write-back's runs reach the file once planned: in place (`inPlace`,
 * below) or through a journal (atomic.ts). Either writes exactly the
 * plan's runs, through `writeRuns`.
 */
export type Apply = (pager: Pager, file: FileState, plan: WritePlan) => void;

/** The `sync` write option: none, fsync(2) (true), or fdatasync(2) ('data'). */
export type Sync = boolean | 'data';

/** Appends [lo, hi) to `runs`, merging it with the last run if they touch. */
function append(runs: Runs, lo: number, hi: number): void {
  if (lo >= hi) return;
  // Stryker disable next-line UnaryOperator
  const last = runs.at(-1);
  if (last !== undefined) assert(last[1] <= lo, 'runs out of order');
  if (last !== undefined && last[1] === lo) last[1] = hi;
  else runs.push([lo, hi]);
}

/**
 * The spec's Provable over a write of segment [addr, addr + length) to
 * `file` at `position`, and its complement: the provable bytes, in address
 * order, each piece with the snapshot it is bound to, and the runs of the
 * rest, every byte of which is checked Known (else FileChangedError, before
 * anything changes). One walk over the extents, and a lookup per preserved
 * block met.
 */
function provable(
  pager: Pager,
  file: FileState,
  addr: number,
  length: number,
  position: number,
  fileLength: number,
): { skips: Skip[]; runs: Runs } {
  assert(length >= 0, 'a write of a negative length');
  assert(position >= 0, 'a write at a negative position');
  assert(fileLength >= 0, 'a file of a negative length');
  const pageSize = pager.shared.pageSize;
  const skips: Skip[] = [];
  const runs: Runs = [];
  const delta = position - addr;
  // Segment addresses below `inside` target an offset inside the file.
  // Stryker disable next-line ArithmeticOperator
  const inside = addr + Math.min(length, Math.max(0, fileLength - position));
  const toWrite = (lo: number, hi: number, binding: Binding | undefined): void => {
    if (lo >= hi) return;
    pager.checkKnownBound(lo, hi, binding);
    append(runs, lo, hi);
  };
  // Stryker disable next-line ConditionalExpression
  if (length === 0) return { skips, runs };
  pager.bindings.map.walk(addr, addr + length, (lo, hi, binding) => {
    // Bound to the very offset it would overwrite, of a snapshot of this file that is trusted.
    if (
      lo >= inside ||
      binding === undefined ||
      // Stryker disable next-line ConditionalExpression
      binding.kind !== 'snap' ||
      binding.delta !== delta ||
      binding.snap.file !== file ||
      binding.snap.stale
    ) {
      toWrite(lo, hi, binding);
      return;
    }
    const snap = binding.snap;
    const end = Math.min(hi, inside);
    // Unless its block was preserved; walked in file offsets, so that no sum exceeds 2^53.
    for (let o = lo + delta; o < end + delta; ) {
      const block = Math.floor(o / pageSize);
      const preserved = snap.preserved.next(block);
      if (preserved !== null && preserved.start === block) {
        const stop = Math.min(end + delta, preserved.end * pageSize);
        toWrite(o - delta, stop - delta, binding);
        o = stop;
        continue;
      }
      const stop = preserved === null ? end + delta : Math.min(end + delta, preserved.start * pageSize);
      // Stryker disable next-line UnaryOperator
      const last = skips.at(-1);
      if (last !== undefined && last.hi === o - delta && last.snap === snap)
        skips[skips.length - 1] = { lo: last.lo, hi: stop - delta, snap };
      else skips.push({ lo: o - delta, hi: stop - delta, snap });
      o = stop;
    }
    toWrite(end, hi, binding);
  });
  // The spec's Provable, checked on the result rather than trusted from the walk: every skipped byte is
  // bound to the very offset it would overwrite, inside the file, of a trusted snapshot of the file,
  // in a block not preserved in it.
  if (skips.length > 0) assert(skips[0].lo >= addr, 'a skip before the write');
  for (let i = 0; i < skips.length; i++) {
    assert(skips[i].lo < skips[i].hi, 'an empty skip');
    if (i > 0) assert(skips[i - 1].hi <= skips[i].lo, 'skips out of order');
    assert(skips[i].hi + delta <= fileLength, 'a skipped byte past the end of the file');
    assert(skips[i].snap.file === file, 'a skipped byte bound to another file');
    assert(!skips[i].snap.stale, 'a skipped byte bound to a stale snapshot');
    assert(
      !skips[i].snap.preserved.overlaps(
        Math.floor((skips[i].lo + delta) / pageSize),
        Math.floor((skips[i].hi - 1 + delta) / pageSize) + 1,
      ),
      'a skipped byte in a preserved block',
    );
  }
  // The runs are the complement of the skips: between two runs lies at least one skip.
  assert(runs.length <= skips.length + 1, 'more runs than the gaps between skips');
  return { skips, runs };
}

/**
 * Writes `length` bytes of the segment from `addr` to `file` at `position`;
 * the file grows as needed. Provable bytes are skipped; `apply` writes the
 * rest (`inPlace(sync)`, or atomically). With `rebind` the bytes are then
 * bound to a snapshot of what was written (the lowest-id reusable one, else
 * a new one), so their pages become clean.
 */
export function write(
  pager: Pager,
  file: FileState,
  addr: number,
  length: number,
  position: number,
  rebind: boolean,
  apply: Apply,
): WriteResult {
  const shared = pager.shared;
  assert(!file.readOnly, 'a write-back to a read-only file');
  // Refused before the file changes if rebinding might need a snapshot beyond the limit.
  if (rebind && length > 0) shared.snapshots.checkRoom();
  const plan = writePlan(pager, file, addr, length, position);
  apply(pager, file, plan);
  shared.counters.written += plan.written;
  shared.counters.runs += plan.runs.length;
  shared.counters.skipped += plan.skipped;
  // The file grew to hold the last run (its length is the one the change recorded: no new look).
  if (plan.runs.length > 0)
    assert(file.size() >= plan.runs.at(-1)![1] + plan.delta, 'the file did not grow to hold the write');
  if (rebind && length > 0) {
    const snap =
      shared.snapshots.reusable(file, [[position, position + length]]) ??
      shared.snapshots.create(file, file.copyForSnapshot());
    assert(snap.file === file, 'a rebind to a snapshot of another file');
    // The spec's rebind: to a snapshot reusable for the written range, so nothing of it is preserved.
    if (snap.copy === null)
      assert(
        !snap.preserved.overlaps(
          Math.floor(position / shared.pageSize),
          Math.floor((position + length - 1) / shared.pageSize) + 1,
        ),
        'a rebind to preserved blocks',
      );
    rebindWritten(pager, snap, position, length, plan);
  }
  return { written: plan.written, skipped: plan.skipped };
}

/**
 * The runs of a plain write-back written in place, and then the file
 * fsynced (or fdatasynced) if `sync` asks, even if nothing needed writing.
 */
export function inPlace(sync: Sync): Apply {
  return (pager, file, plan) => {
    writeRuns(pager, file, plan);
    if (sync === 'data') file.datasync();
    else if (sync) file.sync();
  };
}

/**
 * Plans a write-back of View of segment [addr, addr + length) to `file` at
 * `position`: the provable bytes skipped, the rest in runs, every byte of
 * which must be known (else FileChangedError, before anything changes).
 */
function writePlan(pager: Pager, file: FileState, addr: number, length: number, position: number): WritePlan {
  assert(addr + length <= pager.length, 'writing back past the end of the segment');
  const fileLength = file.size();
  const delta = position - addr;
  const { skips, runs } = provable(pager, file, addr, length, position, fileLength);
  let skipped = 0;
  const skippedOf = new Map<Snapshot, number>();
  for (const skip of skips) {
    skipped += skip.hi - skip.lo;
    skippedOf.set(skip.snap, (skippedOf.get(skip.snap) ?? 0) + (skip.hi - skip.lo));
  }
  let written = 0;
  for (const [lo, hi] of runs) written += hi - lo;
  assert(written + skipped === length, 'a write-back writes or skips every byte once');
  if (runs.length > 0) assert(runs[0][0] >= addr, 'a run before the write');
  if (runs.length > 0) assert(runs.at(-1)![1] <= addr + length, 'a run past the write');
  // Stryker disable next-line ArithmeticOperator
  const lengthAfter = runs.length === 0 ? fileLength : Math.max(fileLength, position + length);
  // Bytes past the end of the file are never skipped, so a write-back that grows the file ends with a run there.
  if (lengthAfter > fileLength)
    assert(runs.at(-1)![1] + delta === lengthAfter, 'a growing write-back ends short of its length');
  return { written, skipped, runs, skips, skippedOf, delta, lengthBefore: fileLength, lengthAfter };
}

/**
 * Writes a plan's runs in place, in ascending offsets, one write or writev
 * per run, copy-before-write first (the skipped bytes, bound where nothing
 * is written, spare it the sweep of a snapshot they are all the bytes of).
 * Writing nothing changes nothing: not even an isolated file's current copy.
 */
export function writeRuns(pager: Pager, file: FileState, plan: WritePlan): void {
  if (plan.runs.length === 0) return;
  const delta = plan.delta;
  const changes: Change[] = plan.runs.map(([lo, hi]) => [lo + delta, hi + delta]);
  assert(changes[0][0] >= 0, 'a run before the start of the file');
  const writeAll = (): void => {
    const writer = new RunWriter(pager, file);
    for (const [lo, hi] of plan.runs) {
      writer.at(lo + delta);
      writer.run(lo, hi, null);
      writer.flush();
      assert(writer.position === hi + delta, 'a run written short or long');
    }
  };
  change(pager.shared, file, changes, plan.lengthAfter, writeAll, plan.skippedOf);
}

/**
 * After a write-back, binds segment [addr, addr + length) to `snap` at the
 * offsets written (the spec's rebind): only the written runs and the
 * skipped bytes bound to another snapshot change; frames stay (they hold
 * what the file now holds) and are clean; swap slots of pages with no Anon
 * byte left go.
 */
function rebindWritten(pager: Pager, snap: Snapshot, position: number, length: number, plan: WritePlan): void {
  assert(plan.written + plan.skipped === length, 'rebinding another length than planned');
  assert(length > 0, 'rebinding an empty write');
  assert(!snap.stale, 'rebinding to a stale snapshot');
  const delta = plan.delta;
  assert(position - delta >= 0, 'rebinding before the start of the segment');
  const ranges: Runs = [];
  let s = 0;
  for (const [lo, hi] of plan.runs) {
    // Stryker disable next-line EqualityOperator
    for (; s < plan.skips.length && plan.skips[s].lo < lo; s++)
      // Stryker disable next-line ConditionalExpression
      if (plan.skips[s].snap !== snap) append(ranges, plan.skips[s].lo, plan.skips[s].hi);
    append(ranges, lo, hi);
  }
  for (; s < plan.skips.length; s++)
    // Stryker disable next-line ConditionalExpression
    if (plan.skips[s].snap !== snap) append(ranges, plan.skips[s].lo, plan.skips[s].hi);
  // Stryker disable next-line ConditionalExpression
  if (ranges.length === 0) return;
  assert(ranges.length <= plan.runs.length + plan.skips.length, 'more ranges rebound than written and skipped');
  const binding = { kind: 'snap', snap, delta } as const;
  // Every byte bound to `snap` is a skipped one (a new snapshot has none): the whole write ends bound to it,
  // in one extent, and its counts in one (bindRuns would reach the same state in a pass over each).
  // Stryker disable next-line ConditionalExpression
  if ((plan.skippedOf.get(snap) ?? 0) === snap.bound)
    pager.bindings.bindTiling(position - delta, position + length - delta, binding);
  else pager.bindings.bindRuns(ranges, binding);
  for (const [lo, hi] of ranges) pager.rebound(lo, hi, true);
}

/** Where a RunWriter's calls go: a file written in place (FileState), or a journal. */
export interface Sink {
  writeAt(from: Uint8Array, at: number, length: number, position: number): void;
  writevAt(buffers: readonly Uint8Array[], position: number): void;
}

/**
 * Writes runs of a segment to a sink, each straight from its frames: the
 * pieces (a page's bytes in its frame, a stretch of pages not resident read
 * into the staging buffer, or bytes of the caller's own, a journal record's
 * header) go back to back from the position set, in one write call, a
 * writev when there is more than one piece, at each `flush`. More than
 * iovMax pieces, or more non-resident bytes than the staging buffer holds,
 * take more calls, in order.
 */
export class RunWriter {
  readonly #shared: Shared;
  readonly #pager: Pager;
  readonly #sink: Sink;
  // The pending pieces of the current call: the array each lies in (frame pool, staging, or given), offset, length.
  readonly #sources: Uint8Array[] = [];
  readonly #offsets: number[] = [];
  readonly #lengths: number[] = [];
  #position = 0;
  #pending = 0;
  #staged = 0;

  constructor(pager: Pager, sink: Sink) {
    this.#shared = pager.shared;
    this.#pager = pager;
    this.#sink = sink;
  }

  /** Where the next byte goes: the position written so far, pending pieces included. */
  get position(): number {
    return this.#position + this.#pending;
  }

  /** The next call writes from `position` (nothing may be pending). */
  at(position: number): void {
    assert(this.#offsets.length === 0, 'moving with pieces unwritten');
    assert(position >= 0, 'writing at a negative position');
    this.#position = position;
  }

  /** Bytes of the caller's own, next (held until flushed: not to be changed before). */
  add(bytes: Uint8Array): void {
    this.#add(bytes, 0, bytes.length);
  }

  /**
   * The segment's View of [lo, hi), next. With `crc` (a running CRC-32),
   * returns it continued over those bytes, as they are written; else 0.
   */
  run(lo: number, hi: number, crc: number | null): number {
    assert(lo < hi, 'writing an empty run');
    const B = this.#shared.pageSize;
    const pool = this.#shared.pool.bytes;
    const staging = this.#shared.staging;
    const start = this.position;
    let sum = crc ?? 0;
    for (let x = lo; x < hi; ) {
      const page = Math.floor(x / B);
      const base = page * B;
      const stop = base + Math.min(B, hi - base);
      const frame = this.#pager.table.get(page);
      let from: Uint8Array;
      let at: number;
      if (frame >= 0) {
        from = pool;
        at = frame * B + (x - base);
      } else {
        if (this.#staged + (stop - x) > staging.length) this.flush();
        this.#pager.view(x, stop, staging, this.#staged);
        from = staging;
        at = this.#staged;
        this.#staged += stop - x;
      }
      if (crc !== null) sum = crc32(from.subarray(at, at + (stop - x)), sum);
      this.#add(from, at, stop - x);
      x = stop;
    }
    assert(this.position === start + (hi - lo), 'a run added short or long');
    return sum;
  }

  /** Writes the pending pieces in one call. */
  flush(): void {
    const count = this.#offsets.length;
    if (count === 0) return;
    const total = this.#pending;
    // Stryker disable next-line ConditionalExpression
    if (count === 1) {
      this.#sink.writeAt(this.#sources[0], this.#offsets[0], total, this.#position);
    } else {
      const buffers: Uint8Array[] = [];
      let sum = 0;
      for (let i = 0; i < count; i++) {
        buffers.push(this.#sources[i].subarray(this.#offsets[i], this.#offsets[i] + this.#lengths[i]));
        sum += this.#lengths[i];
      }
      assert(sum === total, 'pieces of another length than counted');
      this.#sink.writevAt(buffers, this.#position);
    }
    assert(total > 0, 'an empty write call');
    this.#position += total;
    this.#pending = 0;
    this.#staged = 0;
    this.#sources.length = 0;
    this.#offsets.length = 0;
    this.#lengths.length = 0;
  }

  #add(from: Uint8Array, offset: number, length: number): void {
    assert(length > 0, 'an empty piece');
    assert(this.#offsets.length < iovMax, 'more pieces than one writev takes');
    const last = this.#offsets.length - 1;
    this.#pending += length;
    if (last >= 0 && this.#sources[last] === from && this.#offsets[last] + this.#lengths[last] === offset) {
      this.#lengths[last] += length;
      return;
    }
    this.#sources.push(from);
    this.#offsets.push(offset);
    this.#lengths.push(length);
    // Written with the piece just added: a piece in the staging buffer is never left behind a flush that frees it.
    if (this.#offsets.length === iovMax) this.flush();
  }
}
