import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ConfigError, deriveTeamsAppId, loadConfig } from './config.js';
import { deriveAppId } from '../../../teams/src/manifest.js';

const TEAMS = { MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555', MICROSOFT_CLIENT_SECRET: 's' };

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({}, '/srv/mo');
    expect(c).toMatchObject({ port: 3000, dataDir: '/srv/mo/data', databaseUrl: undefined, publicUrl: 'http://localhost:3000', tickMs: 100, cookieSecure: false });
    expect(loadConfig({ PUBLIC_URL: 'https://office.example.com/' }).cookieSecure).toBe(true);
    expect(loadConfig({ PUBLIC_URL: 'https://office.example.com/' }).publicUrl).toBe('https://office.example.com');
    expect(c.signInLockout).toEqual({ maxFailures: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 });
    expect(loadConfig({ SIGNIN_LOCKOUT_ATTEMPTS: '5', SIGNIN_LOCKOUT_MINUTES: '60' }).signInLockout).toEqual({ maxFailures: 5, windowMs: 3_600_000, lockMs: 3_600_000 });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://root@localhost/db'],
    ['PUBLIC_URL', 'ftp://files'],
    ['TICK_MS', '5'],
    ['COOKIE_SECURE', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['SIGNIN_LOCKOUT_ATTEMPTS', '2'],
    ['SIGNIN_LOCKOUT_MINUTES', '0'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toContain(name);
  });

  it('PostgreSQL and Redis together make a cluster node; either alone does not', () => {
    const PG = 'postgres://db.internal/mo';
    expect(loadConfig({}).cluster).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: PG }).cluster).toBeUndefined();
    // Redis with SQLite: shared Graph budgets only, since a SQLite file cannot be shared between nodes.
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' }).cluster).toBeUndefined();
    const c = loadConfig({ DATABASE_URL: PG, REDIS_URL: 'redis://r:6379', PORT: '3100', NODE_ID: 'node-1' }).cluster!;
    expect(c).toEqual({ nodeId: 'node-1', nodeUrl: 'http://127.0.0.1:3100', keyPrefix: 'metaoffice:', leaseTtlMs: 9000 });
    const d = loadConfig({ DATABASE_URL: PG, REDIS_URL: 'redis://r:6379', NODE_URL: 'https://10.0.0.7:3000/', REDIS_KEY_PREFIX: 'office-eu:', OFFICE_LEASE_MS: '5000' }).cluster!;
    expect(d).toMatchObject({ nodeUrl: 'https://10.0.0.7:3000', keyPrefix: 'office-eu:', leaseTtlMs: 5000 });
    expect(d.nodeId).toMatch(/^[A-Za-z0-9._-]+-\d+$/);
  });

  it.each([
    ['NODE_ID', 'node:1'],
    ['NODE_URL', 'tcp://10.0.0.7'],
    ['REDIS_KEY_PREFIX', 'has space'],
    ['OFFICE_LEASE_MS', '500'],
  ])('refuses cluster setting %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/mo', REDIS_URL: 'redis://r', [name]: value })).toThrow(name);
    // A cluster setting on a node that is not in a cluster is a mistake worth stopping for, not ignoring.
    expect(() => loadConfig({ [name]: value === 'node:1' ? 'node-1' : value })).toThrow(name);
  });

  it('Teams mode is on only with a client id, and its URLs must be https', () => {
    expect(loadConfig({}).microsoft).toBeUndefined();
    const id = '11111111-2222-3333-4444-555555555555';
    const c = loadConfig({ MICROSOFT_CLIENT_ID: id, MICROSOFT_CLIENT_SECRET: 's3cret' });
    expect(c.microsoft).toEqual({
      clientId: id, clientSecret: 's3cret', authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com/v1.0', testHost: false,
      botId: id, teamsAppId: deriveTeamsAppId(id, undefined), botSecret: 's3cret', botTenant: 'botframework.com', botOpenIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration', botServiceUrlHosts: [],
    });
    const fake = loadConfig({ MICROSOFT_CLIENT_ID: id, MICROSOFT_CLIENT_SECRET: 's', MICROSOFT_AUTHORITY_HOST: 'https://127.0.0.1:4443/', MICROSOFT_GRAPH_BASE_URL: 'https://127.0.0.1:4443/v1.0', TEAMS_TEST_HOST: 'true' });
    expect(fake.microsoft).toMatchObject({ authorityHost: 'https://127.0.0.1:4443', graphBaseUrl: 'https://127.0.0.1:4443/v1.0', testHost: true });
    expect(loadConfig({ SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') }).secretsKey).toBe(Buffer.alloc(32, 7).toString('base64'));
  });

  it('derives the Teams app id exactly as the app package does, unless TEAMS_APP_ID is set', () => {
    const id = '11111111-2222-3333-4444-555555555555';
    expect(deriveTeamsAppId(id, undefined)).toBe(deriveAppId(id, undefined));
    expect(deriveTeamsAppId(id, 'dev')).toBe(deriveAppId(id, 'dev'));
    expect(loadConfig({ MICROSOFT_CLIENT_ID: id, MICROSOFT_CLIENT_SECRET: 's' }).microsoft?.teamsAppId).toBe(deriveAppId(id, undefined));
    expect(loadConfig({ MICROSOFT_CLIENT_ID: id, MICROSOFT_CLIENT_SECRET: 's', TEAMS_APP_ID: 'AAAAAAAA-2222-3333-4444-555555555555' }).microsoft?.teamsAppId).toBe('aaaaaaaa-2222-3333-4444-555555555555');
    expect(() => loadConfig({ MICROSOFT_CLIENT_ID: id, MICROSOFT_CLIENT_SECRET: 's', TEAMS_APP_ID: 'nope' })).toThrow(/TEAMS_APP_ID/);
  });

  it.each([
    [{ MICROSOFT_CLIENT_SECRET: 's' }, 'MICROSOFT_CLIENT_ID'],
    [{ MICROSOFT_CLIENT_ID: 'not-a-guid', MICROSOFT_CLIENT_SECRET: 's' }, 'MICROSOFT_CLIENT_ID'],
    [{ MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555' }, 'MICROSOFT_CLIENT_SECRET'],
    [{ MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555', MICROSOFT_CLIENT_SECRET: 's', MICROSOFT_GRAPH_BASE_URL: 'http://graph.local/v1.0' }, 'MICROSOFT_GRAPH_BASE_URL'],
    [{ MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555', MICROSOFT_CLIENT_SECRET: 's', MICROSOFT_AUTHORITY_HOST: 'nonsense' }, 'MICROSOFT_AUTHORITY_HOST'],
    [{ MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555', MICROSOFT_CLIENT_SECRET: 's', TEAMS_TEST_HOST: 'true' }, 'TEAMS_TEST_HOST'],
    [{ SECRETS_KEY: 'c2hvcnQ=' }, 'SECRETS_KEY'],
    [{ ...TEAMS, MICROSOFT_BOT_ID: 'my-bot' }, 'MICROSOFT_BOT_ID'],
    [{ ...TEAMS, MICROSOFT_BOT_ID: '99999999-2222-3333-4444-555555555555' }, 'MICROSOFT_BOT_SECRET'],
    [{ ...TEAMS, MICROSOFT_BOT_TENANT: 'contoso.onmicrosoft.com' }, 'MICROSOFT_BOT_TENANT'],
    [{ ...TEAMS, MICROSOFT_BOT_OPENID_METADATA: 'http://login.botframework.com/v1/.well-known/openidconfiguration' }, 'MICROSOFT_BOT_OPENID_METADATA'],
    [{ ...TEAMS, MICROSOFT_BOT_OPENID_METADATA: 'not a url' }, 'MICROSOFT_BOT_OPENID_METADATA'],
    [{ ...TEAMS, MICROSOFT_BOT_SERVICE_URL_HOSTS: 'https://127.0.0.1:4443' }, 'MICROSOFT_BOT_SERVICE_URL_HOSTS'],
    [{ ...TEAMS, MICROSOFT_BOT_SERVICE_URL_HOSTS: 'connector.example.com/v3' }, 'MICROSOFT_BOT_SERVICE_URL_HOSTS'],
    [{ ...TEAMS, MICROSOFT_BOT_SERVICE_URL_HOSTS: 'ok.example.com, *' }, 'MICROSOFT_BOT_SERVICE_URL_HOSTS'],
  ])('refuses Microsoft settings %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (e) {
      expect((e as ConfigError).variable).toBe(name);
    }
  });

  it('the bot: its own app and secret, a single-tenant authority, another metadata URL, extra connector hosts', () => {
    const bot = '99999999-2222-3333-4444-555555555555';
    const c = loadConfig({
      ...TEAMS,
      MICROSOFT_BOT_ID: bot,
      MICROSOFT_BOT_SECRET: 'bot-secret',
      MICROSOFT_BOT_TENANT: '0a0b0c0d-1111-4222-8333-444455556666',
      MICROSOFT_BOT_OPENID_METADATA: 'https://127.0.0.1:4443/botframework/v1/.well-known/openidconfiguration',
      MICROSOFT_BOT_SERVICE_URL_HOSTS: '127.0.0.1:4443, *.Connector.Example.com',
    });
    expect(c.microsoft).toMatchObject({
      botId: bot, botSecret: 'bot-secret', clientSecret: 's', botTenant: '0a0b0c0d-1111-4222-8333-444455556666',
      botOpenIdMetadataUrl: 'https://127.0.0.1:4443/botframework/v1/.well-known/openidconfiguration', botServiceUrlHosts: ['127.0.0.1:4443', '*.connector.example.com'],
    });
  });

  it('a bad value stops the real start with a message naming the variable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@metaoffice/source', new URL('./main.ts', import.meta.url).pathname], {
      env: { ...process.env, PORT: 'not-a-port', DATA_DIR: '/tmp/mo-never' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PORT');
  });
});
