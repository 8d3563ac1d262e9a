/**
 * Who a request acts for, and what that user may do: POSIX permission
 * checks made by the server, since the file system below checks nothing.
 *
 * A user is a uid and nothing else. 9P tells the server the uid (Tattach's
 * n_uname; a 9P2000 uname read as a decimal uid) but never the user's
 * groups, and the image's /etc/group is not the client's: so a user is in
 * no group. The group bits of a mode grant nothing to anyone but root (the
 * "other" bits apply), and only root changes a file's group. Stricter than
 * the client's own kernel, never looser; and the setgid bit is set by root
 * only, or passed on by a setgid directory. Root (uid 0) passes every check
 * but execute, which needs some x bit, as in Linux (CAP_DAC_OVERRIDE).
 *
 * With the checks off (`--no-perm-checks`, diod's single-user case) the
 * server trusts the client to have checked, as v9fs does in the kernel:
 * owners are still recorded as the requests name them.
 */
import { type Attr, S_IFDIR, S_IFMT, S_IFREG, type SetAttr } from '../fs.ts';
import { ProtocolError } from './errors.ts';

/** The rwx bits, as access(2) names them. */
export const R_OK = 4;
export const W_OK = 2;
export const X_OK = 1;

/** The sticky bit: in such a directory only a name's file owner, the directory's owner or root removes or renames it. */
const S_ISVTX = 0o1000;
/** The setgid bit: set only by a member of the file's group (or root), which is why a user here never sets it. */
const S_ISGID = 0o2000;

/** The uid of a user 9P names but that has no number (Plan 9's "glenda", Linux's default "nobody"). */
export const NOBODY = 65534;

/** A 9P2000 uname (or a 9P2000.L one sent without n_uname): a decimal uid, or nobody. */
export function uidOfName(uname: string): number {
  return /^[0-9]{1,10}$/.test(uname) && Number(uname) < 0xffffffff ? Number(uname) : NOBODY;
}

/** Whether `uid` may access `attr` for `want` (R_OK | W_OK | X_OK), by the POSIX rules above. */
export function permitted(attr: Attr, uid: number, want: number): boolean {
  if (uid === 0) return (want & X_OK) === 0 || (attr.mode & S_IFMT) === S_IFDIR || (attr.mode & 0o111) !== 0;
  const bits = uid === attr.uid ? attr.mode >> 6 : attr.mode;
  return (bits & want) === want;
}

/** Refuses with EACCES what `uid` may not do to `attr` (when the server checks). */
export function requireAccess(checks: boolean, attr: Attr, uid: number, want: number, what: string): void {
  if (checks && !permitted(attr, uid, want)) throw new ProtocolError('EACCES', `${what}: access permission denied`);
}

/**
 * Removing or renaming the entry for `file` in `dir`: write and search
 * permission on the directory, and in a sticky directory ownership of the
 * file or the directory (EPERM, as Linux).
 */
export function requireRemovable(checks: boolean, dir: Attr, file: Attr, uid: number, name: string): void {
  requireAccess(checks, dir, uid, W_OK | X_OK, `remove ${name}`);
  if (checks && uid !== 0 && dir.mode & S_ISVTX && uid !== dir.uid && uid !== file.uid)
    throw new ProtocolError('EPERM', `${name}: sticky directory: operation not permitted`);
}

/**
 * A change of attributes, as chmod(2), chown(2), utimensat(2) and
 * truncate(2) allow it: the mode and times set to given values only by the
 * owner or root (EPERM); the owner changed only by root, the group only by
 * root (the user is in no group, above), each unless unchanged (EPERM);
 * times set to now also by a user with write permission, and the size
 * changed only with write permission or through a fid open for writing
 * (EACCES).
 */
export function requireSettable(
  checks: boolean,
  attr: Attr,
  uid: number,
  set: SetAttr,
  how: { timesNow: boolean; openForWrite: boolean },
): void {
  if (!checks || uid === 0) return;
  const owner = uid === attr.uid;
  const times = set.atime !== undefined || set.mtime !== undefined;
  if ((set.mode !== undefined || (times && !how.timesNow)) && !owner)
    throw new ProtocolError('EPERM', 'only the owner changes mode and times: operation not permitted');
  if ((set.uid !== undefined && set.uid !== attr.uid) || (set.gid !== undefined && set.gid !== attr.gid))
    throw new ProtocolError('EPERM', 'only root changes owner and group: operation not permitted');
  // Linux sets setgid only for a member of the file's group; the server cannot know one (it keeps a bit already set).
  if (set.mode !== undefined && set.mode & S_ISGID && !(attr.mode & S_ISGID))
    throw new ProtocolError(
      'EPERM',
      'setgid needs the group, which only root is known to have: operation not permitted',
    );
  if (times && how.timesNow && !owner) requireAccess(checks, attr, uid, W_OK, 'set times');
  if (set.size !== undefined && !how.openForWrite) requireAccess(checks, attr, uid, W_OK, 'truncate');
}

/**
 * The mode and group of a file a user creates in directory `dir`: with the
 * setgid bit only as a setgid directory passes it on (its group), since
 * only a member of the group may set it (EPERM; root may).
 */
export function requireCreatableMode(checks: boolean, dir: Attr, uid: number, mode: number, gid: number): void {
  if (checks && uid !== 0 && mode & S_ISGID && !(dir.mode & S_ISGID && gid === dir.gid))
    throw new ProtocolError(
      'EPERM',
      'setgid needs the group, which only root is known to have: operation not permitted',
    );
}

/**
 * An extended attribute read (`write` false) or set or removed, as Linux's
 * xattr_permission and capabilities allow it: `trusted.` is root's (reading
 * it ENODATA, as if absent; setting it EPERM), and so is setting
 * `security.`; an ACL (`system.`) is set by the owner only (EPERM); a
 * `user.` attribute exists only on files and directories (ENODATA, EPERM),
 * is set in a sticky directory by its owner only, and needs read or write
 * permission on the file (EACCES).
 */
export function requireXattrAccess(checks: boolean, attr: Attr, uid: number, name: string, write: boolean): void {
  if (!checks || uid === 0) return;
  const refuse = (why: string): never => {
    throw new ProtocolError(write ? 'EPERM' : 'ENODATA', `${name}: ${why}`);
  };
  if (name.startsWith('trusted.') || (write && name.startsWith('security.'))) refuse('only root has it');
  if (name.startsWith('system.') && write && uid !== attr.uid) refuse('only the owner sets it');
  if (!name.startsWith('user.')) return;
  const type = attr.mode & S_IFMT;
  if (type !== S_IFREG && type !== S_IFDIR) refuse('only files and directories have user attributes');
  if (write && type === S_IFDIR && attr.mode & S_ISVTX && uid !== attr.uid) refuse('sticky directory');
  requireAccess(checks, attr, uid, write ? W_OK : R_OK, name);
}

/** Whether listxattr shows `name` to `uid`: `trusted.` names only to root, as Linux's ext2. */
export function listsXattr(checks: boolean, uid: number, name: string): boolean {
  return !checks || uid === 0 || !name.startsWith('trusted.');
}
