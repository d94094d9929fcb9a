import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@metaoffice/client';
import { CloseCodes, SESSION_COOKIE } from '@metaoffice/protocol';
import { apiFor, connect, startHarness, uniqueEmail, waitFor, type Harness } from './harness.js';

describe('HTTP API', () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness();
    base = h.server.url;
  });
  afterAll(async () => h?.stop());

  const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(base + path, { method: 'POST', headers, body });

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await fetch(base + '/healthz')).status).toBe(200);
    const ready = await fetch(base + '/readyz');
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(base + '/metrics')).text();
    for (const name of ['metaoffice_connected_users', 'metaoffice_ws_messages_in_total', 'metaoffice_ws_messages_out_total', 'metaoffice_tick_duration_seconds', 'nodejs_eventloop_lag_seconds']) {
      expect(metrics).toContain(name);
    }
    const doc = (await (await fetch(base + '/api/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/signup', '/api/offices', '/api/offices/{officeId}']));
    expect((await fetch(base + '/api/docs/')).status).toBe(200);
  });

  it('answers bad bodies with typed problem bodies', async () => {
    const malformed = await post('/api/auth/signin', '{"email": ');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    expect(await malformed.json()).toMatchObject({ code: 'BAD_REQUEST', status: 400 });

    const invalid = await post('/api/auth/signup', JSON.stringify({ email: 'not-an-email', password: 'short', name: '' }));
    expect(invalid.status).toBe(400);
    const p = (await invalid.json()) as { code: string; errors: { path: string }[] };
    expect(p.code).toBe('VALIDATION_FAILED');
    expect(p.errors.length).toBeGreaterThan(0);

    const extra = await post('/api/auth/signin', JSON.stringify({ email: 'a@b.co', password: 'x', admin: true }));
    expect(((await extra.json()) as { code: string }).code).toBe('VALIDATION_FAILED');

    const huge = await post('/api/auth/signin', JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(100_000) }));
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');

    const wrongType = await post('/api/auth/signin', 'email=a', { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);

    const unknown = await fetch(base + '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('NOT_FOUND');
    // None of that created an account.
    expect(await h.server.store.users.countAll()).toBe(0);
  });

  it('signs up, signs in, signs out, with an HttpOnly session cookie', async () => {
    const email = uniqueEmail('grace');
    const res = await post('/api/auth/signup', JSON.stringify({ email, password: 'hopper-1906', name: 'Grace' }));
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`${SESSION_COOKIE}=`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    const api = apiFor(h);
    await expect(api.signIn({ email, password: 'wrong-password' })).rejects.toMatchObject({ code: 'BAD_CREDENTIALS', status: 401 });
    await expect(api.signUp({ email: email.toUpperCase(), password: 'another-one', name: 'Copy' })).rejects.toMatchObject({ code: 'EMAIL_TAKEN', status: 409 });
    const me = await api.signIn({ email, password: 'hopper-1906' });
    expect(me.user.email).toBe(email);
    expect((await api.me()).user.id).toBe(me.user.id);
    await api.signOut();
    await expect(api.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('the first account became the demo organisation admin; members cannot invite; bad invites are refused', async () => {
    const demoOrg = await h.server.store.organisations.first();
    const admins = (await h.server.store.users.listByOrg(demoOrg!.id)).filter((u) => u.role === 'admin');
    expect(admins).toHaveLength(1);

    const admin = apiFor(h);
    await admin.signIn({ email: admins[0]!.email, password: 'hopper-1906' });
    const invite = await admin.createInvite();
    expect(invite.url).toContain(`/invite/${invite.token}`);
    expect((await admin.inviteInfo(invite.token)).organisationName).toBe('Demo organisation');

    const member = apiFor(h);
    await member.signUp({ email: uniqueEmail('lin'), password: 'member-pass', name: 'Lin', inviteToken: invite.token });
    await expect(member.createInvite()).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    await expect(apiFor(h).signUp({ email: uniqueEmail('x'), password: 'whatever1', name: 'X', inviteToken: 'forged-token-123' })).rejects.toMatchObject({ code: 'INVITE_INVALID' });

    const offices = await member.listOffices();
    expect(offices.map((o) => o.name)).toContain('Demo office');
    const created = await member.createOffice({ name: 'Design studio', description: 'For the design team', template: 'small-studio' });
    expect(created).toMatchObject({ name: 'Design studio', online: 0 });
    expect((await admin.listOffices()).map((o) => o.id)).toContain(created.id);
    await expect(member.createOffice({ name: 'Bad', description: '', template: '../../etc/passwd' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const thumb = await fetch(base + (await admin.listTemplates())[0]!.thumbnailUrl);
    expect(thumb.headers.get('content-type')).toBe('image/png');
  });

  it('an expired session is refused over HTTP and WebSocket with SESSION_EXPIRED', async () => {
    const api = apiFor(h);
    const me = await api.signUp({ email: uniqueEmail('old'), password: 'expiring-1', name: 'Old' });
    const [office] = await api.listOffices();
    // Age every session of this user past its expiry, as time would.
    const token = /mo_session=([^;]+)/.exec(api.cookieHeader()!)![1]!;
    const { hashToken } = await import('../auth/tokens.js');
    const s = await h.server.store.sessions.byTokenHash(hashToken(token));
    expect(s?.userId).toBe(me.user.id);
    await h.server.store.sessions.delete(s!.tokenHash);
    await h.server.store.sessions.create({ ...s!, expiresAt: Date.now() - 1000 });

    await expect(api.me()).rejects.toSatisfy((e: unknown) => e instanceof ApiError && e.code === 'SESSION_EXPIRED' && e.status === 401);
    await h.server.store.sessions.create({ ...s!, expiresAt: Date.now() - 1000 });
    const c = connect(h, api, office!.id);
    const [err] = await waitFor(c, 'error');
    expect(err.code).toBe('SESSION_EXPIRED');
    const [, info] = await waitFor(c, 'state', (st) => st === 'closed');
    expect(info).toMatchObject({ code: CloseCodes.UNAUTHENTICATED, terminal: true });
  });
});
