import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SHOTS, joinFirstOffice, signUp, useServerAndBrowser } from './support.js';

/** axe-core's browser build, injected into each page audited. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now, and returns its violations. */
async function audit(page: Page, label: string): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's Content Security Policy (no inline scripts) leaves alone.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const { violations, passed } = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return {
      violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })),
      passed: result.passes.length,
    };
  });
  // An audit that checked nothing (axe not loaded, an empty page) must not pass as clean.
  expect(passed).toBeGreaterThan(10);
  console.log(`axe ${label}: ${passed} rules passed, ${violations.length} violated`);
  for (const v of violations) console.log(`axe ${label}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  return violations;
}

const severe = (vs: AxeViolation[]) => vs.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

describe('accessibility, in real Chromium', () => {
  const env = useServerAndBrowser();

  it('the office as a list works by keyboard alone, and axe finds no serious or critical problem on the main screens', async () => {
    const ada = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const bob = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await signUp(ada, env.server.url, '/signup', 'Ada Lovelace', 'ada-a11y@example.test');
    expect(severe(await audit(ada, 'offices page'))).toEqual([]);
    const invite = await ada.evaluate(async () => (await fetch('/api/invites', { method: 'POST' })).json() as Promise<{ url: string }>);
    await signUp(bob, env.server.url, new URL(invite.url).pathname, 'Bob Babbage', 'bob-a11y@example.test');
    await joinFirstOffice(ada);
    await joinFirstOffice(bob);

    // Bob opens the list from the keyboard: Ada is on the open floor, with her status and a Go to button.
    await bob.getByRole('button', { name: 'Office as a list' }).focus();
    await bob.keyboard.press('Enter');
    const list = bob.getByTestId('office-list');
    await list.getByRole('heading', { name: /Open floor/ }).waitFor();
    await list.getByText('Ada Lovelace').waitFor({ timeout: 10_000 });
    expect(await list.getByRole('heading', { level: 3 }).count()).toBeGreaterThan(1); // the rooms, then the open floor
    await bob.screenshot({ path: join(SHOTS, 'office-list.png') });
    expect(severe(await audit(bob, 'office with the list open'))).toEqual([]);

    // Go to by keyboard: Bob walks to a tile next to Ada.
    const adaAt = await ada.evaluate(() => window.__metaoffice!.self());
    await list.getByRole('button', { name: 'Go to Ada Lovelace' }).focus();
    await bob.keyboard.press('Enter');
    await bob.waitForFunction(([x, y]) => {
      const s = window.__metaoffice!.self();
      return Math.max(Math.abs(s.x - x), Math.abs(s.y - y)) === 1;
    }, [adaAt.x, adaAt.y] as const, { timeout: 20_000 });

    // The editor, for the admin.
    await ada.goto(`${ada.url()}/edit`);
    await ada.getByTestId('editor-canvas').waitFor();
    expect(severe(await audit(ada, 'editor'))).toEqual([]);
  });
});
