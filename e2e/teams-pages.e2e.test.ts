import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Frame, Page, Route } from 'playwright-core';
import { launchChromium, ROOT, SHOTS, startBuiltServer, startStaticHttpsServer } from './support.js';

/**
 * The Teams pages of the web app (/teams/config, /teams/tab, /teams/personal, /teams/auth-start, /teams/auth-end)
 * inside the Teams test host, with the real @microsoft/teams-js. The server's Teams routes are stubbed with
 * context.route, so these tests pin the pages' side of the contract. Served over HTTPS because TeamsJS'
 * `authentication.authenticate` refuses a non-https pop-up URL; the last test uses the real built server (http) to
 * show a real office in the dark theme.
 */

const WHO = {
  tenant: '0d9b1c3e-1111-4aaa-8bbb-000000000001',
  user: '5f2e7a90-2222-4ccc-9ddd-000000000002',
  upn: 'ada@contoso.test',
  team: '9a8b7c6d-3333-4eee-afff-000000000003',
  channel: '19:4f1b2c3d5e6f@thread.tacv2',
  channelName: 'Office',
  teamName: 'Research',
};
const ME = {
  user: { id: 'u-ada', email: WHO.upn, name: 'Ada Lovelace', role: 'member', orgId: 'org-1' },
  organisation: { id: 'org-1', name: 'Contoso' },
};
const OFFICE = { id: 'office-1', name: 'Design studio', description: 'Where the drawings happen', template: 'small-office', thumbnailUrl: '/favicon.svg', mapUrl: '/maps/x.json', online: 3 };

interface HostView {
  ready: boolean;
  calls: string[];
  savedConfig?: { entityId: string; contentUrl: string; websiteUrl?: string; suggestedDisplayName?: string };
  state?: { frameContext: string; saveState: string; saveError?: string; valid: boolean; appStatus: { func: string }[]; registeredHandlers: string[] };
}
type HostWindow = Window & { __teamsHost?: HostView & { setTheme(theme: string): void; clickSave(): void } };


function problem(status: number, code: string, title: string, detail?: string) {
  return { status, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title, status, code, ...(detail ? { detail } : {}) }) };
}
const json = (body: unknown) => ({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });

/** What the stubbed Teams API saw, and how it answers; tests change the answers between steps. */
interface Stub {
  sso: Array<{ token: string }>;
  tabQueries: Array<Record<string, string>>;
  puts: Array<Record<string, unknown>>;
  ssoAnswer: () => ReturnType<typeof json>;
  tabAnswer: () => ReturnType<typeof json>;
}

async function stubTeamsApi(context: BrowserContext, origin: string): Promise<Stub> {
  const stub: Stub = { sso: [], tabQueries: [], puts: [], ssoAnswer: () => json({ me: ME, tenantId: WHO.tenant }), tabAnswer: () => json({ office: null }) };
  // TeamsJS fetches its valid-domains list at load; unreachable here, it falls back after its own timeout.
  await context.route('https://res.cdn.office.net/**', (route) => route.abort());
  await context.route('**/teams-test-host/sso-token', (route) => route.fulfill(json({ token: 'teams-sso-token-for-ada-0123456789' })));
  await context.route('**/api/templates', (route) =>
    route.fulfill(
      json([
        { id: 'small-office', name: 'Small office', description: 'Desks and two meeting rooms', thumbnailUrl: '/favicon.svg' },
        { id: 'campus', name: 'Campus', description: 'Three buildings and a park', thumbnailUrl: '/favicon.svg' },
      ]),
    ),
  );
  await context.route('**/api/teams/**', async (route: Route) => {
    const req = route.request();
    const url = new URL(req.url());
    if (url.pathname === '/api/teams/sso' && req.method() === 'POST') {
      stub.sso.push(req.postDataJSON() as { token: string });
      return route.fulfill(stub.ssoAnswer());
    }
    if (url.pathname === '/api/teams/config') {
      return route.fulfill(json({ clientId: 'app-client-id', authorityHost: `${origin}/fake-entra`, graphScopes: ['User.Read', 'Presence.Read.All'] }));
    }
    if (url.pathname === '/api/teams/tab' && req.method() === 'GET') {
      stub.tabQueries.push(Object.fromEntries(url.searchParams));
      return route.fulfill(stub.tabAnswer());
    }
    if (url.pathname === '/api/teams/tab' && req.method() === 'PUT') {
      const body = req.postDataJSON() as Record<string, unknown>;
      stub.puts.push(body);
      return route.fulfill(
        json({
          office: { ...OFFICE, name: body.name, description: body.description },
          contentUrl: `${origin}/teams/tab?theme={theme}`,
          websiteUrl: `${origin}/teams/personal`,
          suggestedDisplayName: body.name,
        }),
      );
    }
    return route.fulfill(problem(404, 'NOT_FOUND', 'Not found'));
  });
  return stub;
}

