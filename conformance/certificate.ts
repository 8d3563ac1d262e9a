/**
 * Certificates: what TLC found, committed beside what it checked, bound to
 * the exact sources by sha256, so that CI (which has no TLC) can rely on it
 * and knows when it is stale.
 *
 * - A config's certificate (`spec/<name>.cert.json`): TLC checked the spec
 *   (Refinement.tla, which extends DeferredIO.tla and instantiates
 *   Conventional.tla) with the cfg, found no violation of the invariants and
 *   properties it lists, and -- for the configs conformance enumerates --
 *   dumped a state graph with this digest. The model's enumeration is
 *   compared with that digest; a config too large for CI is certified
 *   without a graph (its counts are still TLC's).
 *
 * The seeded-bug mutants' verdicts are certificates too: each is kept in
 * its mutant's file (spec/mutants/), read and hashed with what is here by
 * conformance/mutants/.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Either, ParseResult, Schema } from 'effect';
import type { GraphDigest } from '../tla/graph.ts';

/** The module TLC checks: it extends DeferredIO.tla and states the refinement. */
export const specPath = 'spec/Refinement.tla';
/** Every source a certificate depends on, relative to the repository root. */
export const specSources = ['spec/DeferredIO.tla', 'spec/Conventional.tla', 'spec/Refinement.tla'] as const;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const Sha256 = Schema.String.pipe(Schema.pattern(/^[0-9a-f]{64}$/));
export const Count = Schema.Int.pipe(Schema.nonNegative());
/** sha256 by repository-relative path. */
export const Hashes = Schema.Record({ key: Schema.String, value: Sha256 });

const GraphSchema = Schema.Struct({
  /** Of the graph read from TLC's dot dump (tla/graph.ts digestGraph). */
  distinctStates: Count,
  edges: Count,
  graphSha256: Sha256,
});

/** A config's certificate (`spec/<cfg name>.cert.json`). */
export const CertificateSchema = Schema.Struct({
  /** The module TLC checked, relative to the repository root: always specPath. */
  spec: Schema.Literal(specPath),
  /** The cfg, relative to the repository root. */
  cfg: Schema.String,
  /** sha256 of each spec source's bytes, CRLF read as LF. */
  sources: Hashes,
  cfgSha256: Sha256,
  /** What TLC checked on every state and step: the cfg's INVARIANTS and PROPERTY. */
  invariants: Schema.Array(Schema.String),
  properties: Schema.Array(Schema.String),
  /** TLC's own "N states generated, M distinct states found". */
  tlcDistinctStates: Count,
  tlcStatesGenerated: Count,
  /** The state graph TLC dumped, or null for a config certified by its counts only. */
  graph: Schema.NullOr(GraphSchema),
  /** TLC's version line, e.g. "TLC2 Version 2026.11.23.214224 (rev: cc6b616)". */
  tlc: Schema.String,
  /** TLC's wall-clock time, and the machine's load average when it ran. */
  seconds: Schema.Number,
  loadAverage: Schema.Number,
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
export function fileSha256(path: string): string {
  const text = readFileSync(path).toString('latin1').replace(/\r\n/g, '\n');
  return createHash('sha256').update(text, 'latin1').digest('hex');
}

/** sha256 of a text as fileSha256 hashes the file that holds it in UTF-8. */
export function textSha256(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/** The hashes of the spec sources and of a cfg as they are on disk now. */
export function sourceHashes(cfgPath: string): { sources: Record<string, string>; cfgSha256: string } {
  return {
    sources: Object.fromEntries(specSources.map((path) => [path, fileSha256(resolve(repoRoot, path))])),
    cfgSha256: fileSha256(cfgPath),
  };
}

/** JSON decoded by a schema, no excess property allowed; a CertificateError says what is wrong and how to renew. */
export function decode<A, I>(schema: Schema.Schema<A, I>, json: unknown, what: string, renew: string): A {
  const decoded = Schema.decodeUnknownEither(schema, { onExcessProperty: 'error' })(json);
  if (Either.isLeft(decoded)) {
    throw new CertificateError(
      `${what} is malformed: ${renew}\n${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`,
    );
  }
  return decoded.right;
}

/** A file's JSON; a missing or unparsable file is a CertificateError saying how to renew it. */
export function readJson(path: string, renew: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not JSON (${(e as Error).message})`;
    throw new CertificateError(`${repoRelative(path)} ${why}: ${renew}`);
  }
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
  return decode(CertificateSchema, readJson(path, renew), `certificate ${repoRelative(path)}`, renew);
}

/**
 * The certificate of a cfg, checked to be for this cfg and for the spec and
 * cfg as they are now; a CertificateError says what changed and how to renew.
 */
export function currentCertificate(cfgPath: string): Certificate {
  const cert = readCertificate(cfgPath);
  const cfgName = repoRelative(cfgPath);
  const renew = `run npm run spec:certify -- ${cfgName}`;
  if (cert.cfg !== cfgName) {
    throw new CertificateError(
      `certificate ${repoRelative(certificatePath(cfgPath))} is for ${cert.cfg}, not ${cfgName}: ${renew}`,
    );
  }
  const now = sourceHashes(cfgPath);
  const changed = [
    ...specSources.filter((path) => now.sources[path] !== cert.sources[path]),
    ...(now.cfgSha256 !== cert.cfgSha256 ? [cert.cfg] : []),
  ];
  if (changed.length > 0)
    throw new CertificateError(`spec changed since certification: ${renew} (changed: ${changed.join(', ')})`);
  return cert;
}

/**
 * Checks a state graph's digest against the cfg's current certificate.
 * Returns the certificate; throws a CertificateError naming what differs: a
 * changed file (renew the certificate), or the counts and graph hash,
 * certified and found.
 */
export function checkAgainstCertificate(cfgPath: string, digest: GraphDigest): Certificate {
  const cert = currentCertificate(cfgPath);
  const cfgName = repoRelative(cfgPath);
  if (cert.graph === null)
    throw new CertificateError(
      `${cfgName} was certified without its state graph: run npm run spec:certify -- ${cfgName}`,
    );
  const diffs = [
    ...(digest.distinctStates !== cert.graph.distinctStates
      ? [`distinct states: certified ${cert.graph.distinctStates}, found ${digest.distinctStates}`]
      : []),
    ...(digest.edges !== cert.graph.edges ? [`edges: certified ${cert.graph.edges}, found ${digest.edges}`] : []),
    ...(digest.graphSha256 !== cert.graph.graphSha256
      ? [`graph sha256: certified ${cert.graph.graphSha256}, found ${digest.graphSha256}`]
      : []),
  ];
  if (diffs.length > 0) {
    throw new CertificateError(
      `state graph of ${cfgName} differs from the one TLC certified:\n  ${diffs.join('\n  ')}`,
    );
  }
  return cert;
}
