import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { FrameBudget, FrameLimits, frameRates, type FrameKind } from './frame-limits.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Simulated time for the local buckets and windows. */
function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('FrameBudget', () => {
  it('allows the burst, then refills at its rate', () => {
    const c = clock();
    const b = new FrameBudget(10, 5, c.now);
    for (let i = 0; i < 5; i++) expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    c.t += 100;
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    c.t += 60_000;
    for (let i = 0; i < 5; i++) expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
  });
});

describe('frameRates', () => {
  it('are the gateway limits', () => {
    expect(frameRates({ stepsPerSecond: 4 })).toEqual({
      move: { perSecond: 12, burst: 20 },
      control: { perSecond: 20, burst: 40 },
      signal: { perSecond: 60, burst: 300 },
      chat: { perSecond: 3, burst: 10 },
    });
  });
});

/** A normal session: walking at 4 steps/s, a ping every 5 s, a chat line every 10 s, a call's ICE burst once. */
function behave(conn: { take(k: FrameKind): boolean }, c: { t: number }, seconds: number): number {
  let dropped = 0;
  for (let ms = 0; ms < seconds * 1000; ms += 250) {
    c.t += 250;
    if (!conn.take('move')) dropped++;
    if (ms % 5000 === 0 && !conn.take('control')) dropped++;
    if (ms % 10_000 === 0 && !conn.take('chat')) dropped++;
    if (ms === 30_000) for (let i = 0; i < 60; i++) if (!conn.take('signal')) dropped++;
  }
  return dropped;
}

describe('FrameLimits in memory (one node)', () => {
  const made: FrameLimits[] = [];
  afterEach(() => made.splice(0).forEach((l) => l.close()));

  it('never drops a well-behaved client', async () => {
    const c = clock();
    const limits = new FrameLimits({ stepsPerSecond: 4, now: c.now });
    made.push(limits);
    const conn = limits.forConnection('u1');
    await conn.ready;
    expect(behave(conn, c, 120)).toBe(0);
  });

  it('a flood on one connection blocks the user on their other connections, then the block ends', async () => {
    const blocked: string[] = [];
    const limits = new FrameLimits({ stepsPerSecond: 4, windowSeconds: 1, blockSeconds: 1, reportMs: 20, onBlocked: (u, k) => blocked.push(`${u}:${k}`) });
    made.push(limits);
    const a = limits.forConnection('u1');
    const b = limits.forConnection('u1');
    const other = limits.forConnection('u2');
    await Promise.all([a.ready, b.ready, other.ready]);
    for (let i = 0; i < 500; i++) a.take('chat');
    await until(() => a.blockedMs('chat') > 0);
    expect(blocked).toEqual(['u1:chat']);
    // b never sent a chat frame: its own bucket is full, yet the user is blocked.
    expect(b.take('chat')).toBe(false);
    expect(limits.forConnection('u1').take('chat')).toBe(false);
    // Per kind, and per user.
    expect(b.take('move')).toBe(true);
    expect(other.take('chat')).toBe(true);
    await sleep(a.blockedMs('chat') + 50);
    expect(a.blockedMs('chat')).toBe(0);
    expect(b.take('chat')).toBe(true);
  });

  it('a user blocked before reconnecting starts out blocked', async () => {
    const limits = new FrameLimits({ stepsPerSecond: 4, windowSeconds: 1, blockSeconds: 2, reportMs: 20 });
    made.push(limits);
    const a = limits.forConnection('u1');
    await a.ready;
    for (let i = 0; i < 500; i++) a.take('control');
    await until(() => a.blockedMs('control') > 0);
    a.release();
    // Past the linger time the node forgets the user; the new connection learns the block from the limiter.
    await sleep(1300);
    const again = limits.forConnection('u1');
    await again.ready;
    expect(again.blockedMs('control')).toBeGreaterThan(0);
    expect(again.take('control')).toBe(false);
  });
});

