import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_TEAM_ID, DEMO_TENANT_ID, ensureDevCertificateAuthority, issueServerCertificate, seedDemoTenant, startFakeMicrosoft, type FakeMicrosoft } from '@metaoffice/fake-microsoft';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { OfficeMap } from '@metaoffice/world';
import { freePort, launchChromium, ROOT, SHOTS } from './support.js';

/*
 * Teams mode in real Chromium: the built server in Teams mode over https, the repo's fake Entra ID + Graph, and the
 * Teams test host page playing the Teams client for real @microsoft/teams-js. Two people of one tenant open the tab,
 * see each other with Microsoft 365 presence colours, meet, and get the call's "Join on Teams" link.
 */
const CLIENT_ID = '3c6f0b1e-8a2d-4f5b-9c7e-1d0a2b3c4d5e';
const SECRET = 'e2e-secret';
const ALEX = { id: '22222222-2222-4222-8222-222222222222', name: 'Alex Wilber' };
const MEGAN = { id: '33333333-3333-4333-8333-333333333333', name: 'Megan Bowen' };
const LEE = { id: '44444444-4444-4444-8444-444444444444', name: 'Lee Gu' };
const CHANNEL = '19:design-general@thread.tacv2';

let fake: FakeMicrosoft;
let server: ChildProcess;
let base: string;
let dataDir: string;
let browser: Browser;


