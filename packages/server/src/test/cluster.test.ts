import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplateMap } from '@metaoffice/maps';
import type { OfficeView } from '@metaoffice/protocol';
import { apiAt, botConnection, planWalks, pool, startCluster, urlsFrom, walk, type Bot, type Cluster, type LeaseHolder, type Walk } from './cluster-harness.js';
import { sleep, uniqueEmail, until } from './harness.js';

/**
 * The issue's failover test: 3 nodes on the real PostgreSQL and Redis, 300 bots in 3 offices spread over the nodes,
 * kill -9 of one node. Every bot must be back in its office, where it stood, within 15 s, by the client's own
 * reconnecting; the dead node's office must move to a survivor; nothing stored may change.
 */

const NODES = 3;
const OFFICES = 3;
const PER_OFFICE = 100;
const TEMPLATE = 'event-hall'; // a 162x113 hall: room for 100 bots spaced apart
const RECOVERY_LIMIT_MS = 15_000;
const LEASE_LIMIT_MS = 10_000;
// Bots back off like clients do, but capped at 2 s: with the default cap of 10 s a bot refused a few times while the
// dead node's lease runs out (OFFICE_LEASE_MS, left at its default here) could sleep past the 15 s budget.
const RECONNECT = { minMs: 250, maxMs: 2000 };

interface BotState extends Bot {
  office: number;
  /** Index of the node the bot enters through (its first URL). */
  entry: number;
  walk: Walk;
  recorded?: { x: number; y: number };
  seenBefore?: Set<string>;
  events: { t: number; what: string }[];
  /** Where the bot's current socket goes (the node it is on, not necessarily the office's owner). */
  socketUrl?: string;
  /** The node the bot's socket was on when n1 was killed. */
  onAtKill?: string;
  welcomes: number[];
  errors: string[];
}

const log = (msg: string) => console.log(`[cluster-failover] ${msg}`);
let nodeOf: (url: string) => string = (url) => url;