describe('FrameLimits on the real Redis (several nodes)', () => {
  const prefix = `test-frames-${randomBytes(6).toString('hex')}:`;
  const clients: Redis[] = [];
  const made: FrameLimits[] = [];
  let admin: Redis;

  // Connected before use: while a client is still connecting, the limiter goes to its insurance limiter.
  const client = async (): Promise<Redis> => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(r);
    await r.ping();
    return r;
  };
  const node = async (opts: { now?: () => number; windowSeconds?: number; blockSeconds?: number } = {}): Promise<FrameLimits> => {
    const l = new FrameLimits({ stepsPerSecond: 4, redis: await client(), keyPrefix: prefix, reportMs: 20, ...opts });
    made.push(l);
    return l;
  };
  const ourKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  };

  beforeAll(async () => {
    admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    await admin.ping();
  });
  afterEach(async () => {
    made.splice(0).forEach((l) => l.close());
    clients.splice(0).forEach((r) => r.disconnect());
    const keys = await ourKeys();
    if (keys.length) await admin.del(...keys);
  });
  afterAll(() => admin.disconnect());

  it('a well-behaved client never touches Redis after joining', async () => {
    const monitor = await new Redis(REDIS_URL).monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((a) => a.startsWith(prefix))) seen.push(args.join(' '));
    });
    try {
      const c = clock();
      const limits = await node({ now: c.now });
      const conn = limits.forConnection('alice');
      await conn.ready;
      // The join-time block check is visible: the monitor does see this client's commands.
      await until(() => seen.length >= 4);
      expect(seen.filter((s) => /^get /i.test(s)).sort()).toEqual(
        ['chat', 'control', 'move', 'signal'].map((k) => `get ${prefix}frames:${k}:alice`),
      );
      seen.length = 0;
      // Ten simulated minutes of normal use, with real report ticks running alongside.
      for (let minute = 0; minute < 10; minute++) {
        expect(behave(conn, c, 60)).toBe(0);
        await sleep(25);
      }
      await sleep(150);
      expect(seen).toEqual([]);
      expect(await ourKeys()).toEqual([]);
    } finally {
      monitor.disconnect();
    }
  });

  it('a flood on node A blocks the user on node B and on nodes they join later, until the block ends', async () => {
    const a = await node({ windowSeconds: 1, blockSeconds: 2 });
    const b = await node({ windowSeconds: 1, blockSeconds: 2 });
    const onB = b.forConnection('mallory');
    const onA = a.forConnection('mallory');
    const bystander = a.forConnection('bob');
    await Promise.all([onA.ready, onB.ready, bystander.ready]);
    const { points, reportAt } = a.shared.control;
    expect(reportAt).toBeLessThan(frameRates({ stepsPerSecond: 4 }).control.burst);

    for (let i = 0; i < 300; i++) onA.take('control');
    await until(() => onA.blockedMs('control') > 0);
    expect(onA.take('control')).toBe(false);
    // The block lives in Redis, for the block duration.
    const pttl = await admin.pttl(`${prefix}frames:control:mallory`);
    expect(pttl).toBeGreaterThan(1000);
    expect(Number(await admin.get(`${prefix}frames:control:mallory`))).toBeGreaterThan(points);

    // Node B learns at its first report: these frames alone are far under the per-user budget and fit its local
    // bucket, so only the shared block can stop them.
    expect(onB.blockedMs('control')).toBe(0);
    for (let i = 0; i < reportAt; i++) expect(onB.take('control')).toBe(true);
    await until(() => onB.blockedMs('control') > 0);
    expect(onB.take('control')).toBe(false);
    expect(b.forConnection('mallory').take('control')).toBe(false);

    // A node the user never used reads the block when the connection joins.
    const c = await node({ windowSeconds: 1, blockSeconds: 2 });
    const onC = c.forConnection('mallory');
    await onC.ready;
    expect(onC.blockedMs('control')).toBeGreaterThan(0);
    expect(onC.take('control')).toBe(false);

    // Other users and other kinds are untouched.
    expect(bystander.take('control')).toBe(true);
    expect(onA.take('move')).toBe(true);

    // The block ends everywhere when Redis's key expires.
    await sleep(Math.max(onA.blockedMs('control'), onB.blockedMs('control'), onC.blockedMs('control')) + 100);
    expect(onA.take('control')).toBe(true);
    expect(onB.take('control')).toBe(true);
    expect(onC.take('control')).toBe(true);
    const fresh = (await node()).forConnection('mallory');
    await fresh.ready;
    expect(fresh.blockedMs('control')).toBe(0);
    expect(fresh.take('control')).toBe(true);
  });

  it('without Redis, frames are limited by this node alone and nothing throws', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    const port = await closedPort();
    const dead = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 200 });
    dead.on('error', () => undefined);
    clients.push(dead);
    try {
      const limits = new FrameLimits({ stepsPerSecond: 4, redis: dead, keyPrefix: prefix, windowSeconds: 1, blockSeconds: 1, reportMs: 20 });
      made.push(limits);
      const good = limits.forConnection('alice');
      const bad = limits.forConnection('mallory');
      await Promise.all([good.ready, bad.ready]);
      expect(dead.status).not.toBe('ready');

      let accepted = 0;
      for (let i = 0; i < 1000; i++) if (bad.take('move')) accepted++;
      // The local bucket: its burst, then nothing.
      expect(accepted).toBe(20);
      // The insurance limiter still blocks the flooder on this node.
      await until(() => bad.blockedMs('move') > 0);
      expect(limits.forConnection('mallory').take('move')).toBe(false);
      expect(good.take('move')).toBe(true);
      await sleep(bad.blockedMs('move') + 50);
      expect(bad.take('move')).toBe(true);
      await sleep(100);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
