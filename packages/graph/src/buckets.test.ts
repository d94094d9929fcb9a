import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryBucketStore, type BucketStore } from './buckets.js';
import { GraphArgumentError } from './errors.js';
import { RedisBucketStore, createBucketStore } from './redis-buckets.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** One prefix per run, so parallel runs never share buckets; everything under it is deleted at the end. */
const RUN_PREFIX = `metaoffice-test:graph:${randomUUID()}:`;
const redisClients: Redis[] = [];

function redisStore(prefix = `${RUN_PREFIX}${randomUUID()}:`): RedisBucketStore {
  const client = new Redis(REDIS_URL);
  redisClients.push(client);
  return new RedisBucketStore({ redis: client, keyPrefix: prefix });
}

afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${RUN_PREFIX}*`, 'COUNT', 500);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  expect(await admin.keys(`${RUN_PREFIX}*`)).toEqual([]);
  await Promise.all([...redisClients, admin].map((c) => c.quit()));
});

const stores: Array<[string, () => BucketStore]> = [
  ['MemoryBucketStore', () => new MemoryBucketStore()],
  ['RedisBucketStore', () => redisStore()],
];

describe.each(stores)('%s', (_name, makeStore) => {
  const T0 = 1_700_000_000_000;
  // 10 tokens, refilled at 1 per 100 ms.
  const bucket = { key: 'b', capacity: 10, refillPerMs: 0.01 };

  it('starts full, grants until empty, then says how long until the cost is covered', async () => {
    const store = makeStore();
    expect(await store.take('b', 4, 10, 0.01, T0)).toEqual({ granted: true, waitMs: 0 });
    expect(await store.take('b', 6, 10, 0.01, T0)).toEqual({ granted: true, waitMs: 0 });
    const refused = await store.take('b', 3, 10, 0.01, T0 + 100);
    expect(refused.granted).toBe(false);
    expect(refused.waitMs).toBeCloseTo(200, 6);
    expect(await store.take('b', 3, 10, 0.01, T0 + 300)).toEqual({ granted: true, waitMs: 0 });
  });

  it('never holds more than its capacity however long it idles', async () => {
    const store = makeStore();
    expect((await store.take('b', 10, 10, 0.01, T0)).granted).toBe(true);
    expect((await store.take('b', 10, 10, 0.01, T0 + 10_000_000)).granted).toBe(true);
    expect((await store.take('b', 1, 10, 0.01, T0 + 10_000_000)).granted).toBe(false);
  });

  it('reserves several buckets all or nothing', async () => {
    const store = makeStore();
    const small = { key: 'small', cost: 1, capacity: 1, refillPerMs: 0.001 };
    const large = { key: 'large', cost: 1, capacity: 100, refillPerMs: 0.001 };
    expect((await store.reserve([large, small], T0)).granted).toBe(true);
    // `small` is empty, so `large` must not lose a token either.
    expect((await store.reserve([large, small], T0)).granted).toBe(false);
    expect((await store.reserve([{ ...large, cost: 99 }], T0)).granted).toBe(true);
  });

  it('queues waiters in order by letting a bucket go into debt within maxWaitMs', async () => {
    const store = makeStore();
    const draw = { ...bucket, cost: 5 };
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const take = await store.reserve([draw], T0, { maxWaitMs: 1_000 });
      expect(take.granted).toBe(true);
      waits.push(take.waitMs);
    }
    expect(waits.map((w) => Math.round(w))).toEqual([0, 0, 500, 1_000]);
    const refused = await store.reserve([draw], T0, { maxWaitMs: 1_000 });
    expect(refused.granted).toBe(false);
    expect(Math.round(refused.waitMs)).toBe(1_500);
  });

  it('keeps headroom for higher priorities', async () => {
    const store = makeStore();
    expect((await store.reserve([{ ...bucket, cost: 7 }], T0)).granted).toBe(true);
    // 3 left: a draw that must leave 20 % (2 tokens) may take 1, not 2.
    expect((await store.reserve([{ ...bucket, cost: 2 }], T0, { keepFraction: 0.2 })).granted).toBe(false);
    expect((await store.reserve([{ ...bucket, cost: 1 }], T0, { keepFraction: 0.2 })).granted).toBe(true);
    expect((await store.reserve([{ ...bucket, cost: 2 }], T0)).granted).toBe(true);
  });

  it('answers "never" for a cost above capacity', async () => {
    const store = makeStore();
    expect(await store.take('b', 11, 10, 0.01, T0)).toEqual({ granted: false, waitMs: Infinity });
  });

  it('holds requests behind a closed gate until it opens, and never shortens a block', async () => {
    const store = makeStore();
    expect(await store.blockedUntil('g')).toBe(0);
    const realNow = Date.now();
    await store.block('g', realNow + 1_500);
    await store.block('g', realNow + 500);
    expect(await store.blockedUntil('g')).toBe(realNow + 1_500);
    const draw = { ...bucket, cost: 1 };
    const refused = await store.reserve([draw], realNow, { gates: ['g'] });
    expect(refused).toEqual({ granted: false, waitMs: 1_500 });
    expect(await store.reserve([draw], realNow, { gates: ['g'], maxWaitMs: 2_000 })).toEqual({ granted: true, waitMs: 1_500 });
    expect((await store.reserve([draw], realNow + 1_500, { gates: ['g'] })).granted).toBe(true);
    expect((await store.reserve([draw], realNow, { gates: ['other'] })).granted).toBe(true);
  });

  it('refuses nonsense parameters with a typed error', async () => {
    const store = makeStore();
    await expect(store.take('b', 1, 0, 0.01, T0)).rejects.toThrow(GraphArgumentError);
    await expect(store.take('b', 1, 10, 0, T0)).rejects.toThrow(GraphArgumentError);
    await expect(store.reserve([{ ...bucket, cost: 1 }], T0, { keepFraction: 1 })).rejects.toThrow(GraphArgumentError);
    await expect(store.reserve([{ ...bucket, cost: 1 }], T0, { maxWaitMs: Infinity })).rejects.toThrow(GraphArgumentError);
  });
});

describe('RedisBucketStore across nodes', () => {
  it('lets two stores (two nodes) share one budget', async () => {
    const prefix = `${RUN_PREFIX}${randomUUID()}:`;
    const nodeA = redisStore(prefix);
    const nodeB = redisStore(prefix);
    const now = Date.now();
    expect((await nodeA.take('shared', 6, 10, 0.001, now)).granted).toBe(true);
    expect((await nodeB.take('shared', 5, 10, 0.001, now)).granted).toBe(false);
    expect((await nodeB.take('shared', 4, 10, 0.001, now)).granted).toBe(true);
    expect((await nodeA.take('shared', 1, 10, 0.001, now)).granted).toBe(false);

    await nodeA.block('gate', now + 5_000);
    expect(await nodeB.blockedUntil('gate')).toBe(now + 5_000);
  });

  it('grants exactly the capacity to concurrent takes from both nodes', async () => {
    const prefix = `${RUN_PREFIX}${randomUUID()}:`;
    const nodes = [redisStore(prefix), redisStore(prefix)];
    const now = Date.now();
    const takes = await Promise.all(Array.from({ length: 60 }, (_, i) => nodes[i % 2]!.take('race', 1, 25, 0.000001, now)));
    expect(takes.filter((t) => t.granted)).toHaveLength(25);
  });

  it('gives every key a time to live', async () => {
    const prefix = `${RUN_PREFIX}${randomUUID()}:`;
    const store = redisStore(prefix);
    const now = Date.now();
    await store.take('ttl', 5, 10, 0.01, now);
    await store.block('ttl-gate', now + 2_000);
    const admin = redisClients[redisClients.length - 1]!;
    const bucketTtl = await admin.pttl(`${prefix}ttl`);
    const gateTtl = await admin.pttl(`${prefix}ttl-gate`);
    // Refilling 5 tokens at 0.01/ms takes 500 ms, plus the margin.
    expect(bucketTtl).toBeGreaterThan(0);
    expect(bucketTtl).toBeLessThanOrEqual(1_500);
    expect(gateTtl).toBeGreaterThan(1_000);
    expect(gateTtl).toBeLessThanOrEqual(3_000);
  });
});

describe('createBucketStore', () => {
  it('is in-process without REDIS_URL and Redis with it', async () => {
    expect(createBucketStore({})).toBeInstanceOf(MemoryBucketStore);
    expect(createBucketStore({ redisUrl: '' })).toBeInstanceOf(MemoryBucketStore);
    const store = createBucketStore({ redisUrl: REDIS_URL, keyPrefix: `${RUN_PREFIX}owned:` });
    expect(store).toBeInstanceOf(RedisBucketStore);
    expect((await store.take('k', 1, 1, 1, Date.now())).granted).toBe(true);
    await store.close();
  });
});
