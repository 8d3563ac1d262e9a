/**
 * The I/O calls a step made on its Persistent file, one text per call, as
 * the model logs them (DeferredIO.tla, log) and as the engine made them
 * (impl/testing/recording-backend.ts's log): the order of calls is part of
 * the contract (crash-interface.md), so edge replay compares the two
 * lists. A journal write is named by the records it appends; the engine
 * keeps a checksum of a run's pre-image, not the bytes, so pre is not
 * compared.
 */
import { crc32 } from 'node:zlib';
import { blocksOf, journalName } from '../impl/journal.ts';
import type { RecordedCall } from '../impl/testing/recording-backend.ts';
import type { IoCallOf, RecordOf } from '../model/file-system.ts';
import { journalEntries } from './journal-bytes.ts';

/** Bytes as a call's text has them: a few in full, more by length and checksum (a fuzzer's write-back is many KiB). */
const bytes = (data: ArrayLike<number>): string =>
  data.length <= 32
    ? `<${Array.from(data).join(',')}>`
    : `<${data.length} bytes, crc ${crc32(data instanceof Uint8Array ? data : Uint8Array.from(data))}>`;

const record = (r: Pick<RecordOf<ArrayLike<number>>, 'kind' | 'off' | 'data' | 'len'>): string =>
  r.kind === 'run' ? `run ${r.off} ${bytes(r.data)}` : `${r.kind} ${r.len}`;

/** A call of the model's log. */
export const modelCall = (k: IoCallOf<ArrayLike<number>>): string => {
  switch (k.op) {
    case 'write':
      return `write(${k.file},${k.off},${bytes(k.data)})`;
    case 'truncate':
      return `truncate(${k.file},${k.len})`;
    case 'append':
      return `append(${k.file},[${k.records.map(record).join('; ')}])`;
    default:
      return `${k.op}(${k.file})`;
  }
};

/**
 * A call the engine made in the directory of Persistent file `file` (its
 * page size `pageSize`): on the file itself, on its journal, or on the
 * directory. A journal write appends whole records: the header and runs
 * at the start, then the commit.
 */
export function engineCall(k: RecordedCall, file: string, pageSize: number): string {
  if (k.op === 'syncDirectory') return `dirSync(${file})`;
  const journal = k.name === journalName(file);
  if (!journal && k.name !== file) return `${k.op} of ${k.name}`;
  switch (k.op) {
    case 'write':
    case 'writev':
      if (!journal) return `write(${file},${k.position},${bytes(k.data)})`;
      return `append(${file},[${appended(k.data, k.position, pageSize).map(record).join('; ')}])`;
    case 'truncate':
      return journal ? `truncate of ${k.name}` : `truncate(${file},${k.length})`;
    case 'sync':
    case 'datasync':
      return journal ? `journalSync(${file})` : `sync(${file})`;
    case 'create':
    case 'remove':
      return journal ? `${k.op}(${file})` : `${k.op} of ${k.name}`;
    case 'rename':
      return `rename of ${k.name}`;
  }
}

/** The records a write of `data` at `position` appends to a journal: at its start the header, then runs, then the commit. */
function appended(data: Uint8Array, position: number, pageSize: number) {
  if (position === 0) return journalEntries(data, pageSize);
  // Past the header: runs and the commit, read by their fields (the commit's checksum covers what came before).
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: { kind: 'run' | 'commit'; off: number; data: Uint8Array; len: number }[] = [];
  for (let at = 0; at + 4 <= data.length; ) {
    if (String.fromCharCode(...data.subarray(at, at + 4)) === 'CMT1') {
      out.push({ kind: 'commit', off: 0, data: new Uint8Array(0), len: Number(view.getBigUint64(at + 24, true)) });
      break;
    }
    const off = Number(view.getBigUint64(at + 12, true));
    const length = view.getUint32(at + 20, true);
    const dataAt = at + 24 + 4 * blocksOf(off, length, pageSize);
    out.push({ kind: 'run', off, data: data.subarray(dataAt, dataAt + length), len: 0 });
    at = dataAt + length + 4;
  }
  return out;
}
