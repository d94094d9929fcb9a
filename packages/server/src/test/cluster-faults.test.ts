import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@metaoffice/client';
import { loadTemplateMap } from '@metaoffice/maps';
import { DEFAULT_AV_PREFERENCES, type AvPreferences, type OfficeView } from '@metaoffice/protocol';
import { apiAt, botConnection, planWalks, readyStatus, REDIS_URL, startCluster, urlsFrom, walk, type Bot, type Cluster, type LeaseHolder, type Walk } from './cluster-harness.js';
import { startFaultProxy, targetOf, type FaultProxy } from './fault-proxy.js';
import { PG_URL, sleep, uniqueEmail, until } from './harness.js';

/**
 * The office's owner loses Redis, then PostgreSQL, for 5 s each, while both services stay up for everyone else (each
 * node reaches them through its own fault proxy). The office lives in the owner's memory: it must keep running for
 * the people in it, whichever node their socket is on; readiness must say the node is degraded, and recover by
 * itself; a write during the outage must fail loudly or succeed for real, never vanish.
 */

const OUTAGE_MS = 5000;
const BOTS = 12;
const TEMPLATE = 'event-hall';
/** How long a step may take to reach another bot in the same office, outage or not. */
const STEP_SEEN_MS = 1500;

interface FaultBot extends Bot {
  walk: Walk;
  node: string;
  events: { t: number; what: string }[];
}

interface OutageReport {
  cutAt: number;
  restoredAt: number;
  /** n1's /readyz answered 200 again, ms after the restore (undefined: not within the wait). */
  readyBackMs: number | undefined;
  ready: { node: string; t: number; status: number }[];
  probes: { t: number; walker: number; watcher: number; ms: number | undefined }[];
}

const log = (msg: string) => console.log(`[cluster-faults] ${msg}`);

