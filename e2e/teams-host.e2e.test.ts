import type { Server } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { launchChromium, SHOTS, startStaticHttpsServer } from './support.js';

/**
 * The Teams test host (packages/web/teams-test-host.html) driving the probe tab (teams-host-probe.html), which uses
 * the real @microsoft/teams-js. Served over HTTPS because `authentication.authenticate` refuses non-https URLs.
 */

interface HostView {
  ready: boolean;
  error?: string;
  calls: string[];
  savedConfig?: { entityId: string; contentUrl: string; websiteUrl?: string; suggestedDisplayName?: string };
  lastAuthToken?: string;
  state?: { frameContext: string; saveState: string; saveError?: string; frameUrl: string; rejectedMessages: number; appStatus: { func: string }[]; registeredHandlers: string[]; lastAuthError?: string };
  setTheme(theme: string): void;
  clickSave(): void;
}
interface ProbeView {
  initMs?: number;
  context?: Record<string, string | undefined>;
  token?: string;
  tokenError?: string;
  navigateCrossDomain?: string;
  getTabInstances?: string;
  themeChanges: string[];
  authenticate?: string;
  error?: string;
}
declare global {
  interface Window {
    __teamsHost?: HostView;
    __probe?: ProbeView;
  }
}

const WHO = {
  tenant: '0d9b1c3e-1111-4aaa-8bbb-000000000001',
  user: '5f2e7a90-2222-4ccc-9ddd-000000000002',
  team: '9a8b7c6d-3333-4eee-afff-000000000003',
  channel: '19:4f1b2c3d5e6f@thread.tacv2',
  channelName: 'Office',
  teamName: 'Research',
};


function hostUrl(origin: string, extra: Record<string, string>): string {
  return `${origin}/teams-test-host.html?${new URLSearchParams({ ...WHO, ...extra })}`;
}

/** Reads a value in a frame, treating a frame in mid-navigation as "not yet". */
async function read<T>(frame: Frame, fn: () => T): Promise<T | undefined> {
  try {
    return await frame.evaluate(fn);
  } catch {
    return undefined;
  }
}

