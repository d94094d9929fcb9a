import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TENANT_ID, seedDemoTenant } from './demo.js';
import { startFakeMicrosoft, type FakeMicrosoft } from './server.js';
import { APP, graph, postForm } from './testing/fixtures.js';

let fake: FakeMicrosoft;

beforeAll(async () => {
  fake = await startFakeMicrosoft({ apps: [APP] });
});
afterAll(async () => {
  await fake.close();
});

const post = async (path: string, body: unknown) => {
  const response = await fetch(`${fake.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

describe('test-only /_fake routes and the demo tenant', () => {
  it('seeds Contoso with six users in team Design, all consents granted', async () => {
    const demo = seedDemoTenant(fake);
    expect(demo.tenantId).toBe(DEMO_TENANT_ID);
    expect(demo.users).toHaveLength(6);
    const sso = await post('/_fake/sso-token', { tenantId: DEMO_TENANT_ID, userId: demo.users[1]!.id });
    const obo = await postForm(`${fake.authorityHost}/${DEMO_TENANT_ID}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: APP.clientId, client_secret: APP.clientSecret, assertion: sso.body.token,
      scope: 'https://graph.microsoft.com/TeamMember.Read.All https://graph.microsoft.com/Presence.ReadWrite', requested_token_use: 'on_behalf_of',
    });
    expect(obo.status).toBe(200);
    const token = obo.body.access_token as string;
    const members = await graph(fake, token, 'GET', `/teams/${demo.teams[0]!.id}/members`);
    expect(members.body.value).toHaveLength(6);
    expect(members.body.value.filter((member: { roles: string[] }) => member.roles.includes('owner'))).toHaveLength(1);
  });

  it('seeds, sets presence, configures faults and limits, and reports over HTTP', async () => {
    const seeded = await post('/_fake/seed', { displayName: 'Tailspin', users: [{ displayName: 'Tia Toy' }], adminConsent: { scopes: ['User.Read', 'Presence.Read.All'] } });
    expect(seeded.status).toBe(200);
    const { tenantId, users } = seeded.body as { tenantId: string; users: Array<{ id: string }> };
    expect((await post('/_fake/presence', { tenantId, userId: users[0]!.id, availability: 'Away', activity: 'Away' })).status).toBe(204);
    expect((await post('/_fake/presence', { tenantId, userId: users[0]!.id, availability: 'Sleepy', activity: 'Away' })).status).toBe(400);
    expect((await post('/_fake/seed', { users: [] })).status).toBe(400);
    expect((await post('/_fake/faults', { rules: [{ probability: 3, kind: '500' }] })).status).toBe(400);
    expect((await post('/_fake/limits', { retryAfterStyle: 'fractional', overrides: { presence: { kind: 'bucket', limit: 1, windowMs: 1_000 } } })).status).toBe(204);
    const sso = (await post('/_fake/sso-token', { tenantId, userId: users[0]!.id })).body.token as string;
    const obo = await postForm(`${fake.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: APP.clientId, client_secret: APP.clientSecret, assertion: sso,
      scope: 'https://graph.microsoft.com/.default', requested_token_use: 'on_behalf_of',
    });
    const token = obo.body.access_token as string;
    expect((await graph(fake, token, 'GET', '/me/presence')).body).toMatchObject({ availability: 'Away' });
    const throttled = await graph(fake, token, 'GET', '/me/presence');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toMatch(/^\d+\.\d$/);
    const report = (await (await fetch(`${fake.url}/_fake/report`)).json()) as Record<string, any>;
    expect(report.requests.byEndpoint['GET /me/presence']).toBe(2);
    expect(report.throttled.byLimit.presence).toBe(1);
    expect(report.tokensIssued.on_behalf_of).toBeGreaterThanOrEqual(2);
  });
});
