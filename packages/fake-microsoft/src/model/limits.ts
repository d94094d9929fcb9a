import type { Clock } from '../clock.js';
import { FakeMicrosoftError } from '../errors.js';

/**
 * The documented Graph limits (DESIGN.md §6). "-tenant" limits are per app per tenant, "-global" per app across
 * tenants, `team` per app per team, `meetings` per organizer per calendar month, `directory-*` in resource units by
 * tenant size.
 */
export const LIMIT_IDS = [
  'global',
  'presence',
  'activity-tenant',
  'activity-global',
  'teams-tenant',
  'teams-global',
  'members-tenant',
  'members-global',
  'team',
  'meetings',
  'directory-small',
  'directory-medium',
  'directory-large',
] as const;
export type LimitId = (typeof LIMIT_IDS)[number];

/** `limit` units per `windowMs`, refilled continuously (token bucket); `calendar-month` resets at the UTC month start. */
export type LimitSpec = { kind: 'bucket'; limit: number; windowMs: number } | { kind: 'calendar-month'; limit: number };

export const DEFAULT_LIMITS: Readonly<Record<LimitId, LimitSpec>> = {
  global: { kind: 'bucket', limit: 130_000, windowMs: 10_000 },
  presence: { kind: 'bucket', limit: 1_500, windowMs: 30_000 },
  'activity-tenant': { kind: 'bucket', limit: 5, windowMs: 1_000 },
  'activity-global': { kind: 'bucket', limit: 50, windowMs: 1_000 },
  'teams-tenant': { kind: 'bucket', limit: 30, windowMs: 1_000 },
  'teams-global': { kind: 'bucket', limit: 300, windowMs: 1_000 },
  'members-tenant': { kind: 'bucket', limit: 60, windowMs: 1_000 },
  'members-global': { kind: 'bucket', limit: 1_200, windowMs: 1_000 },
  team: { kind: 'bucket', limit: 4, windowMs: 1_000 },
  meetings: { kind: 'calendar-month', limit: 2_000 },
  'directory-small': { kind: 'bucket', limit: 3_500, windowMs: 10_000 },
  'directory-medium': { kind: 'bucket', limit: 5_000, windowMs: 10_000 },
  'directory-large': { kind: 'bucket', limit: 8_000, windowMs: 10_000 },
};

/** Directory reads are priced in resource units: a single object costs 1, a list 2. */
export const DIRECTORY_COST = { single: 1, list: 2 } as const;

export function directoryLimitFor(tenantUserCount: number): LimitId {
  if (tenantUserCount < 50) return 'directory-small';
  if (tenantUserCount <= 500) return 'directory-medium';
  return 'directory-large';
}

/** One request's demand on one limit; `scope` is the tenant id, team id, user id, or '*' for app-wide limits. */
export interface LimitCharge {
  limit: LimitId;
  scope: string;
  cost?: number;
}

export type RetryAfterStyle = 'integer' | 'fractional';

