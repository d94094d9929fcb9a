import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export type FrameKind = 'move' | 'control' | 'signal' | 'chat';

export const FRAME_KINDS: readonly FrameKind[] = ['move', 'control', 'signal', 'chat'];

export interface FrameRate {
  perSecond: number;
  burst: number;
}

/** What one connection may send of each kind. */
export function frameRates(opts: { stepsPerSecond: number }): Record<FrameKind, FrameRate> {
  return {
    // Moves arrive at most at walking speed; three times that plus a burst covers turns and stops.
    move: { perSecond: opts.stepsPerSecond * 3, burst: 20 },
    control: { perSecond: 20, burst: 40 },
    // ICE candidates come in bursts when a call starts; a mesh of six renegotiating stays well inside this.
    signal: { perSecond: 60, burst: 300 },
    chat: { perSecond: 3, burst: 10 },
  };
}

/** A token bucket: synchronous and allocation-free, so it can sit in front of every frame. */
export class FrameBudget {
  private tokens: number;
  private last: number;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }
  take(now: number = this.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface FrameLimitsOptions {
  stepsPerSecond: number;
  /** Shares per-user limits through Redis; without it they are shared by this node's connections only. */
  redis?: Redis;
  /** Prefix of the Redis keys, e.g. "metaoffice:"; keys are `${keyPrefix}frames:${kind}:${userId}`. */
  keyPrefix?: string;
  now?: () => number;
  /** Length of the shared counting window, whole seconds (rate-limiter-flexible rounds to seconds). Default 10. */
  windowSeconds?: number;
  /** How long a user who went over a per-user budget stays blocked everywhere, whole seconds. Default 30. */
  blockSeconds?: number;
  /** How often counts of users already past the reporting threshold are sent. Default 250 ms. */
  reportMs?: number;
  /** Called when this node learns that a user is blocked (for logs and metrics). */
  onBlocked?: (userId: string, kind: FrameKind, ms: number) => void;
}

export interface ConnectionFrameLimits {
  /** False means drop this frame: the connection's bucket is empty, or the user is blocked cluster-wide. */
  take(kind: FrameKind): boolean;
  /** How much longer the user is blocked for this kind, 0 when not blocked. */
  blockedMs(kind: FrameKind): number;
  /**
   * Settles (never rejects) once the user's shared block state has been read. Until then frames are limited by the
   * local bucket only, so awaiting it before joining closes the gap for a blocked user reconnecting elsewhere.
   */
  readonly ready: Promise<void>;
  release(): void;
}

/** Per user and kind on this node: counts not yet reported, and what this node knows of a shared block. */
interface KindState {
  readonly userId: string;
  readonly kind: FrameKind;
  windowStart: number;
  windowCount: number;
  pending: number;
  /** Past the reporting threshold in the current window: counts go out on every report tick. */
  hot: boolean;
  inFlight: boolean;
  blockedUntil: number;
}

interface UserState {
  refs: number;
  releasedAt: number;
  kinds: Record<FrameKind, KindState>;
  ready: Promise<void>;
}

/**
 * Per-connection frame limits plus per-user limits shared by every node. Every frame goes through a local token
 * bucket only; a user's frames are counted on this node and sent to the shared limiter in batches, and only once
 * they pass half the per-user budget in a window. Normal clients therefore never cause a Redis call after joining,
 * and a flooder is found within a report tick or two. Attempts count, not accepted frames: a client hammering an
 * empty bucket is exactly the one to throttle everywhere.
 *
 * A user spreading a flood over several nodes, each staying under half the budget, is not caught; each connection
 * is still held to its own bucket.
 */
export class FrameLimits {
  readonly rates: Record<FrameKind, FrameRate>;
  /** Per user and kind, per window: the shared budget, and the local count at which this node starts reporting. */
  readonly shared: Record<FrameKind, { points: number; reportAt: number }>;
  private readonly limiters: Record<FrameKind, RateLimiterAbstract>;
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly blockMs: number;
  private readonly users = new Map<string, UserState>();
  private readonly hot = new Set<KindState>();
  private readonly idle = new Set<string>();
  private readonly timer: ReturnType<typeof setInterval>;
  private closed = false;

  constructor(private readonly opts: FrameLimitsOptions) {
    const windowSeconds = opts.windowSeconds ?? 10;
    const blockSeconds = opts.blockSeconds ?? 30;
    // Redis keeps a zero-second expiry as "never expires": a fractional second would block a user forever.
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError('windowSeconds must be a whole number of seconds, at least 1');
    if (!Number.isInteger(blockSeconds) || blockSeconds < 1) throw new RangeError('blockSeconds must be a whole number of seconds, at least 1');
    this.now = opts.now ?? Date.now;
    this.windowMs = windowSeconds * 1000;
    this.blockMs = blockSeconds * 1000;
    this.rates = frameRates(opts);
    const prefix = opts.keyPrefix ?? 'metaoffice:';
    const shared = {} as Record<FrameKind, { points: number; reportAt: number }>;
    const limiters = {} as Record<FrameKind, RateLimiterAbstract>;
    for (const kind of FRAME_KINDS) {
      const { perSecond, burst } = this.rates[kind];
      // As much as one connection can send at full rate over the window: a user needs more only by flooding or by
      // multiplying connections.
      const points = Math.ceil(perSecond * windowSeconds + burst);
      shared[kind] = { points, reportAt: Math.ceil(points / 2) };
      const base = { points, duration: windowSeconds, blockDuration: blockSeconds, keyPrefix: `${prefix}frames:${kind}` };
      limiters[kind] = opts.redis
        ? new RateLimiterRedis({
            ...base,
            storeClient: opts.redis,
            // ioredis, not the `redis` package.
            useRedisPackage: false,
            // While Redis is away, go to the insurance limiter at once instead of queueing behind a reconnect.
            rejectIfRedisNotReady: true,
            // A Redis outage leaves this node's per-user limits in place instead of letting everyone through.
            insuranceLimiter: new RateLimiterMemory({ points, duration: windowSeconds, keyPrefix: base.keyPrefix }),
          })
        : new RateLimiterMemory(base);
    }
    this.shared = shared;
    this.limiters = limiters;
    this.timer = setInterval(() => this.tick(), opts.reportMs ?? 250);
    this.timer.unref?.();
  }

  forConnection(userId: string): ConnectionFrameLimits {
    let user = this.users.get(userId);
    if (user) {
      if (user.refs++ === 0) this.idle.delete(userId);
    } else {
      user = this.newUser(userId);
      this.users.set(userId, user);
    }
    const u = user;
    return new ConnectionLimits(u, this.rates, this.now, this.countFn, () => this.released(userId, u));
  }

  /** Stops reporting. Connections keep working on their local buckets. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.hot.clear();
    this.idle.clear();
    this.users.clear();
  }

  private readonly countFn = (s: KindState, t: number): void => this.count(s, t);

  /** Counts one attempt; called by a connection for every frame that is not already blocked. */
  private count(s: KindState, t: number): void {
    if (t - s.windowStart >= this.windowMs) {
      s.windowStart = t;
      s.windowCount = 0;
      // Below the threshold last window: nothing worth telling the others.
      if (!s.hot) s.pending = 0;
    }
    s.windowCount++;
    s.pending++;
    if (!s.hot && s.windowCount >= this.shared[s.kind].reportAt) {
      s.hot = true;
      this.hot.add(s);
      // Reported now rather than at the next tick, so a burst flood is caught before it has run for long.
      this.report(s);
    }
  }

  private released(userId: string, user: UserState): void {
    if (--user.refs > 0 || this.users.get(userId) !== user) return;
    // Kept for a window, so disconnecting and reconnecting does not reset a flooder's counts on this node.
    user.releasedAt = this.now();
    this.idle.add(userId);
  }

  private newUser(userId: string): UserState {
    const kinds = {} as Record<FrameKind, KindState>;
    for (const kind of FRAME_KINDS) {
      kinds[kind] = { userId, kind, windowStart: -Infinity, windowCount: 0, pending: 0, hot: false, inFlight: false, blockedUntil: 0 };
    }
    const user: UserState = { refs: 1, releasedAt: 0, kinds, ready: Promise.resolve() };
    // A user blocked on another node (or before reconnecting here) starts out blocked on this one.
    user.ready = Promise.all(FRAME_KINDS.map((kind) => this.readBlock(kinds[kind]))).then(() => undefined);
    return user;
  }

  private async readBlock(s: KindState): Promise<void> {
    const limiter = this.limiters[s.kind];
    try {
      const res = await limiter.get(s.userId);
      // A key over its points is a blocked one: rate-limiter-flexible stores the block as the key living on.
      if (res && res.consumedPoints > limiter.points && res.msBeforeNext > 0) this.block(s, res.msBeforeNext);
    } catch {
      // Redis and the insurance limiter both failed: the local bucket still applies.
    }
  }

  private report(s: KindState): void {
    if (s.inFlight || s.pending <= 0 || this.closed) return;
    const points = s.pending;
    s.pending = 0;
    s.inFlight = true;
    const rejected = (err: unknown): void => {
      s.inFlight = false;
      if (err instanceof RateLimiterRes) this.block(s, err.msBeforeNext);
      // Anything else is a store failure the insurance limiter could not cover; the local bucket still applies.
    };
    try {
      this.limiters[s.kind].consume(s.userId, points).then(() => void (s.inFlight = false), rejected);
    } catch (err) {
      rejected(err);
    }
  }

  private block(s: KindState, ms: number): void {
    const until = this.now() + (ms > 0 ? ms : this.blockMs);
    // What was counted led to this block; counting starts over once it ends.
    s.pending = 0;
    s.windowCount = 0;
    if (until <= s.blockedUntil) return;
    s.blockedUntil = until;
    if (!this.closed) this.opts.onBlocked?.(s.userId, s.kind, until - this.now());
  }

  private tick(): void {
    for (const s of this.hot) {
      this.report(s);
      // Back under the threshold (a new window, or a block reset the count): quiet again until it passes it anew.
      if (s.windowCount < this.shared[s.kind].reportAt) {
        s.hot = false;
        this.hot.delete(s);
      }
    }
    if (this.idle.size === 0) return;
    const t = this.now();
    for (const userId of this.idle) {
      const user = this.users.get(userId);
      if (!user || user.refs > 0) {
        this.idle.delete(userId);
        continue;
      }
      if (t - user.releasedAt < this.windowMs) continue;
      this.idle.delete(userId);
      this.users.delete(userId);
      for (const kind of FRAME_KINDS) this.hot.delete(user.kinds[kind]);
    }
  }
}

class ConnectionLimits implements ConnectionFrameLimits {
  private readonly buckets: Record<FrameKind, FrameBudget>;
  private done = false;
  readonly ready: Promise<void>;

  constructor(
    private readonly user: UserState,
    rates: Record<FrameKind, FrameRate>,
    private readonly now: () => number,
    private readonly count: (s: KindState, t: number) => void,
    private readonly onRelease: () => void,
  ) {
    this.ready = user.ready;
    this.buckets = {
      move: new FrameBudget(rates.move.perSecond, rates.move.burst, now),
      control: new FrameBudget(rates.control.perSecond, rates.control.burst, now),
      signal: new FrameBudget(rates.signal.perSecond, rates.signal.burst, now),
      chat: new FrameBudget(rates.chat.perSecond, rates.chat.burst, now),
    };
  }

  take(kind: FrameKind): boolean {
    const t = this.now();
    const s = this.user.kinds[kind];
    // A blocked user's frames are neither counted nor reported: the block stands until it ends, without Redis calls.
    if (t < s.blockedUntil) return false;
    this.count(s, t);
    return this.buckets[kind].take(t);
  }

  blockedMs(kind: FrameKind): number {
    return Math.max(0, this.user.kinds[kind].blockedUntil - this.now());
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    this.onRelease();
  }
}
