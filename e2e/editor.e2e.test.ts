import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplateMap } from '@metaoffice/maps';
import { OfficeMap } from '@metaoffice/world';
import { ROOT, SHOTS, joinFirstOffice, signUp, useServerAndBrowser, walkTo } from './support.js';

/** Screenshots the closing notes and docs show (docs/images). */
const DOC_IMAGES = join(ROOT, 'docs', 'images');

declare global {
  interface Window {
    __metaofficeEditor?: {
      pointOf(x: number, y: number): { x: number; y: number };
      walkable(x: number, y: number): boolean | undefined;
      firstZone(kind: string): { x: number; y: number } | undefined;
    };
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

    // A desk assigned to Bob shows his name on the map, on everyone's screen.
    await ada.getByRole('button', { name: 'Select zone', exact: true }).click();
    const deskTile = await ada.evaluate(() => window.__metaofficeEditor!.firstZone('desk'));
    const deskPoint = await ada.evaluate(([x, y]) => window.__metaofficeEditor!.pointOf(x, y), [deskTile!.x, deskTile!.y] as const);
    await ada.mouse.click(deskPoint.x, deskPoint.y);
    await ada.getByLabel('Assigned to').selectOption({ label: 'Bob Babbage' });
    await ada.getByRole('button', { name: 'Save' }).click();
    await ada.getByText(/Saved as version 3/).waitFor();
    await bob.waitForFunction(() => window.__metaoffice!.mapTags().some((t) => t.kind === 'desk' && t.text === 'Bob Babbage'), null, { timeout: 5_000 });

    // Zones move by dragging (one undo step): the desk, two tiles down and back again.
    const from = await ada.evaluate(([x, y]) => window.__metaofficeEditor!.pointOf(x, y), [deskTile!.x, deskTile!.y] as const);
    const to = await ada.evaluate(([x, y]) => window.__metaofficeEditor!.pointOf(x, y), [deskTile!.x, deskTile!.y + 2] as const);
    await ada.mouse.move(from.x, from.y);
    await ada.mouse.down();
    await ada.mouse.move(to.x, to.y, { steps: 4 });
    await ada.mouse.up();
    expect(await ada.evaluate(() => window.__metaofficeEditor!.firstZone('desk'))).toMatchObject({ x: deskTile!.x, y: deskTile!.y + 2 });
    await ada.getByRole('button', { name: 'Undo' }).click();
    expect(await ada.evaluate(() => window.__metaofficeEditor!.firstZone('desk'))).toMatchObject({ x: deskTile!.x, y: deskTile!.y });

    // Leaving the editor gives the lease back: nobody is editing any more.
    await ada.getByRole('link', { name: /Back to the office/ }).click();
    await ada.waitForURL((u) => u.pathname === officePath);
    await bob.waitForFunction(
      async (path) => ((await (await fetch(`/api${path.replace('/office/', '/offices/')}/editor`)).json()) as { editor: unknown }).editor === null,
      officePath,
      { timeout: 5_000 },
    );
  });

  it('a Tiled map of another size is imported; people in the office get it without reloading and walk on it', async () => {
    const ada = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const bob = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await signUp(ada, env.server.url, '/signup', 'Ada Importer', 'ada-import@example.test');
    const invite = await ada.evaluate(async () => (await fetch('/api/invites', { method: 'POST' })).json() as Promise<{ url: string }>);
    await signUp(bob, env.server.url, new URL(invite.url).pathname, 'Bob Walker', 'bob-import@example.test');
    await joinFirstOffice(bob);
    const officeId = new URL(bob.url()).pathname.split('/').pop()!;
    // A page reload would reset this marker: Bob's screen must switch to the new map by itself.
    await bob.evaluate(() => ((window as unknown as { __notReloaded: boolean }).__notReloaded = true));

    // The small studio (30x22) replaces the 48x32 open office, uploaded as Tiled JSON like a file made in Tiled.
    const studio = loadTemplateMap('small-studio');
    const rules = OfficeMap.fromTiled(studio);
    const before = OfficeMap.fromTiled(loadTemplateMap('open-office'));
    let probe: { x: number; y: number } | undefined;
    for (let y = 1; y < rules.height - 1 && !probe; y++) for (let x = 1; x < rules.width - 1 && !probe; x++) if (before.isWalkable(x, y) && !rules.isWalkable(x, y)) probe = { x, y };
    expect(probe).toBeDefined();
    expect(await bob.evaluate(([x, y]) => window.__metaoffice!.tileBlocked(x, y), [probe!.x, probe!.y] as const)).toBe(false);
    const status = await ada.evaluate(async ([id, map]) => {
      const res = await fetch(`/api/offices/${id}/map`, { method: 'PUT', headers: { 'content-type': 'application/json', 'if-match': '*' }, body: JSON.stringify(map) });
      return res.status;
    }, [officeId, studio] as const);
    expect(status).toBe(200);

    // Bob's screen switches to the new map: a tile that was floor in the open office is a wall in the studio.
    await bob.waitForFunction(([x, y]) => window.__metaoffice!.tileBlocked(x, y) === true && window.__metaoffice!.state() === 'open', [probe!.x, probe!.y] as const, { timeout: 20_000 });
    await bob.locator('[data-avatar-visible="true"]').waitFor({ timeout: 20_000 });
    const at = await bob.evaluate(() => window.__metaoffice!.self());
    expect(rules.isWalkable(at.x, at.y)).toBe(true);
    // …and walks across it to the studio's entrance.
    const spawn = rules.spawnTiles().find((t) => t.x !== at.x || t.y !== at.y)!;
    await walkTo(bob, spawn, 30_000);
    expect(await bob.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    await bob.screenshot({ path: join(SHOTS, 'imported-studio.png') });

    // The editor changes the size too: four columns wider, saved; Bob's screen loads the new size without a reload.
    await ada.goto(`${env.server.url}/office/${officeId}/edit`);
    await ada.locator('[data-testid="editor-canvas"]').waitFor();
    await ada.getByText(`Map size: ${rules.width} × ${rules.height} tiles`).click();
    await ada.getByLabel('Width (tiles)').fill(String(rules.width + 4));
    await ada.getByRole('button', { name: 'Resize' }).click();
    await ada.getByText(`The map is now ${rules.width + 4} by ${rules.height} tiles`, { exact: false }).waitFor();
    await ada.getByRole('button', { name: 'Zoom out' }).click();
    await ada.screenshot({ path: join(SHOTS, 'editor-resized.png') });
    const bobLoads = bob.waitForResponse((r) => r.url().includes(`/api/offices/${officeId}/map`) && r.request().method() === 'GET' && r.status() === 200, { timeout: 20_000 });
    const resized = ada.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/map'));
    await ada.getByRole('button', { name: 'Save' }).click();
    expect((await resized).status()).toBe(200);
    expect(((await (await bobLoads).json()) as { width: number }).width).toBe(rules.width + 4);
    await bob.waitForFunction(() => window.__metaoffice!.state() === 'open', null, { timeout: 20_000 });
    expect(await bob.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
  });
});