describe('the Teams test host, with the real @microsoft/teams-js', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  const cdnRequests: string[] = [];

  beforeAll(async () => {
    ({ server, origin } = await startStaticHttpsServer());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** A fresh context whose SSO route answers as given; the library's valid-domains CDN never answers (unreachable). */
  async function open(extra: Record<string, string>, sso: { status: number; body: object } = { status: 200, body: { token: 'x.y.z' } }): Promise<{ context: BrowserContext; page: Page; tab: Frame }> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    await context.route('https://res.cdn.office.net/**', (route) => {
      cdnRequests.push(route.request().url());
      // never answered: the library aborts its own fetch after 1.5 s
    });
    await context.route('**/teams-test-host/sso-token', async (route) => {
      const body = route.request().postDataJSON() as { tenantId: string; userId: string };
      expect(body).toEqual({ tenantId: WHO.tenant, userId: WHO.user });
      await route.fulfill({ status: sso.status, contentType: 'application/json', body: JSON.stringify(sso.body) });
    });
    const page = await context.newPage();
    await page.goto(hostUrl(origin, extra));
    const tab = await (await page.locator('[data-testid="tab-frame"]').elementHandle())!.contentFrame();
    return { context, page, tab: tab! };
  }

  const host = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__teamsHost)) as HostView);

  it('gives the tab its context and SSO token, runs the configuration save, follows themes and answers unknown calls', async () => {
    const { context, page, tab } = await open({ frame: 'settings', url: '/teams-host-probe.html', theme: 'default' });

    await expect.poll(() => read(tab, () => window.__probe?.context), { timeout: 10_000 }).toBeDefined();
    const probe = (await read(tab, () => window.__probe))!;
    expect(probe.context).toMatchObject({
      tid: WHO.tenant,
      userId: WHO.user,
      groupId: WHO.team,
      teamName: WHO.teamName,
      channelId: WHO.channel,
      channelName: WHO.channelName,
      theme: 'default',
      locale: 'en-us',
      frameContext: 'settings',
      hostClientType: 'web',
    });
    // Same-origin parent: initialize needs no validMessageOrigins and does not wait for the valid-domains CDN.
    expect(probe.initMs).toBeLessThan(1000);
    console.log(`teams-host: app.initialize() took ${probe.initMs} ms with the CDN unreachable; CDN requests: ${cdnRequests.length}`);

    // getAuthToken resolves with the token the SSO route returned; the unsupported calls settle instead of hanging.
    await expect.poll(() => read(tab, () => window.__probe?.token)).toBe('x.y.z');
    await expect.poll(() => read(tab, () => window.__probe?.getTabInstances)).toContain('not supported by the Teams test host');
    expect((await read(tab, () => window.__probe))!.navigateCrossDomain).toBe('rejected: navigateCrossDomain is not supported by the Teams test host');
    await expect.poll(async () => (await host(page)).state?.appStatus.map((s) => s.func)).toContain('appInitialization.success');

    const before = await host(page);
    expect(before.ready).toBe(true);
    expect(before.lastAuthToken).toBe('x.y.z');
    expect(before.calls).toEqual(expect.arrayContaining(['initialize', 'getContext', 'registerHandler', 'settings.setValidityState', 'authentication.getAuthToken', 'navigateCrossDomain', 'getTabInstances']));
    expect(before.state?.registeredHandlers).toEqual(expect.arrayContaining(['themeChange', 'save']));
    await expect(page.getByTestId('save').isEnabled()).resolves.toBe(true);
    await page.screenshot({ path: join(SHOTS, 'teams-host-settings.png') });

    // Save: the tab's handler calls setConfig and notifySuccess; the host stores the config and shows the tab.
    await page.getByTestId('save').click();
    await expect.poll(async () => (await host(page)).savedConfig).toEqual({
      entityId: 'probe-tab-1',
      contentUrl: `${origin}/teams-host-probe.html?tab={entityId}`,
      websiteUrl: `${origin}/teams-host-probe.html`,
      suggestedDisplayName: 'Probe office',
    });
    await expect.poll(() => tab.url()).toBe(`${origin}/teams-host-probe.html?tab=probe-tab-1`);
    await expect.poll(() => read(tab, () => window.__probe?.context?.frameContext), { timeout: 10_000 }).toBe('content');
    expect((await read(tab, () => window.__probe?.context))!.pageId).toBe('probe-tab-1');
    await expect(page.getByTestId('config').textContent()).resolves.toContain('probe-tab-1');
    await expect(page.getByTestId('tab-name').textContent()).resolves.toBe('Probe office');

    // Theme: the host's button and the test hook both reach the tab's handler.
    await expect.poll(async () => (await host(page)).state?.registeredHandlers).toContain('themeChange');
    await page.getByRole('button', { name: 'Dark' }).click();
    await page.evaluate(() => window.__teamsHost!.setTheme('contrast'));
    await expect.poll(() => read(tab, () => window.__probe?.themeChanges)).toEqual(['dark', 'contrast']);
    await page.getByRole('button', { name: 'Dark' }).click();
    await expect.poll(() => read(tab, () => window.__probe?.token)).toBe('x.y.z');
    await page.screenshot({ path: join(SHOTS, 'teams-host.png') });
    await context.close();
  });

  it('rejects getAuthToken when the SSO route fails, with the route\'s error as the reason', async () => {
    const { context, page, tab } = await open({ entityId: 'probe-tab-1', url: '/teams-host-probe.html' }, { status: 403, body: { error: 'resourceRequiresConsent' } });
    await expect.poll(() => read(tab, () => window.__probe?.tokenError), { timeout: 10_000 }).toBe('resourceRequiresConsent');
    expect((await read(tab, () => window.__probe))!.token).toBeUndefined();
    expect((await host(page)).lastAuthToken).toBeUndefined();
    expect((await host(page)).state?.lastAuthError).toBe('resourceRequiresConsent');
    expect((await read(tab, () => window.__probe?.context))!.pageId).toBe('probe-tab-1');
    await context.close();
  });

  it('keeps the dialog open when the tab refuses to save', async () => {
    const { context, page, tab } = await open({ frame: 'settings', url: '/teams-host-probe.html?saveFails=1' });
    await expect.poll(async () => (await host(page)).state?.registeredHandlers, { timeout: 10_000 }).toContain('save');
    await expect.poll(() => page.getByTestId('save').isEnabled()).toBe(true);
    await page.getByTestId('save').click();
    await expect.poll(async () => (await host(page)).state?.saveState).toBe('failed');
    const after = await host(page);
    expect(after.state?.saveError).toBe('probe refuses to save');
    expect(after.savedConfig).toBeUndefined();
    expect(after.state?.frameContext).toBe('settings');
    expect(tab.url()).toBe(`${origin}/teams-host-probe.html?saveFails=1`);
    await expect(page.getByTestId('save-status').textContent()).resolves.toBe('Save failed: probe refuses to save');
    await context.close();
  });

  it('relays authentication.authenticate through a pop-up, success and failure', async () => {
    for (const [authResult, expected] of [['ok', 'success: probe-popup-result'], ['fail', 'failure: probe says no']] as const) {
      const { context, tab } = await open({ entityId: 'probe-tab-1', url: `/teams-host-probe.html?authResult=${authResult}` });
      await expect.poll(() => read(tab, () => window.__probe?.token), { timeout: 10_000 }).toBe('x.y.z');
      const [popup] = await Promise.all([context.waitForEvent('page'), tab.locator('#authenticate').click()]);
      expect(new URL(popup.url()).pathname).toBe('/teams-host-probe.html');
      await expect.poll(() => read(tab, () => window.__probe?.authenticate), { timeout: 10_000 }).toBe(expected);
      // The library closes its own pop-up after notifying.
      await expect.poll(() => popup.isClosed(), { timeout: 5_000 }).toBe(true);
      await context.close();
    }
  });

  it('ignores messages from other windows and other origins, and refuses to embed another origin', async () => {
    const { context, page, tab } = await open({ entityId: 'probe-tab-1', url: '/teams-host-probe.html' });
    await expect.poll(() => read(tab, () => window.__probe?.token), { timeout: 10_000 }).toBe('x.y.z');
    const callsBefore = (await host(page)).calls.length;

    // Same origin, wrong window: the host page itself.
    await page.evaluate(() => window.postMessage({ id: 99, uuidAsString: 'x', func: 'getContext', args: [] }, location.origin));
    // Right window, wrong origin: the tab frame navigated to the same server under another host name.
    const otherOrigin = origin.replace('127.0.0.1', 'localhost');
    await tab.goto(`${otherOrigin}/teams-host-probe.html`);
    await expect.poll(async () => (await host(page)).state?.rejectedMessages, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect((await host(page)).calls.length).toBe(callsBefore);
    expect(await read(tab, () => window.__probe?.context)).toBeUndefined();

    const refused = await context.newPage();
    await refused.goto(hostUrl(origin, { url: 'https://evil.test/tab' }));
    const view = await refused.evaluate(() => JSON.parse(JSON.stringify(window.__teamsHost)) as HostView);
    expect(view.ready).toBe(false);
    expect(view.error).toContain('url');
    await expect(refused.getByRole('alert').textContent()).resolves.toContain('bad parameter url');
    expect(await refused.locator('iframe').count()).toBe(0);
    await context.close();
  });
});
