/**
 * POSIX ACLs as ext2 stores them. Clients pass system.posix_acl_access and
 * system.posix_acl_default in the kernel's xattr form (posix_acl_xattr.h:
 * version 2, then 8-byte entries of tag, permissions and id); ext2 keeps
 * them on disk in its own, shorter form (fs/ext2/acl.h: version 1, and the
 * entries without a qualifier, the owner, owning group, mask and other,
 * in 4 bytes, tag and permissions only). Linux's ext2 and e2fsprogs'
 * debugfs read the disk form, so that is what is stored; the ACL itself is
 * passed through, never enforced (the server checks no permissions).
 */
import { FsError } from '../fs.ts';
import { corrupt } from './assert.ts';

const xattrVersion = 2;
const diskVersion = 1;
/** Tags (ACL_USER_OBJ ... ACL_OTHER); USER and GROUP carry an id. */
const USER_OBJ = 0x01;
const USER = 0x02;
const GROUP_OBJ = 0x04;
const GROUP = 0x08;
const MASK = 0x10;
const OTHER = 0x20;
const tags = new Set([USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER]);
const hasId = (tag: number): boolean => tag === USER || tag === GROUP;

/** The disk form of an ACL in xattr form; EINVAL when it is not one (as posix_acl_from_xattr refuses it). */
export function aclToDisk(value: Uint8Array): Uint8Array {
  const view = viewOf(value);
  if (value.length < 4 || (value.length - 4) % 8 !== 0 || view.getUint32(0, true) !== xattrVersion)
    throw new FsError('EINVAL', 'not a POSIX ACL (version 2, 8-byte entries)');
  const out: number[] = [];
  const word = (n: number, bytes: number): void => {
    for (let i = 0; i < bytes; i++) out.push((n >>> (8 * i)) & 0xff);
  };
  word(diskVersion, 4);
  for (let at = 4; at < value.length; at += 8) {
    const tag = view.getUint16(at, true);
    if (!tags.has(tag)) throw new FsError('EINVAL', `ACL entry tag ${tag}`);
    word(tag, 2);
    word(view.getUint16(at + 2, true), 2);
    if (hasId(tag)) word(view.getUint32(at + 4, true), 4);
  }
  return Uint8Array.from(out);
}

/** The xattr form of an ACL stored on disk; corruption when the stored one is not an ACL. */
export function aclFromDisk(value: Uint8Array, where: string): Uint8Array {
  const view = viewOf(value);
  if (value.length < 4 || view.getUint32(0, true) !== diskVersion) corrupt(`${where}: not an ext2 ACL`);
  const entries: [number, number, number][] = [];
  for (let at = 4; at < value.length; ) {
    if (at + 4 > value.length) corrupt(`${where}: ACL entry cut short`);
    const tag = view.getUint16(at, true);
    if (!tags.has(tag)) corrupt(`${where}: ACL entry tag ${tag}`);
    if (hasId(tag) && at + 8 > value.length) corrupt(`${where}: ACL entry cut short`);
    // Entries without a qualifier read as id -1 (ACL_UNDEFINED_ID), as Linux reports them.
    entries.push([tag, view.getUint16(at + 2, true), hasId(tag) ? view.getUint32(at + 4, true) : 0xffffffff]);
    at += hasId(tag) ? 8 : 4;
  }
  const out = new Uint8Array(4 + 8 * entries.length);
  const w = viewOf(out);
  w.setUint32(0, xattrVersion, true);
  entries.forEach(([tag, perm, id], i) => {
    w.setUint16(4 + 8 * i, tag, true);
    w.setUint16(6 + 8 * i, perm, true);
    w.setUint32(8 + 8 * i, id, true);
  });
  return out;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
