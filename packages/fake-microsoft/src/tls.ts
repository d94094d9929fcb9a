import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generate } from 'selfsigned';

export interface DevCertificateAuthority {
  /** Absolute path of the CA certificate (PEM); point NODE_EXTRA_CA_CERTS at it. */
  certPath: string;
  /** Absolute path of the CA private key (PEM, PKCS#8). */
  keyPath: string;
}

export interface ServerCertificate {
  cert: string;
  key: string;
}

const CA_VALIDITY_DAYS = 3650;
const LOCK_STALE_MS = 30_000;

/**
 * Creates `dir/ca.pem` and `dir/ca-key.pem` once and reuses them afterwards. Several processes (vitest, the dev
 * server, another engineer's tests) may call this at the same moment, so creation is guarded by an exclusive lock
 * file and the files are renamed into place only when complete.
 */
export async function ensureDevCertificateAuthority(dir: string): Promise<DevCertificateAuthority> {
  const root = resolve(dir);
  const paths = { certPath: join(root, 'ca.pem'), keyPath: join(root, 'ca-key.pem') };
  if (await caComplete(paths)) return paths;
  await mkdir(root, { recursive: true });
  const lockPath = join(root, '.lock');
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      const lock = await open(lockPath, 'wx');
      try {
        if (!(await caComplete(paths))) await writeNewCa(paths);
      } finally {
        await lock.close();
        await rm(lockPath, { force: true });
      }
      return paths;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await caComplete(paths)) return paths;
      if (Date.now() > deadline) await rm(lockPath, { force: true });
      await new Promise((done) => setTimeout(done, 50));
    }
  }
}

async function caComplete(paths: DevCertificateAuthority): Promise<boolean> {
  try {
    await stat(paths.certPath);
    await stat(paths.keyPath);
    return true;
  } catch {
    return false;
  }
}

async function writeNewCa(paths: DevCertificateAuthority): Promise<void> {
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const notAfterDate = new Date(notBeforeDate.getTime() + CA_VALIDITY_DAYS * 24 * 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'MetaOffice Development CA' }, { name: 'organizationName', value: 'MetaOffice (development only)' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const suffix = `.${process.pid}.tmp`;
  await writeFile(paths.keyPath + suffix, pems.private, { mode: 0o600 });
  await writeFile(paths.certPath + suffix, pems.cert);
  // The key goes first: a reader only trusts the pair once ca.pem exists.
  await rename(paths.keyPath + suffix, paths.keyPath);
  await rename(paths.certPath + suffix, paths.certPath);
}

/** A fresh leaf certificate for 127.0.0.1 / localhost (and any extra DNS names), signed by the development CA. */
export async function issueServerCertificate(ca: DevCertificateAuthority, extraDnsNames: string[] = []): Promise<ServerCertificate> {
  const [caCert, caKey] = await Promise.all([readFile(ca.certPath, 'utf8'), readFile(ca.keyPath, 'utf8')]);
  const notBeforeDate = new Date(Date.now() - 60 * 60 * 1000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 365 * 24 * 60 * 60 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { cert: caCert, key: caKey },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          ...extraDnsNames.map((value) => ({ type: 2 as const, value })),
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
