import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, appToken, delegatedToken, graph, startSeededFake, userId, type SeededFake } from './testing/fixtures.js';

let env: SeededFake;
let adele: string;
let fabrikamToken: string;

beforeAll(async () => {
  env = await startSeededFake();
  adele = await delegatedToken(env.fake, env.contoso.tenantId, userId(env.contoso, 0));
  fabrikamToken = await delegatedToken(env.fake, env.fabrikam.tenantId, userId(env.fabrikam, 0));
});
afterAll(async () => {
  await env.fake.close();
});

const activityBody = (recipientId?: string) => ({
  topic: { source: 'text', value: 'Design office', webUrl: 'https://teams.microsoft.com/l/entity/app/office' },
  activityType: 'nudge',
  previewText: { content: 'Adele wants to talk' },
  templateParameters: [{ name: 'name', value: 'Adele' }],
  ...(recipientId ? { recipient: { '@odata.type': 'microsoft.graph.aadUserNotificationRecipient', userId: recipientId } } : {}),
});

describe('token validation on every Graph call', () => {
  it('answers 401 InvalidAuthenticationToken for a bad signature, an expired token, a wrong audience or no token', async () => {
    const claims = decodeJwt(adele);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'forged' }).sign(privateKey);
    const expiredAt = Math.floor(env.clock.now() / 1000) - 10;
    const expired = await env.fake.services.tokens.sign({ ...claims, exp: expiredAt, nbf: expiredAt - 3600, iat: expiredAt - 3600 }, 'JWT');
    const sso = await env.fake.mintSsoToken({ tenantId: env.contoso.tenantId, userId: userId(env.contoso, 0) });
    for (const [token, reason] of [[forged, 'bad-signature'], [expired, 'expired'], [sso, 'wrong-audience'], ['', 'missing']] as const) {
      const answer = await graph(env.fake, token, 'GET', '/me');
      expect(answer.status, reason).toBe(401);
      expect(answer.body.error.code).toBe('InvalidAuthenticationToken');
      expect(answer.body.error.innerError).toMatchObject({ 'request-id': expect.any(String), date: expect.any(String) });
      expect(answer.headers.get('www-authenticate')).toContain('Bearer');
      expect(env.fake.report().rejectedTokens[reason]).toBeGreaterThanOrEqual(1);
    }
  });

  it('expires tokens on the fake clock', async () => {
    const token = await delegatedToken(env.fake, env.contoso.tenantId, userId(env.contoso, 1));
    expect((await graph(env.fake, token, 'GET', '/me')).status).toBe(200);
    env.clock.advance(3_600_000);
    expect((await graph(env.fake, token, 'GET', '/me')).status).toBe(401);
    adele = await delegatedToken(env.fake, env.contoso.tenantId, userId(env.contoso, 0));
    fabrikamToken = await delegatedToken(env.fake, env.fabrikam.tenantId, userId(env.fabrikam, 0));
  });

  it('answers 403 Forbidden for a missing scope and for admin-consent scopes without admin consent', async () => {
    const tenant = env.fake.seed({ displayName: 'Litware', users: [{ displayName: 'Lidia Holloway' }], teams: [{ displayName: 'Sales', members: ['lidia.holloway@litware.onmicrosoft.com'] }], userConsents: [{ userId: 'lidia.holloway@litware.onmicrosoft.com', scopes: ['User.Read', 'Team.ReadBasic.All'] }] });
    const token = await delegatedToken(env.fake, tenant.tenantId, userId(tenant, 0));
    expect((await graph(env.fake, token, 'GET', '/me')).status).toBe(200);
    const presence = await graph(env.fake, token, 'POST', '/communications/getPresencesByUserId', { ids: [userId(tenant, 0)] });
    expect(presence.status).toBe(403);
    expect(presence.body.error.code).toBe('Forbidden');
    const teamId = tenant.teams[0]!.id;
    expect((await graph(env.fake, token, 'GET', `/teams/${teamId}`)).status).toBe(200);
    expect((await graph(env.fake, token, 'GET', `/teams/${teamId}/members`)).status).toBe(403);
    expect((await graph(env.fake, token, 'GET', `/users/${userId(tenant, 0)}`)).status).toBe(200);
    const app = await appToken(env.fake, env.contoso.tenantId);
    expect((await graph(env.fake, app, 'POST', '/subscriptions', {})).status).toBe(403);
    expect((await graph(env.fake, app, 'GET', '/me')).status).toBe(400);
  });
});

