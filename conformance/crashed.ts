/**
 * The state a crash leaves a Persistent file's directory in, built as the
 * spec's Crash builds it (DeferredIO.tla, Crash, PowerCut) from what the
 * recording backend logged (impl/testing/recording-backend.ts,
 * crash-states.ts): the directory after call `cut` of the last step's
 * calls; a kill keeps it whole (page cache, durable state, and what is not
 * durable yet, for a power cut inside the recovery that follows); a power
 * cut keeps exactly what the spec's choice `keep` names -- each block of
 * the file its page-cache version if kept, else its durable one, the
 * file's length, the journal's name as readers saw it or as it is durable,
 * and each journal record written since the journal's fsync whole or torn
 * -- and then everything is durable.
 *
 * The spec's view of the directory (the projection of its file, durable
 * content and journal) is here too, so that the two directions agree.
 */
import { journalName } from '../impl/journal.ts';
import { crashPoints } from '../impl/testing/crash-states.ts';
import {
  bytesOf,
  type Content,
  type DirectoryState,
  type FileState,
  type RecordedCall,
} from '../impl/testing/recording-backend.ts';
import type { JournalOf, RecordOf } from '../model/file-system.ts';
import type { Token } from '../model/state.ts';
import { journalEntries, torn } from './journal-bytes.ts';

/** The directory after `cut` of the calls `log` made from `before` (a kill's state). */
export function afterCalls(before: DirectoryState, log: readonly RecordedCall[], cut: number): DirectoryState {
  for (const point of crashPoints(before, log)) if (point.after === cut) return point.state;
  throw new Error(`no crash point after ${cut} of ${log.length} calls`);
}

const has = (keep: readonly Token[], f: string, what: Token[1], i: number): boolean =>
  keep.some((t) => t[0] === f && t[1] === what && t[2] === i);

/** A file's content, all of it durable, in blocks of `blockSize`. */
function durableFile(bytes: Uint8Array, blockSize: number): FileState {
  const blocks = new Map<number, Uint8Array>();
  for (let at = 0; at < bytes.length; at += blockSize) {
    const block = new Uint8Array(blockSize);
    block.set(bytes.subarray(at, at + blockSize));
    blocks.set(at / blockSize, block);
  }
  const content: Content = { length: bytes.length, blocks };
  return { cache: content, durable: content, unsynced: [] };
}

/** The state a power cut that keeps `keep` leaves of Persistent file f's directory in state `at` (spec: PowerCut). */
export function powerCut(f: string, at: DirectoryState, keep: readonly Token[]): DirectoryState {
  const B = at.blockSize;
  const ino = at.entries.get(f)!;
  const { cache, durable } = at.files.get(ino)!;
  const seen = bytesOf(cache, B);
  const disk = bytesOf(durable, B);
  const length = has(keep, f, 'length', 0) ? seen.length : disk.length;
  // Zero past the end of the version a block is taken from.
  const content = new Uint8Array(length);
  for (let at = 0; at < length; at += B) {
    const version = has(keep, f, 'block', at / B) ? seen : disk;
    content.set(version.subarray(at, Math.min(length, at + B)), at);
  }
  const files = new Map<number, FileState>([[ino, durableFile(content, B)]]);
  const entries = new Map([[f, ino]]);
  const name = journalName(f);
  const journal = has(keep, f, 'name', 0) ? at.entries.get(name) : at.durableEntries.get(name);
  if (journal !== undefined) {
    const j = at.files.get(journal)!;
    const synced = journalEntries(bytesOf(j.durable, B), B).length;
    const bytes = torn(bytesOf(j.cache, B), B, (i) => i > synced && !has(keep, f, 'record', i));
    files.set(journal, durableFile(bytes, B));
    entries.set(name, journal);
  }
  return { blockSize: B, files, entries, durableEntries: entries, unsyncedEntries: [] };
}

/** A journal as its directory holds it: its records lack the runs' pre-images (the engine keeps only their checksums). */
export interface HeldJournal extends Omit<JournalOf<Uint8Array>, 'records'> {
  readonly records: readonly Omit<RecordOf<Uint8Array>, 'pre'>[];
}

/**
 * Persistent file f's content, durable content and journal as the spec
 * holds them, read from its directory in state `at`, but for the pre-images
 * of the journal's runs.
 */
export function fileSystemOf(
  f: string,
  at: DirectoryState,
): { file: Uint8Array; disk: Uint8Array; journal: HeldJournal } {
  const B = at.blockSize;
  const { cache, durable } = at.files.get(at.entries.get(f)!)!;
  const name = journalName(f);
  const seen = at.entries.get(name);
  const named = at.durableEntries.get(name);
  const ino = seen ?? named;
  let journal: HeldJournal = { exists: false, named: false, records: [], synced: 0 };
  if (ino !== undefined) {
    const j = at.files.get(ino)!;
    journal = {
      exists: seen !== undefined,
      named: named !== undefined,
      records: journalEntries(bytesOf(j.cache, B), B).map((e) => ({
        kind: e.kind,
        off: e.off,
        data: e.data,
        len: e.len,
        ok: e.ok,
      })),
      synced: journalEntries(bytesOf(j.durable, B), B).length,
    };
  }
  return { file: bytesOf(cache, B), disk: bytesOf(durable, B), journal };
}
