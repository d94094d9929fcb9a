import { join } from 'node:path';
import { ApiClient, type OfficeConnection } from '@metaoffice/client';
import { DEMO_TEAM_ID, DEMO_TENANT_ID, seedDemoTenant, startFakeMicrosoft, type FakeMicrosoft } from '@metaoffice/fake-microsoft';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, waitFor } from './harness.js';
import { startTeamsHarness, type TeamsHarness } from './teams-harness.js';
import { LogCapture } from './scenario.js';
import { loadSecretsKey, SecretBox } from '../secrets/secret-box.js';

/*
 * Teams mode end to end on the server side, against the repo's fake Entra ID + Graph over TLS: SSO → on-behalf-of →
 * Graph, tabs as offices, team membership, tenant isolation, Microsoft 365 presence (subscription + notification,
 * and writes while in a call), Teams meetings for conversations, bad tokens, consent and Graph failures.
 */
const CLIENT_ID = '5b0c9f4e-7d2a-4e61-9b3c-2a1d0e9f8c7b';
const SECRET = 'fake-secret-for-tests';
const ADELE = '11111111-1111-4111-8111-111111111111';
const ALEX = '22222222-2222-4222-8222-222222222222';
const MEGAN = '33333333-3333-4333-8333-333333333333';

let fake: FakeMicrosoft;
let h: TeamsHarness;
const logs = new LogCapture();
const OTHER_TENANT = '0a0b0c0d-1111-4222-8333-444455556666';
const OTHER_USER = '99999999-9999-4999-8999-999999999999';
const NO_CONSENT_TENANT = '0e0e0e0e-1111-4222-8333-444455556666';
const NO_CONSENT_USER = '88888888-8888-4888-8888-888888888888';

beforeAll(async () => {
  fake = await startFakeMicrosoft({ apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] });
  seedDemoTenant(fake, CLIENT_ID);
  fake.seed({
    id: OTHER_TENANT,
    displayName: 'Fabrikam',
    domain: 'fabrikam.onmicrosoft.com',
    users: [{ id: OTHER_USER, displayName: 'Fabian Fabrikam' }],
    teams: [{ id: 'f0f0f0f0-0000-4000-8000-000000000001', displayName: 'Fab team', members: [OTHER_USER] }],
    adminConsent: { clientId: CLIENT_ID, scopes: ['User.Read', 'User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite', 'OnlineMeetings.ReadWrite', 'Team.ReadBasic.All', 'TeamMember.Read.All', 'TeamsActivity.Send'] },
  });
  fake.seed({ id: NO_CONSENT_TENANT, displayName: 'Northwind', domain: 'northwind.onmicrosoft.com', users: [{ id: NO_CONSENT_USER, displayName: 'Nora Northwind' }] });

  // Logged at debug level into memory: the data-rule test below reads every line.
  h = await startTeamsHarness(fake, { clientId: CLIENT_ID, clientSecret: SECRET }, { CONVERSATION_STILL_MS: '0', LOG_LEVEL: 'debug' }, { logStream: logs });
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await fake?.close();
});

function api(): ApiClient {
  return new ApiClient({ baseUrl: h.server.url, cookieJar: true });
}

async function signedIn(userId: string, tenantId = DEMO_TENANT_ID): Promise<ApiClient> {
  const a = await h.signIn(tenantId, userId);
  expect((await a.me()).organisation.id).toBeTruthy();
  return a;
}

const tab = { teamId: DEMO_TEAM_ID, channelId: '19:design-general@thread.tacv2', entityId: 'tab-entity-1' };

