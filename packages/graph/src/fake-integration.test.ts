import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, startFakeMicrosoft, type FakeMicrosoft, type SeededTenant } from '@metaoffice/fake-microsoft';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphConsentError } from './errors.js';
import { GraphGateway } from './gateway.js';
import type { GraphThrottleEvent } from './observer.js';
import type { TokenSource } from './transport.js';

/**
 * The gateway against the project's fake Entra ID + Graph over TLS (trusted through NODE_EXTRA_CA_CERTS, which
 * vitest.config.ts points at the development CA). Tokens come through the real on-behalf-of wire format.
 */

const APP = { clientId: '5f1e2d3c-4b5a-4697-8877-665544332211', clientSecret: 'graph-package-test-secret', displayName: 'MetaOffice' };
const DELEGATED = ['User.Read', 'User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite', 'OnlineMeetings.ReadWrite', 'Team.ReadBasic.All', 'TeamMember.Read.All', 'TeamsActivity.Send'];
const CA_DIR = fileURLToPath(new URL('../../../.local/dev-ca', import.meta.url));

let fake: FakeMicrosoft;

beforeAll(async () => {
  fake = await startFakeMicrosoft({ apps: [APP], caDir: CA_DIR });
});

afterAll(async () => {
  await fake.close();
});

/** A tenant of its own per test, so limits and budgets never leak between tests. */
function seedTenant(name: string, userCount: number, scopes = DELEGATED): SeededTenant {
  return fake.seed({
    displayName: name,
    users: Array.from({ length: userCount }, (_, i) => ({ displayName: `${name} User ${i}` })),
    teams: [{ displayName: `${name} Team`, members: [`${name.toLowerCase()}.user.0@${name.toLowerCase()}.onmicrosoft.com`, `${name.toLowerCase()}.user.1@${name.toLowerCase()}.onmicrosoft.com`] }],
    domain: `${name.toLowerCase()}.onmicrosoft.com`,
    adminConsent: { scopes },
  });
}

