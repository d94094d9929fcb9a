#!/usr/bin/env node
/**
 * Page load to own avatar visible, on loopback, in headless Chromium: signs one person up, then opens the office
 * N times in fresh browser contexts (cold cache each time) and reads the time the app records when its own avatar
 * is first drawn (navigation start → sprite on screen).
 *
 *   node packages/bench/dist/pageload.js --runs 7 [--url http://127.0.0.1:3000] [--out artifacts/bench-pageload.json]
 */
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { sleep, startLocalServer, type LocalServer } from './local-server.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}
async function main(): Promise<void> {
  const runs = Number(arg('runs', '7'));
  const out = arg('out', 'artifacts/bench-pageload.json');
  let base = arg('url', '');
  let own: LocalServer | undefined;
  if (!base) {
    own = await startLocalServer();
    base = own.url;
  }

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const email = `pageload.${Date.now()}@bench.test`;
  const res = await fetch(base + '/api/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'bench-password', name: 'Page Load' }) });
  const cookie = /mo_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
  const offices = (await (await fetch(base + '/api/offices', { headers: { cookie: `mo_session=${cookie}` } })).json()) as { id: string }[];
  const url = `${base}/office/${offices[0]!.id}`;

  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.addCookies([{ name: 'mo_session', value: cookie, url: base }]);
    const page = await ctx.newPage();
    await page.goto(url);
    await page.locator('[data-avatar-visible="true"]').waitFor({ timeout: 30_000 });
    const ms = await page.evaluate(() => (window as unknown as { __metaoffice: { avatarVisibleMs: number } }).__metaoffice.avatarVisibleMs);
    samples.push(Math.round(ms));
    await ctx.close();
    // Let the server drop the previous connection before the next visit replaces it.
    await sleep(300);
  }
  await browser.close();
  const sorted = [...samples].sort((a, b) => a - b);
  const result = { bench: 'pageload', date: new Date().toISOString(), runs, samplesMs: samples, medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted.at(-1) };
  console.log(JSON.stringify(result, null, 2));
  writeFileSync(out, JSON.stringify(result, null, 2));
  await own?.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