function hostUrl(origin: string, extra: Record<string, string>): string {
  return `${origin}/teams-test-host.html?${new URLSearchParams({ ...WHO, ...extra })}`;
}

async function tabFrame(page: Page): Promise<Frame> {
  return (await (await page.locator('[data-testid="tab-frame"]').elementHandle())!.contentFrame())!;
}

const host = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as HostWindow).__teamsHost)) as HostView);

describe('the Teams pages in the Teams test host', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    ({ server, origin } = await startStaticHttpsServer((path) => path.startsWith('/teams/')));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A fresh browser context with the stubbed API, `setUp` run before the host (and the tab in it) loads. */
  async function open(
    extra: Record<string, string>,
    setUp: (stub: Stub, context: BrowserContext) => unknown = () => undefined,
  ): Promise<{ context: BrowserContext; page: Page; tab: Frame; stub: Stub }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 820 } });
    const stub = await stubTeamsApi(context, origin);
    await setUp(stub, context);
    const page = await context.newPage();
    await page.goto(hostUrl(origin, extra));
    return { context, page, tab: await tabFrame(page), stub };
  }

  it('configures a new tab: Save only when valid, PUT with the tab key, then setConfig with what the server returned', async () => {
    const { context, page, tab, stub } = await open({ frame: 'settings', url: '/teams/config' });
    const name = tab.getByLabel('Office name');
    await name.waitFor({ timeout: 15_000 });
    expect(stub.sso).toEqual([{ token: 'teams-sso-token-for-ada-0123456789' }]);
    // A new tab: no lookup of an existing office, and the floor plan picker with the first template chosen.
    expect(stub.tabQueries).toEqual([]);
    await expect.poll(async () => (await host(page)).state?.registeredHandlers).toContain('save');
    expect((await host(page)).state?.valid).toBe(false);
    await expect(tab.getByRole('radio', { name: /Small office/ }).isChecked()).resolves.toBe(true);

    // Too long a name: the error is tied to the field and Save stays off.
    await name.fill('x'.repeat(61));
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await name.getAttribute('aria-describedby')) ?? '';
    const described = await Promise.all(describedBy.split(' ').map((id) => tab.locator(`[id="${id}"]`).textContent()));
    expect(described.join(' ')).toContain('60 characters or fewer');
    expect((await host(page)).state?.valid).toBe(false);

    await name.fill('Design studio');
    await tab.getByLabel('Description').fill('Where the drawings happen');
    await tab.getByRole('radio', { name: /Campus/ }).check();
    await expect.poll(async () => (await host(page)).state?.valid).toBe(true);
    await expect.poll(() => page.getByTestId('save').isEnabled()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'teams-config.png') });

    await page.getByTestId('save').click();
    await expect.poll(() => stub.puts.length).toBe(1);
    const put = stub.puts[0]!;
    expect(put).toEqual({
      teamId: WHO.team,
      channelId: WHO.channel,
      entityId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Design studio',
      description: 'Where the drawings happen',
      template: 'campus',
    });
    await expect.poll(async () => (await host(page)).savedConfig).toEqual({
      entityId: put.entityId,
      contentUrl: `${origin}/teams/tab?theme={theme}`,
      websiteUrl: `${origin}/teams/personal`,
      suggestedDisplayName: 'Design studio',
    });
    expect((await host(page)).state?.saveState).toBe('saved');

    // Teams now shows the content page, which looks the office up by the same key. This one has none any more.
    await tab.getByTestId('tab-without-office').waitFor({ timeout: 15_000 });
    expect(stub.tabQueries.at(-1)).toEqual({ teamId: WHO.team, channelId: WHO.channel, entityId: put.entityId });
    expect(tab.url()).toBe(`${origin}/teams/tab?theme=default`);
    await expect.poll(async () => (await host(page)).state?.appStatus.map((s) => s.func)).toContain('appInitialization.success');
    await context.close();
  });

  it('reopened Settings edits the same office, keeps its entity id, and shows a refused save', async () => {
    const { context, page, tab, stub } = await open({ frame: 'settings', url: '/teams/config', entityId: 'tab-entity-7' }, (s) => {
      s.tabAnswer = () => json({ office: OFFICE });
    });
    const name = tab.getByLabel('Office name');
    await name.waitFor({ timeout: 15_000 });
    expect(stub.tabQueries).toEqual([{ teamId: WHO.team, channelId: WHO.channel, entityId: 'tab-entity-7' }]);
    await expect(name.inputValue()).resolves.toBe('Design studio');
    await expect(tab.getByLabel('Description').inputValue()).resolves.toBe('Where the drawings happen');
    expect(await tab.getByRole('radio').count()).toBe(0);
    await name.fill('Design studio 2');

    // Not a member of the team: the server refuses, Teams keeps the dialog open, the page says why.
    await context.unroute('**/api/teams/**');
    const refused: Array<Record<string, unknown>> = [];
    await context.route('**/api/teams/tab', (route) => {
      refused.push(route.request().postDataJSON() as Record<string, unknown>);
      return route.fulfill(problem(403, 'MICROSOFT_REFUSED', 'Forbidden'));
    });
    await expect.poll(() => page.getByTestId('save').isEnabled()).toBe(true);
    await page.getByTestId('save').click();
    await expect.poll(async () => (await host(page)).state?.saveState).toBe('failed');
    expect(refused).toEqual([{ teamId: WHO.team, channelId: WHO.channel, entityId: 'tab-entity-7', name: 'Design studio 2', description: 'Where the drawings happen' }]);
    expect((await host(page)).state?.saveError).toBe('Only members of this team can set up its office.');
    await expect(tab.getByTestId('save-error').textContent()).resolves.toContain('Only members of this team can set up its office.');
    expect((await host(page)).savedConfig).toBeUndefined();
    await context.close();
  });

  it('explains why consent is needed, runs the consent pop-up, and signs in again after it succeeds', async () => {
    const { context, page, tab, stub } = await open({ entityId: 'tab-entity-7', url: '/teams/tab' }, (s) => {
      s.ssoAnswer = () => problem(403, 'CONSENT_REQUIRED', 'Consent required', 'AADSTS65001: The user or administrator has not consented.');
    });
    const consent = tab.getByTestId('consent-required');
    await consent.waitFor({ timeout: 15_000 });
    await expect(consent.textContent()).resolves.toMatch(/needs your permission.*Teams presence.*AADSTS65001/s);
    await page.screenshot({ path: join(SHOTS, 'teams-consent.png') });
    const ssoBefore = stub.sso.length;

    // Fake Entra: the authorize endpoint sends the pop-up straight back with a code and the state it was given.
    const authorize: URL[] = [];
    await context.route(`${origin}/fake-entra/**`, (route) => {
      const url = new URL(route.request().url());
      authorize.push(url);
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.search = new URLSearchParams({ code: 'consent-code', state: url.searchParams.get('state')!, session_state: 's' }).toString();
      return route.fulfill({ status: 302, headers: { location: back.href } });
    });
    stub.ssoAnswer = () => json({ me: ME, tenantId: WHO.tenant });
    const [popup] = await Promise.all([context.waitForEvent('page'), tab.getByRole('button', { name: 'Grant access' }).click()]);
    await expect.poll(() => popup.isClosed(), { timeout: 15_000 }).toBe(true);

    expect(authorize).toHaveLength(1);
    const sent = authorize[0]!;
    expect(sent.pathname).toBe(`/fake-entra/${WHO.tenant}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(sent.searchParams)).toEqual({
      client_id: 'app-client-id',
      response_type: 'code',
      response_mode: 'query',
      redirect_uri: `${origin}/teams/auth-end`,
      scope: 'User.Read Presence.Read.All openid profile offline_access',
      prompt: 'consent',
      state: expect.stringMatching(/^[0-9a-f]{32}$/),
      login_hint: WHO.upn,
    });
    await expect.poll(async () => (await host(page)).calls).toContain('authentication.authenticate.success');

    // Back in the tab: the silent sign-in ran again and the page moved on to the office lookup.
    await tab.getByTestId('tab-without-office').waitFor({ timeout: 15_000 });
    expect(stub.sso.length).toBe(ssoBefore + 1);
    await context.close();
  });

  it('says when Microsoft 365 is not answering, and Try again signs in once it is back', async () => {
    const { context, tab, stub } = await open({ entityId: 'tab-entity-7', url: '/teams/tab' }, (s) => {
      s.ssoAnswer = () => problem(503, 'MICROSOFT_UNAVAILABLE', 'Microsoft 365 is not answering');
    });
    const message = tab.getByTestId('microsoft-unavailable');
    await message.waitFor({ timeout: 15_000 });
    await expect(message.textContent()).resolves.toContain('Microsoft 365 is not answering');
    stub.ssoAnswer = () => json({ me: ME, tenantId: WHO.tenant });
    await tab.getByRole('button', { name: 'Try again' }).click();
    await tab.getByTestId('tab-without-office').waitFor({ timeout: 15_000 });
    await context.close();
  });

  it('follows the Teams theme live with the Fluent themes', async () => {
    const { context, page, tab } = await open({ frame: 'settings', url: '/teams/config' });
    await tab.getByLabel('Office name').waitFor({ timeout: 15_000 });
    const look = () =>
      tab.evaluate(() => {
        const root = document.querySelector<HTMLElement>('.teams-root')!;
        const style = getComputedStyle(root);
        return { theme: root.dataset.teamsTheme, background: style.backgroundColor, text: style.color };
      });
    expect(await look()).toEqual({ theme: 'default', background: 'rgb(255, 255, 255)', text: 'rgb(36, 36, 36)' });
    await page.evaluate(() => (window as HostWindow).__teamsHost!.setTheme('dark'));
    await expect.poll(look).toEqual({ theme: 'dark', background: 'rgb(41, 41, 41)', text: 'rgb(255, 255, 255)' });
    await page.screenshot({ path: join(SHOTS, 'teams-config-dark.png') });
    await page.evaluate(() => (window as HostWindow).__teamsHost!.setTheme('contrast'));
    await expect.poll(look).toEqual({ theme: 'contrast', background: 'rgb(0, 0, 0)', text: 'rgb(255, 255, 255)' });
    await context.close();
  });

  it('lists the person’s offices on the personal tab', async () => {
    const offices = [
      { office: OFFICE, teamId: WHO.team, teamName: WHO.teamName },
      { office: { ...OFFICE, id: 'office-2', name: 'Lab', description: '', online: 1 }, teamId: 't2', teamName: 'Chemistry' },
    ];
    const { context, page, tab } = await open({ entityId: 'personal', url: '/teams/personal' }, (_s, c) => c.route('**/api/teams/offices', (route) => route.fulfill(json(offices))));
    const cards = tab.getByTestId('teams-office-card');
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(2);
    await expect(cards.nth(0).textContent()).resolves.toMatch(/Design studio.*Research.*Where the drawings happen.*3 inside now/s);
    await expect(cards.nth(1).textContent()).resolves.toMatch(/Lab.*Chemistry.*1 inside now/s);
    await page.screenshot({ path: join(SHOTS, 'teams-personal.png') });
    // A card is a button: the keyboard opens it as a click does.
    await cards.nth(1).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(tab.url()).search).toBe('?office=office-2');
    await tab.evaluate(() => history.back());
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(2);
    await cards.nth(0).click();
    await expect.poll(() => new URL(tab.url()).search).toBe('?office=office-1');
    await context.close();
  });
});

/**
 * A loopback reverse proxy (HTTP and WebSocket) in front of the built server that lets its pages be framed by their
 * own origin. The server runs in standalone mode here, which forbids framing; Teams mode allows the Teams hosts and
 * itself, but needs Microsoft settings this test does without. A real server on loopback (rather than page.route)
 * keeps Chromium's local-network-access rules as they are for the tab's WebSocket.
 */
async function startFramingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const upstreamHeaders = (headers: IncomingHttpHeaders) => ({ ...headers, host: to.host, ...(headers.origin ? { origin: to.origin } : {}) });
  const proxy = createHttpServer((req, res) => {
    const upstream = httpRequest({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: upstreamHeaders(req.headers) }, (answer) => {
      const headers = { ...answer.headers };
      delete headers['x-frame-options'];
      const csp = headers['content-security-policy'];
      if (typeof csp === 'string') headers['content-security-policy'] = csp.replace(/frame-ancestors [^;]*/, "frame-ancestors 'self'");
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  proxy.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upstream = connect(Number(to.port), to.hostname, () => {
      const lines = Object.entries(upstreamHeaders(req.headers)).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${x}`) : v === undefined ? [] : [`${k}: ${v}`]));
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () => {
      proxy.closeAllConnections();
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}

