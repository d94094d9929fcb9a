/**
 * Office ownership in a cluster: each office's engine runs on exactly one node, the holder of a lease with a time to
 * live. Every grant carries a fencing token larger than any before it, so that a node which lost its lease without
 * noticing (a long pause, a partition) is refused by whatever checks tokens, and two owners can never act at once.
 *
 * The rules live here, pure and driven by an injected clock and timer, so tests can run them on simulated time;
 * `RedisLeaseStore` (redis-lease-store.ts) is the shared store in production, `MemoryLeaseStore` the one in tests.
 */

export interface LeaseGrant {
  owner: string;
  /** Strictly larger than every token granted before for the same key. */
  token: number;
}

/** Where leases live: one shared, linearisable store (Redis in a cluster). */
export interface LeaseStore {
  /** Takes the lease when nobody holds it (or the holder's time ran out); undefined when someone else holds it. */
  acquire(key: string, owner: string, ttlMs: number): Promise<LeaseGrant | undefined>;
  /** Extends the lease for another ttlMs, only if this exact grant still holds it. */
  renew(key: string, grant: LeaseGrant, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, only if this exact grant still holds it. */
  release(key: string, grant: LeaseGrant): Promise<void>;
  /** Who holds the lease now, if anyone. */
  holder(key: string): Promise<LeaseGrant | undefined>;
}

/** An in-memory store on a given clock: the reference behaviour, for tests on simulated time. */
export class MemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, { grant: LeaseGrant; expiresAt: number }>();
  private readonly fences = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  async acquire(key: string, owner: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    const cur = this.live(key);
    if (cur) return undefined;
    const token = (this.fences.get(key) ?? 0) + 1;
    this.fences.set(key, token);
    const grant = { owner, token };
    this.leases.set(key, { grant, expiresAt: this.now() + ttlMs });
    return grant;
  }

  async renew(key: string, grant: LeaseGrant, ttlMs: number): Promise<boolean> {
    const cur = this.live(key);
    if (!cur || cur.grant.token !== grant.token || cur.grant.owner !== grant.owner) return false;
    cur.expiresAt = this.now() + ttlMs;
    return true;
  }

  async release(key: string, grant: LeaseGrant): Promise<void> {
    const cur = this.live(key);
    if (cur && cur.grant.token === grant.token && cur.grant.owner === grant.owner) this.leases.delete(key);
  }

  async holder(key: string): Promise<LeaseGrant | undefined> {
    return this.live(key)?.grant;
  }

  private live(key: string) {
    const cur = this.leases.get(key);
    if (cur && cur.expiresAt <= this.now()) {
      this.leases.delete(key);
      return undefined;
    }
    return cur;
  }
}

export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface LeaseKeeperOptions {
  ttlMs: number;
  /** Renew this often; a third of the TTL leaves two more tries before the lease runs out. */
  renewEveryMs?: number;
  /**
   * Stop acting this long before the lease could have run out in the store, to allow for clock drift between this node
   * and the store: a node that cannot renew steps down before anyone else can take over.
   */
  safetyMs?: number;
}

export type LeaseState = { held: false } | { held: true; grant: LeaseGrant };

/**
 * Holds one lease for as long as it can: renews it in the background and declares it lost — before the store could
 * hand it to anyone else — when renewals fail or stall. The owner acts only while `state.held` is true, and passes
 * `state.grant.token` along with whatever it writes so stale owners can be fenced off.
 */
export class LeaseKeeper {
  private _state: LeaseState = { held: false };
  private timer: unknown;
  /** When the last successful renewal (or the acquisition) was sent: the lease is sure to last until then + TTL. */
  private validFrom = 0;
  private deadlineTimer: unknown;
  private stopped = false;

  constructor(
    private readonly store: LeaseStore,
    private readonly key: string,
    private readonly owner: string,
    private readonly opts: LeaseKeeperOptions,
    private readonly events: { acquired?: (g: LeaseGrant) => void; lost?: (g: LeaseGrant, why: string) => void },
    private readonly clock: Scheduler = realScheduler,
  ) {}

  get state(): LeaseState {
    return this._state;
  }

  /** Tries once to take the lease; on success keeps renewing it. */
  async tryAcquire(): Promise<LeaseGrant | undefined> {
    if (this._state.held) return this._state.grant;
    if (this.stopped) return undefined;
    const sentAt = this.clock.now();
    const grant = await this.store.acquire(this.key, this.owner, this.opts.ttlMs);
    if (!grant || this.stopped) return undefined;
    this.validFrom = sentAt;
    this._state = { held: true, grant };
    this.armDeadline();
    this.scheduleRenew();
    this.events.acquired?.(grant);
    return grant;
  }

  /** Gives the lease up on purpose (shutdown, hand-over). */
  async release(): Promise<void> {
    this.stopped = true;
    const s = this._state;
    this.drop();
    if (s.held) await this.store.release(this.key, s.grant).catch(() => undefined);
  }

  private get renewEvery(): number {
    return this.opts.renewEveryMs ?? Math.floor(this.opts.ttlMs / 3);
  }

  private scheduleRenew(): void {
    this.timer = this.clock.setTimeout(() => void this.renew(), this.renewEvery);
  }

  private async renew(): Promise<void> {
    const s = this._state;
    if (!s.held) return;
    const sentAt = this.clock.now();
    let ok: boolean;
    try {
      ok = await this.store.renew(this.key, s.grant, this.opts.ttlMs);
    } catch {
      // The store is unreachable: keep trying until the deadline decides.
      if (this._state.held && this._state.grant === s.grant) this.scheduleRenew();
      return;
    }
    if (!this._state.held || this._state.grant !== s.grant) return;
    if (!ok) return this.lose('the store no longer has this grant');
    this.validFrom = sentAt;
    this.armDeadline();
    this.scheduleRenew();
  }

  /** The moment this node must stop acting: TTL after the last renewal it knows succeeded, minus the safety margin. */
  private armDeadline(): void {
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    const at = this.validFrom + this.opts.ttlMs - (this.opts.safetyMs ?? Math.floor(this.opts.ttlMs / 5));
    this.deadlineTimer = this.clock.setTimeout(() => this.lose('renewals did not get through in time'), Math.max(0, at - this.clock.now()));
  }

  private lose(why: string): void {
    const s = this._state;
    this.drop();
    if (s.held) this.events.lost?.(s.grant, why);
  }

  private drop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.deadlineTimer !== undefined) this.clock.clearTimeout(this.deadlineTimer);
    this.timer = undefined;
    this.deadlineTimer = undefined;
    this._state = { held: false };
  }
}

/**
 * The other half of fencing: whatever the owner writes to (a table row, a file) remembers the largest token it has
 * seen and refuses writes with a smaller one. A node that lost its lease while paused cannot overwrite its successor.
 */
export class Fence {
  private highest = 0;

  /** True (and remembered) when the token is at least the largest seen so far. */
  admit(token: number): boolean {
    if (!Number.isInteger(token) || token < this.highest) return false;
    this.highest = token;
    return true;
  }
}
