import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes, SESSION_COOKIE } from '@metaoffice/protocol';
import { apiFor, connect, startHarness, uniqueEmail, waitFor, type Harness } from './harness.js';
import { RawClient } from './ws-raw.js';

/** Sessions, sign-in hardening, cross-site request forgery and security headers, against a real server. */
describe('security', () => {
  let h: Harness;
  let base: string;
  let host: string;
  beforeAll(async () => {
    h = await startHarness({ PUBLIC_URL: 'http://office.example.test' });
    base = h.server.url;
    host = new URL(base).host;
  });
  afterAll(async () => h?.stop());

  const tokenOf = (cookieHeader: string | undefined) => /mo_session=([^;]+)/.exec(cookieHeader ?? '')?.[1];
  async function member(): Promise<{ api: ReturnType<typeof apiFor>; cookie: string; email: string; password: string }> {
    const api = apiFor(h);
    const email = uniqueEmail('sec');
    const password = 'a-fine-passphrase';
    await api.signUp({ email, password, name: 'Sec' });
    return { api, cookie: api.cookieHeader()!, email, password };
  }
  const officeCount = async (api: ReturnType<typeof apiFor>) => (await api.listOffices()).length;

  describe('cross-site request forgery', () => {
    it('refuses cookie-authenticated writes from other sites, and changes nothing', async () => {
      const { api, cookie } = await member();
      const before = await officeCount(api);
      const body = JSON.stringify({ name: 'Forged', description: '', template: 'small-studio' });
      const attempts: Record<string, string>[] = [
        { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        // A sibling subdomain is "same-site": SameSite cookies do not stop it, Fetch Metadata does.
        { 'sec-fetch-site': 'same-site', origin: 'http://evil.office.example.test' },
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { origin: `http://${host}.evil.example` },
      ];
      for (const extra of attempts) {
        const res = await fetch(`${base}/api/offices`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...extra }, body });
        expect(res.status, JSON.stringify(extra)).toBe(403);
        expect(((await res.json()) as { code: string }).code).toBe('CROSS_ORIGIN_REQUEST');
      }
      // Deleting and signing out from elsewhere are refused the same way.
      for (const [method, path] of [['POST', '/api/auth/signout-all'], ['POST', '/api/auth/signout'], ['DELETE', '/api/me']] as const) {
        const res = await fetch(base + path, { method, headers: { cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body: JSON.stringify(method === 'DELETE' ? { password: 'a-fine-passphrase' } : {}) });
        expect(res.status, path).toBe(403);
      }
      expect(await officeCount(api)).toBe(before);
      await expect(api.me()).resolves.toBeDefined();
    });

    it('lets our own pages and non-browser clients write', async () => {
      const { api, cookie } = await member();
      const before = await officeCount(api);
      const body = JSON.stringify({ name: 'Allowed', description: '', template: 'small-studio' });
      const allowed: Record<string, string>[] = [{ 'sec-fetch-site': 'same-origin', origin: 'http://office.example.test' }, { origin: 'http://office.example.test' }, { origin: base }, { 'sec-fetch-site': 'none' }, {}];
      for (const extra of allowed) {
        const res = await fetch(`${base}/api/offices`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...extra }, body });
        expect(res.status, JSON.stringify(extra)).toBe(201);
      }
      expect(await officeCount(api)).toBe(before + 5);
      // Reads are not writes: a cross-site GET answers (the SameSite cookie and CORS keep its answer from the other site).
      expect((await fetch(`${base}/api/me`, { headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    });

    it('accepts only JSON bodies, so an HTML form cannot post', async () => {
      const { api, cookie } = await member();
      const before = await officeCount(api);
      for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
        const res = await fetch(`${base}/api/offices`, { method: 'POST', headers: { cookie, 'content-type': type }, body: 'name=Forged&template=small-studio' });
        expect(res.status, type).toBe(415);
      }
      // A body without any content type (fetch with a Blob, no-cors) is refused as well.
      const res = await fetch(`${base}/api/auth/signout`, { method: 'POST', headers: { cookie }, body: new Blob(['{}']) });
      expect(res.status).toBe(415);
      // The bodiless invite POST the web app sends still works.
      expect(await officeCount(api)).toBe(before);
    });

    it('refuses a WebSocket opened by another site (cross-site WebSocket hijacking)', async () => {
      const { api, cookie } = await member();
      const evil = new RawClient(base, { cookie, origin: 'https://evil.example' });
      expect(await evil.opened).toBe(false);
      expect(evil.heard.refused).toBe(403);
      const ours = new RawClient(base, { cookie, origin: 'http://office.example.test' });
      expect(await ours.opened).toBe(true);
      ours.close();
      // The SDK in Node sends no Origin; it is no browser, so no borrowed cookie.
      const [office] = await api.listOffices();
      const c = connect(h, api, office!.id);
      await waitFor(c, 'welcome');
      c.close();
    });
  });

  describe('sessions', () => {
    it('sign-in issues a new token and ends the session the request came with', async () => {
      const { api, email, password } = await member();
      const first = tokenOf(api.cookieHeader())!;
      await api.signIn({ email, password });
      const second = tokenOf(api.cookieHeader())!;
      expect(second).not.toBe(first);
      const old = await fetch(`${base}/api/me`, { headers: { cookie: `${SESSION_COOKIE}=${first}` } });
      expect(old.status).toBe(401);
      await expect(api.me()).resolves.toMatchObject({ user: { email } });
      // A cookie planted before sign-in (session fixation) never becomes a signed-in session.
      const planted = 'planted-token-0123456789';
      const res = await fetch(`${base}/api/auth/signin`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${planted}`, 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      expect(res.status).toBe(200);
      expect(tokenOf(res.headers.get('set-cookie') ?? '')).not.toBe(planted);
    });

    it('sign out everywhere ends every session and closes live connections at once', async () => {
      const { api: laptop, email, password } = await member();
      const phone = apiFor(h);
      await phone.signIn({ email, password });
      const [office] = await phone.listOffices();
      const live = connect(h, phone, office!.id);
      await waitFor(live, 'welcome');
      const closed = waitFor(live, 'state', (s) => s === 'closed', 3000);

      const r = await laptop.signOutEverywhere();
      expect(r.revoked).toBe(2);
      const [, info] = await closed;
      expect(info).toMatchObject({ code: CloseCodes.UNAUTHENTICATED, terminal: true });
      await expect(phone.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(laptop.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      // Signing in again works.
      await laptop.signIn({ email, password });
      await expect(laptop.me()).resolves.toBeDefined();
    });

    it('signing out closes that session\'s live connection, not the others', async () => {
      const { api: a, email, password } = await member();
      const b = apiFor(h);
      await b.signIn({ email, password });
      const [office] = await a.listOffices();
      const c = connect(h, a, office!.id);
      await waitFor(c, 'welcome');
      const closed = waitFor(c, 'state', (s) => s === 'closed', 3000);
      await a.signOut();
      await closed;
      await expect(b.me()).resolves.toBeDefined();
    });
  });

  describe('sign-in hardening', () => {
    it('locks an account after 10 failed sign-ins, with a typed error and Retry-After', async () => {
      const { email, password } = await member();
      const other = await member();
      const attempt = (pw: string) => fetch(`${base}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: pw }) });
      for (let i = 1; i < 10; i++) {
        const res = await attempt(`wrong-guess-${i}`);
        expect(res.status).toBe(401);
        expect(((await res.json()) as { code: string }).code).toBe('BAD_CREDENTIALS');
      }
      const tenth = await attempt('wrong-guess-10');
      expect(tenth.status).toBe(429);
      expect(((await tenth.json()) as { code: string }).code).toBe('ACCOUNT_LOCKED');
      const retry = Number(tenth.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(14 * 60);
      expect(retry).toBeLessThanOrEqual(15 * 60);
      // Now even the right password waits for the lock to end; nothing about the account changed.
      const right = await attempt(password);
      expect(right.status).toBe(429);
      expect(((await right.json()) as { code: string }).code).toBe('ACCOUNT_LOCKED');
      expect(right.headers.get('set-cookie')).toBeNull();
      // Other accounts are not affected.
      await expect(apiFor(h).signIn({ email: other.email, password: other.password })).resolves.toBeDefined();
    });

    it('limits sign-up and sign-in attempts per address per minute (AUTH_RATE_LIMIT_PER_MINUTE): 429 RATE_LIMITED with Retry-After, creating nothing', async () => {
      const limited = await startHarness({ AUTH_RATE_LIMIT_PER_MINUTE: '4' });
      try {
        const post = (path: string, body: object) =>
          fetch(`${limited.server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await post('/api/auth/signup', { email: uniqueEmail('rl'), password: 'a-fine-passphrase', name: `Rl ${i}` })).status);
        expect(statuses).toEqual([201, 201, 201, 201]);
        const users = await limited.server.store.users.countAll();
        const refused = await post('/api/auth/signup', { email: uniqueEmail('rl'), password: 'a-fine-passphrase', name: 'Rl 5' });
        expect(refused.status).toBe(429);
        expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await limited.server.store.users.countAll()).toBe(users);
        // Sign-in has its own budget, and runs out the same way.
        const signIns: number[] = [];
        for (let i = 0; i < 5; i++) signIns.push((await post('/api/auth/signin', { email: 'nobody@example.test', password: 'wrong-passphrase' })).status);
        expect(signIns).toEqual([401, 401, 401, 401, 429]);
        // Other routes are not limited by it.
        expect((await fetch(`${limited.server.url}/healthz`)).status).toBe(200);
      } finally {
        await limited.stop();
      }
    });

    it('refuses the most common passwords and the e-mail address as a password, creating nothing', async () => {
      const users = await h.server.store.users.countAll();
      for (const password of ['password123', 'Password123', 'QWERTY123456', 'iloveyou1', 'football1', '12345678', 'aaaaaaaaa']) {
        const res = await fetch(`${base}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail('weak'), password, name: 'Weak' }) });
        expect(res.status, password).toBe(400);
        const p = (await res.json()) as { code: string; errors: { path: string }[] };
        expect(p.code).toBe('WEAK_PASSWORD');
        expect(p.errors[0]!.path).toBe('/password');
      }
      const email = uniqueEmail('self');
      await expect(apiFor(h).signUp({ email, password: email, name: 'Self' })).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
      expect(await h.server.store.users.countAll()).toBe(users);
    });
  });

  describe('headers', () => {
    it('standalone: a strict CSP without inline scripts, never framed, no HSTS over http', async () => {
      const res = await fetch(`${base}/healthz`);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("frame-ancestors 'none'");
      const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src '))!;
      expect(scriptSrc).not.toContain('unsafe-inline');
      expect(scriptSrc).not.toContain('unsafe-eval');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    });

    it('HSTS and Secure session cookies when PUBLIC_URL is https; neither over plain http', async () => {
      const plain = await fetch(`${base}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: uniqueEmail('plain'), password: 'a-fine-passphrase', name: 'Plain' }) });
      expect(plain.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
      const tls = await startHarness({ PUBLIC_URL: 'https://office.example.test' });
      try {
        const res = await fetch(`${tls.server.url}/healthz`);
        expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
        const signUp = await fetch(`${tls.server.url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://office.example.test' }, body: JSON.stringify({ email: uniqueEmail('tls'), password: 'a-fine-passphrase', name: 'Tls' }) });
        expect(signUp.status).toBe(201);
        const cookie = signUp.headers.get('set-cookie')!;
        expect(cookie).toMatch(/HttpOnly/i);
        expect(cookie).toMatch(/;\s*Secure/i);
        expect(cookie).toMatch(/SameSite=Lax/i);
      } finally {
        await tls.stop();
      }
    });
  });
});

