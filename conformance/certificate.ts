/**
 * A certificate records what TLC found for the spec and one cfg: the digest
 * of the state graph it dumped, and the sha256 of the spec and cfg it read.
 * Conformance tests enumerate the graph with the model (no TLC in CI) and
 * check it against the certificate; the file hashes make a stale certificate
 * an error that says how to renew it, rather than a puzzling mismatch.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Either, ParseResult, Schema } from 'effect';
import type { GraphDigest } from '../tla/graph.ts';

/** The spec every certificate is for, relative to the repository root. */
export const specPath = 'spec/DeferredIO.tla';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const Sha256 = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/));
const Count = Schema.Int.pipe(Schema.nonNegative());

/** The certificate file's contents (`spec/<cfg name>.cert.json`). */
export const CertificateSchema = Schema.Struct({
  /** The spec, relative to the repository root: always specPath. */
  spec: Schema.Literal(specPath),
  /** The cfg, relative to the repository root. */
  cfg: Schema.String,
  /** sha256 of the spec's bytes with CRLF line ends read as LF. */
  specSha256: Sha256,
  cfgSha256: Sha256,
  /** Of the graph read from TLC's dot dump (tla/graph.ts digestGraph). */
  distinctStates: Count,
  edges: Count,
  graphSha256: Sha256,
  /** TLC's own "M distinct states found", equal to distinctStates. */
  tlcDistinctStates: Count,
  /** TLC's version line, e.g. "TLC2 Version 2026.11.23.214224 (rev: cc6b616)". */
  tlc: Schema.String,
  /** TLC's wall-clock time. */
  seconds: Schema.Number,
  /** ISO 8601 time of certification. */
  certifiedAt: Schema.String,
});

export type Certificate = typeof CertificateSchema.Type;

/** A missing, malformed or stale certificate, or a graph that differs from it. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

/** `spec/smoke.cfg` -> `spec/smoke.cert.json`: the certificate sits beside its cfg. */
export function certificatePath(cfgPath: string): string {
  return join(dirname(cfgPath), `${basename(cfgPath, '.cfg')}.cert.json`);
}

/** A path relative to the repository root, with `/` separators whatever the platform. */
export function repoRelative(path: string): string {
  return relative(repoRoot, resolve(path)).split(sep).join('/');
}

/**
 * sha256 of a file's bytes, CRLF read as LF: a Windows checkout (git
 * autocrlf) holds the same spec, and must not look changed.
 */
function fileSha256(path: string): string {
  const text = readFileSync(path).toString('latin1').replace(/\r\n/g, '\n');
  return createHash('sha256').update(text, 'latin1').digest('hex');
}

/** The hashes of the spec and of a cfg as they are on disk now. */
export function sourceHashes(cfgPath: string): { specSha256: string; cfgSha256: string } {
  return { specSha256: fileSha256(resolve(repoRoot, specPath)), cfgSha256: fileSha256(cfgPath) };
}

/** Writes the certificate beside its cfg (`cert.cfg`, relative to the repository root); returns the path written. */
export function writeCertificate(cert: Certificate): string {
  const path = certificatePath(resolve(repoRoot, cert.cfg));
  writeFileSync(path, `${JSON.stringify(Schema.encodeSync(CertificateSchema)(cert), null, 2)}\n`);
  return path;
}

/** The certificate of a cfg; a missing or malformed one is a CertificateError saying how to make it. */
export function readCertificate(cfgPath: string): Certificate {
  const path = certificatePath(cfgPath);
  const renew = `run npm run spec:certify -- ${repoRelative(cfgPath)}`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not JSON (${(e as Error).message})`;
    throw new CertificateError(`certificate ${repoRelative(path)} ${why}: ${renew}`);
  }
  const decoded = Schema.decodeUnknownEither(CertificateSchema)(json);
  if (Either.isLeft(decoded)) {
    throw new CertificateError(`certificate ${repoRelative(path)} is malformed: ${renew}\n${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`);
  }
  return decoded.right;
}

/**
 * Checks a state graph's digest against the cfg's certificate, and that the
 * spec and cfg are the ones certified. Returns the certificate; throws a
 * CertificateError naming what differs: a changed file (renew the
 * certificate), or the counts and graph hash, certified and found.
 */
export function checkAgainstCertificate(cfgPath: string, digest: GraphDigest): Certificate {
  const cert = readCertificate(cfgPath);
  const cfgName = repoRelative(cfgPath);
  if (cert.cfg !== cfgName) {
    throw new CertificateError(`certificate ${repoRelative(certificatePath(cfgPath))} is for ${cert.cfg}, not ${cfgName}: run npm run spec:certify -- ${cfgName}`);
  }
  const now = sourceHashes(cfgPath);
  const changed = [
    ...(now.specSha256 !== cert.specSha256 ? [specPath] : []),
    ...(now.cfgSha256 !== cert.cfgSha256 ? [cert.cfg] : []),
  ];
  if (changed.length > 0) {
    throw new CertificateError(`spec changed since certification: run npm run spec:certify -- ${cfgName} (changed: ${changed.join(', ')})`);
  }
  const diffs = [
    ...(digest.distinctStates !== cert.distinctStates ? [`distinct states: certified ${cert.distinctStates}, found ${digest.distinctStates}`] : []),
    ...(digest.edges !== cert.edges ? [`edges: certified ${cert.edges}, found ${digest.edges}`] : []),
    ...(digest.graphSha256 !== cert.graphSha256 ? [`graph sha256: certified ${cert.graphSha256}, found ${digest.graphSha256}`] : []),
  ];
  if (diffs.length > 0) {
    throw new CertificateError(`state graph of ${cfgName} differs from the one TLC certified:\n  ${diffs.join('\n  ')}`);
  }
  return cert;
}
