import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { OfficeMap, type TilePos, type Zone } from '@metaoffice/world';
import { PROMOTE_SPEAKER_ABOVE as PROMOTE_ABOVE, SPEAKER_HOLD_MS } from '../packages/web/src/call/activeSpeaker.js';
import { SHOTS, joinFirstOffice, signUp, useServerAndBrowser, walkTo } from './support.js';

const PEOPLE = PROMOTE_ABOVE + 1;
/** A small laptop window, and the shrunk one people keep while they only listen. */
const WINDOW = { width: 720, height: 480 };
const SMALL = { width: 400, height: 300 };
/** How late a level poll may run on a loaded machine before the hold check gives a false alarm. */
const HOLD_MARGIN_MS = 500;

/** One change of a page's video strip, as its MutationObserver saw it. */
interface StripEntry {
  /** Date.now(), so times compare across pages and with the test. */
  at: number;
  /** The participant count the call bar shows. */
  count: number;
  /** Remote tiles' user ids, left to right. */
  order: string[];
  /** User ids of the remote tiles marked as speaking. */
  speaking: string[];
  /** The page's own microphone is on (its call bar offers to mute). */
  micOn: boolean;
}
declare global {
  interface Window {
    __stripLog?: StripEntry[];
  }
}

/**
 * Records every change of the strip's remote tile order and participant count, so the test can check afterwards that
 * the order never flickered and read when each promotion happened without polling.
 */
async function recordStrip(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: StripEntry[] = [];
    window.__stripLog = log;
    let last = '';
    const read = () => {
      const order = Array.from(document.querySelectorAll('.call-tiles > figure[data-user-id]'), (f) => f.getAttribute('data-user-id')!);
      const speaking = Array.from(document.querySelectorAll('.call-tiles > figure[data-speaking="true"]'), (f) => f.getAttribute('data-user-id')!);
      const count = Number(document.querySelector('.call-count')?.textContent ?? 0);
      const micOn = !!document.querySelector('.call-bar button[aria-label="Mute microphone"]');
      const key = `${count}|${order.join(',')}|${speaking.join(',')}|${micOn}`;
      if (key === last) return;
      last = key;
      log.push({ at: Date.now(), count, order, speaking, micOn });
    };
    new MutationObserver(read).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['data-speaking', 'aria-label'] });
  });
}

/** Each page's call as "kind:size" (or "none"), so a wait that times out says who is where. */
const callsOf = (pages: Page[]) =>
  Promise.all(pages.map((p) => p.evaluate(() => {
    const c = window.__metaoffice!.call();
    return c ? `${c.kind}:${c.members.length}` : 'none';
  })));
const stripLog = (page: Page) => page.evaluate(() => window.__stripLog ?? []);
const remoteOrder = (page: Page) => page.locator('.call-tiles > figure[data-user-id]').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-user-id')!));

/** Sets "microphone on by default" and "camera on by default" off under Devices, as a person would before a big call. */
async function joinCallsMutedWithoutCamera(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Devices' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Camera on by default').uncheck();
  await dialog.getByLabel('Microphone on by default').uncheck();
  await dialog.getByTestId('prejoin-join').click();
  await dialog.waitFor({ state: 'detached' });
}

/**
 * Clicks the call bar's microphone toggle and returns when (Date.now()) the page switched the microphone, as its
 * strip log saw it: on a loaded machine the click itself can take a while to land.
 */
async function toggleMic(page: Page, on: boolean): Promise<number> {
  const before = Date.now();
  await page.getByRole('button', { name: on ? 'Unmute microphone' : 'Mute microphone' }).click();
  await page.getByRole('button', { name: on ? 'Mute microphone' : 'Unmute microphone' }).waitFor();
  const switched = (await stripLog(page)).find((e) => e.at >= before && e.micOn === on);
  expect(switched, 'the strip log saw the microphone switch').toBeDefined();
  return switched!.at;
}

/** Tiles of the room to stand on, a step apart so everyone is easy to tell apart in the screenshot. */
function standingTiles(map: OfficeMap, room: Zone, n: number): TilePos[] {
  const picked: TilePos[] = [];
  for (let y = room.y; y < room.y + room.height && picked.length < n; y++) {
    for (let x = room.x; x < room.x + room.width && picked.length < n; x++) {
      if (!map.isWalkable(x, y) || picked.some((p) => Math.abs(p.x - x) < 2 && Math.abs(p.y - y) < 2)) continue;
      picked.push({ x, y });
    }
  }
  if (picked.length < n) throw new Error(`only ${picked.length} standing tiles in ${room.name}`);
  return picked;
}

