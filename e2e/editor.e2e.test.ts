import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, SHOTS, joinFirstOffice, signUp, useServerAndBrowser } from './support.js';

/** Screenshots the closing notes and docs show (docs/images). */
const DOC_IMAGES = join(ROOT, 'docs', 'images');

declare global {
  interface Window {
    __metaofficeEditor?: { pointOf(x: number, y: number): { x: number; y: number }; walkable(x: number, y: number): boolean | undefined };
  }
}

describe('the office editor, in real Chromium', () => {
  const env = useServerAndBrowser();

  it('an admin turns a floor tile into a wall; another person sees it within a second and cannot walk through it', async () => {
    mkdirSync(DOC_IMAGES, { recursive: true });
    const ada = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const bob = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await signUp(ada, env.server.url, '/signup', 'Ada Lovelace', 'ada-editor@example.test');
    const invite = await ada.evaluate(async () => (await fetch('/api/invites', { method: 'POST' })).json() as Promise<{ url: string }>);
    await signUp(bob, env.server.url, new URL(invite.url).pathname, 'Bob Babbage', 'bob-editor@example.test');
    await joinFirstOffice(bob);
    await joinFirstOffice(ada);
    const officePath = new URL(ada.url()).pathname;

    // Only admins are offered the editor.
    expect(await bob.getByRole('link', { name: /Edit/ }).count()).toBe(0);
    await ada.getByRole('link', { name: /Edit/ }).click();
    await ada.waitForURL(/\/edit$/);
    await ada.locator('[data-testid="editor-canvas"]').waitFor();
    await ada.waitForFunction(() => window.__metaofficeEditor !== undefined);

    // Someone else opening the editor meanwhile is told who has it (Bob is no admin: he cannot take it at all).
    const refused = await bob.evaluate(async (path) => (await fetch(`/api${path.replace('/office/', '/offices/')}/editor`, { method: 'POST' })).status, officePath);
    expect(refused).toBe(403);
    const editor = await bob.evaluate(async (path) => (await fetch(`/api${path.replace('/office/', '/offices/')}/editor`)).json(), officePath);
    expect(editor).toMatchObject({ editor: { name: 'Ada Lovelace' } });

    // A free floor tile next to Bob becomes a wall.
    const bobAt = await bob.evaluate(() => window.__metaoffice!.self()!);
    const dirs = [
      { key: 'ArrowRight', dx: 1, dy: 0 },
      { key: 'ArrowLeft', dx: -1, dy: 0 },
      { key: 'ArrowDown', dx: 0, dy: 1 },
      { key: 'ArrowUp', dx: 0, dy: -1 },
    ];
    const occupied = await bob.evaluate(() => window.__metaoffice!.others().map((o) => `${o.x},${o.y}`));
    let choice: (typeof dirs)[number] | undefined;
    for (const d of dirs) {
      const t = { x: bobAt.x + d.dx, y: bobAt.y + d.dy };
      const free = await ada.evaluate(([x, y]) => window.__metaofficeEditor!.walkable(x, y), [t.x, t.y] as const);
      if (free && !occupied.includes(`${t.x},${t.y}`)) {
        choice = d;
        break;
      }
    }
    expect(choice).toBeDefined();
    const target = { x: bobAt.x + choice!.dx, y: bobAt.y + choice!.dy };
    expect(await bob.evaluate(([x, y]) => window.__metaoffice!.tileBlocked(x, y), [target.x, target.y] as const)).toBe(false);

    await ada.getByRole('button', { name: 'Paint', exact: true }).click();
    await ada.getByLabel('Layer').selectOption('walls');
    await ada.locator('.editor-tile[data-blocks]').first().click();
    expect(await ada.getByLabel('Layer').inputValue()).toBe('walls');
    const point = await ada.evaluate(([x, y]) => window.__metaofficeEditor!.pointOf(x, y), [target.x, target.y] as const);
    await ada.mouse.click(point.x, point.y);
    expect(await ada.evaluate(([x, y]) => window.__metaofficeEditor!.walkable(x, y), [target.x, target.y] as const)).toBe(false);
    // Undo and redo step through the change.
    await ada.getByRole('button', { name: 'Undo' }).click();
    expect(await ada.evaluate(([x, y]) => window.__metaofficeEditor!.walkable(x, y), [target.x, target.y] as const)).toBe(true);
    await ada.getByRole('button', { name: 'Redo' }).click();
    expect(await ada.evaluate(([x, y]) => window.__metaofficeEditor!.walkable(x, y), [target.x, target.y] as const)).toBe(false);

    const saved = ada.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/map'));
    await ada.getByRole('button', { name: 'Save' }).click();
    expect((await saved).status()).toBe(200);
    const savedAt = Date.now();
    await bob.waitForFunction(([x, y]) => window.__metaoffice!.tileBlocked(x, y) === true, [target.x, target.y] as const, { timeout: 5_000, polling: 20 });
    const shownAfterMs = Date.now() - savedAt;
    console.log(`the new wall reached the other person's screen ${shownAfterMs} ms after the save was answered`);
    expect(shownAfterMs).toBeLessThan(1000);
    await ada.getByText(/Saved as version 2/).waitFor();
    await ada.screenshot({ path: join(DOC_IMAGES, 'editor.png') });

    // Bob stayed connected (no reload) and cannot walk into the wall: the key turns him, the step never happens.
    expect(await bob.evaluate(() => window.__metaoffice!.state())).toBe('open');
    await bob.locator('canvas').first().click({ position: { x: 5, y: 5 } }).catch(() => undefined);
    await bob.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await bob.keyboard.down(choice!.key);
    await bob.waitForTimeout(900);
    await bob.keyboard.up(choice!.key);
    await bob.waitForTimeout(300);
    const after = await bob.evaluate(() => window.__metaoffice!.self()!);
    expect(after).toEqual({ x: bobAt.x, y: bobAt.y });
    await bob.screenshot({ path: join(SHOTS, 'editor-bob-sees-wall.png') });

    // Leaving the editor gives the lease back: nobody is editing any more.
    await ada.getByRole('link', { name: /Back to the office/ }).click();
    await ada.waitForURL((u) => u.pathname === officePath);
    await bob.waitForFunction(
      async (path) => ((await (await fetch(`/api${path.replace('/office/', '/offices/')}/editor`)).json()) as { editor: unknown }).editor === null,
      officePath,
      { timeout: 5_000 },
    );
  });
});
