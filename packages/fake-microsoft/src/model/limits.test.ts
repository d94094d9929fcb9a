import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { DEFAULT_LIMITS, LIMIT_IDS, RateLimiter, directoryLimitFor, type LimitId } from './limits.js';

const APP = 'app-1';

describe('RateLimiter', () => {
  const bucketLimits = LIMIT_IDS.filter((id) => DEFAULT_LIMITS[id].kind === 'bucket');

  it.each(bucketLimits)('lets exactly the documented %s budget through, then 429 until Retry-After has run', (limit: LimitId) => {
    const spec = DEFAULT_LIMITS[limit] as { limit: number; windowMs: number };
    const clock = new ManualClock(Date.UTC(2025, 0, 15));
    const limiter = new RateLimiter(clock);
    const charge = [{ limit, scope: 'tenant-a' }];
    for (let i = 0; i < spec.limit; i += 1) expect(limiter.take(APP, charge).ok).toBe(true);
    const denied = limiter.take(APP, charge);
    expect(denied).toMatchObject({ ok: false, limit, earlyRetry: false });
    if (denied.ok) return;
    expect(Number(denied.retryAfterHeader)).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(Number(denied.retryAfterHeader))).toBe(true);
    // Another scope (tenant, team) has its own bucket.
    expect(limiter.take(APP, [{ limit, scope: 'tenant-b' }]).ok).toBe(true);
    clock.advance(denied.retryAfterSeconds * 1000);
    expect(limiter.take(APP, charge).ok).toBe(true);
    // The refill rate is the documented one: a full window restores the whole budget.
    clock.advance(spec.windowMs);
    for (let i = 0; i < spec.limit; i += 1) expect(limiter.take(APP, charge).ok).toBe(true);
    expect(limiter.take(APP, charge).ok).toBe(false);
    expect(limiter.throttled.get(limit)).toBe(2);
  });

  it('counts requests inside a running Retry-After as early retries and throttles them again', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 15));
    const limiter = new RateLimiter(clock);
    const charge = [{ limit: 'activity-tenant' as const, scope: 't' }];
    for (let i = 0; i < 5; i += 1) limiter.take(APP, charge);
    const first = limiter.take(APP, charge);
    expect(first).toMatchObject({ ok: false, retryAfterHeader: '1', earlyRetry: false });
    clock.advance(500);
    expect(limiter.take(APP, charge)).toMatchObject({ ok: false, earlyRetry: true });
    clock.advance(499);
    expect(limiter.take(APP, charge)).toMatchObject({ ok: false, earlyRetry: true });
    expect(limiter.earlyRetries.get('activity-tenant')).toBe(2);
    clock.advance(1);
    expect(limiter.take(APP, charge).ok).toBe(true);
    expect(limiter.earlyRetries.get('activity-tenant')).toBe(2);
  });

  it('sends fractional Retry-After values when told to, exact to the tenth', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 15));
    const limiter = new RateLimiter(clock, { retryAfterStyle: 'fractional', overrides: { presence: { kind: 'bucket', limit: 2, windowMs: 3_000 } } });
    const charge = [{ limit: 'presence' as const, scope: 't' }];
    limiter.take(APP, charge);
    limiter.take(APP, charge);
    clock.advance(100);
    const denied = limiter.take(APP, charge);
    expect(denied).toMatchObject({ ok: false, retryAfterHeader: '1.4' });
    clock.advance(1_400);
    expect(limiter.take(APP, charge).ok).toBe(true);
  });

  it('consumes nothing when one of several charges is short', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 15));
    const limiter = new RateLimiter(clock, { overrides: { team: { kind: 'bucket', limit: 1, windowMs: 1_000 } } });
    expect(limiter.take(APP, [{ limit: 'teams-tenant', scope: 't' }, { limit: 'team', scope: 'x' }]).ok).toBe(true);
    expect(limiter.take(APP, [{ limit: 'teams-tenant', scope: 't' }, { limit: 'team', scope: 'x' }])).toMatchObject({ ok: false, limit: 'team' });
    for (let i = 0; i < 29; i += 1) expect(limiter.take(APP, [{ limit: 'teams-tenant', scope: 't' }]).ok).toBe(true);
    expect(limiter.take(APP, [{ limit: 'teams-tenant', scope: 't' }]).ok).toBe(false);
  });

  it('allows 2,000 meeting creations per organizer per calendar month', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 31, 23, 0, 0));
    const limiter = new RateLimiter(clock);
    const charge = [{ limit: 'meetings' as const, scope: 'user-1' }];
    for (let i = 0; i < 2_000; i += 1) expect(limiter.take(APP, charge).ok).toBe(true);
    const denied = limiter.take(APP, charge);
    expect(denied).toMatchObject({ ok: false, retryAfterHeader: '3600' });
    expect(limiter.take(APP, [{ limit: 'meetings', scope: 'user-2' }]).ok).toBe(true);
    clock.advance(3_600_000);
    expect(limiter.take(APP, charge).ok).toBe(true);
  });

  it('prices directory reads in resource units by tenant size', () => {
    expect([directoryLimitFor(49), directoryLimitFor(50), directoryLimitFor(500), directoryLimitFor(501)]).toEqual(['directory-small', 'directory-medium', 'directory-medium', 'directory-large']);
    const limiter = new RateLimiter(new ManualClock(Date.UTC(2025, 0, 1)));
    for (let i = 0; i < 1_750; i += 1) expect(limiter.take(APP, [{ limit: 'directory-small', scope: 't', cost: 2 }]).ok).toBe(true);
    expect(limiter.take(APP, [{ limit: 'directory-small', scope: 't', cost: 1 }]).ok).toBe(false);
  });

  it('rejects unknown limits and bad specs without changing the configuration', () => {
    const limiter = new RateLimiter(new ManualClock());
    expect(() => limiter.configure({ overrides: { nope: { kind: 'bucket', limit: 1, windowMs: 1 } } as never })).toThrow(/unknown limit/);
    expect(() => limiter.configure({ overrides: { presence: { kind: 'bucket', limit: 0, windowMs: 1 } } })).toThrow(/positive/);
    expect(limiter.spec('presence')).toEqual(DEFAULT_LIMITS.presence);
  });
});
