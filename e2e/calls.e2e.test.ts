import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { OfficeMap, type TilePos } from '@metaoffice/world';
import { SHOTS, joinFirstOffice, signUp, type PeerStats, useServerAndBrowser } from './support.js';


async function signUpAndJoin(page: Page, base: string, path: string, name: string, email: string): Promise<string> {
  await signUp(page, base, path, name, email);
  const me = await page.evaluate(async () => (await (await fetch('/api/me')).json()) as { user: { id: string } });
  await joinFirstOffice(page);
  return me.user.id;
}

async function walkTo(page: Page, to: TilePos): Promise<void> {
  await page.evaluate(([x, y]) => window.__metaoffice!.walkTo(x, y), [to.x, to.y] as const);
  await page.waitForFunction(([x, y]) => {
    const s = window.__metaoffice!.self();
    return s.x === x && s.y === y;
  }, [to.x, to.y] as const, { timeout: 20_000 });
}

/** Waits until every connection to the given peers carries audio and video, and both keep growing. */
async function expectMediaFlowing(page: Page, peers: string[]): Promise<PeerStats[]> {
  const snapshot = async () => page.evaluate(() => window.__metaoffice!.stats());
  let first: PeerStats[] = [];
  await expect
    .poll(async () => {
      first = await snapshot();
      return peers.every((id) => first.some((s) => s.userId === id && s.connectionState === 'connected' && s.audioBytesReceived > 0 && s.videoBytesReceived > 0));
    }, { timeout: 20_000, interval: 250 })
    .toBe(true);
  await page.waitForTimeout(1200);
  const later = await snapshot();
  for (const id of peers) {
    const a = first.find((s) => s.userId === id)!;
    const b = later.find((s) => s.userId === id)!;
    expect(b.audioBytesReceived).toBeGreaterThan(a.audioBytesReceived);
    expect(b.videoBytesReceived).toBeGreaterThan(a.videoBytesReceived);
  }
  return later;
}

