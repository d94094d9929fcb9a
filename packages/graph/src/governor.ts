import type { BucketStore } from './buckets.js';
import { realSleep, sleepUntil, systemClock, type Clock, type Sleep } from './clock.js';
import { GraphShedError } from './errors.js';
import type { RequestLimits } from './limits.js';
import { notify, type GraphObserver } from './observer.js';
import type { GraphPriority } from './priority.js';

/** How long each priority may wait for budget before it is shed. Background work is shed as soon as it would wait. */
export const DEFAULT_MAX_WAIT_MS: Readonly<Record<GraphPriority, number>> = { interactive: 10_000, normal: 30_000, background: 0 };

/** Share of every bucket a priority must leave untouched, so polling never eats the budget a person is waiting for. */
export const DEFAULT_KEEP_FRACTION: Readonly<Record<GraphPriority, number>> = { interactive: 0, normal: 0, background: 0.2 };

export interface LimitGovernorOptions {
  readonly store: BucketStore;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly maxWaitMs?: Partial<Record<GraphPriority, number>>;
  readonly keepFraction?: Partial<Record<GraphPriority, number>>;
  readonly observer?: GraphObserver;
}

/**
 * Admits requests only when every budget they need covers them (DESIGN.md §6): waits for the budget, or sheds with
 * `GraphShedError`. Also keeps Retry-After gates: once Graph throttles a request, the limits it touched stay closed for
 * everyone sharing the store until the Retry-After has run out.
 */
export class LimitGovernor {
  readonly clock: Clock;
  readonly sleep: Sleep;
  private readonly store: BucketStore;
  private readonly maxWaitMs: Record<GraphPriority, number>;
  private readonly keepFraction: Record<GraphPriority, number>;
  private readonly observer: GraphObserver | undefined;

  constructor(options: LimitGovernorOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.maxWaitMs = { ...DEFAULT_MAX_WAIT_MS, ...options.maxWaitMs };
    this.keepFraction = { ...DEFAULT_KEEP_FRACTION, ...options.keepFraction };
    this.observer = options.observer;
  }

  /** The longest a request of this priority waits for budget. */
  maxWaitFor(priority: GraphPriority): number {
    return this.maxWaitMs[priority];
  }

  /**
   * Reserves every budget the request needs and resolves when it may be sent (returning how long it waited), or
   * throws `GraphShedError` when that would take longer than the priority allows. Never resolves while one of the
   * request's Retry-After gates is closed.
   */
  async acquire(limits: RequestLimits, priority: GraphPriority): Promise<number> {
    const start = this.clock.now();
    const maxWaitMs = this.maxWaitMs[priority];
    const take = await this.store.reserve(limits.draws, start, { maxWaitMs, keepFraction: this.keepFraction[priority], gates: limits.gates });
    if (!take.granted) throw this.shed(limits, priority, take.waitMs);

    // The reservation checked the gates atomically at `start`; after any sleep someone may have closed one since.
    let readyAt = start + take.waitMs;
    while (readyAt > start) {
      await sleepUntil(this.clock, this.sleep, readyAt);
      const gateUntil = Math.max(0, ...(await Promise.all(limits.gates.map((g) => this.store.blockedUntil(g)))));
      if (gateUntil <= this.clock.now()) break;
      if (gateUntil - start > maxWaitMs) throw this.shed(limits, priority, gateUntil - start);
      readyAt = gateUntil;
    }
    const waitMs = this.clock.now() - start;
    notify(this.observer, 'onAdmitted', { tenantId: limits.tenantId, family: limits.family, priority, waitMs });
    return waitMs;
  }

  /** Closes the gates a server Retry-After on this request applies to, until `untilMs`. */
  async holdOff(limits: RequestLimits, untilMs: number): Promise<void> {
    await Promise.all(limits.retryAfterGates.map((g) => this.store.block(g, untilMs)));
  }

  private shed(limits: RequestLimits, priority: GraphPriority, waitMs: number): GraphShedError {
    notify(this.observer, 'onShed', { tenantId: limits.tenantId, family: limits.family, priority, waitMs });
    return new GraphShedError(priority, limits.family, waitMs, limits.tenantId);
  }
}