/** The server's side of Teams SSO: an SSO token exchanged on behalf of the user for a delegated Graph token. */
async function delegatedSource(tenant: SeededTenant, userIndex = 0): Promise<TokenSource> {
  const user = tenant.users[userIndex];
  if (user === undefined) throw new Error(`no user ${userIndex}`);
  const assertion = await fake.mintSsoToken({ tenantId: tenant.tenantId, userId: user.id });
  const response = await fetch(`${fake.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
      assertion,
      scope: 'https://graph.microsoft.com/.default',
      requested_token_use: 'on_behalf_of',
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (response.status !== 200 || body.access_token === undefined) throw new Error(`on-behalf-of failed: ${JSON.stringify(body)}`);
  const token = body.access_token;
  return { tenantId: tenant.tenantId, userId: user.id, getToken: async () => token };
}

function gateway(options: ConstructorParameters<typeof GraphGateway>[0] = {}): GraphGateway {
  return new GraphGateway({ baseUrl: fake.graphBaseUrl, ...options });
}

describe('GraphGateway against the fake Microsoft', () => {
  it('reads the profile, teams and members through the SDK with a validated token', async () => {
    const tenant = seedTenant('Contoso', 3);
    const source = await delegatedSource(tenant);
    const g = gateway();
    expect(await g.me(source)).toMatchObject({ id: tenant.users[0]!.id, displayName: 'Contoso User 0' });
    expect(await g.user(source, tenant.users[1]!.id, ['id', 'displayName'])).toMatchObject({ id: tenant.users[1]!.id, displayName: 'Contoso User 1' });
    const teams = await g.joinedTeams(source);
    expect(teams.map((t) => t.id)).toEqual([tenant.teams[0]!.id]);
    const members = await g.teamMembers(source, tenant.teams[0]!.id);
    expect(members.map((m) => m.userId).sort()).toEqual([tenant.users[0]!.id, tenant.users[1]!.id].sort());
    expect(fake.report().rejectedTokens).toEqual({});
  });

  it('names the missing admin consent when Graph answers 403', async () => {
    const tenant = seedTenant('Northwind', 2, DELEGATED.filter((s) => s !== 'TeamMember.Read.All'));
    const source = await delegatedSource(tenant);
    const error = await gateway().teamMembers(source, tenant.teams[0]!.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphConsentError);
    expect(error).toMatchObject({ scope: 'TeamMember.Read.All', adminConsentRequired: true, status: 403 });
  });

  it('asks presence for 1,400 users in chunks of 650', async () => {
    const tenant = seedTenant('Fabrikam', 1_400);
    const source = await delegatedSource(tenant);
    const before = fake.report().requests.byEndpoint['POST /communications/getPresencesByUserId'] ?? 0;
    const presences = await gateway().presences(source, tenant.users.map((u) => u.id));
    expect(presences).toHaveLength(1_400);
    expect(new Set(presences.map((p) => p.id))).toEqual(new Set(tenant.users.map((u) => u.id)));
    expect(presences.every((p) => typeof p.availability === 'string' && typeof p.activity === 'string')).toBe(true);
    expect((fake.report().requests.byEndpoint['POST /communications/getPresencesByUserId'] ?? 0) - before).toBe(3);
  });

  it('re-sends a $batch item the fake throttled after its Retry-After, with no early retry', async () => {
    const tenant = seedTenant('Litware', 4);
    const source = await delegatedSource(tenant);
    // Three presence reads per three seconds: the fourth item of the batch gets a per-item 429.
    fake.setLimits({ retryAfterStyle: 'fractional', overrides: { presence: { kind: 'bucket', limit: 3, windowMs: 3_000 } } });
    try {
      const throttles: GraphThrottleEvent[] = [];
      const started = Date.now();
      const answers = await gateway({ observer: { onThrottled: (e) => throttles.push(e) } }).batch(
        source,
        tenant.users.map((u, i) => ({ id: String(i), method: 'GET', url: `/users/${u.id}/presence` })),
      );
      expect(answers.map((a) => [a.id, a.status])).toEqual([
        ['0', 200],
        ['1', 200],
        ['2', 200],
        ['3', 200],
      ]);
      expect(throttles).toHaveLength(1);
      expect(throttles[0]).toMatchObject({ status: 429, batchItem: true, family: 'presence' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(throttles[0]!.retryAfterMs!);
      const report = fake.report();
      expect(report.throttled.byLimit.presence).toBeGreaterThanOrEqual(1);
      expect(report.earlyRetries.total).toBe(0);
    } finally {
      fake.setLimits({ retryAfterStyle: 'integer', overrides: { presence: DEFAULT_LIMITS.presence } });
    }
  });

  it('honours a fractional Retry-After for the throttled call and for the calls behind it', async () => {
    const tenant = seedTenant('Tailspin', 3);
    const source = await delegatedSource(tenant);
    fake.setLimits({ retryAfterStyle: 'fractional', overrides: { 'directory-small': { kind: 'bucket', limit: 2, windowMs: 3_000 } } });
    try {
      const throttles: GraphThrottleEvent[] = [];
      const g = gateway({ observer: { onThrottled: (e) => throttles.push(e) } });
      await g.me(source);
      await g.me(source);
      const throttled = g.me(source);
      // Starts while the Retry-After runs: the governor holds it back instead of letting it arrive early.
      await new Promise((r) => setTimeout(r, 100));
      const behind = g.user(source, tenant.users[1]!.id);
      expect((await throttled).id).toBe(tenant.users[0]!.id);
      expect((await behind).id).toBe(tenant.users[1]!.id);
      expect(throttles.length).toBeGreaterThanOrEqual(1);
      // One unit per 1.5 s: the fake says "1.5", and 1.5 s is what the call sat out.
      expect(throttles[0]!.retryAfterMs).toBe(1_500);
      const report = fake.report();
      expect(report.throttled.byLimit['directory-small']).toBeGreaterThanOrEqual(1);
      expect(report.earlyRetries.total).toBe(0);
    } finally {
      fake.setLimits({ retryAfterStyle: 'integer', overrides: { 'directory-small': DEFAULT_LIMITS['directory-small'] } });
    }
  });

  it('reuses the meeting of an externalId instead of creating another', async () => {
    const tenant = seedTenant('Adatum', 2);
    const source = await delegatedSource(tenant);
    const g = gateway();
    const before = fake.report().meetings;
    const first = await g.createOrGetMeeting(source, 'office-1:room-7', 'Room 7');
    const again = await g.createOrGetMeeting(source, 'office-1:room-7', 'Room 7');
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.meeting.id).toBe(first.meeting.id);
    expect(first.meeting.joinWebUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    const after = fake.report().meetings;
    expect([after.created - before.created, after.returned - before.returned]).toEqual([1, 1]);
  });
});
