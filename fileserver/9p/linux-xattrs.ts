/**
 * 9P2000.L extended attributes (Linux's v9fs, diod, QEMU's 9p server):
 *
 * - Txattrwalk fid newfid name: newfid becomes an attribute fid holding
 *   the value of attribute `name` of fid's file, or with name "" the list
 *   of its attribute names (each followed by a NUL, as listxattr(2) gives
 *   them); Rxattrwalk says how many bytes, which Tread then reads.
 * - Txattrcreate fid name size flags: fid becomes an attribute fid to which
 *   Twrite writes `size` bytes; Tclunk sets the attribute to them, with
 *   setxattr(2)'s flags, and its reply carries the outcome. A size of 0
 *   removes the attribute (as diod and QEMU do: over 9P an empty value and
 *   a removal look alike, and the Linux client sends a removal so).
 *
 * Permissions (access.ts) are checked at Txattrwalk and Txattrcreate, where
 * the name is known.
 *
 * The value is taken at Txattrwalk and given at Tclunk: each is one file
 * system call, whole. An attribute fid serves Tread, Twrite and Tclunk
 * only (common.ts resolve refuses it everything else; Tremove clunks it).
 */
import { FsError, XATTR_CREATE, XATTR_LIST_MAX, XATTR_REPLACE, XATTR_SIZE_MAX } from '../fs.ts';
import { listsXattr, requireXattrAccess } from './access.ts';
import { type Message, RREAD_OVERHEAD } from './codec.ts';
import { clunk, requireClosed, requireWritable, resolve } from './common.ts';
import { ProtocolError } from './errors.ts';
import type { Fid, XattrFid } from './fids.ts';
import type { SessionState } from './state.ts';

const utf8 = new TextEncoder();

/** The names as listxattr(2) gives them: each followed by a NUL. */
function nameList(names: readonly string[]): Uint8Array {
  const parts = names.map((name) => utf8.encode(`${name}\0`));
  const length = parts.reduce((n, part) => n + part.length, 0);
  if (length > XATTR_LIST_MAX) throw new FsError('E2BIG', `attribute names of ${length} bytes`);
  const list = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    list.set(part, at);
    at += part.length;
  }
  return list;
}

export function xattrwalk(s: SessionState, m: Message<'Txattrwalk'>): Message<'Rxattrwalk'> {
  const { f, attr } = resolve(s, m.fid);
  if (m.newfid !== m.fid) s.fids.checkFree(m.newfid);
  const checks = s.policy.permChecks;
  if (m.name !== '') requireXattrAccess(checks, attr, f.uid, m.name, false);
  const value =
    m.name === ''
      ? nameList(s.fs.listxattr(f.ino).filter((name) => listsXattr(checks, f.uid, name)))
      : s.fs.getxattr(f.ino, m.name);
  const attribute: Fid = { ...f, open: null, cursor: null, xattr: { kind: 'read', value } };
  if (m.newfid === m.fid) s.fids.replace(f, attribute);
  else s.fids.add(m.newfid, attribute);
  return { type: 'Rxattrwalk', tag: m.tag, size: value.length };
}

export function xattrcreate(s: SessionState, m: Message<'Txattrcreate'>): Message<'Rxattrcreate'> {
  requireWritable(s);
  const { f, attr } = resolve(s, m.fid);
  requireClosed(f);
  if (m.flags & ~(XATTR_CREATE | XATTR_REPLACE)) throw new ProtocolError('EINVAL', `xattr flags ${m.flags}`);
  requireXattrAccess(s.policy.permChecks, attr, f.uid, m.name, true);
  if (m.size > XATTR_SIZE_MAX) throw new FsError('E2BIG', `attribute value of ${m.size} bytes`);
  f.xattr = { kind: 'write', name: m.name, flags: m.flags, value: new Uint8Array(m.size), written: 0 };
  return { type: 'Rxattrcreate', tag: m.tag };
}

function attributeFid(s: SessionState, fid: number, kind: XattrFid['kind']): XattrFid {
  const x = s.fids.get(fid).xattr;
  if (x?.kind !== kind) throw new ProtocolError('EBADF', `fid ${fid} is not an attribute fid to ${kind}`);
  return x;
}

/** Tread of an attribute fid from Txattrwalk: its bytes from offset, as many as fit. */
export function readXattr(s: SessionState, m: Message<'Tread'>): Message<'Rread'> {
  const { value } = attributeFid(s, m.fid, 'read');
  const start = Math.min(m.offset, value.length);
  const n = Math.min(m.count, s.msize - RREAD_OVERHEAD, value.length - start);
  return { type: 'Rread', tag: m.tag, data: value.subarray(start, start + n) };
}

/** Twrite to an attribute fid from Txattrcreate: into its value, short at the size it declared (ENOSPC past it, as QEMU). */
export function writeXattr(s: SessionState, m: Message<'Twrite'>): Message<'Rwrite'> {
  const x = attributeFid(s, m.fid, 'write');
  if (x.kind !== 'write') throw new ProtocolError('EBADF', 'not an attribute fid to write');
  if (m.offset > x.value.length)
    throw new FsError('ENOSPC', `write at ${m.offset} past the value's ${x.value.length} bytes`);
  const count = Math.min(m.data.length, x.value.length - m.offset);
  x.value.set(m.data.subarray(0, count), m.offset);
  x.written += count;
  return { type: 'Rwrite', tag: m.tag, count };
}

/**
 * Tclunk of an attribute fid: one from Txattrcreate sets the attribute
 * (EINVAL if fewer bytes were written than it declared, as QEMU refuses
 * it); the fid is gone whatever the outcome.
 */
export function clunkXattr(s: SessionState, m: Message<'Tclunk'>): Message<'Rclunk'> {
  const f = s.fids.get(m.fid);
  const x = f.xattr;
  const reply = clunk(s, m);
  if (x?.kind !== 'write') return reply;
  if (x.written !== x.value.length)
    throw new ProtocolError('EINVAL', `attribute value: ${x.written} of ${x.value.length} bytes written`);
  requireWritable(s);
  if (s.fs.getattr(f.ino).generation !== f.generation) throw new FsError('ENOENT', `${f.name}: file was removed`);
  s.fs.setxattr(f.ino, x.name, x.value.length === 0 ? null : x.value, x.flags);
  return reply;
}

/** Tremove of an attribute fid: it names an attribute, not a file, so nothing is removed (EBADF); the fid is clunked all the same, as by any Tremove. */
export function removeXattr(s: SessionState, m: Message<'Tremove'>): Message<'Rremove'> {
  clunk(s, { type: 'Tclunk', tag: m.tag, fid: m.fid });
  throw new ProtocolError('EBADF', `fid ${m.fid} is an extended attribute fid`);
}
