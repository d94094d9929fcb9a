import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SHOTS, joinFirstOffice, signUp, useServerAndBrowser } from './support.js';

/** A phone: 390 x 844 CSS pixels, touch only. */
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

const self = (page: Page) => page.evaluate(() => window.__metaoffice!.self());
const moved = (a: { x: number; y: number }, b: { x: number; y: number }) => a.x !== b.x || a.y !== b.y;

/** A finger pressed at `from`, slid to `to` and held there for `holdMs`, then lifted (real touch events, via CDP). */
async function drag(cdp: CDPSession, from: { x: number; y: number }, to: { x: number; y: number }, holdMs: number, page: Page): Promise<void> {
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from.x, y: from.y }] });
  for (let i = 1; i <= 5; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: from.x + ((to.x - from.x) * i) / 5, y: from.y + ((to.y - from.y) * i) / 5 }] });
    await page.waitForTimeout(30);
  }
  await page.waitForTimeout(holdMs);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

describe('the office on a phone, driven by touch, in real Chromium', () => {
  const env = useServerAndBrowser();

  it('walks with the joystick and by tapping the floor, and opens the People panel as a bottom sheet', async () => {
    const context = await env.browser.newContext(PHONE);
    const page = await context.newPage();
    await signUp(page, env.server.url, '/signup', 'Tess Touch', 'tess-touch@example.test');
    await joinFirstOffice(page);
    expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
    const cdp = await context.newCDPSession(page);

    // The joystick: slide the thumb in each direction until the avatar has walked.
    const stick = page.locator('.joystick-zone');
    await stick.waitFor();
    const box = (await stick.boundingBox())!;
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    const start = await self(page);
    let now = start;
    for (const [dx, dy] of [[50, 0], [0, 50], [-50, 0], [0, -50]] as const) {
      await drag(cdp, centre, { x: centre.x + dx, y: centre.y + dy }, 900, page);
      await page.waitForTimeout(300);
      now = await self(page);
      if (moved(now, start)) break;
    }
    expect(moved(now, start)).toBe(true);

    // Tap-to-walk: a tap on a free floor tile two steps away walks the avatar onto it. First the avatar (and the camera
    // following it) must have come to rest after the joystick walk, or the tile would not be where it was measured.
    let before = await self(page);
    for (let still = 0; still < 3; ) {
      await page.waitForTimeout(250);
      const now = await self(page);
      still = moved(now, before) ? 0 : still + 1;
      before = now;
    }
    let target: { x: number; y: number } | undefined;
    for (const [dx, dy] of [[2, 0], [-2, 0], [0, 2], [0, -2], [2, 2], [-2, -2]] as const) {
      const t = { x: before.x + dx, y: before.y + dy };
      if ((await page.evaluate(([x, y]) => window.__metaoffice!.tileBlocked(x, y), [t.x, t.y] as const)) === false) {
        target = t;
        break;
      }
    }
    expect(target).toBeDefined();
    const spot = (await page.evaluate(([x, y]) => window.__metaoffice!.tileOnPage(x, y), [target!.x, target!.y] as const))!;
    await page.touchscreen.tap(spot.x, spot.y);
    await page.waitForFunction(([x, y]) => {
      const s = window.__metaoffice!.self();
      return s.x === x && s.y === y;
    }, [target!.x, target!.y] as const, { timeout: 10_000 });
    const walked = await self(page);
    expect(moved(walked, before)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'phone-office.png') });

    // The People panel is a sheet at the bottom, full width, over the map.
    await page.getByRole('button', { name: /^People/ }).tap();
    const sheet = page.locator('[data-testid="people-panel"]');
    await sheet.waitFor();
    await page.waitForTimeout(300);
    const sheetBox = (await sheet.boundingBox())!;
    expect(sheetBox.width).toBeGreaterThanOrEqual(389);
    expect(sheetBox.y).toBeGreaterThan(844 / 3);
    expect(Math.round(sheetBox.y + sheetBox.height)).toBe(844);
    await sheet.getByText('Tess Touch').first().waitFor();
    await page.screenshot({ path: join(SHOTS, 'phone-people-sheet.png') });
    await context.close();
  });
});
