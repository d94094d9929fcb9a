/**
 * `npm run dev:teams`: MetaOffice in Teams mode on this machine, against the repo's fake Microsoft (Entra ID + Graph
 * over TLS) with the seeded Contoso tenant, and the Teams test host page that plays the Teams client.
 *
 * Everything is https (Teams' sign-in pop-ups and Graph's webhooks refuse plain http), signed by the development CA
 * in .local/dev-ca. Browsers do not trust that CA: import .local/dev-ca/ca.pem, or accept the warning once.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_TEAM_ID, ensureDevCertificateAuthority, issueServerCertificate, seedDemoTenant, startFakeMicrosoft } from '@metaoffice/fake-microsoft';

const root = resolve(new URL('..', import.meta.url).pathname);
const dir = join(root, '.local', 'dev-teams');
mkdirSync(dir, { recursive: true });
// The Teams app package's development client id (teams/src/config.ts), so `npm run teams:package -- --dev` matches.
const clientId = process.env.MICROSOFT_CLIENT_ID ?? '00000000-0000-4000-8000-00000000d3e0';
const clientSecret = randomBytes(24).toString('base64url');
const port = Number(process.env.PORT ?? 8443);

const ca = await ensureDevCertificateAuthority(join(root, '.local', 'dev-ca'));
const cert = await issueServerCertificate(ca);
writeFileSync(join(dir, 'cert.pem'), cert.cert);
writeFileSync(join(dir, 'key.pem'), cert.key, { mode: 0o600 });

const fake = await startFakeMicrosoft({ apps: [{ clientId, clientSecret, displayName: 'MetaOffice (development)' }], port: Number(process.env.FAKE_MS_PORT ?? 0), caDir: join(root, '.local', 'dev-ca') });
const demo = seedDemoTenant(fake, clientId);
const publicUrl = `https://localhost:${port}`;

const server = spawn(process.execPath, ['--conditions=@metaoffice/source', '--import', 'tsx', join(root, 'packages/server/src/main.ts')], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    TLS_CERT_FILE: join(dir, 'cert.pem'),
    TLS_KEY_FILE: join(dir, 'key.pem'),
    DATA_DIR: join(dir, 'data'),
    SEED_DEMO: 'false',
    MICROSOFT_CLIENT_ID: clientId,
    MICROSOFT_CLIENT_SECRET: clientSecret,
    MICROSOFT_AUTHORITY_HOST: fake.authorityHost,
    MICROSOFT_GRAPH_BASE_URL: fake.graphBaseUrl,
    TEAMS_TEST_HOST: 'true',
    NODE_EXTRA_CA_CERTS: ca.certPath,
  },
});

const host = (userIndex: number, frame: 'settings' | 'content') => {
  const u = demo.users[userIndex]!;
  const q = new URLSearchParams({ tenant: demo.tenantId, user: u.id, upn: u.userPrincipalName, userName: u.displayName, team: DEMO_TEAM_ID, teamName: 'Design', channel: '19:design-general@thread.tacv2', channelName: 'General', frame });
  if (frame === 'content') q.set('entityId', 'PASTE-THE-ENTITY-ID-SHOWN-AFTER-SAVE');
  return `${publicUrl}/teams-test-host.html?${q}`;
};
process.stdout.write(
  [
    '',
    `fake Microsoft: ${fake.url} (tenant Contoso ${demo.tenantId}, team Design ${DEMO_TEAM_ID})`,
    `MetaOffice (Teams mode): ${publicUrl}`,
    `Trust ${ca.certPath} in the browser, or accept the certificate warning for both addresses.`,
    `1. Configure the channel tab as ${demo.users[1]!.displayName}: ${host(1, 'settings')}`,
    `2. Open it as ${demo.users[2]!.displayName}: ${host(2, 'content')}`,
    '',
  ].join('\n'),
);

const stop = () => {
  server.kill('SIGTERM');
  void fake.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
server.once('exit', (code) => {
  void fake.close().then(() => process.exit(code ?? 1));
});