describe('calls in real Chromium with fake camera and microphone', () => {
  const env = useServerAndBrowser();
  let map: OfficeMap;
  let ada: Page;
  let bob: Page;
  let cat: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const ctx = () => env.browser.newContext({ viewport: { width: 1100, height: 760 }, permissions: ['camera', 'microphone'] });
    ada = await (await ctx()).newPage();
    bob = await (await ctx()).newPage();
    cat = await (await ctx()).newPage();
    ids.ada = await signUpAndJoin(ada, env.server.url, '/signup', 'Ada', 'ada@calls.test');
    const invite = await ada.evaluate(async () => (await (await fetch('/api/invites', { method: 'POST' })).json()) as { url: string });
    const path = new URL(invite.url).pathname;
    ids.bob = await signUpAndJoin(bob, env.server.url, path, 'Bob', 'bob@calls.test');
    ids.cat = await signUpAndJoin(cat, env.server.url, path, 'Cat', 'cat@calls.test');
    const officeId = new URL(ada.url()).pathname.split('/').pop()!;
    map = OfficeMap.fromTiled(await ada.evaluate(async (id) => (await fetch(`/api/offices/${id}/map`)).json(), officeId));
  });

  const inRoom = (x: number, y: number) => map.zonesAt(x, y).some((z) => z.kind === 'meeting-room');
  function strip(n: number): TilePos[] {
    for (let y = 3; y < map.height - 3; y++) {
      for (let x = 2; x < map.width - n - 2; x++) {
        const run = Array.from({ length: n }, (_, i) => ({ x: x + i, y }));
        const ok = (p: TilePos) => map.isWalkable(p.x, p.y) && !inRoom(p.x, p.y);
        if (run.every((p) => ok(p) && ok({ x: p.x, y: p.y - 1 }) && ok({ x: p.x, y: p.y - 2 }) && ok({ x: p.x, y: p.y - 3 }))) return run;
      }
    }
    throw new Error('no open strip');
  }

  it('walk-up call: audio and video flow, a third joins the mesh, walking away closes within 1 s', async () => {
    const [p0, p1, p2] = strip(3) as [TilePos, TilePos, TilePos];
    await Promise.all([walkTo(ada, p0), walkTo(bob, { x: p1.x, y: p1.y - 3 })]);
    // Bob stops next to Ada; the clock for "stopped next to someone → first remote video frame" starts here.
    await walkTo(bob, p1);
    const stoppedAt = await bob.evaluate(() => performance.now());
    await ada.waitForFunction(() => window.__metaoffice!.call()?.members.length === 2, null, { timeout: 10_000 });
    await expectMediaFlowing(ada, [ids.bob!]);
    await expectMediaFlowing(bob, [ids.ada!]);
    await bob.waitForFunction(() => (window.__metaoffice!.firstRemoteFrameMs ?? 0) > 0, null, { timeout: 10_000 });
    const firstFrameAt = await bob.evaluate(() => window.__metaoffice!.firstRemoteFrameMs!);
    console.log(`stopped next to someone → first remote video frame: ${Math.round(firstFrameAt - stoppedAt)} ms`);
    expect(firstFrameAt).toBeGreaterThan(stoppedAt);
    await bob.screenshot({ path: join(SHOTS, 'call-01-two.png') });

    // Cat joins the chain next to Bob: a three-way mesh.
    await walkTo(cat, { x: p2.x, y: p2.y - 3 });
    await walkTo(cat, p2);
    await cat.waitForFunction(() => window.__metaoffice!.call()?.members.length === 3, null, { timeout: 10_000 });
    await expectMediaFlowing(cat, [ids.ada!, ids.bob!]);
    await expectMediaFlowing(ada, [ids.bob!, ids.cat!]);
    await cat.screenshot({ path: join(SHOTS, 'call-02-three.png') });

    // A chat message reaches the participants only.
    await ada.locator('[data-testid="chat-input"]').fill('hello <i>both</i>');
    await ada.locator('[data-testid="chat-input"]').press('Enter');
    await bob.locator('[data-testid="chat-messages"]').getByText('hello <i>both</i>').waitFor({ timeout: 5000 });
    await cat.locator('[data-testid="chat-messages"]').getByText('hello <i>both</i>').waitFor({ timeout: 5000 });

    // Ada walks away: her connections close within a second.
    const before = await ada.evaluate(() => performance.now());
    await walkTo(ada, { x: p0.x, y: p0.y - 3 });
    await ada.waitForFunction(() => window.__metaoffice!.call() === null && (window.__metaoffice!.lastCallClosedMs ?? 0) > 0, null, { timeout: 5000 });
    const closedAfterWalkStart = (await ada.evaluate(() => window.__metaoffice!.lastCallClosedMs!)) - before;
    // Walking three tiles takes ~750 ms; the call closes as soon as she is no longer adjacent (after the first step).
    console.log(`walk-away → connections closed: ${Math.round(closedAfterWalkStart)} ms after she started walking`);
    expect(closedAfterWalkStart).toBeLessThan(1000);
    expect(await ada.evaluate(async () => (await window.__metaoffice!.stats()).length)).toBe(0);
    await bob.waitForFunction((id) => !window.__metaoffice!.call()?.members.includes(id), ids.ada!, { timeout: 2000 });
    // A newcomer sees no earlier chat.
    await expect.poll(async () => ada.locator('[data-testid="chat-messages"]').count()).toBe(0);
  });

  it('a meeting room is one call for people standing far apart; a person in Focus is never connected', async () => {
    const room = map.zones.find((z) => z.kind === 'meeting-room' && (z.capacity ?? 99) >= 3)!;
    const tiles: TilePos[] = [];
    for (let y = room.y; y < room.y + room.height; y++) for (let x = room.x; x < room.x + room.width; x++) if (map.isWalkable(x, y)) tiles.push({ x, y });
    const far = tiles.reduce((best, t) => (Math.abs(t.x - tiles[0]!.x) + Math.abs(t.y - tiles[0]!.y) > Math.abs(best.x - tiles[0]!.x) + Math.abs(best.y - tiles[0]!.y) ? t : best));
    await Promise.all([walkTo(ada, tiles[0]!), walkTo(bob, far)]);
    await ada.waitForFunction(() => window.__metaoffice!.call()?.kind === 'room' && window.__metaoffice!.call()!.members.length === 2, null, { timeout: 10_000 });
    await expectMediaFlowing(ada, [ids.bob!]);
    await ada.screenshot({ path: join(SHOTS, 'call-03-room.png') });

    // Cat goes into Focus and walks into the room: she is in it, but never in its call.
    await cat.evaluate(() => window.__metaoffice!.setStatus('DoNotDisturb'));
    const inside = tiles.find((t) => (t.x !== tiles[0]!.x || t.y !== tiles[0]!.y) && (t.x !== far.x || t.y !== far.y))!;
    await walkTo(cat, inside);
    await cat.waitForTimeout(1500);
    expect(await cat.evaluate(() => window.__metaoffice!.call())).toBeNull();
    expect(await cat.evaluate(async () => (await window.__metaoffice!.stats()).length)).toBe(0);
    expect(await ada.evaluate(() => window.__metaoffice!.call()!.members.length)).toBe(2);
    await cat.screenshot({ path: join(SHOTS, 'call-04-focus.png') });
  });
});