describe('the channel tab with a real office, dark theme', () => {
  it('shows the office screen with its HUD inside the Fluent dark theme', async () => {
    const server = await startBuiltServer();
    const framing = await startFramingProxy(server.url);
    const browser = await launchChromium();
    try {
      const signUp = await fetch(`${server.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: WHO.upn, password: 'a-long-password', name: 'Ada Lovelace' }),
      });
      expect(signUp.status).toBe(201);
      const me = (await signUp.json()) as typeof ME;
      const cookie = /mo_session=([^;]+)/.exec(signUp.headers.get('set-cookie') ?? '')![1]!;
      const offices = (await (await fetch(`${server.url}/api/offices`, { headers: { cookie: `mo_session=${cookie}` } })).json()) as Array<typeof OFFICE>;
      expect(offices.length).toBeGreaterThan(0);

      const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
      await context.addCookies([{ name: 'mo_session', value: cookie, url: framing.url }]);
      await context.route('https://res.cdn.office.net/**', (route) => route.abort());
      await context.route('**/teams-test-host/sso-token', (route) => route.fulfill(json({ token: 'teams-sso-token-for-ada-0123456789' })));
      const lookups: string[] = [];
      await context.route('**/api/teams/**', (route) => {
        const url = new URL(route.request().url());
        if (url.pathname === '/api/teams/sso') return route.fulfill(json({ me, tenantId: WHO.tenant }));
        if (url.pathname === '/api/teams/tab') {
          lookups.push(url.search);
          return route.fulfill(json({ office: offices[0] }));
        }
        return route.fulfill(problem(404, 'NOT_FOUND', 'Not found'));
      });
      const page = await context.newPage();
      // Plain http here: the tab trusts its same-origin test host without any extra TeamsJS origins.
      await page.goto(`${framing.url}/teams-test-host.html?${new URLSearchParams({ ...WHO, theme: 'dark', entityId: 'tab-entity-7', url: '/teams/tab' })}`);
      const tab = await tabFrame(page);
      await tab.locator('[data-avatar-visible="true"]').waitFor({ timeout: 30_000 });
      expect(lookups).toEqual([`?${new URLSearchParams({ teamId: WHO.team, channelId: WHO.channel, entityId: 'tab-entity-7' })}`]);
      await expect(tab.locator('.teams-root').getAttribute('data-teams-theme')).resolves.toBe('dark');
      // The HUD is there, without the standalone way back to the offices list.
      await expect(tab.locator('.office-name').textContent()).resolves.toBe(offices[0]!.name);
      await expect(tab.locator('.back-link').isVisible()).resolves.toBe(false);
      await expect(tab.getByRole('button', { name: /^People\b.*online/ }).isVisible()).resolves.toBe(true);
      // Fluent's dark theme sets light text on its root; the office HUD keeps its own dark text on its light cards.
      const hudText = await tab.locator('.office-name').evaluate((el) => getComputedStyle(el).color);
      expect(hudText).toBe('rgb(36, 36, 36)');
      await expect.poll(async () => (await host(page)).state?.appStatus.map((s) => s.func)).toContain('appInitialization.success');
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SHOTS, 'teams-tab-dark.png') });
      await context.close();
    } finally {
      await browser.close();
      await framing.close();
      await server.stop();
    }
  });
});
