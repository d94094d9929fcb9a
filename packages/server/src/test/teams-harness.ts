import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '@metaoffice/client';
import { ensureDevCertificateAuthority, issueServerCertificate, type FakeMicrosoft } from '@metaoffice/fake-microsoft';
import type { DestinationStream } from 'pino';
import { startHarness, type Harness } from './harness.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TeamsHarness extends Harness {
  /** https://127.0.0.1:PORT, the server's PUBLIC_URL. */
  publicUrl: string;
  /** A client signed in through Teams SSO as this person (token minted by the fake, exchanged on-behalf-of). */
  signIn(tenantId: string, userId: string): Promise<ApiClient>;
}

/**
 * A real server in Teams mode against the fake Microsoft, over https with a certificate of the development CA (Graph's
 * webhooks and Teams' pop-ups need https), on a free port so PUBLIC_URL is known before it starts.
 */
export async function startTeamsHarness(fake: FakeMicrosoft, app: { clientId: string; clientSecret: string }, env: Record<string, string> = {}, opts: { logStream?: DestinationStream } = {}): Promise<TeamsHarness> {
  const tls = mkdtempSync(join(tmpdir(), 'mo-teams-tls-'));
  const cert = await issueServerCertificate(await ensureDevCertificateAuthority('.local/dev-ca'));
  writeFileSync(join(tls, 'cert.pem'), cert.cert);
  writeFileSync(join(tls, 'key.pem'), cert.key);
  const port = await freePort();
  const publicUrl = `https://127.0.0.1:${port}`;
  const h = await startHarness({
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    TLS_CERT_FILE: join(tls, 'cert.pem'),
    TLS_KEY_FILE: join(tls, 'key.pem'),
    MICROSOFT_CLIENT_ID: app.clientId,
    MICROSOFT_CLIENT_SECRET: app.clientSecret,
    MICROSOFT_AUTHORITY_HOST: fake.authorityHost,
    MICROSOFT_GRAPH_BASE_URL: fake.graphBaseUrl,
    SEED_DEMO: 'false',
    ...env,
  }, undefined, opts);
  const stop = h.stop.bind(h);
  return Object.assign(h, {
    publicUrl,
    async signIn(tenantId: string, userId: string) {
      const client = new ApiClient({ baseUrl: h.server.url, cookieJar: true });
      await client.teamsSignIn(await fake.mintSsoToken({ tenantId, userId, clientId: app.clientId, audience: `api://127.0.0.1:${port}/${app.clientId}` }));
      return client;
    },
    async stop() {
      await stop();
      rmSync(tls, { recursive: true, force: true });
    },
  });
}
