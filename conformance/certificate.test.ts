import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { GraphDigest } from '../tla/graph.ts';
import {
  type Certificate,
  CertificateError,
  certificatePath,
  checkAgainstCertificate,
  currentCertificate,
  readCertificate,
  repoRelative,
  sourceHashes,
  specPath,
  writeCertificate,
} from './certificate.ts';

const CFG = 'CONSTANTS\n    B = 2\nINIT Init\nNEXT Next\n';
const digest: GraphDigest = { distinctStates: 3910, edges: 19788, graphSha256: 'ab'.repeat(32) };
const DeferredIO = 'spec/DeferredIO.tla';

test('the certificate sits beside its cfg', () => {
  expect(certificatePath('spec/smoke.cfg')).toBe(join('spec', 'smoke.cert.json'));
  expect(certificatePath(join('a', 'b', 'deep.cfg'))).toBe(join('a', 'b', 'deep.cert.json'));
});

describe('a certificate for a cfg', () => {
  let dir: string;
  let cfg: string;
  let cfgName: string;
  const certify = (changes: Partial<Certificate> = {}): Certificate => {
    const cert: Certificate = {
      spec: specPath,
      cfg: cfgName,
      ...sourceHashes(cfg),
      invariants: ['TypeOK'],
      properties: ['Refines'],
      tlcDistinctStates: digest.distinctStates,
      tlcStatesGenerated: digest.edges + 1,
      graph: digest,
      tlc: 'TLC2 Version 2026.11.23.214224 (rev: cc6b616)',
      seconds: 1.5,
      loadAverage: 0.5,
      certifiedAt: '2026-11-23T22:20:01.627Z',
      ...changes,
    };
    writeCertificate(cert);
    return cert;
  };
  const failure = (d: GraphDigest = digest): string => {
    try {
      checkAgainstCertificate(cfg, d);
    } catch (e) {
      expect(e).toBeInstanceOf(CertificateError);
      return (e as Error).message;
    }
    throw new Error('the check passed');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'certificate-test-'));
    cfg = join(dir, 'tiny.cfg');
    cfgName = repoRelative(cfg);
    writeFileSync(cfg, CFG);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('is written beside the cfg and read back', () => {
    const cert = certify();
    expect(JSON.parse(readFileSync(join(dir, 'tiny.cert.json'), 'utf8'))).toEqual(cert);
    expect(readCertificate(cfg)).toEqual(cert);
  });

  test('a matching graph passes, and the certificate is returned', () => {
    const cert = certify();
    expect(checkAgainstCertificate(cfg, digest)).toEqual(cert);
  });

  test('CRLF line ends do not change the hashes (a Windows checkout)', () => {
    certify();
    writeFileSync(cfg, CFG.replace(/\n/g, '\r\n'));
    expect(checkAgainstCertificate(cfg, digest).cfg).toBe(cfgName);
  });

  test('a changed spec source: renew the certificate', () => {
    const now = sourceHashes(cfg).sources;
    certify({ sources: { ...now, [DeferredIO]: '0'.repeat(64) } });
    expect(failure()).toBe(
      `spec changed since certification: run npm run spec:certify -- ${cfgName} (changed: ${DeferredIO})`,
    );
  });

  test('a certificate without a graph certifies counts only', () => {
    certify({ graph: null });
    expect(failure()).toBe(`${cfgName} was certified without its state graph: run npm run spec:certify -- ${cfgName}`);
    expect(currentCertificate(cfg).tlcDistinctStates).toBe(3910);
  });

  test('a changed cfg: renew the certificate', () => {
    certify();
    writeFileSync(cfg, `${CFG}CHECK_DEADLOCK FALSE\n`);
    expect(failure()).toBe(
      `spec changed since certification: run npm run spec:certify -- ${cfgName} (changed: ${cfgName})`,
    );
  });

  test('a different state count names both numbers', () => {
    certify();
    expect(failure({ ...digest, distinctStates: 3909 })).toBe(
      `state graph of ${cfgName} differs from the one TLC certified:\n  distinct states: certified 3910, found 3909`,
    );
  });

  test('different edges and graph hash are both reported', () => {
    certify();
    const message = failure({ ...digest, edges: 19789, graphSha256: 'cd'.repeat(32) });
    expect(message).toContain('edges: certified 19788, found 19789');
    expect(message).toContain(`graph sha256: certified ${'ab'.repeat(32)}, found ${'cd'.repeat(32)}`);
    expect(message).not.toContain('distinct states');
  });

  test('a missing certificate says how to make one', () => {
    expect(failure()).toBe(
      `${repoRelative(join(dir, 'tiny.cert.json'))} does not exist: run npm run spec:certify -- ${cfgName}`,
    );
  });

  test('a malformed certificate names the bad field', () => {
    certify();
    const path = join(dir, 'tiny.cert.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), tlcDistinctStates: -1 }));
    expect(failure()).toMatch(/is malformed: run npm run spec:certify -- .*\n[\s\S]*tlcDistinctStates/);
    writeFileSync(path, '{');
    expect(failure()).toContain('is not JSON');
  });

  test("another cfg's certificate is refused", () => {
    certify();
    const path = join(dir, 'tiny.cert.json');
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), cfg: 'spec/smoke.cfg' }));
    expect(failure()).toBe(
      `certificate ${repoRelative(path)} is for spec/smoke.cfg, not ${cfgName}: run npm run spec:certify -- ${cfgName}`,
    );
  });
});
