import { GraphArgumentError } from './errors.js';

/** One bucket a reservation draws from. Capacity and refill travel with every call, so the store keeps no catalogue. */
export interface BucketDraw {
  readonly key: string;
  readonly cost: number;
  readonly capacity: number;
  readonly refillPerMs: number;
}

/**
 * The answer to a reservation.
 * - `granted: true`: the tokens are taken; the request may be sent after `waitMs` (0 = now).
 * - `granted: false`: nothing was taken; the budget could cover it in `waitMs` (Infinity = never, e.g. cost above
 *   capacity), which is more than the caller was willing to wait.
 */
export interface BucketTake {
  readonly granted: boolean;
  readonly waitMs: number;
}

export interface ReserveOptions {
  /**
   * How far ahead the caller accepts to wait. Within it the tokens are taken at once and the bucket goes into debt,
   * so waiters queue in arrival order instead of racing for each refill. Default 0: only what is covered now.
   */
  readonly maxWaitMs?: number;
  /** Tokens (as a fraction of capacity) that must stay in each bucket after this draw: low-priority work leaves headroom. */
  readonly keepFraction?: number;
  /** Retry-After gates that must be open; a closed gate delays the reservation until it opens. */
  readonly gates?: readonly string[];
}

/**
 * Token buckets and Retry-After gates, shared by everyone using the same store: in-process, or across nodes in Redis.
 * Buckets start full and refill continuously; `now` is passed in so the caller's clock (possibly accelerated) rules.
 */
export interface BucketStore {
  /** Takes `cost` tokens from one bucket if it covers them now. */
  take(key: string, cost: number, capacity: number, refillPerMs: number, now: number): Promise<BucketTake>;
  /** All-or-nothing reservation over several buckets and gates, atomically. */
  reserve(draws: readonly BucketDraw[], now: number, options?: ReserveOptions): Promise<BucketTake>;
  /** Closes a gate (or extends it) until `untilMs`; it never shortens a longer block already in place. */
  block(key: string, untilMs: number): Promise<void>;
  /** When the gate opens again; 0 when it is open. */
  blockedUntil(key: string): Promise<number>;
  close(): Promise<void>;
}

export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export function validateDraws(draws: readonly BucketDraw[], options: ReserveOptions): void {
  for (const d of draws) {
    if (!(d.cost >= 0) || !(d.capacity > 0) || !(d.refillPerMs > 0) || !Number.isFinite(d.capacity) || !Number.isFinite(d.refillPerMs)) {
      throw new GraphArgumentError(`Bucket ${d.key} needs a cost >= 0 and a positive, finite capacity and refill rate`);
    }
  }
  const keep = options.keepFraction ?? 0;
  if (!(keep >= 0 && keep < 1)) throw new GraphArgumentError('keepFraction must be in [0, 1)');
  const maxWaitMs = options.maxWaitMs ?? 0;
  if (!(Number.isFinite(maxWaitMs) && maxWaitMs >= 0)) throw new GraphArgumentError('maxWaitMs must be a finite number >= 0');
}

/** The tokens in a bucket at `now`, from its last state (a missing bucket is full). */
export function tokensAt(state: BucketState | undefined, bucket: Pick<BucketDraw, 'capacity' | 'refillPerMs'>, now: number): number {
  if (state === undefined) return bucket.capacity;
  const elapsed = Math.max(0, now - state.updatedAt);
  return Math.min(bucket.capacity, state.tokens + elapsed * bucket.refillPerMs);
}

/**
 * The reservation rule, shared by the in-process store and mirrored line by line in the Redis Lua script.
 * Returns the decision and, when granted, the tokens each bucket holds afterwards (possibly negative: debt).
 */
export function decideReservation(
  draws: readonly BucketDraw[],
  tokensNow: readonly number[],
  gateWaitMs: number,
  options: ReserveOptions,
): { take: BucketTake; after: number[] } {
  const keepFraction = options.keepFraction ?? 0;
  let waitMs = Math.max(0, gateWaitMs);
  draws.forEach((d, i) => {
    const keep = keepFraction * d.capacity;
    const needed = d.cost + keep;
    if (needed > d.capacity) {
      waitMs = Infinity;
      return;
    }
    const tokens = tokensNow[i] ?? d.capacity;
    if (tokens < needed) waitMs = Math.max(waitMs, (needed - tokens) / d.refillPerMs);
  });
  if (waitMs > (options.maxWaitMs ?? 0)) return { take: { granted: false, waitMs }, after: [] };
  return { take: { granted: true, waitMs }, after: draws.map((d, i) => (tokensNow[i] ?? d.capacity) - d.cost) };
}

/** In-process buckets: one node, or tests. Buckets that have refilled completely are forgotten now and then. */
export class MemoryBucketStore implements BucketStore {
  private readonly buckets = new Map<string, BucketState & { capacity: number; refillPerMs: number }>();
  private readonly gates = new Map<string, number>();
  private operations = 0;

  async take(key: string, cost: number, capacity: number, refillPerMs: number, now: number): Promise<BucketTake> {
    return this.reserve([{ key, cost, capacity, refillPerMs }], now);
  }

  async reserve(draws: readonly BucketDraw[], now: number, options: ReserveOptions = {}): Promise<BucketTake> {
    validateDraws(draws, options);
    let gateUntil = 0;
    for (const gate of options.gates ?? []) gateUntil = Math.max(gateUntil, this.gates.get(gate) ?? 0);
    const tokensNow = draws.map((d) => tokensAt(this.buckets.get(d.key), d, now));
    const { take, after } = decideReservation(draws, tokensNow, gateUntil - now, options);
    if (take.granted) {
      draws.forEach((d, i) => {
        this.buckets.set(d.key, { tokens: after[i] ?? 0, updatedAt: Math.max(now, this.buckets.get(d.key)?.updatedAt ?? now), capacity: d.capacity, refillPerMs: d.refillPerMs });
      });
    }
    if (++this.operations % 1024 === 0) this.forgetIdle(now);
    return take;
  }

  async block(key: string, untilMs: number): Promise<void> {
    this.gates.set(key, Math.max(untilMs, this.gates.get(key) ?? 0));
  }

  async blockedUntil(key: string): Promise<number> {
    return this.gates.get(key) ?? 0;
  }

  async close(): Promise<void> {
    this.buckets.clear();
    this.gates.clear();
  }

  private forgetIdle(now: number): void {
    for (const [key, b] of this.buckets) {
      if (tokensAt(b, b, now) >= b.capacity) this.buckets.delete(key);
    }
    for (const [key, until] of this.gates) {
      if (until <= now) this.gates.delete(key);
    }
  }
}
