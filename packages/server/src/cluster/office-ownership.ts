import { LeaseKeeper, realScheduler, type LeaseGrant, type LeaseStore, type Scheduler } from './lease.js';
import type { NodeDirectory } from './node-directory.js';

/** Where an office's engine runs, as seen by the node asking. */
export type OfficeRoute =
  | { kind: 'local'; token: number }
  | { kind: 'remote'; nodeId: string; url: string; token: number };

export class OwnershipUnavailableError extends Error {
  override readonly name = 'OwnershipUnavailableError';
}

/**
 * One office, one owner. A single node owns everything; in a cluster the owner is whoever holds the office's lease,
 * and a node that is asked about an office nobody holds takes the lease itself.
 */
export interface OfficeOwnership {
  /**
   * Where the office runs. Takes the lease when it is free; waits (up to `waitMs`) while the lease is still held by a
   * node that has died, until it runs out. `forwarded` connections already came through another node: they are never
   * sent on again, so a stale view cannot bounce a connection around the cluster.
   */
  route(officeId: string, opts?: { forwarded?: { token: number }; waitMs?: number }): Promise<OfficeRoute>;
  /** Whether this node holds the office now (cheap: no store round trip). */
  owns(officeId: string): boolean;
  /** Called when this node stops owning an office it held (the lease could not be renewed in time). */
  onLost(fn: (officeId: string, why: string) => void): void;
  /** Gives an office up on purpose (its engine emptied), so it can start on whichever node is asked next. */
  release(officeId: string): Promise<void>;
  /** Offices this node owns. */
  owned(): string[];
  close(): Promise<void>;
}

/** The embedded default: one node, which owns every office. */
export class SingleNodeOwnership implements OfficeOwnership {
  async route(): Promise<OfficeRoute> {
    return { kind: 'local', token: 0 };
  }
  owns(): boolean {
    return true;
  }
  onLost(): void {}
  async release(): Promise<void> {}
  owned(): string[] {
    return [];
  }
  async close(): Promise<void> {}
}

export interface LeasedOwnershipOptions {
  store: LeaseStore;
  directory: NodeDirectory;
  nodeId: string;
  ttlMs: number;
  /** How often a lease is renewed; short, so that an outage of the store is bridged by the time left on the lease. */
  renewEveryMs?: number;
  /** How often a node waiting for a dead owner's lease asks again. */
  pollMs?: number;
  scheduler?: Scheduler;
  sleep?: (ms: number) => Promise<void>;
}

/** Ownership by leases in a shared store (Redis), with fencing tokens. */
export class LeasedOwnership implements OfficeOwnership {
  private readonly keepers = new Map<string, LeaseKeeper>();
  /** Acquisitions in flight, so concurrent hellos for one office make one attempt. */
  private readonly acquiring = new Map<string, Promise<LeaseGrant | undefined>>();
  private readonly lostListeners: ((officeId: string, why: string) => void)[] = [];
  private closed = false;

  constructor(private readonly opts: LeasedOwnershipOptions) {}

  owns(officeId: string): boolean {
    return this.keepers.get(officeId)?.state.held === true;
  }

  owned(): string[] {
    return [...this.keepers.entries()].filter(([, k]) => k.state.held).map(([id]) => id);
  }

  onLost(fn: (officeId: string, why: string) => void): void {
    this.lostListeners.push(fn);
  }

  async route(officeId: string, opts: { forwarded?: { token: number }; waitMs?: number } = {}): Promise<OfficeRoute> {
    const clock = this.opts.scheduler ?? realScheduler;
    const deadline = clock.now() + (opts.waitMs ?? this.opts.ttlMs + 3000);
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (;;) {
      if (this.closed) throw new OwnershipUnavailableError('this node is shutting down');
      const held = this.keepers.get(officeId)?.state;
      if (held?.held) {
        // A forwarding node saw a grant; a newer one is fine (we took the office again), an older one cannot be ours.
        if (opts.forwarded && held.grant.token < opts.forwarded.token) throw new OwnershipUnavailableError('the forwarding node knows a newer owner');
        return { kind: 'local', token: held.grant.token };
      }
      const grant = await this.acquire(officeId);
      if (grant) return { kind: 'local', token: grant.token };
      const holder = await this.opts.store.holder(leaseKey(officeId));
      if (holder && holder.owner !== this.opts.nodeId && !opts.forwarded) {
        const url = this.opts.directory.alive().has(holder.owner) ? await this.opts.directory.urlOf(holder.owner) : undefined;
        if (url) return { kind: 'remote', nodeId: holder.owner, url, token: holder.token };
      }
      // The holder is dead (its lease has not run out yet), or is this node from before a restart, or the
      // connection was forwarded here by a node with an older view: wait for the lease to run out or move.
      if (clock.now() >= deadline) throw new OwnershipUnavailableError(holder ? `office ${officeId} is held by ${holder.owner}, which cannot be reached` : `office ${officeId} could not be taken`);
      await sleep(this.opts.pollMs ?? 250);
    }
  }

  private acquire(officeId: string): Promise<LeaseGrant | undefined> {
    let p = this.acquiring.get(officeId);
    if (!p) {
      const keeper = new LeaseKeeper(
        this.opts.store,
        leaseKey(officeId),
        this.opts.nodeId,
        { ttlMs: this.opts.ttlMs, renewEveryMs: this.opts.renewEveryMs ?? Math.min(1000, Math.floor(this.opts.ttlMs / 4)), safetyMs: Math.min(1000, Math.floor(this.opts.ttlMs / 5)) },
        {
          lost: (_grant, why) => {
            if (this.keepers.get(officeId) === keeper) this.keepers.delete(officeId);
            for (const fn of this.lostListeners) fn(officeId, why);
          },
        },
        this.opts.scheduler,
      );
      p = keeper
        .tryAcquire()
        .then((grant) => {
          if (grant) this.keepers.set(officeId, keeper);
          return grant;
        })
        .finally(() => this.acquiring.delete(officeId));
      this.acquiring.set(officeId, p);
    }
    return p;
  }

  async release(officeId: string): Promise<void> {
    const keeper = this.keepers.get(officeId);
    this.keepers.delete(officeId);
    await keeper?.release();
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.keepers.values()];
    this.keepers.clear();
    await Promise.all(all.map((k) => k.release()));
  }
}

/** The lease's key in the store (the store adds its own prefix). */
export function leaseKey(officeId: string): string {
  return `office:${officeId}`;
}
