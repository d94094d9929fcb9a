import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { SHOTS, signUp, useServerAndBrowser } from './support.js';

const PASSWORD = 'a-long-password'; // what support.signUp types

describe('the account page, in real Chromium', () => {
  const env = useServerAndBrowser();

  const sessionCookie = async (context: BrowserContext) => {
    const c = (await context.cookies()).find((k) => k.name === 'mo_session');
    expect(c, 'a session cookie').toBeDefined();
    return `mo_session=${c!.value}`;
  };
  const meStatus = async (cookie: string) => (await fetch(`${env.server.url}/api/me`, { headers: { cookie } })).status;
  const openAccount = async (page: Page) => {
    await page.locator('[data-testid="account-link"]').click();
    await page.waitForURL((u) => u.pathname === '/account');
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
  };
  const download = async (page: Page, button: string) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
    return { name: file.suggestedFilename(), data: readFileSync((await file.path())!) };
  };

  it('downloads data, signs out everywhere, refuses the last admin, deletes an account and the organisation', async () => {
    const adaContext = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const bobContext = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const ada = await adaContext.newPage();
    const bob = await bobContext.newPage();
    const adaEmail = 'ada.account@example.test';
    const bobEmail = 'bob.account@example.test';

    // Ada is the first person: the demo organisation's admin. Bob joins through her invite.
    await signUp(ada, env.server.url, '/signup', 'Ada Lovelace', adaEmail);
    const invite = await ada.evaluate(async () => (await fetch('/api/invites', { method: 'POST' })).json() as Promise<{ url: string }>);
    await signUp(bob, env.server.url, new URL(invite.url).pathname, 'Bob Babbage', bobEmail);

    // The account page is one click from the offices page's header.
    await openAccount(ada);
    await ada.screenshot({ path: join(SHOTS, 'account-01-admin.png'), fullPage: true });

    // Her own data: a JSON file about her and nobody else.
    const mine = await download(ada, 'Download my data');
    expect(mine.name).toMatch(/^metaoffice-me-\d{4}-\d{2}-\d{2}\.json$/);
    expect(mine.data.length).toBeGreaterThan(100);
    const exported = JSON.parse(mine.data.toString('utf8')) as { format: string; user: { email: string }; sessions: unknown[] };
    expect(exported.format).toBe('metaoffice-me-export');
    expect(exported.user.email).toBe(adaEmail);
    expect(exported.sessions.length).toBeGreaterThan(0);
    expect(mine.data.toString('utf8')).not.toContain(bobEmail);

    // The organisation's data: a gzip'd tar with the manifest and the people.
    const org = await download(ada, 'Export organisation');
    expect(org.name).toMatch(/\.tar\.gz$/);
    expect([...org.data.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const tar = gunzipSync(org.data).toString('latin1');
    expect(tar).toContain('manifest.json');
    expect(tar).toContain(bobEmail);

    // Sign out everywhere: back on the sign-in page, and the old cookie is dead on the server too.
    const oldCookie = await sessionCookie(adaContext);
    expect(await meStatus(oldCookie)).toBe(200);
    await ada.getByRole('button', { name: 'Sign out everywhere' }).click();
    await ada.waitForURL((u) => u.pathname === '/signin');
    expect(await meStatus(oldCookie)).toBe(401);

    // Signed in again, Ada cannot leave while Bob depends on her as the only admin: the server's reason is shown.
    await ada.locator('#email').fill(adaEmail);
    await ada.locator('#password').fill(PASSWORD);
    await ada.locator('#password').press('Enter');
    await ada.waitForURL((u) => u.pathname === '/');
    await openAccount(ada);
    const deleteMe = ada.locator('[data-testid="delete-my-account"]');
    await deleteMe.locator('input[type="password"]').fill('not-my-password');
    await deleteMe.getByRole('button', { name: 'Delete my account' }).click();
    await deleteMe.getByRole('alert').getByText('That password is not right.').waitFor();
    await deleteMe.locator('input[type="password"]').fill(PASSWORD);
    await deleteMe.getByRole('button', { name: 'Delete my account' }).click();
    await deleteMe.getByRole('alert').getByText(/last admin/i).waitFor();
    await ada.screenshot({ path: join(SHOTS, 'account-02-last-admin.png'), fullPage: true });
    expect(await meStatus(await sessionCookie(adaContext))).toBe(200);

    // Bob, a member, sees no organisation section, and deletes his account.
    await openAccount(bob);
    expect(await bob.locator('[data-testid="delete-organisation"]').count()).toBe(0);
    const bobCookie = await sessionCookie(bobContext);
    const bobDelete = bob.locator('[data-testid="delete-my-account"]');
    await bobDelete.locator('input[type="password"]').fill(PASSWORD);
    await bobDelete.getByRole('button', { name: 'Delete my account' }).click();
    await bob.waitForURL((u) => u.pathname === '/signin');
    expect(await meStatus(bobCookie)).toBe(401);
    const bobSignIn = await fetch(`${env.server.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: bobEmail, password: PASSWORD }) });
    expect(bobSignIn.status).toBe(401);

    // Ada deletes the organisation: the button waits for its exact name.
    const orgName = (await (await fetch(`${env.server.url}/api/me`, { headers: { cookie: await sessionCookie(adaContext) } })).json() as { organisation: { name: string } }).organisation.name;
    const deleteOrg = ada.locator('[data-testid="delete-organisation"]');
    const confirmButton = deleteOrg.getByRole('button', { name: 'Delete organisation' });
    await deleteOrg.locator('input').fill(orgName.slice(0, -1));
    expect(await confirmButton.isDisabled()).toBe(true);
    await deleteOrg.locator('input').fill(orgName);
    expect(await confirmButton.isEnabled()).toBe(true);
    const adaCookie = await sessionCookie(adaContext);
    await confirmButton.click();
    await ada.waitForURL((u) => u.pathname === '/signin');
    expect(await meStatus(adaCookie)).toBe(401);
    await ada.screenshot({ path: join(SHOTS, 'account-03-signed-out.png') });

    await adaContext.close();
    await bobContext.close();
  });
});
