import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Fence, LeaseKeeper, MemoryLeaseStore, type LeaseGrant, type LeaseStore, type Scheduler } from './lease.js';
import { RedisLeaseStore } from './redis-lease-store.js';

/** Simulated time: timers fire only when the test advances the clock. */
class FakeClock implements Scheduler {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  /** Advances in small steps, running due timers and letting their promises settle in between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + 50);
      for (const due of this.timers.filter((x) => x.at <= this.t)) {
        this.timers = this.timers.filter((x) => x !== due);
        due.fn();
      }
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  }
}

/** A store that can be made unreachable, as Redis going away. */
class FlakyStore implements LeaseStore {
  down = false;
  constructor(private readonly inner: LeaseStore) {}
  private check() {
    if (this.down) return Promise.reject(new Error('store unreachable'));
    return Promise.resolve();
  }
  acquire(k: string, o: string, ttl: number) {
    return this.check().then(() => this.inner.acquire(k, o, ttl));
  }
  renew(k: string, g: LeaseGrant, ttl: number) {
    return this.check().then(() => this.inner.renew(k, g, ttl));
  }
  release(k: string, g: LeaseGrant) {
    return this.check().then(() => this.inner.release(k, g));
  }
  holder(k: string) {
    return this.inner.holder(k);
  }
}

describe('LeaseKeeper on simulated time', () => {
  it('one owner at a time; the lease passes on, with a larger token, only after the holder stopped renewing', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore(() => clock.now());
    const events: string[] = [];
    const a = new LeaseKeeper(store, 'office-1', 'node-a', { ttlMs: 3000 }, { acquired: (g) => events.push(`a+${g.token}`), lost: (g) => events.push(`a-${g.token}`) }, clock);
    const b = new LeaseKeeper(store, 'office-1', 'node-b', { ttlMs: 3000 }, { acquired: (g) => events.push(`b+${g.token}`) }, clock);
    expect(await a.tryAcquire()).toEqual({ owner: 'node-a', token: 1 });
    expect(await b.tryAcquire()).toBeUndefined();
    // A keeps renewing: B never gets in, however long it tries.
    for (let i = 0; i < 10; i++) {
      await clock.advance(1000);
      expect(await b.tryAcquire()).toBeUndefined();
    }
    expect(a.state.held).toBe(true);
    // A gives up cleanly (shutdown): B takes over at once with token 2.
    await a.release();
    expect(await b.tryAcquire()).toEqual({ owner: 'node-b', token: 2 });
    expect(events).toEqual(['a+1', 'b+2']);
  });

  it('a holder cut off from the store steps down before anyone else can take over', async () => {
    const clock = new FakeClock();
    const inner = new MemoryLeaseStore(() => clock.now());
    const flaky = new FlakyStore(inner);
    let lostAt = 0;
    const a = new LeaseKeeper(flaky, 'office-1', 'node-a', { ttlMs: 3000, safetyMs: 500 }, { lost: () => (lostAt = clock.now()) }, clock);
    await a.tryAcquire();
    await clock.advance(900);
    const cutAt = clock.now();
    flaky.down = true; // node A can no longer reach the store; node B can
    const b = new LeaseKeeper(inner, 'office-1', 'node-b', { ttlMs: 3000 }, {}, clock);
    let takenAt = 0;
    while (!takenAt) {
      await clock.advance(100);
      if (await b.tryAcquire()) takenAt = clock.now();
    }
    expect(lostAt).toBeGreaterThan(cutAt);
    // A stopped acting strictly before B could start: never two owners at once.
    expect(lostAt).toBeLessThan(takenAt);
    expect(a.state.held).toBe(false);
    expect(takenAt - cutAt).toBeLessThanOrEqual(3000);
  });

  it('a holder whose grant is gone from the store (it was paused past expiry) learns it at the next renewal', async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore(() => clock.now());
    const lost: string[] = [];
    const a = new LeaseKeeper(store, 'k', 'node-a', { ttlMs: 3000, safetyMs: 0 }, { lost: (_g, why) => lost.push(why) }, clock);
    const grantA = (await a.tryAcquire())!;
    // Simulate a long pause of node A: its renewals do not run, the store expires the lease, B takes it.
    clock.t += 5000;
    const grantB = (await store.acquire('k', 'node-b', 3000))!;
    expect(grantB.token).toBeGreaterThan(grantA.token);
    await clock.advance(1);
    expect(a.state.held).toBe(false);
    expect(lost).toHaveLength(1);
    // Whatever A still tries to write with its old token is refused.
    const fence = new Fence();
    expect(fence.admit(grantB.token)).toBe(true);
    expect(fence.admit(grantA.token)).toBe(false);
    expect(await store.renew('k', grantA, 3000)).toBe(false);
  });

  it('keeps the lease through store hiccups shorter than the TTL', async () => {
    const clock = new FakeClock();
    const flaky = new FlakyStore(new MemoryLeaseStore(() => clock.now()));
    const a = new LeaseKeeper(flaky, 'k', 'node-a', { ttlMs: 6000, safetyMs: 1000 }, {}, clock);
    await a.tryAcquire();
    flaky.down = true;
    await clock.advance(2500);
    flaky.down = false;
    await clock.advance(10_000);
    expect(a.state).toEqual({ held: true, grant: { owner: 'node-a', token: 1 } });
  });
});

describe('Fence', () => {
  it('admits tokens that never go down', () => {
    const f = new Fence();
    expect([3, 3, 4, 2, 9, 8, Number.NaN].map((t) => f.admit(t))).toEqual([true, true, true, false, true, false, false]);
  });
});

describe('RedisLeaseStore on the real Redis', () => {
  let redis: Redis;
  const key = `test-${process.pid}-${Date.now()}`;
  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis.del(`metaoffice:lease:${key}`, `metaoffice:lease:${key}:fence`);
    redis.disconnect();
  });

  it('grants one holder, expires by Redis time, and hands out ever larger tokens', async () => {
    const store = new RedisLeaseStore(redis);
    const a = (await store.acquire(key, 'node-a', 300))!;
    expect(a.owner).toBe('node-a');
    expect(await store.acquire(key, 'node-b', 300)).toBeUndefined();
    expect(await store.holder(key)).toEqual(a);
    expect(await store.renew(key, a, 300)).toBe(true);
    expect(await store.renew(key, { owner: 'node-b', token: a.token }, 300)).toBe(false);
    await new Promise((r) => setTimeout(r, 450));
    expect(await store.holder(key)).toBeUndefined();
    const b = (await store.acquire(key, 'node-b', 5000))!;
    expect(b.token).toBeGreaterThan(a.token);
    // The old holder can neither renew nor release the new grant.
    expect(await store.renew(key, a, 5000)).toBe(false);
    await store.release(key, a);
    expect(await store.holder(key)).toEqual(b);
    await store.release(key, b);
    expect(await store.holder(key)).toBeUndefined();
    await expect(store.acquire(key, 'bad:owner', 100)).rejects.toThrow(/cannot contain/);
  });
});