describe('cluster failover: 3 nodes, 300 bots, kill -9 of one node', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let offices: OfficeView[] = [];
  const bots: BotState[] = [];
  let snapshotBefore: Record<string, unknown[]>;
  let leaseBefore: (LeaseHolder | undefined)[] = [];
  let killAt = 0;
  let leaseWatch: Promise<{ at: number; holder: LeaseHolder } | { timedOut: true; last: LeaseHolder | undefined }>;
  let recovery: { ms: number; perBot: number[] } | undefined;

  const snapshot = async () => ({
    organisations: await cluster.query('select * from organisations order by id'),
    users: await cluster.query('select * from users order by id'),
    offices: await cluster.query('select * from offices order by id'),
  });

  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await startCluster({ nodes: NODES, tag: 'failover' });
    log(`3 nodes ready in ${Date.now() - t0} ms`);
    nodeOf = (url) => cluster.nodes.find((n) => n.wsUrl === url)?.id ?? url;

    // One organisation: its first member creates it, the other 299 join through one invite, spread over the nodes.
    const admin = apiAt(cluster.nodes[0]!);
    const adminMe = await admin.signUp({ email: uniqueEmail('admin'), password: 'cluster admin passphrase', name: 'Bot 0' });
    const invite = await admin.createInvite();
    for (let k = 0; k < OFFICES; k++) offices.push(await admin.createOffice({ name: `Hall ${k + 1}`, description: `failover office ${k + 1}`, template: TEMPLATE }));
    const walks = planWalks(loadTemplateMap(TEMPLATE), PER_OFFICE);

    const t1 = Date.now();
    const signed = await pool(NODES * PER_OFFICE, 16, async (i) => {
      if (i === 0) return { api: admin, userId: adminMe.user.id, name: 'Bot 0' };
      const api = apiAt(cluster.nodes[i % NODES]!);
      const me = await api.signUp({ email: uniqueEmail(`bot${i}`), password: 'cluster bot passphrase', name: `Bot ${i}`, inviteToken: invite.token });
      return { api, userId: me.user.id, name: `Bot ${i}` };
    });
    log(`300 accounts signed up in ${Date.now() - t1} ms`);

    for (let i = 0; i < signed.length; i++) {
      const office = i % OFFICES;
      const j = Math.floor(i / OFFICES); // the bot's place within its office
      // The first bot of office k comes in through node k, so node k takes office k; the rest go round-robin.
      const entry = (office + j) % NODES;
      const w = walks[j]!;
      const s = signed[i]!;
      const bot = { index: i, ...s, office, entry, walk: w, events: [], welcomes: [], errors: [] } as unknown as BotState;
      const conn = botConnection(s.api, urlsFrom(cluster.nodes, entry), offices[office]!.id, { startAt: w.start, reconnect: RECONNECT }, (url) => {
        bot.socketUrl = url;
        bot.events.push({ t: Date.now(), what: `socket to ${nodeOf(url)}` });
      });
      bot.conn = conn;
      conn.on('state', (st, info) => bot.events.push({ t: Date.now(), what: info ? `${st} (${info.code} ${info.reason})` : st }));
      conn.on('welcome', () => bot.welcomes.push(Date.now()));
      conn.on('error', (e) => bot.errors.push(`${e.code}: ${e.message}`));
      bots.push(bot);
    }

    const t2 = Date.now();
    for (let k = 0; k < OFFICES; k++) {
      const first = bots.find((b) => b.office === k)!;
      first.conn.connect();
      await until(() => first.conn.state === 'open', 15_000, `the first bot of office ${k + 1} to join through n${k + 1}`);
    }
    const rest = bots.filter((b) => b.conn.state !== 'open');
    await pool(rest.length, 30, async (n) => {
      const b = rest[n]!;
      b.conn.connect();
      await until(() => b.conn.state === 'open', 30_000, `bot ${b.index} to join`);
    });
    log(`300 bots connected in ${Date.now() - t2} ms`);

    await Promise.all(bots.map((b) => walk(b.conn, b.walk)));
    // Positions as the server has them: a refused step comes back as a correction, which the mirror applies.
    await sleep(800);
    for (const b of bots) b.recorded = { x: b.conn.self!.x, y: b.conn.self!.y };
    // Who sees whom depends only on where everyone stands; wait until the mirrors stop changing.
    const mirrors = () => bots.map((b) => [...b.conn.avatars.values()].map((a) => a.userId).sort().join(',')).join('|');
    for (let prev = mirrors(), i = 0; ; i++) {
      await sleep(500);
      const now = mirrors();
      if (now === prev) break;
      if (i > 30) throw new Error('the mirrors did not settle');
      prev = now;
    }
    for (const b of bots) b.seenBefore = new Set([...b.conn.avatars.values()].map((a) => a.userId));
    snapshotBefore = await snapshot();
  }, 150_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.log(`[cluster-failover] node output:\n${cluster?.logs(5000)}`);
  });

  afterAll(async () => {
    for (const b of bots) b.conn.close();
    await cluster?.stop();
  });

  it('each office is leased by the node its first bot came in through, and every bot is where it walked', async () => {
    leaseBefore = await Promise.all(offices.map((o) => cluster.leaseOwner(o.id)));
    expect(leaseBefore.map((l) => l?.owner)).toEqual(['n1', 'n2', 'n3']);
    expect(bots.every((b) => b.conn.state === 'open')).toBe(true);
    const off = bots.filter((b) => b.recorded!.x !== b.walk.end.x || b.recorded!.y !== b.walk.end.y);
    expect(off.map((b) => `bot ${b.index}: at ${b.recorded!.x},${b.recorded!.y}, walked to ${b.walk.end.x},${b.walk.end.y}`)).toEqual([]);
    // The check below is only meaningful if bots see each other at all.
    const seeing = bots.filter((b) => b.seenBefore!.size > 0).length;
    log(`bots seeing at least one other bot before the kill: ${seeing}/300 (mean ${(bots.reduce((n, b) => n + b.seenBefore!.size, 0) / bots.length).toFixed(1)} each)`);
    expect(seeing).toBeGreaterThan(250);
    const perNode = cluster.nodes.map((n) => `${n.id}: ${bots.filter((b) => nodeOf(b.socketUrl!) === n.id).length}`);
    log(`bots' sockets per node: ${perNode.join(', ')}`);
    // A bot that is not on the node it first went to was turned away at least once while joining.
    const moved = bots.filter((b) => nodeOf(b.socketUrl!) !== cluster.nodes[b.entry]!.id);
    log(`bots not on their first node: ${moved.length}${moved.length ? `, e.g. bot ${moved[0]!.index}: ${moved[0]!.events.map((e) => e.what).join('; ')}` : ''}`);
    expect(moved.map((b) => `bot ${b.index} (office ${b.office + 1}): ${b.events.map((e) => e.what).join('; ')} ${b.errors.join('; ')}`)).toEqual([]);
  });

  it('kill -9 of n1: every bot is back in its office at its position within 15 s', async () => {
    const n1 = cluster.node('n1');
    const before = leaseBefore[0]!;
    for (const b of bots) b.onAtKill = nodeOf(b.socketUrl!);
    killAt = Date.now();
    const killed = cluster.kill9(n1);
    // Who holds office 1 is watched from the moment of the kill, apart from the bots' recovery.
    leaseWatch = (async () => {
      let last: LeaseHolder | undefined;
      while (Date.now() - killAt < 30_000) {
        last = await cluster.leaseOwner(offices[0]!.id);
        if (last && last.owner !== 'n1' && last.token !== before.token) return { at: Date.now() - killAt, holder: last };
        await sleep(100);
      }
      return { timedOut: true as const, last };
    })();
    await killed;

    const ok = (b: BotState) =>
      b.conn.state === 'open' &&
      b.conn.self?.x === b.recorded!.x &&
      b.conn.self?.y === b.recorded!.y &&
      // A bot whose office or entry node died must have rejoined; a socket that merely looks open does not count.
      (!mustRejoin(b) || b.welcomes.some((t) => t > killAt));
    // Waits past the limit, so a failure reports how long recovery really took.
    const deadline = killAt + 40_000;
    while (!bots.every(ok) && Date.now() < deadline) await sleep(50);
    const doneAt = Date.now();
    const perBot = bots.map((b) => {
      const last = b.welcomes.filter((t) => t > killAt).pop();
      return last ? last - killAt : 0;
    });
    recovery = { ms: doneAt - killAt, perBot };

    const rejoined = perBot.filter((t) => t > 0).sort((a, b) => a - b);
    const q = (p: number) => rejoined[Math.min(rejoined.length - 1, Math.floor(p * rejoined.length))] ?? 0;
    log(`bots rejoined after the kill: ${rejoined.length} (of which office 1: ${bots.filter((b) => b.office === 0 && perBot[b.index]! > 0).length}/100, on n1 at the kill: ${bots.filter((b) => b.onAtKill === 'n1' && perBot[b.index]! > 0).length}/${bots.filter((b) => b.onAtKill === 'n1').length})`);
    log(`rejoin time after kill: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${rejoined.at(-1) ?? 0} ms`);
    log(`all 300 bots open at their positions ${bots.every(ok) ? `after ${recovery.ms} ms` : `NOT within ${recovery.ms} ms`}`);

    const stuck = bots.filter((b) => !ok(b));
    if (stuck.length > 0) {
      const byState = new Map<string, number>();
      for (const b of stuck) byState.set(b.conn.state, (byState.get(b.conn.state) ?? 0) + 1);
      log(`${stuck.length} bots not recovered: ${[...byState].map(([s, n]) => `${n} ${s}`).join(', ')}`);
      for (const b of stuck.slice(0, 8)) {
        log(`  bot ${b.index} office ${b.office + 1} entry n${b.entry + 1} state ${b.conn.state} self ${b.conn.self?.x},${b.conn.self?.y} recorded ${b.recorded!.x},${b.recorded!.y}; events since kill: ${b.events.filter((e) => e.t >= killAt).map((e) => `+${e.t - killAt}ms ${e.what}`).join('; ')}; errors: ${b.errors.slice(-3).join('; ')}`);
      }
    }
    expect(stuck.map((b) => `bot ${b.index} (office ${b.office + 1}, entry n${b.entry + 1}): ${b.conn.state} at ${b.conn.self?.x},${b.conn.self?.y}, recorded ${b.recorded!.x},${b.recorded!.y}`)).toEqual([]);
    expect(recovery.ms).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
  });

  it('office 1 moves to n2 or n3 with a larger fencing token within 10 s; offices 2 and 3 stay where they were', async () => {
    const r = await leaseWatch;
    if ('timedOut' in r) throw new Error(`office 1 was not taken over within 30 s of the kill; its lease in Redis: ${JSON.stringify(r.last)}`);
    log(`office 1 lease: n1 token ${leaseBefore[0]!.token} (${leaseBefore[0]!.pttl} ms left when read before the kill) -> ${r.holder.owner} token ${r.holder.token}, ${r.at} ms after the kill`);
    expect(['n2', 'n3']).toContain(r.holder.owner);
    expect(r.holder.token).toBeGreaterThan(leaseBefore[0]!.token);
    expect(r.at).toBeLessThanOrEqual(LEASE_LIMIT_MS);
    const now = await Promise.all(offices.map((o) => cluster.leaseOwner(o.id)));
    expect(now[0]?.owner).toBe(r.holder.owner);
    expect(now.slice(1).map((l) => l && `${l.owner}:${l.token}`)).toEqual(leaseBefore.slice(1).map((l) => l && `${l.owner}:${l.token}`));
  });

  it('bots whose path never went through n1 stayed connected', () => {
    const untouched = bots.filter((b) => !mustRejoin(b));
    const dropped = untouched.filter((b) => b.events.some((e) => e.t >= killAt && !e.what.startsWith('open')));
    log(`bots never routed through n1: ${untouched.length}; dropped anyway: ${dropped.length}`);
    expect(dropped.map((b) => `bot ${b.index} (office ${b.office + 1}, entry n${b.entry + 1}): ${b.events.filter((e) => e.t >= killAt).map((e) => `+${e.t - killAt}ms ${e.what}`).join('; ')}`)).toEqual([]);
  });

  it('bots of the same office see each other again, and see each other move', async () => {
    const t = Date.now();
    const seen = (b: BotState) => new Set([...b.conn.avatars.values()].map((a) => a.userId));
    const same = (b: BotState) => {
      const now = seen(b);
      return now.size === b.seenBefore!.size && [...b.seenBefore!].every((id) => now.has(id));
    };
    await until(() => bots.every(same), 15_000, 'every bot to see the same bots as before the kill').catch(() => undefined);
    const differ = bots.filter((b) => !same(b));
    log(`mirrors back to what they were before the kill ${differ.length === 0 ? `${Date.now() - killAt} ms after the kill` : `NOT for ${differ.length} bots`}`);
    expect(differ.map((b) => `bot ${b.index} (office ${b.office + 1}): saw ${b.seenBefore!.size}, sees ${seen(b).size}`)).toEqual([]);
    expect(Date.now() - t).toBeLessThan(15_000);

    // In each office, pairs that came in through different nodes: one steps back a tile, the other sees it there.
    for (let k = 0; k < OFFICES; k++) {
      const inOffice = bots.filter((b) => b.office === k);
      const pairs: [BotState, BotState][] = [];
      const used = new Set<BotState>();
      for (const a of inOffice) {
        if (pairs.length === 3) break;
        if (used.has(a)) continue;
        const b = inOffice.find((x) => x !== a && !used.has(x) && x.entry !== a.entry && a.seenBefore!.has(x.userId));
        if (!b) continue;
        used.add(a).add(b);
        pairs.push([a, b]);
      }
      expect(pairs.length).toBe(3);
      for (const [watcher, mover] of pairs) {
        const back = mover.walk.steps[1]!;
        const t0 = Date.now();
        mover.conn.step(back.x, back.y, 'up', false);
        const at = () => [...watcher.conn.avatars.values()].find((a) => a.userId === mover.userId);
        await until(() => at()?.x === back.x && at()?.y === back.y, 3000, `bot ${watcher.index} to see bot ${mover.index} step in office ${k + 1}`);
        log(`office ${k + 1}: bot ${watcher.index} (entry n${watcher.entry + 1}) saw bot ${mover.index} (entry n${mover.entry + 1}) step in ${Date.now() - t0} ms`);
        mover.conn.step(mover.walk.end.x, mover.walk.end.y, 'down', false);
      }
    }
  });

  it('the office configuration and the accounts are unchanged', async () => {
    const after = await snapshot();
    expect(after.organisations).toEqual(snapshotBefore.organisations);
    expect(after.offices).toEqual(snapshotBefore.offices);
    expect(after.users).toEqual(snapshotBefore.users);
    expect(after.users).toHaveLength(300);
    expect(after.offices.map((o) => (o as { name: string }).name)).toEqual(expect.arrayContaining(['Hall 1', 'Hall 2', 'Hall 3']));
  });

  /** The bot's office lived on n1, or its socket did: either way its old connection is gone. */
  function mustRejoin(b: BotState): boolean {
    return b.office === 0 || b.onAtKill === 'n1';
  }
});
