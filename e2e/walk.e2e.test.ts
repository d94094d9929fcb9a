import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { SHOTS, joinFirstOffice, signUp, useServerAndBrowser } from './support.js';


describe('two people in one office, in real Chromium', () => {
  const env = useServerAndBrowser();

  it('sign up, join, walk with the keyboard, and the other sees the avatar arrive', async () => {
    const ada = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const bob = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();

    await signUp(ada, env.server.url, '/signup', 'Ada Lovelace', 'ada@example.test');
    await ada.screenshot({ path: join(SHOTS, '01-offices.png') });
    const invite = await ada.evaluate(async () => (await fetch('/api/invites', { method: 'POST' })).json() as Promise<{ url: string }>);
    const invitePath = new URL(invite.url).pathname;
    await signUp(bob, env.server.url, invitePath, 'Bob Babbage', 'bob@example.test');

    await joinFirstOffice(ada);
    const adaLoad = await ada.evaluate(() => window.__metaoffice!.avatarVisibleMs);
    expect(adaLoad).toBeGreaterThan(0);
    await joinFirstOffice(bob);
    const bobLoad = await bob.evaluate(() => window.__metaoffice!.avatarVisibleMs);
    console.log(`page load to own avatar visible: ${adaLoad?.toFixed(0)} ms (first), ${bobLoad?.toFixed(0)} ms (second)`);

    // Both are in the spawn area, well inside each other's view.
    await bob.waitForFunction(() => window.__metaoffice!.others().some((o) => o.name === 'Ada Lovelace'), null, { timeout: 10_000 });
    await ada.waitForFunction(() => window.__metaoffice!.others().some((o) => o.name === 'Bob Babbage'), null, { timeout: 10_000 });
    await ada.screenshot({ path: join(SHOTS, '02-ada-sees-bob.png') });

    // Ada walks with the keyboard until her tile changes a few times.
    const start = await ada.evaluate(() => window.__metaoffice!.self());
    await ada.locator('canvas').first().click({ position: { x: 5, y: 5 } }).catch(() => undefined);
    await ada.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let moved = start;
    for (const key of ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp', 'd', 's']) {
      await ada.keyboard.down(key);
      await ada.waitForTimeout(700);
      await ada.keyboard.up(key);
      await ada.waitForTimeout(300);
      moved = await ada.evaluate(() => window.__metaoffice!.self());
      if (Math.abs(moved.x - start.x) + Math.abs(moved.y - start.y) >= 2) break;
    }
    expect(Math.abs(moved.x - start.x) + Math.abs(moved.y - start.y)).toBeGreaterThanOrEqual(2);

    // Bob's screen shows Ada where she now stands.
    await bob.waitForFunction(
      ([x, y]) => window.__metaoffice!.others().some((o) => o.name === 'Ada Lovelace' && o.x === x && o.y === y),
      [moved.x, moved.y] as const,
      { timeout: 10_000 },
    );
    await bob.screenshot({ path: join(SHOTS, '03-bob-sees-ada-walked.png') });

    // The People panel lists both, online.
    await expect(bob.locator('[data-testid="people-panel"]').getByText('Ada Lovelace')).toBeTruthy();
    await bob.locator('[data-testid="people-panel"]').getByText('Ada Lovelace').first().waitFor();
    await bob.screenshot({ path: join(SHOTS, '04-people-panel.png') });

    // Bob teleports next to Ada.
    await bob.getByRole('button', { name: 'Teleport to Ada Lovelace' }).click();
    await bob.waitForFunction(
      ([x, y]) => {
        const s = window.__metaoffice!.self();
        return Math.max(Math.abs(s.x - x), Math.abs(s.y - y)) <= 2 && (s.x !== x || s.y !== y);
      },
      [moved.x, moved.y] as const,
      { timeout: 10_000 },
    );
    await bob.screenshot({ path: join(SHOTS, '05-bob-teleported.png') });

    // A server restart: both reconnect by themselves and reappear where they were.
    const before = await ada.evaluate(() => window.__metaoffice!.self());
    await env.server.restart();
    await ada.waitForFunction(() => document.querySelector('[data-avatar-visible="true"]') !== null, null, { timeout: 20_000 });
    await bob.waitForFunction(() => window.__metaoffice!.others().some((o) => o.name === 'Ada Lovelace'), null, { timeout: 30_000 });
    const after = await ada.evaluate(() => window.__metaoffice!.self());
    expect(after).toEqual(before);
    await ada.screenshot({ path: join(SHOTS, '06-after-restart.png') });
  });
});