describe('Graph endpoints', () => {
  it('reads the profile with $select, joined teams and members in the v1.0 shapes', async () => {
    const me = await graph(env.fake, adele, 'GET', '/me?$select=id,displayName,userPrincipalName,mail,jobTitle');
    expect(Object.keys(me.body).filter((key) => !key.startsWith('@'))).toEqual(['id', 'displayName', 'userPrincipalName', 'mail', 'jobTitle']);
    expect(me.body).toMatchObject({ id: userId(env.contoso, 0), displayName: 'Adele Vance', userPrincipalName: 'adele.vance@contoso.onmicrosoft.com' });
    expect((await graph(env.fake, adele, 'GET', '/me?$select=shoeSize')).status).toBe(400);
    const teams = await graph(env.fake, adele, 'GET', '/me/joinedTeams');
    expect(teams.body.value).toEqual([expect.objectContaining({ id: env.contoso.teams[0]!.id, displayName: 'Design', tenantId: env.contoso.tenantId })]);
    const members = await graph(env.fake, adele, 'GET', `/teams/${env.contoso.teams[0]!.id}/members`);
    expect(members.body.value).toHaveLength(2);
    expect(members.body.value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.aadUserConversationMember', userId: userId(env.contoso, 0), email: 'adele.vance@contoso.onmicrosoft.com', tenantId: env.contoso.tenantId, roles: [] });
    const megan = await delegatedToken(env.fake, env.contoso.tenantId, userId(env.contoso, 2));
    expect((await graph(env.fake, megan, 'GET', `/teams/${env.contoso.teams[0]!.id}`)).status).toBe(403);
  });

  it('keeps tenant A away from tenant B users, teams and presence', async () => {
    const diego = userId(env.fabrikam, 0);
    const teamB = env.fabrikam.teams[0]!.id;
    expect((await graph(env.fake, adele, 'GET', `/users/${diego}`)).status).toBe(404);
    expect((await graph(env.fake, adele, 'GET', `/users/${diego}/presence`)).status).toBe(404);
    expect((await graph(env.fake, adele, 'GET', `/teams/${teamB}`)).status).toBe(404);
    expect((await graph(env.fake, adele, 'GET', `/teams/${teamB}/members`)).status).toBe(404);
    env.fake.setUserPresence(env.fabrikam.tenantId, diego, 'Busy', 'InACall');
    const presences = await graph(env.fake, adele, 'POST', '/communications/getPresencesByUserId', { ids: [diego, userId(env.contoso, 1)] });
    expect(presences.body.value[0]).toEqual({ id: diego, availability: 'PresenceUnknown', activity: 'PresenceUnknown' });
    expect((await graph(env.fake, fabrikamToken, 'POST', '/communications/getPresencesByUserId', { ids: [diego] })).body.value[0]).toMatchObject({ availability: 'Busy' });
    const app = await appToken(env.fake, env.contoso.tenantId);
    expect((await graph(env.fake, app, 'GET', `/users/${diego}`)).status).toBe(404);
    expect((await graph(env.fake, adele, 'POST', `/users/${diego}/teamwork/sendActivityNotification`, activityBody())).status).toBe(404);
  });

  it('aggregates the app presence session with the user state and returns to it after clearPresence', async () => {
    const alex = userId(env.contoso, 1);
    const alexToken = await delegatedToken(env.fake, env.contoso.tenantId, alex);
    env.fake.setUserPresence(env.contoso.tenantId, alex, 'Available', 'Available');
    const set = await graph(env.fake, alexToken, 'POST', `/users/${alex}/presence/setPresence`, { sessionId: APP.clientId, availability: 'Busy', activity: 'InACall', expirationDuration: 'PT10M' });
    expect(set.status).toBe(200);
    expect((await graph(env.fake, alexToken, 'GET', '/me/presence')).body).toMatchObject({ id: alex, availability: 'Busy', activity: 'InACall' });
    expect((await graph(env.fake, alexToken, 'POST', `/users/${userId(env.contoso, 0)}/presence/setPresence`, { sessionId: APP.clientId, availability: 'Busy', activity: 'InACall' })).status).toBe(403);
    expect((await graph(env.fake, alexToken, 'POST', `/users/${alex}/presence/clearPresence`, { sessionId: APP.clientId })).status).toBe(200);
    expect((await graph(env.fake, adele, 'GET', `/users/${alex}/presence`)).body).toMatchObject({ availability: 'Available', activity: 'Available' });
  });

  it('creates an online meeting once per (organizer, externalId) and returns it afterwards', async () => {
    const body = { externalId: 'office-1:room-7', subject: 'Room 7', participants: { attendees: [] } };
    const created = await graph(env.fake, adele, 'POST', '/me/onlineMeetings/createOrGet', body);
    expect(created.status).toBe(201);
    expect(created.body.joinWebUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    const again = await graph(env.fake, adele, 'POST', '/me/onlineMeetings/createOrGet', body);
    expect(again.status).toBe(200);
    expect(again.body.joinWebUrl).toBe(created.body.joinWebUrl);
    expect(again.body.id).toBe(created.body.id);
    const otherOrganizer = await graph(env.fake, await delegatedToken(env.fake, env.contoso.tenantId, userId(env.contoso, 1)), 'POST', '/me/onlineMeetings/createOrGet', body);
    expect(otherOrganizer.status).toBe(201);
    expect(otherOrganizer.body.joinWebUrl).not.toBe(created.body.joinWebUrl);
    expect((await graph(env.fake, adele, 'POST', '/me/onlineMeetings/createOrGet', { subject: 'no id' })).status).toBe(400);
    expect(env.fake.report().meetings).toEqual({ created: 2, returned: 1 });
  });

  it('sends activity notifications, rejects bad recipients and counts them per tenant per second', async () => {
    const teamId = env.contoso.teams[0]!.id;
    const alex = userId(env.contoso, 1);
    const before = env.fake.report().activityNotifications.byTenant[env.contoso.tenantId] ?? { sent: 0, rejected: 0 };
    env.clock.advance(1_000);
    expect((await graph(env.fake, adele, 'POST', `/teams/${teamId}/sendActivityNotification`, activityBody(alex))).status).toBe(204);
    expect((await graph(env.fake, adele, 'POST', `/users/${alex}/teamwork/sendActivityNotification`, activityBody())).status).toBe(204);
    expect((await graph(env.fake, adele, 'POST', `/teams/${teamId}/sendActivityNotification`, activityBody(userId(env.contoso, 2)))).status).toBe(400);
    expect((await graph(env.fake, adele, 'POST', `/teams/${teamId}/sendActivityNotification`, activityBody('00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    expect((await graph(env.fake, adele, 'POST', `/users/${alex}/teamwork/sendActivityNotification`, { activityType: 'x' })).status).toBe(400);
    expect(env.fake.report().activityNotifications.byTenant[env.contoso.tenantId]).toEqual({ sent: before.sent + 2, rejected: before.rejected + 3, peakPerSecond: 2 });
  });

  it('throttles sendActivityNotification at 5/s per tenant with Retry-After and counts early retries', async () => {
    env.clock.advance(10_000);
    const targets = [userId(env.contoso, 0), userId(env.contoso, 1), userId(env.contoso, 2)];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await graph(env.fake, adele, 'POST', `/users/${targets[i % 3]}/teamwork/sendActivityNotification`, activityBody())).status);
    expect(statuses).toEqual([204, 204, 204, 204, 204, 429]);
    const throttled = await graph(env.fake, adele, 'POST', `/users/${targets[0]}/teamwork/sendActivityNotification`, activityBody());
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.body.error).toMatchObject({ code: 'TooManyRequests', innerError: { 'request-id': expect.any(String), 'client-request-id': expect.any(String) } });
    expect(env.fake.report().earlyRetries.byLimit['activity-tenant']).toBe(1);
    // Another tenant has its own budget.
    expect((await graph(env.fake, fabrikamToken, 'POST', `/users/${userId(env.fabrikam, 1)}/teamwork/sendActivityNotification`, activityBody())).status).toBe(204);
    env.clock.advance(1_000);
    expect((await graph(env.fake, adele, 'POST', `/users/${targets[0]}/teamwork/sendActivityNotification`, activityBody())).status).toBe(204);
    expect(env.fake.report().earlyRetries.byLimit['activity-tenant']).toBe(1);
    expect(env.fake.report().activityNotifications.byTenant[env.contoso.tenantId]?.peakPerSecond).toBe(5);
  });

  it('throttles presence at 1,500 requests per 30 s per tenant and sends fractional Retry-After when told', async () => {
    env.clock.advance(60_000);
    const ids = [userId(env.contoso, 0)];
    const calls = Array.from({ length: 1_500 }, () => graph(env.fake, adele, 'POST', '/communications/getPresencesByUserId', { ids }));
    const statuses = (await Promise.all(calls)).map((answer) => answer.status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    env.fake.setLimits({ retryAfterStyle: 'fractional' });
    const throttled = await graph(env.fake, adele, 'GET', '/me/presence');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('0.1');
    env.clock.advance(100);
    expect((await graph(env.fake, adele, 'GET', '/me/presence')).status).toBe(200);
    env.fake.setLimits({ retryAfterStyle: 'integer' });
    expect(env.fake.report().throttled.byLimit.presence).toBe(1);
  });

  it('limits $batch to 20 requests and answers throttled items with their own 429 and Retry-After', async () => {
    env.clock.advance(60_000);
    const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'GET', url: '/me' }));
    const tooMany = await graph(env.fake, adele, 'POST', '/$batch', { requests: many });
    expect(tooMany.status).toBe(400);
    const teamId = env.contoso.teams[0]!.id;
    const requests = [
      ...Array.from({ length: 6 }, (_, i) => ({ id: `team-${i}`, method: 'GET', url: `/teams/${teamId}` })),
      { id: 'me', method: 'GET', url: 'me?$select=displayName' },
      { id: 'presence', method: 'POST', url: '/communications/getPresencesByUserId', headers: { 'Content-Type': 'application/json' }, body: { ids: [userId(env.contoso, 1)] } },
    ];
    const batch = await graph(env.fake, adele, 'POST', '/$batch', { requests });
    expect(batch.status).toBe(200);
    const byId = new Map<string, { status: number; headers: Record<string, string>; body: any }>(batch.body.responses.map((item: { id: string }) => [item.id, item]));
    expect([0, 1, 2, 3].map((i) => byId.get(`team-${i}`)?.status)).toEqual([200, 200, 200, 200]);
    expect(byId.get('team-4')?.status).toBe(429);
    expect(byId.get('team-4')?.headers['Retry-After']).toBe('1');
    expect(byId.get('team-4')?.body.error.code).toBe('TooManyRequests');
    expect(byId.get('me')).toMatchObject({ status: 200, body: { displayName: 'Adele Vance' } });
    expect(byId.get('presence')?.body.value[0]).toMatchObject({ id: userId(env.contoso, 1) });
  });

  it('injects seeded faults on matching paths only, with and without Retry-After', async () => {
    env.clock.advance(60_000);
    env.fake.setFaults({ seed: 7, rules: [{ match: '^GET /v1.0/me$', probability: 1, kind: '503', retryAfterSeconds: 2.5 }, { match: '^GET /v1.0/users/', probability: 1, kind: '504' }] });
    const unavailable = await graph(env.fake, adele, 'GET', '/me');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('2.5');
    expect(unavailable.body.error.code).toBe('ServiceNotAvailable');
    const timeout = await graph(env.fake, adele, 'GET', `/users/${userId(env.contoso, 1)}`);
    expect(timeout.status).toBe(504);
    expect(timeout.headers.get('retry-after')).toBeNull();
    expect((await graph(env.fake, adele, 'GET', '/me/presence')).status).toBe(200);
    env.fake.setFaults({ rules: [{ match: '^GET /v1.0/me/joinedTeams', probability: 1, kind: 'slow', delayMs: 200 }] });
    const started = Date.now();
    expect((await graph(env.fake, adele, 'GET', '/me/joinedTeams')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    env.fake.setFaults({ rules: [] });
    expect((await graph(env.fake, adele, 'GET', '/me')).status).toBe(200);
    expect(env.fake.report().faultsInjected).toMatchObject({ '503': 1, '504': 1, slow: 1 });
  });
});
