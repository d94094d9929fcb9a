import { seedDemoTenant } from './demo.js';
import { startFakeMicrosoft } from './server.js';

/**
 * Starts the fake for local development: FAKE_MS_PORT (default random), FAKE_MS_CLIENT_ID, FAKE_MS_CLIENT_SECRET,
 * FAKE_MS_SEED=demo (seed Contoso), FAKE_MS_CA_DIR (default .local/dev-ca).
 */
async function main(): Promise<void> {
  const clientId = process.env.FAKE_MS_CLIENT_ID;
  const clientSecret = process.env.FAKE_MS_CLIENT_SECRET;
  if (!clientId || !clientSecret) throw new Error('FAKE_MS_CLIENT_ID and FAKE_MS_CLIENT_SECRET are required');
  const port = process.env.FAKE_MS_PORT ? Number(process.env.FAKE_MS_PORT) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`FAKE_MS_PORT must be a port number, got '${process.env.FAKE_MS_PORT}'`);
  const seed = process.env.FAKE_MS_SEED;
  if (seed !== undefined && seed !== '' && seed !== 'demo') throw new Error(`FAKE_MS_SEED must be 'demo' or empty, got '${seed}'`);
  const fake = await startFakeMicrosoft({
    apps: [{ clientId, clientSecret, displayName: 'MetaOffice' }],
    port,
    ...(process.env.FAKE_MS_CA_DIR ? { caDir: process.env.FAKE_MS_CA_DIR } : {}),
    allowHttpWebhooks: true,
  });
  const lines = [
    `fake Microsoft listening on ${fake.url}`,
    `MICROSOFT_AUTHORITY_HOST=${fake.authorityHost}`,
    `MICROSOFT_GRAPH_BASE_URL=${fake.graphBaseUrl}`,
    `NODE_EXTRA_CA_CERTS=${fake.caCertPath}`,
  ];
  if (seed === 'demo') {
    const demo = seedDemoTenant(fake, clientId);
    lines.push(`seeded tenant Contoso ${demo.tenantId}: ${demo.users.map((user) => user.userPrincipalName).join(', ')}; team Design ${demo.teams[0]?.id}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
