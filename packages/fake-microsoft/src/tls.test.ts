import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMicrosoft, type FakeMicrosoft } from './server.js';
import { ensureDevCertificateAuthority } from './tls.js';
import { APP } from './testing/fixtures.js';

let fake: FakeMicrosoft;

beforeAll(async () => {
  fake = await startFakeMicrosoft({ apps: [APP] });
});
afterAll(async () => {
  await fake.close();
});

describe('development CA and the fake server certificate', () => {
  it('creates a CA with CA:true and keyCertSign once, then reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fake-ms-ca-'));
    try {
      const [first, concurrent] = await Promise.all([ensureDevCertificateAuthority(dir), ensureDevCertificateAuthority(dir)]);
      expect(concurrent).toEqual(first);
      const pem = await readFile(first.certPath, 'utf8');
      const ca = new X509Certificate(pem);
      expect(ca.ca).toBe(true);
      expect(ca.checkPrivateKey((await import('node:crypto')).createPrivateKey(await readFile(first.keyPath, 'utf8')))).toBe(true);
      const modified = (await stat(first.certPath)).mtimeMs;
      await ensureDevCertificateAuthority(dir);
      expect((await stat(first.certPath)).mtimeMs).toBe(modified);
      expect(await readFile(first.certPath, 'utf8')).toBe(pem);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is trusted by fetch through NODE_EXTRA_CA_CERTS, with a leaf for 127.0.0.1 and localhost', async () => {
    expect(process.env.NODE_EXTRA_CA_CERTS).toBe(fake.caCertPath);
    const response = await fetch(`${fake.authorityHost}/common/v2.0/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const viaLocalhost = await fetch(`https://localhost:${fake.port}/common/v2.0/.well-known/openid-configuration`);
    expect(viaLocalhost.status).toBe(200);
    const leaf = await new Promise<X509Certificate>((resolve, reject) => {
      get(`${fake.url}/common/discovery/instance`, (res) => {
        const peer = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate();
        res.resume();
        if (peer) resolve(peer);
        else reject(new Error('no peer certificate'));
      }).on('error', reject);
    });
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).toContain('DNS:localhost');
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(new X509Certificate(await readFile(fake.caCertPath)).publicKey)).toBe(true);
  });

  it('fails verification for a client that does not trust the CA', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      get(`${fake.url}/common/discovery/instance`, { ca: [...rootCertificates] }, () => resolve(new Error('connected') as NodeJS.ErrnoException)).on('error', resolve);
    });
    expect(error.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN/);
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const script = `fetch(${JSON.stringify(fake.url + '/common/discovery/instance')}).then(() => console.log('trusted'), (e) => console.log(e.cause?.code ?? e.message))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env });
    expect(stdout.trim()).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN/);
  });
});