/**
 * Where people wait before the meeting: a row of tiles outside the room, below its door, three apart so nobody stands
 * next to anyone (standing side by side would start a walk-up call).
 */
function waitingSpots(map: OfficeMap, room: Zone, n: number): TilePos[] {
  const below = room.y + room.height;
  const outside = (x: number, y: number) => map.isWalkable(x, y) && map.zonesAt(x, y).length === 0;
  const door = [...Array(room.width).keys()].map((i) => room.x + i).find((x) => map.isWalkable(x, below - 1) && outside(x, below));
  if (door === undefined) throw new Error(`no door at the bottom of ${room.name}`);
  for (let y = below + 2; y < map.height; y++) {
    const row: TilePos[] = [];
    for (let x = 0; x < map.width; x++) if (outside(x, y) && (row.length === 0 || x - row.at(-1)!.x >= 3)) row.push({ x, y });
    if (row.length >= n) return row.sort((p, q) => Math.abs(p.x - door) - Math.abs(q.x - door)).slice(0, n);
  }
  throw new Error(`no row of ${n} waiting spots below ${room.name}`);
}

/**
 * The first remote tile over time, with repeats folded: what a person sees change at the front of the strip. Only
 * moments with every participant's tile count (while tiles appear one by one on joining, the front says nothing).
 */
function frontChanges(log: StripEntry[], from = 0): { id: string; at: number; count: number }[] {
  const out: { id: string; at: number; count: number }[] = [];
  for (const e of log) {
    if (e.at < from || !e.order[0] || e.order.length !== e.count - 1) continue;
    if (out.at(-1)?.id !== e.order[0]) out.push({ id: e.order[0], at: e.at, count: e.count });
  }
  return out;
}

/** How long a wait that includes connecting browsers to each other may take. */
const SLOW_MACHINE_MS = 45_000;