beforeAll(async () => {
  fake = await startFakeMicrosoft({ apps: [{ clientId: CLIENT_ID, clientSecret: SECRET }] });
  seedDemoTenant(fake, CLIENT_ID);
  dataDir = mkdtempSync(join(tmpdir(), 'mo-e2e-teams-'));
  const ca = await ensureDevCertificateAuthority(join(ROOT, '.local/dev-ca'));
  const cert = await issueServerCertificate(ca);
  writeFileSync(join(dataDir, 'cert.pem'), cert.cert);
  writeFileSync(join(dataDir, 'key.pem'), cert.key);
  const port = await freePort();
  base = `https://localhost:${port}`;
  server = spawn(process.execPath, [join(ROOT, 'packages/server/dist/main.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      PUBLIC_URL: base,
      TLS_CERT_FILE: join(dataDir, 'cert.pem'),
      TLS_KEY_FILE: join(dataDir, 'key.pem'),
      SEED_DEMO: 'false',
      MICROSOFT_CLIENT_ID: CLIENT_ID,
      MICROSOFT_CLIENT_SECRET: SECRET,
      MICROSOFT_AUTHORITY_HOST: fake.authorityHost,
      MICROSOFT_GRAPH_BASE_URL: fake.graphBaseUrl,
      TEAMS_TEST_HOST: 'true',
      CONVERSATION_STILL_MS: '100',
      NODE_EXTRA_CA_CERTS: ca.certPath,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await fetch(`https://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error('the Teams-mode server did not become ready');
    await new Promise((r) => setTimeout(r, 150));
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await gone;
  }
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function hostUrl(who: { id: string; name: string }, frame: 'settings' | 'content', entityId?: string): string {
  const q = new URLSearchParams({ tenant: DEMO_TENANT_ID, user: who.id, userName: who.name, team: DEMO_TEAM_ID, teamName: 'Design', channel: CHANNEL, channelName: 'General', frame });
  if (entityId) q.set('entityId', entityId);
  return `${base}/teams-test-host.html?${q}`;
}

const opened: Page[] = [];

async function openHost(url: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1500, height: 950 } });
  const page = await context.newPage();
  opened.push(page);
  // Microsoft's CDN (TeamsJS' list of valid origins) is unreachable here; the library falls back to its own list.
  page.on('console', (m) => m.type() === 'error' && !m.text().includes('res.cdn.office.net') && console.log('[console]', m.text()));
  page.on('pageerror', (e) => console.log('[page error]', e.message));
  await page.goto(url);
  return page;
}

function tab(page: Page): Frame {
  const f = page.frames().find((fr) => fr !== page.mainFrame());
  if (!f) throw new Error('the test host has no tab frame');
  return f;
}

type HostWindow = Window & { __teamsHost?: { savedConfig?: { entityId: string; contentUrl: string }; clickSave(): void } };

describe('Teams mode in the browser, through the Teams test host and the fake Microsoft', () => {
  it('two people of one tenant open the tab, see each other with presence colours, meet, and get "Join on Teams"', async () => {
    // On failure, what each person saw is the first thing to look at.
    onTestFailed(async () => {
      for (const [i, page] of opened.entries()) await page.screenshot({ path: join(SHOTS, `teams-failure-${i}.png`) }).catch(() => undefined);
    });
    // Alex adds the tab to the channel: the configuration page signs in silently (SSO → on-behalf-of) and saves.
    const alex = await openHost(hostUrl(ALEX, 'settings'));
    const config = () => tab(alex);
    await alex.waitForFunction(() => document.querySelector('iframe') !== null);
    await expect.poll(async () => config().locator('[data-testid="office-name"]').count(), { timeout: 30_000 }).toBe(1);
    await config().locator('[data-testid="office-name"]').fill('Design floor');
    await alex.screenshot({ path: join(SHOTS, 'teams-01-configure.png') });
    await alex.waitForFunction(() => !(document.querySelector('button[data-testid="save"]') as HTMLButtonElement | null)?.disabled, undefined, { timeout: 15_000 });
    await alex.evaluate(() => (window as HostWindow).__teamsHost!.clickSave());
    const saved = await alex.waitForFunction(() => (window as HostWindow).__teamsHost?.savedConfig, undefined, { timeout: 20_000 });
    const { entityId, contentUrl } = (await saved.jsonValue()) as { entityId: string; contentUrl: string };
    expect(contentUrl).toContain(`/teams/tab?entityId=${encodeURIComponent(entityId)}`);
    // The host then shows the tab: Alex is in the office.
    await expect.poll(async () => tab(alex).locator('[data-avatar-visible="true"]').count(), { timeout: 40_000 }).toBe(1);
    // Alex steps away from the spawn point first, so the two do not start a walk-up call the moment Megan arrives.
    const map = OfficeMap.fromTiled(await tab(alex).evaluate(async () => {
      const offices = (await (await fetch('/api/offices')).json()) as { id: string }[];
      return (await fetch(`/api/offices/${offices[0]!.id}/map`)).json();
    }));
    const start = await tab(alex).evaluate(() => window.__metaoffice!.self());
    const away = (() => {
      for (let d = 8; d < 30; d++) {
        for (const [dx, dy] of [[d, 0], [-d, 0], [0, d], [0, -d]] as const) {
          const x = start.x + dx;
          const y = start.y + dy;
          if (x > 0 && y > 0 && x < map.width && y < map.height && map.isWalkable(x, y) && !map.zonesAt(x, y).some((z) => z.kind === 'meeting-room')) return { x, y };
        }
      }
      throw new Error('no open tile away from the spawn point');
    })();
    await tab(alex).evaluate(([x, y]) => window.__metaoffice!.walkTo(x, y), [away.x, away.y] as const);
    await tab(alex).waitForFunction(([x, y]) => {
      const me = window.__metaoffice!.self();
      return me.x === x && me.y === y;
    }, [away.x, away.y] as const, { timeout: 30_000 });

    const megan = await openHost(hostUrl(MEGAN, 'content', entityId));
    await expect.poll(async () => tab(megan).locator('[data-avatar-visible="true"]').count(), { timeout: 40_000 }).toBe(1);

    // Each sees the other in the office, and the team's members from Graph in the People panel, coloured by presence.
    await expect.poll(() => tab(megan).evaluate(() => window.__metaoffice!.others().map((o) => o.name)), { timeout: 20_000 }).toContain(ALEX.name);
    await expect.poll(() => tab(alex).evaluate(() => window.__metaoffice!.others().map((o) => o.name)), { timeout: 20_000 }).toContain(MEGAN.name);
    const dot = (page: Page, userName: string) =>
      tab(page).evaluate((n) => {
        const li = Array.from(document.querySelectorAll('.people-panel li.person')).find((el) => el.textContent?.includes(n));
        const d = li?.querySelector('.status-dot') as HTMLElement | null;
        return d ? getComputedStyle(d).backgroundColor : null;
      }, userName);
    await expect.poll(() => dot(megan, LEE.name), { timeout: 20_000 }).not.toBeNull();
    // Lee is not in the office; his Microsoft 365 presence changes and Megan's panel follows (subscription → notification).
    await expect.poll(() => fake.report().subscriptions.active, { timeout: 30_000 }).toBeGreaterThan(0);
    fake.setUserPresence(DEMO_TENANT_ID, LEE.id, 'DoNotDisturb', 'Presenting');
    await expect.poll(() => dot(megan, LEE.name), { timeout: 20_000 }).toBe('rgb(164, 38, 44)');
    fake.setUserPresence(DEMO_TENANT_ID, LEE.id, 'Available', 'Available');
    await expect.poll(() => dot(megan, LEE.name), { timeout: 20_000 }).toBe('rgb(107, 183, 0)');
    // Not in the office but Available in Teams: listed apart from the offline, and not greyed out.
    expect(await tab(megan).evaluate((n) => Array.from(document.querySelectorAll('.people-group')).find((g) => g.textContent?.includes(n))?.getAttribute('aria-label'), LEE.name)).toBe('Not in an office');
    expect(await dot(megan, ALEX.name)).toBe('rgb(107, 183, 0)');
    // Megan asks Lee, who is in no office, to talk: the notice goes to his Teams activity feed.
    await tab(megan).locator(`button[aria-label="Ask ${LEE.name} to talk"]`).click();
    await expect.poll(() => tab(megan).locator('[data-testid="nudge-result"]').textContent(), { timeout: 15_000 }).toContain('want to talk');
    await expect.poll(() => fake.report().activityNotifications.byTenant[DEMO_TENANT_ID]?.sent ?? 0, { timeout: 15_000 }).toBe(1);
    await megan.screenshot({ path: join(SHOTS, 'teams-02-presence.png') });

    // Alex appears next to Megan: a conversation, Busy/InACall in Microsoft 365, and the call's Teams meeting link.
    await tab(alex).locator(`button[aria-label="Teleport to ${MEGAN.name}"]`).click();
    await expect.poll(() => tab(alex).evaluate(() => window.__metaoffice!.call()?.members.length ?? 0), { timeout: 20_000 }).toBe(2);
    for (const page of [alex, megan]) {
      const link = tab(page).locator('a[data-testid="join-teams"]');
      await link.waitFor({ timeout: 20_000 });
      expect(await link.getAttribute('href')).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    }
    await expect.poll(() => fake.services.presence.get(DEMO_TENANT_ID, ALEX.id).activity, { timeout: 15_000 }).toBe('InACall');
    expect(await dot(megan, ALEX.name)).toBe('rgb(209, 52, 56)');
    expect(fake.report().meetings.created).toBe(1);
    expect(fake.report().earlyRetries.total).toBe(0);
    await alex.screenshot({ path: join(SHOTS, 'teams-03-meeting.png') });
  });
});