export type ThrottleDecision =
  | { ok: true }
  | { ok: false; limit: LimitId; retryAfterSeconds: number; retryAfterHeader: string; earlyRetry: boolean };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets per (app, limit, scope) plus the Retry-After book: after a 429, any request for the same
 * (app, limit, scope) that arrives before the announced Retry-After has run out is an "early retry". It is counted
 * and throttled again, as Graph would.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly monthly = new Map<string, { month: string; used: number }>();
  private readonly retryUntil = new Map<string, number>();
  private specs: Record<LimitId, LimitSpec>;
  private retryAfterStyle: RetryAfterStyle;
  readonly throttled = new Map<LimitId, number>();
  readonly earlyRetries = new Map<LimitId, number>();

  constructor(
    private readonly clock: Clock,
    options: { overrides?: Partial<Record<LimitId, LimitSpec>>; retryAfterStyle?: RetryAfterStyle } = {},
  ) {
    this.specs = { ...DEFAULT_LIMITS };
    this.retryAfterStyle = options.retryAfterStyle ?? 'integer';
    this.configure(options);
  }

  configure(options: { overrides?: Partial<Record<LimitId, LimitSpec>>; retryAfterStyle?: RetryAfterStyle }): void {
    if (options.retryAfterStyle !== undefined) {
      if (options.retryAfterStyle !== 'integer' && options.retryAfterStyle !== 'fractional') {
        throw new FakeMicrosoftError(`retryAfterStyle must be 'integer' or 'fractional', got ${String(options.retryAfterStyle)}`);
      }
      this.retryAfterStyle = options.retryAfterStyle;
    }
    for (const [id, spec] of Object.entries(options.overrides ?? {})) {
      if (!(LIMIT_IDS as readonly string[]).includes(id)) throw new FakeMicrosoftError(`unknown limit '${id}'; known: ${LIMIT_IDS.join(', ')}`);
      if (!spec || !(spec.limit > 0) || (spec.kind === 'bucket' && !(spec.windowMs > 0))) {
        throw new FakeMicrosoftError(`limit '${id}' needs a positive limit${spec?.kind === 'bucket' ? ' and windowMs' : ''}`);
      }
      this.specs[id as LimitId] = spec;
    }
  }

  spec(id: LimitId): LimitSpec {
    return this.specs[id];
  }

  /** All charges pass or none is consumed. */
  take(appId: string, charges: readonly LimitCharge[]): ThrottleDecision {
    const now = this.clock.now();
    for (const charge of charges) {
      const until = this.retryUntil.get(this.key(appId, charge));
      if (until !== undefined && now < until) {
        bump(this.earlyRetries, charge.limit);
        bump(this.throttled, charge.limit);
        const remaining = (until - now) / 1000;
        return { ok: false, limit: charge.limit, earlyRetry: true, ...this.formatRetryAfter(remaining) };
      }
    }
    let worst: { charge: LimitCharge; waitSeconds: number } | undefined;
    for (const charge of charges) {
      const waitSeconds = this.waitFor(appId, charge, now);
      if (waitSeconds > 0 && (!worst || waitSeconds > worst.waitSeconds)) worst = { charge, waitSeconds };
    }
    if (worst) {
      const retry = this.formatRetryAfter(worst.waitSeconds);
      this.retryUntil.set(this.key(appId, worst.charge), now + retry.retryAfterSeconds * 1000);
      bump(this.throttled, worst.charge.limit);
      return { ok: false, limit: worst.charge.limit, earlyRetry: false, ...retry };
    }
    for (const charge of charges) this.consume(appId, charge, now);
    return { ok: true };
  }

  private key(appId: string, charge: LimitCharge): string {
    return `${appId}|${charge.limit}|${charge.scope}`;
  }

  /** Seconds until the charge would fit, 0 when it fits now. */
  private waitFor(appId: string, charge: LimitCharge, now: number): number {
    const spec = this.specs[charge.limit];
    const cost = charge.cost ?? 1;
    if (spec.kind === 'calendar-month') {
      const used = this.monthUsage(appId, charge, now);
      if (used + cost <= spec.limit) return 0;
      const date = new Date(now);
      return (Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - now) / 1000;
    }
    const bucket = this.refilled(appId, charge, now);
    if (bucket.tokens >= cost) return 0;
    return ((cost - bucket.tokens) * spec.windowMs) / spec.limit / 1000;
  }

  private consume(appId: string, charge: LimitCharge, now: number): void {
    const spec = this.specs[charge.limit];
    const cost = charge.cost ?? 1;
    if (spec.kind === 'calendar-month') {
      const month = monthOf(now);
      const entry = this.monthly.get(this.key(appId, charge));
      this.monthly.set(this.key(appId, charge), { month, used: (entry?.month === month ? entry.used : 0) + cost });
      return;
    }
    this.refilled(appId, charge, now).tokens -= cost;
  }

  private monthUsage(appId: string, charge: LimitCharge, now: number): number {
    const entry = this.monthly.get(this.key(appId, charge));
    return entry && entry.month === monthOf(now) ? entry.used : 0;
  }

  private refilled(appId: string, charge: LimitCharge, now: number): Bucket {
    const spec = this.specs[charge.limit] as Extract<LimitSpec, { kind: 'bucket' }>;
    const key = this.key(appId, charge);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: spec.limit, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    const elapsed = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(spec.limit, bucket.tokens + (elapsed * spec.limit) / spec.windowMs);
    bucket.updatedAt = now;
    return bucket;
  }

  private formatRetryAfter(seconds: number): { retryAfterSeconds: number; retryAfterHeader: string } {
    if (this.retryAfterStyle === 'fractional') {
      // Tenths of a second, rounded up so that waiting exactly this long always succeeds.
      const tenths = Math.max(1, Math.ceil(Math.round(seconds * 1e6) / 1e5));
      const value = tenths / 10;
      return { retryAfterSeconds: value, retryAfterHeader: value.toFixed(1) };
    }
    const whole = Math.max(1, Math.ceil(Math.round(seconds * 1e6) / 1e6));
    return { retryAfterSeconds: whole, retryAfterHeader: String(whole) };
  }
}

function monthOf(nowMs: number): string {
  const date = new Date(nowMs);
  return `${date.getUTCFullYear()}-${date.getUTCMonth()}`;
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