describe('active speaker in a meeting room of more than six', () => {
  const env = useServerAndBrowser();

  // Seven browsers with live media share two cores with the server: setting up a six-way mesh took 10 s on a quiet
  // machine and over 20 s on a busy one. The waits allow for that; the order and timing rules checked are unchanged.
  it('moves the speaker to the front only above six people, and follows a change of speaker', async () => {
    const started = Date.now();
    const contexts: BrowserContext[] = [];
    const newPage = async () => {
      const ctx = await env.browser.newContext({ viewport: WINDOW, permissions: ['camera', 'microphone'] });
      contexts.push(ctx);
      return ctx.newPage();
    };
    const names = ['Ada', 'Bob', 'Cat', 'Dan', 'Eve', 'Fay', 'Gus'];
    const pages: Page[] = [];
    const ids: string[] = [];
    const signUpFor = async (i: number, path: string) => {
      pages[i] = await newPage();
      await signUp(pages[i]!, env.server.url, path, names[i]!, `${names[i]!.toLowerCase()}@speaker.test`);
      ids[i] = await pages[i]!.evaluate(async () => ((await (await fetch('/api/me')).json()) as { user: { id: string } }).user.id);
    };
    await signUpFor(0, '/signup');
    const invite = await pages[0]!.evaluate(async () => (await (await fetch('/api/invites', { method: 'POST' })).json()) as { url: string });
    for (let i = 1; i < PEOPLE; i++) await signUpFor(i, new URL(invite.url).pathname);
    const nameOf = (id: string) => names[ids.indexOf(id)] ?? id;
    const pageOf = (id: string) => pages[ids.indexOf(id)]!;
    console.log(`${PEOPLE} people signed up: ${Date.now() - started} ms`);

    // The default office (open-office) has a Green room for 10: the room a team of seven would pick.
    await joinFirstOffice(pages[0]!);
    const officeId = new URL(pages[0]!.url()).pathname.split('/').pop()!;
    const map = OfficeMap.fromTiled(await pages[0]!.evaluate(async (id) => (await fetch(`/api/offices/${id}/map`)).json(), officeId));
    const room = map.zones.find((z) => z.kind === 'meeting-room' && (z.capacity ?? Infinity) >= PEOPLE);
    expect(room, 'a meeting room for seven in the default office').toBeDefined();
    const spots = standingTiles(map, room!, PEOPLE);
    const waiting = waitingSpots(map, room!, PEOPLE);
    const spawn = map.zones.find((z) => z.kind === 'spawn')!;

    // Into the office one at a time, each walking off to a waiting spot before the next appears: two people standing
    // side by side at the entrance would start a walk-up call before they had set their devices.
    // Each then sets up devices on the way and, that done, shrinks the window: seven office screens drawing the map
    // in software are most of this test's cost, and the strip works the same in a small window.
    const setUps: Promise<void>[] = [];
    for (let i = 0; i < PEOPLE; i++) {
      const p = pages[i]!;
      if (i > 0) await joinFirstOffice(p);
      const walk = walkTo(p, waiting[i]!, SLOW_MACHINE_MS);
      await p.waitForFunction(([x, y, w, h]) => {
        const s = window.__metaoffice!.self();
        return s.x < x! - 1 || s.x > x! + w! || s.y < y! - 1 || s.y > y! + h!;
      }, [spawn.x, spawn.y, spawn.width, spawn.height], { timeout: SLOW_MACHINE_MS });
      setUps.push((async () => {
        await joinCallsMutedWithoutCamera(p);
        await recordStrip(p);
        await walk;
        await p.setViewportSize(SMALL);
      })());
    }
    await Promise.all(setUps);
    expect(await callsOf(pages)).toEqual(pages.map(() => 'none'));
    console.log(`everyone in the office with devices set: ${Date.now() - started} ms`);

    // Six walk in: one call of six, in the server's member order.
    const six = pages.slice(0, PROMOTE_ABOVE);
    await Promise.all(six.map((p, i) => walkTo(p, spots[i]!, SLOW_MACHINE_MS)));
    await expect.poll(() => callsOf(six), { timeout: SLOW_MACHINE_MS, interval: 250 }).toEqual(six.map(() => `room:${PROMOTE_ABOVE}`));
    const members = (await pages[0]!.evaluate(() => window.__metaoffice!.call()!.members));
    const memberOrderFor = (self: string, all = members) => all.filter((id) => id !== self);
    await Promise.all(six.map((p, i) => expect.poll(() => remoteOrder(p), { timeout: SLOW_MACHINE_MS }).toEqual(memberOrderFor(ids[i]!))));
    console.log(`six in the room call, tiles in member order: ${Date.now() - started} ms`);

    // The speaker is last in the member order, so first in nobody's strip; the second speaker is in the middle.
    const speaker = members[PROMOTE_ABOVE - 1]!;
    const second = members[2]!;
    console.log(`speaker ${nameOf(speaker)}, second speaker ${nameOf(second)}`);
    // The two who will talk get their window back to click their call bar comfortably.
    await Promise.all([pageOf(speaker).setViewportSize(WINDOW), pageOf(second).setViewportSize(WINDOW)]);
    const speakerUnmutedAt = await toggleMic(pageOf(speaker), true);

    // Six people: the others hear the speaker (the tile says so) but the strip keeps the server's order.
    const listeners6 = six.filter((p) => p !== pageOf(speaker));
    await Promise.all(listeners6.map((p) => p.locator(`.call-tiles > figure[data-user-id="${speaker}"][data-speaking="true"]`).waitFor({ timeout: SLOW_MACHINE_MS })));
    for (const p of six) expect(await remoteOrder(p)).toEqual(memberOrderFor(ids[pages.indexOf(p)]!));
    const heardAfter = await Promise.all(listeners6.map(async (p) => (await stripLog(p)).find((e) => e.speaking.includes(speaker))!.at - speakerUnmutedAt));
    console.log(`microphone on → speaking mark on the speaker's tile, per listener: ${heardAfter.join(', ')} ms`);

    // The seventh walks in: above six, the speaker moves to the front for everyone else.
    const seventh = pages[PROMOTE_ABOVE]!;
    await walkTo(seventh, spots[PROMOTE_ABOVE]!, SLOW_MACHINE_MS);
    await expect.poll(() => callsOf(pages), { timeout: SLOW_MACHINE_MS, interval: 250 }).toEqual(pages.map(() => `room:${PEOPLE}`));
    console.log(`seven in the call: ${Date.now() - started} ms`);
    const members7 = await pages[0]!.evaluate(() => window.__metaoffice!.call()!.members);
    expect(members7.slice(0, PROMOTE_ABOVE)).toEqual(members);
    const listeners = pages.filter((p) => p !== pageOf(speaker));
    // The newcomer first connects to six people, the slowest step of all on a loaded machine.
    await Promise.all(listeners.map((p) => expect.poll(async () => (await remoteOrder(p))[0], { timeout: p === seventh ? 3 * SLOW_MACHINE_MS : SLOW_MACHINE_MS, interval: 100 }).toBe(speaker)));
    // Everyone else keeps the member order behind the speaker.
    for (const p of listeners) {
      const self = ids[pages.indexOf(p)]!;
      expect(await remoteOrder(p)).toEqual([speaker, ...memberOrderFor(self, members7).filter((id) => id !== speaker)]);
    }
    expect(await remoteOrder(pageOf(speaker))).toEqual(memberOrderFor(speaker, members7));
    for (const p of pages) {
      const log = await stripLog(p);
      const seven = log.find((e) => e.count === PEOPLE)!;
      const promoted = log.find((e) => e.count === PEOPLE && e.order[0] === speaker);
      if (promoted) console.log(`${nameOf(ids[pages.indexOf(p)]!)}: seven in the call → speaker in front: ${promoted.at - seven.at} ms`);
    }

    const shotPage = listeners.includes(pages[0]!) ? pages[0]! : listeners[0]!;
    await shotPage.locator(`.call-tiles > figure[data-user-id="${speaker}"][data-speaking="true"]`).waitFor({ timeout: SLOW_MACHINE_MS });
    // Small windows keep seven office screens affordable; the picture gets a laptop-sized one.
    await shotPage.setViewportSize({ width: 1280, height: 800 });
    await shotPage.waitForFunction(() => window.innerWidth === 1280);
    await shotPage.screenshot({ path: join(SHOTS, 'active-speaker.png') });
    await shotPage.setViewportSize(SMALL);
    console.log(`speaker in front everywhere, screenshot taken: ${Date.now() - started} ms`);

    // The second speaker chimes in just as loud while the first still talks: the first keeps the front.
    const unmutedAt = await toggleMic(pageOf(second), true);
    const bothHeard = pages.filter((p) => p !== pageOf(speaker) && p !== pageOf(second));
    await Promise.all(bothHeard.map((p) => p.locator(`.call-tiles > figure[data-user-id="${second}"][data-speaking="true"]`).waitFor({ timeout: SLOW_MACHINE_MS })));
    for (const p of bothHeard) expect((await remoteOrder(p))[0]).toBe(speaker);

    console.log(`both speakers heard, the first still in front: ${Date.now() - started} ms`);

    // The first speaker stops (mutes): the front goes to the second once the first has been quiet for the hold time.
    const mutedAt = await toggleMic(pageOf(speaker), false);
    const others = pages.filter((p) => p !== pageOf(second));
    await Promise.all(others.map((p) => expect.poll(async () => (await remoteOrder(p))[0], { timeout: SLOW_MACHINE_MS, interval: 100 }).toBe(second)));
    for (const p of others) {
      const self = ids[pages.indexOf(p)]!;
      expect(await remoteOrder(p)).toEqual([second, ...memberOrderFor(self, members7).filter((id) => id !== second)]);
    }

    const holds: { who: string; held: number }[] = [];
    // What each page showed over the whole test: never anything but the member order with six or fewer, and at seven
    // exactly one change of front per change of speaker (no flicker).
    for (const p of pages) {
      const self = ids[pages.indexOf(p)]!;
      const log = await stripLog(p);
      for (const e of log.filter((x) => x.count <= PROMOTE_ABOVE)) {
        const rank = (id: string) => members7.indexOf(id);
        expect(e.order, `${nameOf(self)} at ${e.count} people`).toEqual([...e.order].sort((a, b) => rank(a) - rank(b)));
      }
      const firstPromotion = log.find((e) => e.count === PEOPLE && e.order.length === PEOPLE - 1 && (e.order[0] === speaker || e.order[0] === second))!;
      const fronts = frontChanges(log, firstPromotion.at).map((c) => nameOf(c.id));
      const expected = [self !== speaker ? speaker : undefined, self !== second ? second : undefined].filter((x): x is string => !!x).map(nameOf);
      expect(fronts, `front of ${nameOf(self)}'s strip`).toEqual(expected);
      const toSecond = frontChanges(log).find((c) => c.id === second && c.at >= unmutedAt);
      if (!toSecond) continue;
      // The hold: the first speaker talked until they muted, and keeps the front until they have not been heard for
      // the hold time. A level poll that a loaded page runs late eats into it, hence the margin; handing over as soon
      // as the first speaker's level fell (the old rule) shows up as a few hundred ms.
      if (self === speaker) continue;
      const held = toSecond.at - mutedAt;
      console.log(`${nameOf(self)}: first speaker's microphone off → second in front: ${held} ms`);
      holds.push({ who: nameOf(self), held });
    }
    for (const { who, held } of holds) expect(held, `${who}: the first speaker's hold`).toBeGreaterThanOrEqual(SPEAKER_HOLD_MS - HOLD_MARGIN_MS);
    console.log(`total: ${Date.now() - started} ms`);
    await Promise.all(contexts.map((c) => c.close()));
  }, 540_000);
});
