import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SHOTS, joinFirstOffice, signUp, useServerAndBrowser } from './support.js';

/** The office screen's Help test hook: the Help dialog's own Markdown rendering and sanitising. */
type HelpProbe = { renderHelpMarkdown(markdown: string): Promise<string> };

/** A help page as someone with bad intentions (or a careless paste) might write it. */
const HOSTILE_PAGE = [
  '# Title',
  '',
  'Some **bold** text and a [good link](02-conversations-and-meeting-rooms.md).',
  '',
  '<script>window.__helpPwned = "script"</script>',
  '',
  '<img src="x" onerror="window.__helpPwned = \'onerror\'">',
  '',
  '[click me](javascript:window.__helpPwned=1)',
  '',
  '<a href="JaVaScRiPt:window.__helpPwned=2">mixed case</a>',
  '',
  '<div onclick="window.__helpPwned = 3" style="position:fixed;inset:0">cover</div>',
  '',
  '<iframe src="javascript:window.__helpPwned=4"></iframe>',
  '',
  '<form action="/api/auth/signout" method="post"><input name="x"><button>Go</button></form>',
  '',
  '<svg><script>window.__helpPwned = 5</script></svg>',
].join('\n');

describe('help and keyboard shortcuts, in real Chromium', () => {
  const env = useServerAndBrowser();

  it('? shows the shortcuts without walking, Help reads pages, and page HTML is sanitised', async () => {
    const page = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await signUp(page, env.server.url, '/signup', 'Grace Hopper', 'grace@example.test');
    await joinFirstOffice(page);
    const self = () => page.evaluate(() => window.__metaoffice!.self());
    const focusInside = (testId: string) => page.evaluate((id) => !!document.activeElement?.closest(`[data-testid="${id}"]`), testId);
    // Focus on the page itself, as after a click on the map: keys go to the office.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const start = await self();

    // ? (Shift+/) shows the list of shortcuts, with focus inside it.
    await page.keyboard.press('Shift+Slash');
    const overlay = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await overlay.waitFor();
    for (const text of ['Walk up, left, down or right. Hold to keep walking.', 'The same as the arrow keys.', 'Send your message.', 'Clear the search.']) {
      await overlay.getByText(text).waitFor();
    }
    expect(await overlay.locator('kbd').allTextContents()).toEqual(expect.arrayContaining(['W', 'A', 'S', 'D', 'Enter', 'Tab']));
    expect(await overlay.getByText('Up arrow').count()).toBe(1);
    expect(await focusInside('shortcut-overlay')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'help-01-shortcuts.png') });

    // While it is open, the movement keys do not walk the avatar behind it.
    await holdKey(page, 'ArrowRight');
    await page.keyboard.press('Escape');
    await overlay.waitFor({ state: 'detached' });
    // ? closes it as well as opening it.
    await page.keyboard.press('Shift+Slash');
    await overlay.waitFor();
    await page.keyboard.press('Shift+Slash');
    await overlay.waitFor({ state: 'detached' });
    await page.waitForTimeout(500);
    expect(await self(), 'the avatar did not move').toEqual(start);

    // In a text field, ? is just typed.
    const search = page.getByRole('searchbox', { name: 'Search people' });
    await search.click();
    await page.keyboard.press('Shift+Slash');
    expect(await search.inputValue()).toBe('?');
    expect(await overlay.count()).toBe(0);
    await search.press('Escape');
    expect(await search.inputValue()).toBe('');
    await search.blur();

    // The HUD's Help button opens Help on the first page.
    const helpButton = page.getByRole('button', { name: 'Help', exact: true });
    await helpButton.click();
    const help = page.getByRole('dialog', { name: 'Help' });
    await help.waitFor();
    await help.getByRole('heading', { name: 'Getting around', level: 3 }).waitFor();
    expect(await focusInside('help-dialog')).toBe(true);

    // Another page from the list.
    await help.getByRole('navigation', { name: 'Help pages' }).getByRole('button', { name: 'Conversations and meeting rooms' }).click();
    await help.getByRole('heading', { name: 'Conversations and meeting rooms', level: 3 }).waitFor();
    await help.getByText('Then nobody new joins', { exact: false }).waitFor();
    // A link to another page opens that page in the dialog; the office stays where it is.
    await help.getByRole('link', { name: 'Your status and devices' }).click();
    await help.getByRole('heading', { name: 'Your status and devices', level: 3 }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/office\//);
    await page.screenshot({ path: join(SHOTS, 'help-02-dialog.png') });

    // Tab never leaves the dialog, and the arrow keys do not walk behind it.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      expect(await focusInside('help-dialog'), `focus after ${i + 1} Tab presses`).toBe(true);
    }
    await holdKey(page, 'ArrowLeft');

    // Escape closes it and focus goes back to the Help button.
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Help');
    expect(await self(), 'the avatar did not move').toEqual(start);

    // The shortcut list leads to the Keyboard shortcuts page.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Shift+Slash');
    await overlay.getByRole('button', { name: 'All help pages' }).click();
    await help.getByRole('heading', { name: 'Keyboard shortcuts', level: 3 }).waitFor();
    expect(await overlay.count()).toBe(0);
    await help.getByRole('button', { name: 'Close help' }).click();
    await help.waitFor({ state: 'detached' });

    // What the dialog inserts is sanitised: no script, no handler, no javascript: link, no form, no style.
    const html = await page.evaluate((md) => (window.__metaoffice as unknown as HelpProbe).renderHelpMarkdown(md), HOSTILE_PAGE);
    expect(html).toContain('<h3>Title</h3>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<a href="02-conversations-and-meeting-rooms.md">good link</a>');
    expect(html).toContain('click me</a>');
    expect(html).toContain('mixed case</a>');
    expect(html).toContain('cover</div>');
    for (const bad of [/<script/i, /\bon\w+=/i, /javascript:/i, /<iframe/i, /<form/i, /<input/i, /<button/i, /style=/i, /<svg/i]) {
      expect(html, String(bad)).not.toMatch(bad);
    }
    // And inserted into the page, nothing of it runs.
    await page.evaluate((h) => {
      const box = document.createElement('div');
      box.innerHTML = h;
      document.body.append(box);
      box.querySelectorAll('a').forEach((a) => a.click());
    }, html);
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __helpPwned?: unknown }).__helpPwned)).toBeUndefined();
  });
});

/** Holds a key down for about two steps' time, then lets go. */
async function holdKey(page: Page, key: string): Promise<void> {
  await page.keyboard.down(key);
  await page.waitForTimeout(600);
  await page.keyboard.up(key);
}
