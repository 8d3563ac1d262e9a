/**
 * A cpio archive in the "newc" format, the one the Linux kernel unpacks as
 * an initramfs. Written here rather than by cpio(1) so that /dev/console
 * (a device node, which only root could create in a staging directory) can
 * be an entry, and so that the same inputs always give the same bytes
 * (owner root, mtime 0): the archive is cached by the hash of its inputs.
 */

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'char'; path: string; major: number; minor: number; mode?: number };

const typeBits = { dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000 } as const;
const defaultMode = { dir: 0o755, file: 0o644, symlink: 0o777, char: 0o600 } as const;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Zero bytes that bring `length` up to a multiple of four, as newc aligns names and data. */
function pad4(length: number): Uint8Array {
  return new Uint8Array((4 - (length % 4)) % 4);
}

function record(ino: number, mode: number, rdev: [number, number], name: string, data: Uint8Array): Uint8Array[] {
  const nameBytes = Buffer.from(`${name}\0`);
  const header = [
    '070701',
    hex8(ino),
    hex8(mode),
    hex8(0), // uid
    hex8(0), // gid
    hex8(mode & typeBits.dir ? 2 : 1), // nlink
    hex8(0), // mtime
    hex8(data.length),
    hex8(0), // dev major
    hex8(0), // dev minor
    hex8(rdev[0]),
    hex8(rdev[1]),
    hex8(nameBytes.length),
    hex8(0), // check (unused by newc)
  ].join('');
  const headed = header.length + nameBytes.length;
  return [Buffer.from(header), nameBytes, pad4(headed), data, pad4(data.length)];
}

/** The archive of `entries`, in their order (a directory must come before what it holds), ended by TRAILER!!!. */
export function cpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  entries.forEach((entry, i) => {
    const name = entry.path.replace(/^\/+/, '');
    const mode =
      typeBits[entry.kind] | (entry.kind === 'symlink' ? defaultMode.symlink : (entry.mode ?? defaultMode[entry.kind]));
    const data =
      entry.kind === 'file' ? entry.data : entry.kind === 'symlink' ? Buffer.from(entry.target) : new Uint8Array(0);
    const rdev: [number, number] = entry.kind === 'char' ? [entry.major, entry.minor] : [0, 0];
    parts.push(...record(i + 1, mode, rdev, name, data));
  });
  parts.push(...record(0, 0, [0, 0], 'TRAILER!!!', new Uint8Array(0)));
  return Buffer.concat(parts);
}
