import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SHOTS, joinFirstOffice, signUp, useServerAndBrowser } from './support.js';

const DOC_IMAGES = join(ROOT, 'docs', 'images');
const keyOf = (s: Record<string, number>) => ['skin', 'hair', 'hairColour', 'outfit', 'outfitColour', 'eyes', 'glasses', 'hat'].map((l) => s[l]).join('.');

describe('the avatar editor, in real Chromium', () => {
  const env = useServerAndBrowser();

  it('a person changes their avatar and another person sees it change, without reloading', async () => {
    mkdirSync(DOC_IMAGES, { recursive: true });
    const adaContext = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await adaContext.grantPermissions(['clipboard-read', 'clipboard-write']);
    const ada = await adaContext.newPage();
    const bob = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await signUp(ada, env.server.url, '/signup', 'Ada Lovelace', 'ada-avatar@example.test');
    const invite = await ada.evaluate(async () => (await fetch('/api/invites', { method: 'POST' })).json() as Promise<{ url: string }>);
    await signUp(bob, env.server.url, new URL(invite.url).pathname, 'Bob Babbage', 'bob-avatar@example.test');
    await joinFirstOffice(ada);
    await joinFirstOffice(bob);
    const adaId = await ada.evaluate(async () => ((await (await fetch('/api/me')).json()) as { user: { id: string } }).user.id);
    const before = await ada.evaluate(async () => (await fetch('/api/me/avatar')).json() as Promise<Record<string, number>>);

    // Bob draws Ada with her layered avatar from the start.
    await bob.waitForFunction((id) => window.__metaoffice!.avatarTexture(id) !== undefined, adaId, { timeout: 10_000 });
    expect(await bob.evaluate((id) => window.__metaoffice!.avatarTexture(id), adaId)).toBe(`avatar:${keyOf(before)}`);

    // Ada opens the editor and changes hair colour, outfit and hat, with the mouse and the keyboard.
    await ada.getByRole('button', { name: 'Avatar' }).click();
    const editor = ada.getByTestId('avatar-editor');
    await editor.waitFor();
    await editor.locator('[data-layer="hairColour"]').nth(before.hairColour === 7 ? 0 : 7).click();
    await editor.locator('[data-layer="outfit"]').nth(before.outfit === 1 ? 2 : 1).click();
    await editor.locator('[data-layer="hat"][aria-checked="true"]').focus();
    await ada.keyboard.press('ArrowRight');
    await ada.keyboard.press('ArrowRight');
    await ada.waitForTimeout(400);
    await editor.screenshot({ path: join(DOC_IMAGES, 'avatar-editor.png') });
    const chosen = await editor.evaluate((el) => {
      const pick = (layer: string) => Number(el.querySelector(`[data-layer="${layer}"][aria-checked="true"]`)!.getAttribute('data-option'));
      return Object.fromEntries(['skin', 'hair', 'hairColour', 'outfit', 'outfitColour', 'eyes', 'glasses', 'hat'].map((l) => [l, pick(l)]));
    });
    expect(chosen.hat).toBe((before.hat! + 2) % 5);
    expect(keyOf(chosen)).not.toBe(keyOf(before));
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });

    // Bob's screen redraws Ada with the new avatar; Ada's choice is stored.
    await bob.waitForFunction(([id, key]) => window.__metaoffice!.avatarTexture(id!) === `avatar:${key}`, [adaId, keyOf(chosen)] as const, { timeout: 5_000 });
    expect(await ada.evaluate(async () => (await fetch('/api/me/avatar')).json())).toEqual(chosen);
    await bob.screenshot({ path: join(SHOTS, 'avatar-bob-sees-new-ada.png') });

    // Invite from inside the office: the copied link signs a new person up and brings them straight here.
    const officePath = new URL(ada.url()).pathname;
    await ada.getByTestId('people-panel').getByRole('button', { name: 'Invite' }).click();
    await ada.getByText(/Invite link copied/).waitFor();
    const link = await ada.evaluate(() => navigator.clipboard.readText());
    expect(new URL(link).pathname).toMatch(/^\/invite\//);
    const carol = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await carol.goto(env.server.url + new URL(link).pathname + new URL(link).search);
    await carol.locator('#name').fill('Carol Coder');
    await carol.locator('#email').fill('carol-avatar@example.test');
    await carol.locator('#password').fill('a-long-password');
    await carol.locator('#password').press('Enter');
    await carol.waitForURL((u) => u.pathname === officePath, { timeout: 15_000 });
    await carol.locator('[data-avatar-visible="true"]').waitFor({ timeout: 20_000 });
  });
});
