import { describe, expect, it } from 'vitest';
import { MemoryLeaseStore, type LeaseGrant, type LeaseStore, type Scheduler } from './lease.js';
import type { NodeDirectory } from './node-directory.js';
import { LeasedOwnership, OwnershipUnavailableError, leaseKey } from './office-ownership.js';

/** Simulated time: timers fire only when the test advances the clock. */
class SimClock implements Scheduler {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  /** Moves time forward, firing due timers in order (and letting their promises settle). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
    this.t = end;
  }
}

function directory(alive: Set<string>, urls: Record<string, string>): NodeDirectory {
  return {
    nodeId: 'x',
    urlOf: async (id) => (alive.has(id) ? urls[id] : undefined),
    alive: () => alive,
    onGone: () => undefined,
    close: async () => undefined,
  };
}

function node(id: string, store: LeaseStore, clock: SimClock, alive: Set<string>) {
  return new LeasedOwnership({
    store,
    directory: directory(alive, { a: 'http://a', b: 'http://b', c: 'http://c' }),
    nodeId: id,
    ttlMs: 8000,
    scheduler: clock,
    // Waiting advances simulated time, so a test of "wait until the dead owner's lease runs out" takes no real time.
    sleep: (ms) => clock.advance(ms),
  });
}

describe('office ownership by leases', () => {
  it('the first node asked takes a free office; others are sent to it', async () => {
    const clock = new SimClock();
    const store = new MemoryLeaseStore(clock.now);
    const alive = new Set(['a', 'b']);
    const a = node('a', store, clock, alive);
    const b = node('b', store, clock, alive);
    expect(await a.route('o1')).toEqual({ kind: 'local', token: 1 });
    expect(a.owns('o1')).toBe(true);
    expect(await b.route('o1')).toEqual({ kind: 'remote', nodeId: 'a', url: 'http://a', token: 1 });
    expect(b.owns('o1')).toBe(false);
    // Offices are independent: b owns the next one it is asked about.
    expect(await b.route('o2')).toEqual({ kind: 'local', token: 1 });
    expect(a.owned()).toEqual(['o1']);
  });

  it('concurrent requests on one node make one acquisition and agree', async () => {
    const clock = new SimClock();
    let acquires = 0;
    const mem = new MemoryLeaseStore(clock.now);
    const store: LeaseStore = { ...mem, acquire: (k, o, t) => (acquires++, mem.acquire(k, o, t)), renew: mem.renew.bind(mem), release: mem.release.bind(mem), holder: mem.holder.bind(mem) };
    const a = node('a', store, clock, new Set(['a']));
    const routes = await Promise.all([a.route('o1'), a.route('o1'), a.route('o1')]);
    expect(routes.every((r) => r.kind === 'local' && r.token === 1)).toBe(true);
    expect(acquires).toBe(1);
  });

  it('keeps an office while renewals get through', async () => {
    const clock = new SimClock();
    const store = new MemoryLeaseStore(clock.now);
    const a = node('a', store, clock, new Set(['a']));
    await a.route('o1');
    await clock.advance(60_000);
    expect(a.owns('o1')).toBe(true);
    expect((await store.holder(leaseKey('o1')))?.owner).toBe('a');
  });

  it('when the owner dies, the next node asked waits for its lease to run out and takes the office with a larger token', async () => {
    const clock = new SimClock();
    const store = new MemoryLeaseStore(clock.now);
    const alive = new Set(['a', 'b']);
    const a = node('a', store, clock, alive);
    const b = node('b', store, clock, alive);
    await a.route('o1');
    // a dies: no more renewals, and it leaves the directory.
    await a.close().catch(() => undefined);
    // close() released the lease; simulate a kill -9 instead by putting a's grant back as it was.
    const dead: LeaseGrant | undefined = await store.acquire(leaseKey('o1'), 'a', 8000);
    alive.delete('a');
    const killedAt = clock.now();
    const r = await b.route('o1');
    expect(r.kind).toBe('local');
    expect(r.token).toBeGreaterThan(dead!.token);
    // Taken as soon as the lease ran out, not later (one poll interval of slack).
    expect(clock.now() - killedAt).toBeGreaterThanOrEqual(8000);
    expect(clock.now() - killedAt).toBeLessThanOrEqual(8250);
  });

  it('a node that cannot renew in time stops owning before anyone else can take over', async () => {
    const clock = new SimClock();
    const mem = new MemoryLeaseStore(clock.now);
    let storeDown = false;
    const store: LeaseStore = {
      acquire: (k, o, t) => mem.acquire(k, o, t),
      renew: (k, g, t) => (storeDown ? new Promise(() => undefined) : mem.renew(k, g, t)),
      release: (k, g) => mem.release(k, g),
      holder: (k) => mem.holder(k),
    };
    const alive = new Set(['a', 'b']);
    const a = node('a', store, clock, alive);
    const lost: { officeId: string; at: number }[] = [];
    a.onLost((officeId) => lost.push({ officeId, at: clock.now() }));
    await a.route('o1');
    const lastRenewal = clock.now();
    storeDown = true;
    await clock.advance(20_000);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.officeId).toBe('o1');
    // Stepped down with the safety margin to spare: before the store would let another node in.
    expect(lost[0]!.at).toBeLessThan(lastRenewal + 8000);
    expect(a.owns('o1')).toBe(false);
  });

  it('an outage of the store shorter than the lease is bridged: the office stays put', async () => {
    const clock = new SimClock();
    const mem = new MemoryLeaseStore(clock.now);
    let pending: (() => void)[] = [];
    let storeDown = false;
    const store: LeaseStore = {
      acquire: (k, o, t) => mem.acquire(k, o, t),
      // Like ioredis's offline queue: commands wait for the link and run when it is back.
      renew: (k, g, t) => (storeDown ? new Promise((res) => pending.push(() => void mem.renew(k, g, t).then(res))) : mem.renew(k, g, t)),
      release: (k, g) => mem.release(k, g),
      holder: (k) => mem.holder(k),
    };
    const a = node('a', store, clock, new Set(['a']));
    const lost: string[] = [];
    a.onLost((id) => lost.push(id));
    await a.route('o1');
    await clock.advance(1000);
    storeDown = true;
    await clock.advance(5500);
    storeDown = false;
    for (const run of pending) run();
    pending = [];
    // The queued renewal is answered the moment the link is back, well before the deadline.
    await new Promise((r) => setImmediate(r));
    await clock.advance(30_000);
    expect(lost).toEqual([]);
    expect(a.owns('o1')).toBe(true);
  });

  it('a forwarded connection is never sent on again: it waits, then fails with a typed error', async () => {
    const clock = new SimClock();
    const store = new MemoryLeaseStore(clock.now);
    const alive = new Set(['a', 'b', 'c']);
    const a = node('a', store, clock, alive);
    const b = node('b', store, clock, alive);
    await a.route('o1');
    await expect(b.route('o1', { forwarded: { token: 1 }, waitMs: 2000 })).rejects.toBeInstanceOf(OwnershipUnavailableError);
    // The owner itself accepts a forwarded connection routed by its current grant, and refuses one routed by a newer
    // grant it does not have (it lost the office and got it back with an older view is impossible: tokens only grow).
    expect(await a.route('o1', { forwarded: { token: 1 } })).toEqual({ kind: 'local', token: 1 });
    await expect(a.route('o1', { forwarded: { token: 2 }, waitMs: 0 })).rejects.toBeInstanceOf(OwnershipUnavailableError);
  });

  it('an office given up on purpose can start on another node at once', async () => {
    const clock = new SimClock();
    const store = new MemoryLeaseStore(clock.now);
    const alive = new Set(['a', 'b']);
    const a = node('a', store, clock, alive);
    const b = node('b', store, clock, alive);
    await a.route('o1');
    await a.release('o1');
    expect(a.owns('o1')).toBe(false);
    expect(await b.route('o1')).toEqual({ kind: 'local', token: 2 });
  });
});