describe('Teams mode against the fake Microsoft', () => {
  it('signs in with a Teams SSO token: validated, exchanged on-behalf-of, profile read from Graph, sealed token cache stored', async () => {
    const alex = await signedIn(ALEX);
    const me = await alex.me();
    expect(me.user.name).toBe('Alex Wilber');
    expect(me.user.email).toMatch(/@contoso\.onmicrosoft\.com$/);
    const sealed = (await h.server.store.tokenCaches.get(me.user.id))!;
    expect(sealed).toMatch(/^v1\./);
    // Encrypted at rest: only the server's key opens it, and the tokens inside appear nowhere in the stored text.
    const box = new SecretBox(loadSecretsKey(undefined, join(h.dataDir, 'secrets.key')));
    const cache = JSON.parse(box.open(sealed, me.user.id)) as { AccessToken: Record<string, { secret: string }>; RefreshToken: Record<string, { secret: string }> };
    const secrets = [...Object.values(cache.AccessToken), ...Object.values(cache.RefreshToken)].map((t) => t.secret);
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(sealed).not.toContain(secret.slice(0, 24));
    expect(() => box.open(sealed, 'another-user')).toThrow();
    // What is kept about the person, in their own export: identifiers, and that a token cache is held (not its tokens).
    const mine = await alex.exportMe();
    expect(mine.microsoft).toEqual({ tenantId: DEMO_TENANT_ID, objectId: ALEX, userPrincipalName: expect.stringMatching(/@contoso/), graphTokenCacheHeld: true });
    expect(JSON.stringify(mine)).not.toContain(secrets[0]!.slice(0, 24));
    expect(fake.report().tokensIssued).toMatchObject({ on_behalf_of: expect.any(Number) });
  });

  it('headers: the app may be framed only by Teams and Microsoft 365 hosts, still without inline scripts', async () => {
    const res = await fetch(`${h.server.url}/healthz`);
    const csp = res.headers.get('content-security-policy')!;
    const frameAncestors = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('frame-ancestors '))!;
    const hosts = frameAncestors.split(/\s+/).slice(1);
    expect(hosts).toEqual(expect.arrayContaining(["'self'", 'https://teams.microsoft.com', 'https://*.teams.microsoft.com', 'https://*.cloud.microsoft', 'https://*.office.com']));
    expect(hosts).not.toContain("'none'");
    expect(hosts).not.toContain('*');
    // Every ancestor is ourselves or an https Microsoft host: no http, no other domain.
    for (const host of hosts.filter((x) => x !== "'self'")) expect(host).toMatch(/^https:\/\/([*a-z0-9-]+\.)*(microsoft\.com|cloud\.microsoft|office\.com|microsoft365\.com|skype\.com)$/);
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src '))!;
    expect(scriptSrc).not.toContain('unsafe-inline');
    // X-Frame-Options cannot list hosts, so it must be absent rather than DENY (which would blank the tab).
    expect(res.headers.get('x-frame-options')).toBeNull();
    // Over https, with HSTS. The session cookie is sent inside the Teams frame (a third-party context), so it is
    // SameSite=None, Secure, HttpOnly and Partitioned (CHIPS: kept per top-level site, here Teams).
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    const sso = await fetch(`${h.server.url}/api/teams/sso`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: await fake.mintSsoToken({ tenantId: DEMO_TENANT_ID, userId: ALEX, clientId: CLIENT_ID, audience: `api://${new URL(h.publicUrl).host}/${CLIENT_ID}` }) }),
    });
    expect(sso.status).toBe(200);
    const cookie = sso.headers.get('set-cookie')!;
    for (const attribute of [/HttpOnly/i, /;\s*Secure/i, /SameSite=None/i, /Partitioned/i]) expect(cookie).toMatch(attribute);
  });

  it('refuses invalid, expired and wrong-audience tokens with 401 and counts them', async () => {
    const port = new URL(h.server.url).port;
    const good = await fake.mintSsoToken({ tenantId: DEMO_TENANT_ID, userId: ALEX, clientId: CLIENT_ID, audience: `api://127.0.0.1:${port}/${CLIENT_ID}` });
    const expired = await fake.mintSsoToken({ tenantId: DEMO_TENANT_ID, userId: ALEX, clientId: CLIENT_ID, expiresInSec: -600 });
    const wrongAudience = await fake.mintSsoToken({ tenantId: DEMO_TENANT_ID, userId: ALEX, clientId: CLIENT_ID, audience: 'api://evil.example/xyz' });
    const tampered = good.slice(0, -6) + (good.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    for (const t of [expired, wrongAudience, tampered, 'x'.repeat(40)]) {
      await expect(api().teamsSignIn(t)).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    }
    const metrics = await (await fetch(`${h.server.url}/metrics`)).text();
    for (const reason of ['expired', 'bad_audience', 'bad_signature', 'malformed']) expect(metrics).toMatch(new RegExp(`metaoffice_teams_rejected_tokens_total\\{reason="${reason}"\\} [1-9]`));
  });

  it('a tenant without consent gets CONSENT_REQUIRED with the reason, and keeps no session', async () => {
    const a = api();
    const token = await fake.mintSsoToken({ tenantId: NO_CONSENT_TENANT, userId: NO_CONSENT_USER, clientId: CLIENT_ID });
    const err = await a.teamsSignIn(token).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ status: 403, code: 'CONSENT_REQUIRED' });
    expect(String((err as Error).message)).toMatch(/consent/i);
    await expect(a.me()).rejects.toMatchObject({ status: 401 });
  });

  it('the consent pop-up: a person consents to what they may; admin-consent scopes need the tenant admin first', async () => {
    const config = await api().teamsConfig();
    const authorize = (login: string) => {
      const u = new URL(`${config.authorityHost}/${NO_CONSENT_TENANT}/oauth2/v2.0/authorize`);
      u.search = new URLSearchParams({ client_id: config.clientId, response_type: 'code', redirect_uri: `${h.server.url}/teams/auth-end`, scope: [...config.graphScopes, 'openid', 'profile', 'offline_access'].join(' '), state: 's1', login_hint: login, prompt: 'consent' }).toString();
      return u;
    };
    const upn = 'nora.northwind@northwind.onmicrosoft.com';
    const page = await (await fetch(authorize(upn))).text();
    expect(page).toContain('Need admin approval');
    expect(page).toContain('TeamMember.Read.All');
    // The tenant's admin grants the admin-consent scopes; now the person may consent to the rest themselves.
    fake.services.directory.grantAdminConsent(NO_CONSENT_TENANT, CLIENT_ID, ['User.Read.All', 'TeamMember.Read.All']);
    const consentPage = await (await fetch(authorize(upn))).text();
    expect(consentPage).toContain('id="accept"');
    expect(consentPage).toContain('Nora Northwind');
    const form = new URLSearchParams(Object.fromEntries([...authorize(upn).searchParams.entries()]));
    form.set('decision', 'accept');
    const back = await fetch(authorize(upn).toString().split('?')[0]!, { method: 'POST', body: form, redirect: 'manual' });
    expect(back.status, await back.clone().text()).toBe(302);
    const location = new URL(back.headers.get('location')!);
    expect(location.pathname).toBe('/teams/auth-end');
    expect(location.searchParams.get('state')).toBe('s1');
    expect(location.searchParams.get('code')).toBeTruthy();
    const nora = await signedIn(NO_CONSENT_USER, NO_CONSENT_TENANT);
    expect((await nora.me()).user.name).toBe('Nora Northwind');
  });

  it('a channel tab becomes an office; reopening Settings edits the same office; members see it, others do not', async () => {
    const alex = await signedIn(ALEX);
    expect((await alex.teamsTab(tab)).office).toBeNull();
    const saved = await alex.saveTeamsTab({ ...tab, name: 'Design floor', description: 'Where the designers sit' });
    expect(saved.contentUrl).toContain('/teams/tab?entityId=tab-entity-1');
    expect(saved.suggestedDisplayName).toBe('Design floor');
    const again = await alex.saveTeamsTab({ ...tab, name: 'Design studio', description: 'Renamed' });
    expect(again.office.id).toBe(saved.office.id);
    expect((await alex.teamsTab(tab)).office).toMatchObject({ id: saved.office.id, name: 'Design studio' });
    expect((await alex.teamsOffices()).map((o) => [o.office.id, o.teamName])).toEqual([[saved.office.id, 'Design']]);
    // The tab's deep link names its channel, opened from the sealed copy: the database keeps only a digest and the
    // sealed value, never the id in clear (the data-rule test below scans for it).
    const { url: deepLink } = await alex.teamsTabLink(saved.office.id);
    expect(JSON.parse(new URL(deepLink).searchParams.get('context')!)).toEqual({ channelId: tab.channelId });
    expect(deepLink).toContain('/l/entity/');
    // A tab from before channel ids were sealed (migration 0007 leaves them unsealed): its link names the tab only,
    // until the next visit seals the id from the tab's Teams context.
    const raw = new Database(join(h.dataDir, 'metaoffice.db'));
    raw.prepare('update teams_tabs set channel_sealed = null').run();
    raw.close();
    expect((await alex.teamsTabLink(saved.office.id)).url).not.toContain('context=');
    expect((await alex.teamsTab(tab)).office?.id).toBe(saved.office.id);
    expect(JSON.parse(new URL((await alex.teamsTabLink(saved.office.id)).url).searchParams.get('context')!)).toEqual({ channelId: tab.channelId });

    // The office's people are the team's members, from Graph, including those who never opened the tab.
    const people = await alex.people(saved.office.id);
    expect(people.map((p) => p.name).sort()).toEqual(['Adele Vance', 'Alex Wilber', 'Lee Gu', 'Megan Bowen', 'Nestor Wilke', 'Pradeep Gupta']);
    // Members who never signed in are stored by their identifiers, the UPN read from /users/{id}.
    const lee = people.find((p) => p.name === 'Lee Gu')!;
    expect(await h.server.store.teams.identityOf(lee.userId)).toEqual({ objectId: '44444444-4444-4444-8444-444444444444', upn: 'lee.gu@contoso.onmicrosoft.com' });

    // Tenant isolation: Fabrikam's person reaches nothing of Contoso's, by tab key or office id.
    const fabian = await signedIn(OTHER_USER, OTHER_TENANT);
    expect((await fabian.teamsTab(tab)).office).toBeNull();
    await expect(fabian.getOffice(saved.office.id)).rejects.toMatchObject({ status: 404 });
    await expect(fabian.saveTeamsTab({ ...tab, name: 'Hijack', description: '' })).rejects.toMatchObject({ status: 403 });
    expect(await fabian.listOffices()).toEqual([]);
  });

  it('Graph failing shows "Microsoft 365 is not answering" and never loses the office session', async () => {
    const alex = await signedIn(ALEX);
    const officeId = (await alex.teamsTab(tab)).office!.id;
    const live = connect(h, alex, officeId);
    try {
      await waitFor(live, 'welcome');
      fake.setFaults({ rules: [{ match: '^GET /v1.0/me/joinedTeams', probability: 1, kind: '503' }] });
      const err = await alex.teamsOffices().then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ status: 503, code: 'MICROSOFT_UNAVAILABLE' });
      expect(String((err as Error).message)).toContain('Microsoft 365 is not answering');
      // The session and the live office are untouched.
      expect((await alex.me()).user.name).toBe('Alex Wilber');
      expect(live.state).toBe('open');
      live.setStatus('Available');
    } finally {
      fake.setFaults({ rules: [] });
      live.close();
    }
    expect((await alex.teamsOffices()).length).toBe(1);
  });

  it('webhook: the validation handshake is echoed; notifications with a wrong clientState or unknown subscription are ignored and counted', async () => {
    const hs = await fetch(`${h.server.url}/api/teams/notifications?validationToken=${encodeURIComponent('Validation: token <1>')}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
    expect(hs.status).toBe(200);
    expect(hs.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await hs.text()).toBe('Validation: token <1>');
    const post = (body: string) => fetch(`${h.server.url}/api/teams/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post(JSON.stringify({ value: [{ subscriptionId: 'nope', clientState: 'x', resource: "communications/presences('a')" }] }))).status).toBe(202);
    expect((await post('{not json')).status).toBe(202);
    const metrics = await (await fetch(`${h.server.url}/metrics`)).text();
    expect(metrics).toMatch(/metaoffice_teams_presence_events_total\{event="notification_unknown_subscription"\} [1-9]/);
    expect(metrics).toMatch(/metaoffice_teams_presence_events_total\{event="notification_malformed"\} [1-9]/);
  });

  it('nudges reach the Teams activity feed: queued, de-duplicated, never to oneself, "talk" only to people in no office', async () => {
    const alex = await signedIn(ALEX);
    const meId = (await alex.me()).user.id;
    const officeId = (await alex.teamsTab(tab)).office!.id;
    const people = await alex.people(officeId);
    const lee = people.find((p) => p.name === 'Lee Gu')!;
    const before = fake.report().activityNotifications.byTenant[DEMO_TENANT_ID]?.sent ?? 0;
    expect((await alex.teamsNudge({ officeId, userId: lee.userId, kind: 'talk' })).outcome).toBe('queued');
    expect((await alex.teamsNudge({ officeId, userId: lee.userId, kind: 'talk' })).outcome).toBe('duplicate');
    expect((await alex.teamsNudge({ officeId, userId: lee.userId, kind: 'invite' })).outcome).toBe('queued');
    expect((await alex.teamsNudge({ officeId, userId: meId, kind: 'invite' })).outcome).toBe('self');
    await expect.poll(() => fake.report().activityNotifications.byTenant[DEMO_TENANT_ID]?.sent ?? 0, { timeout: 10_000 }).toBe(before + 2);
    expect(fake.report().activityNotifications.byTenant[DEMO_TENANT_ID]?.rejected ?? 0).toBe(0);
    // Someone of another tenant, or not in the team, cannot be nudged through this office.
    await expect(alex.teamsNudge({ officeId, userId: 'not-a-member', kind: 'invite' })).rejects.toMatchObject({ status: 404 });
    const fabian = await signedIn(OTHER_USER, OTHER_TENANT);
    await expect(fabian.teamsNudge({ officeId, userId: lee.userId, kind: 'invite' })).rejects.toMatchObject({ status: 404 });
  });

  it('presence: Microsoft 365 colours the team; a call sets Busy/InACall and a Teams meeting, leaving clears it', async () => {
    const adele = await signedIn(ADELE);
    const megan = await signedIn(MEGAN);
    const officeId = (await adele.teamsTab(tab)).office!.id;
    const a = connect(h, adele, officeId);
    // They may meet at the spawn point at once: listen for the meeting link from the start.
    const meetingA = waitFor(a, 'meeting', () => true, 25_000);
    const m = connect(h, megan, officeId);
    const conns: OfficeConnection[] = [a, m];
    try {
      await waitFor(a, 'welcome');
      await waitFor(m, 'welcome');
      const lee = '44444444-4444-4444-8444-444444444444';
      // Lee is not in the office; his Teams presence reaches Adele's People panel through the subscription.
      await expect.poll(() => fake.report().subscriptions.active, { timeout: 20_000 }).toBeGreaterThan(0);
      fake.setUserPresence(DEMO_TENANT_ID, lee, 'DoNotDisturb', 'Presenting');
      await expect.poll(async () => (await adele.people(officeId)).find((p) => p.name === 'Lee Gu')?.availability, { timeout: 15_000 }).toBe('DoNotDisturb');

      // Adele walks next to Megan: the office makes it a call, Microsoft 365 hears Busy/InACall, and both get the
      // call's Teams meeting link.
      a.teleport(m.self!.userId);
      const link = await meetingA;
      expect(link[0].joinWebUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
      await expect.poll(() => fake.services.presence.get(DEMO_TENANT_ID, ADELE).activity, { timeout: 20_000 }).toBe('InACall');
      expect(fake.report().meetings.created).toBe(1);
    } finally {
      for (const c of conns) c.close();
    }
    // Leaving the office clears the app's presence session.
    await expect.poll(() => fake.services.presence.get(DEMO_TENANT_ID, ADELE).activity, { timeout: 20_000 }).not.toBe('InACall');
    expect(fake.report().earlyRetries.total).toBe(0);
  });

  it('a meeting in someone\'s Teams calendar (Busy/InAMeeting) is Focus: nobody walks up into it', async () => {
    const adele = await signedIn(ADELE);
    const megan = await signedIn(MEGAN);
    const officeId = (await adele.teamsTab(tab)).office!.id;
    // Megan is in the office and her calendar says she is in a meeting; then Adele arrives and walks up to her.
    const m = connect(h, megan, officeId);
    let a: OfficeConnection | undefined;
    try {
      await waitFor(m, 'welcome');
      fake.setUserPresence(DEMO_TENANT_ID, MEGAN, 'Busy', 'InAMeeting');
      await expect.poll(async () => (await megan.people(officeId)).find((p) => p.name === 'Megan Bowen')?.activity, { timeout: 20_000 }).toBe('InAMeeting');
      a = connect(h, adele, officeId);
      const refused = waitFor(a, 'error', (e) => e.code === 'PERSON_IN_FOCUS', 15_000);
      await waitFor(a, 'welcome');
      a.teleport(m.self!.userId);
      await refused;
      expect(a.conversation).toBeNull();
      expect(m.conversation).toBeNull();
    } finally {
      fake.setUserPresence(DEMO_TENANT_ID, MEGAN, 'Available', 'Available');
      a?.close();
      m.close();
    }
  });

  it('Microsoft 365 presence and Teams channel ids and names are never written to the database or the logs', async () => {
    // What the earlier tests put through the server: presence states (set in Teams, and written during a call), the
    // channel ids of the tabs they opened, and the names of channels.
    const forbidden = ['DoNotDisturb', 'InAMeeting', 'InACall', 'Presenting', 'BeRightBack', tab.channelId, 'design-general'];
    const db = new Database(join(h.dataDir, 'metaoffice.db'), { readonly: true, fileMustExist: true });
    try {
      const tables = (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as { name: string }[]).map((r) => r.name);
      const found: string[] = [];
      let tabRows = 0;
      for (const t of tables) {
        for (const row of db.prepare(`select * from "${t}"`).all() as Record<string, unknown>[]) {
          if (t === 'teams_tabs') tabRows++;
          for (const [col, v] of Object.entries(row)) {
            for (const w of forbidden) if (String(v).includes(w)) found.push(`${t}.${col}: ${w}`);
          }
        }
      }
      expect(tables).toEqual(expect.arrayContaining(['users', 'teams_tabs', 'graph_token_caches']));
      // The scan looked at real rows: the tab exists, and the presence test above did put people in a call.
      expect(tabRows).toBeGreaterThan(0);
      expect(fake.report().meetings.created).toBeGreaterThan(0);
      expect(found).toEqual([]);
      // The logs, at debug level, from the first test on: the server's and Fastify's request lines included.
      expect(logs.lines.length).toBeGreaterThan(50);
      expect(forbidden.filter((w) => logs.text.includes(w))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('a Teams person, who has no password, erases their account by typing their e-mail; a password account cannot', async () => {
    const nestor = await signedIn('55555555-5555-4555-8555-555555555555');
    const me = await nestor.me();
    expect(await h.server.store.tokenCaches.get(me.user.id)).toBeDefined();
    await expect(nestor.deleteMe('anything')).rejects.toMatchObject({ status: 403 });
    await expect(nestor.deleteMeByEmail('someone-else@contoso.onmicrosoft.com')).rejects.toMatchObject({ status: 400, code: 'CONFIRMATION_REQUIRED' });
    await nestor.deleteMeByEmail(me.user.email.toUpperCase());
    expect(await h.server.store.users.byId(me.user.id)).toBeUndefined();
    expect(await h.server.store.tokenCaches.get(me.user.id)).toBeUndefined();
    // A local account with a password must give the password: its e-mail alone does not erase it.
    const local = api();
    const email = `local.${Date.now()}@example.test`;
    await local.signUp({ email, password: 'a-long-local-passphrase', name: 'Local' });
    await expect(local.deleteMeByEmail(email)).rejects.toMatchObject({ status: 400, code: 'CONFIRMATION_REQUIRED' });
    expect((await local.me()).user.email).toBe(email);
  });

  it('offboarding a Teams organisation ends its Graph presence subscriptions and deletes its cached tokens; other tenants keep theirs', async () => {
    const fabian = await signedIn(OTHER_USER, OTHER_TENANT);
    const me = await fabian.me();
    expect(me.user.role).toBe('admin');
    const fabTab = { teamId: 'f0f0f0f0-0000-4000-8000-000000000001', channelId: '19:fab-general@thread.tacv2', entityId: 'fab-tab-1' };
    const saved = await fabian.saveTeamsTab({ ...fabTab, name: 'Fab floor', description: '' });
    const live = connect(h, fabian, saved.office.id);
    const contoso = () => fake.services.subscriptions.list(CLIENT_ID, DEMO_TENANT_ID).length;
    const fabrikam = () => fake.services.subscriptions.list(CLIENT_ID, OTHER_TENANT).length;
    try {
      await waitFor(live, 'welcome');
      // The office is open, so the bridge follows the team's presence with a subscription in Fabrikam's tenant.
      await expect.poll(fabrikam, { timeout: 25_000 }).toBeGreaterThan(0);
      expect(await h.server.store.tokenCaches.get(me.user.id)).toBeDefined();
      const contosoBefore = contoso();
      const deletedBefore = fake.report().subscriptions.deleted;
      const closed = waitFor(live, 'state', (st) => st === 'closed', 5000);

      await fabian.deleteOrganisation(me.organisation.name);
      await closed;
      // Ended at Graph, not left to run out, and not re-created by the next upkeep round (every 10 s).
      expect(fabrikam()).toBe(0);
      expect(fake.report().subscriptions.deleted).toBeGreaterThan(deletedBefore);
      await new Promise((r) => setTimeout(r, 11_000));
      expect(fabrikam()).toBe(0);
      expect(await h.server.store.tokenCaches.get(me.user.id)).toBeUndefined();
      expect(await h.server.store.users.byId(me.user.id)).toBeUndefined();
      expect(await h.server.store.offices.byId(saved.office.id)).toBeUndefined();
      expect(contoso()).toBe(contosoBefore);
    } finally {
      live.close();
    }
  }, 60_000);
});
