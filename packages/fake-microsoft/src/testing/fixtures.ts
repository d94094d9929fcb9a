import { ManualClock } from '../clock.js';
import type { SeededTenant } from '../model/directory.js';
import { startFakeMicrosoft, type FakeMicrosoft, type FakeMicrosoftOptions } from '../server.js';

export const APP = { clientId: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d', clientSecret: 'fake-secret-value', displayName: 'MetaOffice' };
export const ALL_DELEGATED = ['User.Read', 'User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite', 'OnlineMeetings.ReadWrite', 'Team.ReadBasic.All', 'TeamMember.Read.All', 'TeamsActivity.Send'];
export const ALL_ROLES = ['User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite.All', 'Team.ReadBasic.All', 'TeamMember.Read.All', 'TeamsActivity.Send'];

export interface SeededFake {
  fake: FakeMicrosoft;
  clock: ManualClock;
  contoso: SeededTenant;
  fabrikam: SeededTenant;
}

/** Two tenants with every grant: Contoso (3 users, team Design) and Fabrikam (2 users, team Ops). */
export async function startSeededFake(options: Partial<FakeMicrosoftOptions> = {}): Promise<SeededFake> {
  const clock = new ManualClock(Date.now());
  const fake = await startFakeMicrosoft({ apps: [APP], clock, handshakeTimeoutMs: 1_000, sweepIntervalMs: 60_000, ...options });
  const contoso = fake.seed({
    displayName: 'Contoso',
    users: [{ displayName: 'Adele Vance' }, { displayName: 'Alex Wilber' }, { displayName: 'Megan Bowen' }],
    teams: [{ displayName: 'Design', members: ['adele.vance@contoso.onmicrosoft.com', 'alex.wilber@contoso.onmicrosoft.com'] }],
    adminConsent: { scopes: ALL_DELEGATED },
    appRoles: { roles: ALL_ROLES },
  });
  const fabrikam = fake.seed({
    displayName: 'Fabrikam',
    users: [{ displayName: 'Diego Siciliani' }, { displayName: 'Isaiah Langer' }],
    teams: [{ displayName: 'Ops', members: ['diego.siciliani@fabrikam.onmicrosoft.com', 'isaiah.langer@fabrikam.onmicrosoft.com'] }],
    adminConsent: { scopes: ALL_DELEGATED },
    appRoles: { roles: ALL_ROLES },
  });
  return { fake, clock, contoso, fabrikam };
}

export function userId(tenant: SeededTenant, index: number): string {
  const user = tenant.users[index];
  if (!user) throw new Error(`no user ${index}`);
  return user.id;
}

export async function postForm(url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A delegated Graph token through the real on-behalf-of wire format (SSO token -> token endpoint). */
export async function delegatedToken(fake: FakeMicrosoft, tenantId: string, user: string, scope = 'https://graph.microsoft.com/.default'): Promise<string> {
  const assertion = await fake.mintSsoToken({ tenantId, userId: user });
  const answer = await postForm(`${fake.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    client_id: APP.clientId,
    client_secret: APP.clientSecret,
    assertion,
    scope,
    requested_token_use: 'on_behalf_of',
  });
  if (answer.status !== 200) throw new Error(`OBO failed: ${JSON.stringify(answer.body)}`);
  return answer.body.access_token as string;
}

export async function appToken(fake: FakeMicrosoft, tenantId: string): Promise<string> {
  const answer = await postForm(`${fake.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
    grant_type: 'client_credentials',
    client_id: APP.clientId,
    client_secret: APP.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  });
  if (answer.status !== 200) throw new Error(`client credentials failed: ${JSON.stringify(answer.body)}`);
  return answer.body.access_token as string;
}

export interface GraphAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export async function graph(fake: FakeMicrosoft, token: string, method: string, path: string, body?: unknown): Promise<GraphAnswer> {
  const response = await fetch(`${fake.graphBaseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}