describe('cluster: the owner node loses Redis or PostgreSQL for 5 s', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  const proxies: { redis: FaultProxy; pg: FaultProxy }[] = [];
  let office: OfficeView;
  const bots: FaultBot[] = [];
  let lease: LeaseHolder | undefined;
  let pairs: [FaultBot, FaultBot][] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      proxies.push({ redis: await startFaultProxy(targetOf(REDIS_URL, 6379)), pg: await startFaultProxy(targetOf(PG_URL, 5432)) });
    }
    cluster = await startCluster({
      nodes: 2,
      tag: 'faults',
      perNode: (i) => ({ redisUrl: proxies[i]!.redis.url(REDIS_URL), pgUrl: proxies[i]!.pg.url(PG_URL) }),
      // Sessions are checked again every second, so the check is sure to run into the outage (it must not cut anyone).
      env: { SESSION_RECHECK_SECONDS: '1' },
    });

    const admin = apiAt(cluster.nodes[0]!);
    const adminMe = await admin.signUp({ email: uniqueEmail('fadmin'), password: 'faults admin passphrase', name: 'Fault 0' });
    const invite = await admin.createInvite();
    office = await admin.createOffice({ name: 'Fault hall', description: 'outages', template: TEMPLATE });
    const walks = planWalks(loadTemplateMap(TEMPLATE), BOTS);
    for (let i = 0; i < BOTS; i++) {
      // Even bots on n1 (the owner), odd ones on n2 (forwarded to n1); each signs in where it connects.
      const node = cluster.nodes[i % 2]!;
      const api = i === 0 ? admin : apiAt(node);
      const me = i === 0 ? adminMe : await api.signUp({ email: uniqueEmail(`fbot${i}`), password: 'faults bot passphrase', name: `Fault ${i}`, inviteToken: invite.token });
      const bot = { index: i, api, userId: me.user.id, name: me.user.name, walk: walks[i]!, node: node.id, events: [] } as unknown as FaultBot;
      bot.conn = botConnection(api, urlsFrom(cluster.nodes, i % 2), office.id, { startAt: walks[i]!.start, reconnect: { minMs: 250, maxMs: 2000 } });
      bot.conn.on('state', (s, info) => bot.events.push({ t: Date.now(), what: info ? `${s} (${info.code} ${info.reason})` : s }));
      bot.conn.on('error', (e) => bot.events.push({ t: Date.now(), what: `error ${e.code}: ${e.message}` }));
      bots.push(bot);
      bot.conn.connect();
      // The first bot makes n1 the owner; the others join one by one so none races it.
      await until(() => bot.conn.state === 'open', 15_000, `bot ${i} to join through ${node.id}`);
    }
    await Promise.all(bots.map((b) => walk(b.conn, b.walk)));
    await sleep(500);
    lease = await cluster.leaseOwner(office.id);

    // Pairs across the two nodes that see each other: the walker steps, the watcher must see it.
    const used = new Set<FaultBot>();
    for (const watcher of bots) {
      const walker = bots.find((b) => b !== watcher && !used.has(b) && !used.has(watcher) && b.node !== watcher.node && [...watcher.conn.avatars.values()].some((a) => a.userId === b.userId));
      if (!walker) continue;
      used.add(watcher).add(walker);
      pairs.push([walker, watcher]);
    }
    pairs = pairs.slice(0, 3);
  }, 90_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.log(`[cluster-faults] node output:\n${cluster?.logs(6000)}`);
  });

  afterAll(async () => {
    for (const b of bots) b.conn.close();
    await cluster?.stop();
    for (const p of proxies) {
      await p.redis.close();
      await p.pg.close();
    }
  });

  it('n1 owns the office and the bots on both nodes see each other step', async () => {
    expect(lease?.owner).toBe('n1');
    expect(bots.every((b) => b.conn.state === 'open')).toBe(true);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    for (const [walker, watcher] of pairs) expect(await probe(walker, watcher)).toBeLessThan(STEP_SEEN_MS);
    expect(await readyStatus(cluster.nodes[0]!)).toBe(200);
    expect(await readyStatus(cluster.nodes[1]!)).toBe(200);
  });

  it('(a) Redis away from n1 for 5 s: the office keeps running, /readyz is 503 during the outage and 200 after', async () => {
    const r = await outage(proxies[0]!.redis);
    report('Redis', r);
    expectServedThrough(r);
    expectReadiness(r);
    // It kept the office: the same grant, renewed once Redis was back, not a new one.
    const after = await cluster.leaseOwner(office.id);
    expect(after && `${after.owner}:${after.token}`).toBe(`n1:${lease!.token}`);
  });

  it('(b) PostgreSQL away from n1 for 5 s: the office keeps running, /readyz is 503 then 200, a write is never lost', async () => {
    const writer = bots.find((b) => b.node === 'n1')!;
    const prefs = (tag: string): AvPreferences => ({ ...DEFAULT_AV_PREFERENCES, speakerId: `${tag}-${Date.now()}` });
    const stored = async () => {
      const rows = await cluster.query<{ av_json: string }>('select av_json from user_preferences where user_id = $1', [writer.userId]);
      return rows[0] ? (JSON.parse(rows[0].av_json) as AvPreferences).speakerId : undefined;
    };
    const during = prefs('during-outage');
    let answer: { status: number; code?: string; ms: number } | undefined;
    const r = await outage(proxies[0]!.pg, async () => {
      // Into the middle of the outage, once the pool's connections are surely gone.
      await sleep(1500);
      const t = Date.now();
      try {
        await writer.api.saveAvPreferences(during);
        answer = { status: 200, ms: Date.now() - t };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        answer = { status: err.status, code: err.code, ms: Date.now() - t };
      }
    });
    report('PostgreSQL', r);
    log(`PUT /api/me/av-preferences on n1 during the outage: ${answer!.status}${answer!.code ? ` ${answer!.code}` : ''} after ${answer!.ms} ms`);
    expectServedThrough(r);
    expectReadiness(r);

    if (answer!.status >= 200 && answer!.status < 300) expect(await stored()).toBe(during.speakerId);
    else expect({ status: answer!.status, code: answer!.code }).toEqual({ status: 503, code: 'UNAVAILABLE' });
    // Once the database is back, the same write goes through and is there.
    const again = prefs('after-outage');
    expect(await writer.api.saveAvPreferences(again)).toEqual(again);
    expect(await stored()).toBe(again.speakerId);
  });

  /** Cuts the proxy for OUTAGE_MS while stepping bots and polling both nodes' /readyz; restores and waits for n1. */
  async function outage(proxy: FaultProxy, during?: () => Promise<void>): Promise<OutageReport> {
    await until(() => bots.every((b) => b.conn.state === 'open'), 10_000, 'every bot to be connected before the outage');
    const ready: OutageReport['ready'] = [];
    const probes: OutageReport['probes'] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = Date.now();
        const [s1, s2] = await Promise.all(cluster.nodes.map((n) => readyStatus(n, 3000)));
        ready.push({ node: 'n1', t, status: s1! }, { node: 'n2', t, status: s2! });
        await sleep(200);
      }
    })();
    const cutAt = Date.now();
    proxy.cut('refuse');
    const extra = during?.();
    let i = 0;
    while (Date.now() - cutAt < OUTAGE_MS - 300) {
      const [walker, watcher] = pairs[i++ % pairs.length]!;
      const t = Date.now();
      probes.push({ t, walker: walker.index, watcher: watcher.index, ms: await probe(walker, watcher) });
      await sleep(Math.max(0, 400 - (Date.now() - t)));
    }
    await extra;
    await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
    const restoredAt = Date.now();
    proxy.restore();
    let readyBackMs: number | undefined;
    await until(() => ready.some((x) => x.node === 'n1' && x.t > restoredAt && x.status === 200), 20_000, 'n1 to be ready again').then(
      () => (readyBackMs = ready.find((x) => x.node === 'n1' && x.t > restoredAt && x.status === 200)!.t - restoredAt),
      () => undefined,
    );
    // One more step after the restore: the office must still be running then too.
    const [walker, watcher] = pairs[0]!;
    probes.push({ t: Date.now(), walker: walker.index, watcher: watcher.index, ms: await probe(walker, watcher) });
    polling = false;
    await poller;
    return { cutAt, restoredAt, readyBackMs, ready, probes };
  }

  function report(what: string, r: OutageReport): void {
    const n1 = r.ready.filter((x) => x.node === 'n1');
    const first503 = n1.find((x) => x.t >= r.cutAt && x.status === 503);
    const seen = r.probes.filter((p) => p.ms !== undefined).map((p) => p.ms!);
    log(`${what} away ${r.restoredAt - r.cutAt} ms: n1 /readyz ${n1.map((x) => `+${x.t - r.cutAt}:${x.status}`).join(' ')}`);
    log(`${what}: n1 /readyz first 503 ${first503 ? `${first503.t - r.cutAt} ms after the cut` : 'never'}, 200 again ${r.readyBackMs === undefined ? 'NOT within 20 s' : `${r.readyBackMs} ms after the restore`}; n2 /readyz ${[...new Set(r.ready.filter((x) => x.node === 'n2').map((x) => x.status))].join('/')}`);
    log(`${what}: ${seen.length}/${r.probes.length} steps seen by the other bot, slowest ${Math.max(0, ...seen)} ms`);
    const dropped = bots.filter((b) => b.events.some((e) => e.t >= r.cutAt));
    for (const b of dropped) log(`${what}: bot ${b.index} on ${b.node}: ${b.events.filter((e) => e.t >= r.cutAt).map((e) => `+${e.t - r.cutAt}ms ${e.what}`).join('; ')}`);
  }

  function expectServedThrough(r: OutageReport): void {
    const n1 = cluster.node('n1');
    expect(n1.alive, `n1 is still running (it exited with ${n1.child.exitCode ?? n1.child.signalCode})`).toBe(true);
    const dropped = bots.filter((b) => b.events.some((e) => e.t >= r.cutAt));
    expect(dropped.map((b) => `bot ${b.index} on ${b.node}: ${b.events.filter((e) => e.t >= r.cutAt).map((e) => e.what).join('; ')}`)).toEqual([]);
    expect(r.probes.filter((p) => p.ms === undefined).map((p) => `bot ${p.watcher} did not see bot ${p.walker} step at +${p.t - r.cutAt} ms`)).toEqual([]);
    expect(r.probes.length).toBeGreaterThanOrEqual(8);
    expect(bots.every((b) => b.conn.state === 'open')).toBe(true);
  }

  function expectReadiness(r: OutageReport): void {
    const n1 = r.ready.filter((x) => x.node === 'n1');
    expect(n1.some((x) => x.t >= r.cutAt && x.t < r.restoredAt && x.status === 503), 'n1 /readyz answered 503 during the outage').toBe(true);
    expect(r.readyBackMs, 'n1 /readyz answered 200 again by itself').toBeDefined();
    expect(r.readyBackMs!).toBeLessThan(10_000);
    // n2 lost nothing: it stays ready throughout.
    expect(r.ready.filter((x) => x.node === 'n2' && x.status !== 200).map((x) => `+${x.t - r.cutAt}: ${x.status}`)).toEqual([]);
  }
});

/**
 * The walker takes one step (between the last two tiles of its walk) and stops; resolves with how long the watcher
 * took to see it there, or undefined when it did not within STEP_SEEN_MS.
 */
async function probe(walker: FaultBot, watcher: FaultBot): Promise<number | undefined> {
  const atEnd = walker.conn.self!.x === walker.walk.end.x && walker.conn.self!.y === walker.walk.end.y;
  const to = atEnd ? walker.walk.steps[1]! : walker.walk.end;
  walker.conn.step(to.x, to.y, atEnd ? 'up' : 'down', false);
  const t = Date.now();
  const seen = () => [...watcher.conn.avatars.values()].some((a) => a.userId === walker.userId && a.x === to.x && a.y === to.y);
  return until(seen, STEP_SEEN_MS, 'step').then(
    () => Date.now() - t,
    () => undefined,
  );
}