describe('lock-out rules', () => {
  it('counts failures within the window, forgets them after a success or the window, and ends the lock in time', async () => {
    const { openStore } = await import('../storage/index.js');
    const { AuthService } = await import('../auth/auth-service.js');
    let now = 1_700_000_000_000;
    const store = await openStore({ sqlitePath: ':memory:', clock: () => now });
    await store.migrate();
    const auth = new AuthService(store, { sessionTtlMs: 3_600_000, publicUrl: 'http://x', now: () => now, lockout: { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 } });
    const { me } = await auth.signUp({ email: 'lock@example.test', password: 'a-fine-passphrase', name: 'Lock' });
    const user = (await store.users.byId(me.user.id))!;
    const fail = () => auth.signIn('lock@example.test', 'nope-nope-nope');
    await expect(fail()).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    await expect(fail()).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    // A success forgets them.
    await auth.signIn('lock@example.test', 'a-fine-passphrase');
    await expect(fail()).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    await expect(fail()).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    // Failures further apart than the window start the count again.
    now += 61_000;
    await expect(fail()).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    await expect(fail()).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    // A wrong confirmation password counts too (a stolen session cannot guess the password through it).
    await expect(auth.confirmPassword(user, 'nope-nope-nope')).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED', status: 429 });
    await expect(auth.signIn('lock@example.test', 'a-fine-passphrase')).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    now += 299_000;
    await expect(auth.signIn('lock@example.test', 'a-fine-passphrase')).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    now += 2_000;
    await expect(auth.signIn('lock@example.test', 'a-fine-passphrase')).resolves.toBeDefined();
    // The lock and the count are gone after that success.
    expect(await store.users.lockedUntil(user.id)).toBeNull();
    await expect(fail()).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    await store.close();
  });

  it('an unknown e-mail spends the same hashing time and locks nothing', async () => {
    const { openStore } = await import('../storage/index.js');
    const { AuthService } = await import('../auth/auth-service.js');
    const store = await openStore({ sqlitePath: ':memory:' });
    await store.migrate();
    const auth = new AuthService(store, { sessionTtlMs: 3_600_000, publicUrl: 'http://x', lockout: { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 } });
    for (let i = 0; i < 5; i++) await expect(auth.signIn('ghost@example.test', 'whatever-pass')).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    await store.close();
  });
});
