import { describe, expect, it } from 'vitest';
import { MemoryBucketStore, type BucketStore } from './buckets.js';
import { GraphShedError } from './errors.js';
import { LimitGovernor } from './governor.js';
import { limitsFor, type RequestLimits } from './limits.js';
import type { GraphBudgetEvent, GraphObserver } from './observer.js';

/** Time that only moves when someone sleeps, so waits are exact and tests instant. */
class ManualTime {
  constructor(public t = 1_000_000) {}
  readonly clock = { now: () => this.t };
  readonly sleep = async (ms: number): Promise<void> => {
    this.t += ms;
  };
}

/** A tenant limit of 2 requests refilled at one per second, behind one gate. */
function tightLimits(tenantId = 't1'): RequestLimits {
  return {
    tenantId,
    family: 'presence',
    draws: [{ limit: 'presenceTenant', key: `bucket:test:${tenantId}`, cost: 1, capacity: 2, refillPerMs: 0.001 }],
    gates: [`gate:presence:${tenantId}`],
    retryAfterGates: [`gate:presence:${tenantId}`],
  };
}

function governor(time: ManualTime, store: BucketStore = new MemoryBucketStore(), observer?: GraphObserver): LimitGovernor {
  return new LimitGovernor({ store, clock: time.clock, sleep: time.sleep, maxWaitMs: { interactive: 5_000, normal: 1_500, background: 0 }, ...(observer ? { observer } : {}) });
}

describe('LimitGovernor', () => {
  it('admits at once while the budget covers, then makes interactive work wait exactly for the refill', async () => {
    const time = new ManualTime();
    const g = governor(time);
    const start = time.t;
    expect(await g.acquire(tightLimits(), 'interactive')).toBe(0);
    expect(await g.acquire(tightLimits(), 'interactive')).toBe(0);
    expect(await g.acquire(tightLimits(), 'interactive')).toBe(1_000);
    expect(time.t - start).toBe(1_000);
  });

  it('queues concurrent waiters one refill apart instead of letting them race', async () => {
    const time = new ManualTime();
    const store = new MemoryBucketStore();
    const g = governor(time, store);
    await g.acquire(tightLimits(), 'interactive');
    await g.acquire(tightLimits(), 'interactive');
    const first = await store.reserve(tightLimits().draws, time.t, { maxWaitMs: 5_000 });
    const second = await store.reserve(tightLimits().draws, time.t, { maxWaitMs: 5_000 });
    expect([Math.round(first.waitMs), Math.round(second.waitMs)]).toEqual([1_000, 2_000]);
  });

  it('sheds background work as soon as it would wait, and spends nothing on it', async () => {
    const time = new ManualTime();
    const shed: GraphBudgetEvent[] = [];
    const g = governor(time, new MemoryBucketStore(), { onShed: (e) => shed.push(e) });
    await g.acquire(tightLimits(), 'interactive');
    const error = await g.acquire(tightLimits(), 'background').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphShedError);
    expect(error).toMatchObject({ code: 'GRAPH_SHED', priority: 'background', limit: 'presence', tenantId: 't1' });
    expect(shed).toEqual([{ tenantId: 't1', family: 'presence', priority: 'background', waitMs: expect.any(Number) }]);
    // The shed request took nothing: the last token is still there for a person.
    expect(await g.acquire(tightLimits(), 'interactive')).toBe(0);
  });

  it('leaves headroom: background may not take the last fifth of a bucket', async () => {
    const time = new ManualTime();
    const roomy: RequestLimits = { ...tightLimits(), draws: [{ limit: 'presenceTenant', key: 'bucket:roomy', cost: 1, capacity: 10, refillPerMs: 0.0001 }] };
    const g = governor(time);
    let admitted = 0;
    for (let i = 0; i < 10; i++) {
      try {
        await g.acquire(roomy, 'background');
        admitted++;
      } catch (error) {
        expect(error).toBeInstanceOf(GraphShedError);
      }
    }
    expect(admitted).toBe(8);
    expect(await g.acquire(roomy, 'interactive')).toBe(0);
  });

  it('sheds normal work whose wait would exceed its maximum', async () => {
    const time = new ManualTime();
    const g = governor(time);
    await g.acquire(tightLimits(), 'normal');
    await g.acquire(tightLimits(), 'normal');
    // Asked together: the first waits 1 s, the second would wait 2 s > 1.5 s.
    const [first, second] = await Promise.allSettled([g.acquire(tightLimits(), 'normal'), g.acquire(tightLimits(), 'normal')]);
    expect(first).toEqual({ status: 'fulfilled', value: 1_000 });
    expect(second.status === 'rejected' && second.reason).toBeInstanceOf(GraphShedError);
  });

  it('keeps everyone behind a Retry-After until it has run out, to the millisecond', async () => {
    const time = new ManualTime();
    const g = governor(time);
    const until = time.t + 2_345;
    await g.holdOff(tightLimits(), until);
    await g.acquire(tightLimits(), 'interactive');
    expect(time.t).toBe(until);
    // Background work is shed while the gate is closed, not queued behind it.
    await g.holdOff(tightLimits(), time.t + 10);
    await expect(g.acquire(tightLimits(), 'background')).rejects.toThrow(GraphShedError);
  });

  it('waits again when another request closes the gate while it sleeps', async () => {
    const time = new ManualTime();
    const store = new MemoryBucketStore();
    const g = governor(time, store);
    await g.holdOff(tightLimits(), time.t + 1_000);
    const start = time.t;
    // The sleep hook plays the other request: a 429 with Retry-After lands while we are waiting.
    let extended = false;
    const racing = new LimitGovernor({
      store,
      clock: time.clock,
      sleep: async (ms) => {
        if (!extended) {
          extended = true;
          await store.block('gate:presence:t1', start + 3_000);
        }
        time.t += ms;
      },
      maxWaitMs: { interactive: 5_000 },
    });
    await racing.acquire(tightLimits(), 'interactive');
    expect(time.t).toBe(start + 3_000);
    expect(await g.acquire(tightLimits(), 'interactive')).toBe(0);
  });

  it('reports every admission with its wait', async () => {
    const time = new ManualTime();
    const admitted: number[] = [];
    const g = governor(time, new MemoryBucketStore(), {
      onAdmitted: (e) => admitted.push(e.waitMs),
      onShed: () => {
        throw new Error('a broken metrics hook must not matter');
      },
    });
    for (let i = 0; i < 3; i++) await g.acquire(tightLimits(), 'interactive');
    await expect(g.acquire(tightLimits(), 'background')).rejects.toThrow(GraphShedError);
    expect(admitted).toEqual([0, 0, 1_000]);
  });

  it('a Retry-After on an activity notice holds every tenant\'s notices back (Graph does not say whether the app-wide limit was hit), not their other calls', async () => {
    const time = new ManualTime();
    const g = governor(time);
    const notice = (tenant: string) => limitsFor('POST', '/users/u1/teamwork/sendActivityNotification', tenant);
    await g.holdOff(notice('tenant-a'), time.t + 1_000);
    const start = time.t;
    expect(await g.acquire(notice('tenant-b'), 'normal')).toBe(1_000);
    expect(time.t - start).toBe(1_000);
    await g.holdOff(notice('tenant-a'), time.t + 1_000);
    expect(await g.acquire(limitsFor('POST', '/communications/getPresencesByUserId', 'tenant-b'), 'normal')).toBe(0);
  });
});

