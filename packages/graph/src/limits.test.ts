import { describe, expect, it } from 'vitest';
import { splitBatch } from './batch.js';
import { GraphArgumentError } from './errors.js';
import { ALL_TENANTS, GRAPH_LIMITS, gateKey, graphPathSegments, limitsFor, mergeLimits, type RequestLimits } from './limits.js';
import { parseRetryAfter } from './retry-after.js';

const T = 'Tenant-A';
const t = 'tenant-a';

function keysAndCosts(limits: RequestLimits): Record<string, number> {
  return Object.fromEntries(limits.draws.map((d) => [d.key, d.cost]));
}

describe('limitsFor', () => {
  it('charges every request to the app-wide bucket, and a presence read to the tenant presence bucket', () => {
    const limits = limitsFor('GET', '/users/U1/presence', T);
    expect(keysAndCosts(limits)).toEqual({ 'bucket:anyRequest': 1, [`bucket:presenceTenant:${t}`]: 1 });
    expect(limits.family).toBe('presence');
    expect(limits.tenantId).toBe(t);
    expect(limits.gates).toEqual([gateKey('any', t), gateKey('presence', t)]);
    expect(limits.retryAfterGates).toEqual([gateKey('presence', t)]);
  });

  it('reads the documented figures as token buckets that refill in their window', () => {
    const presence = limitsFor('POST', '/communications/getPresencesByUserId', T).draws.find((d) => d.limit === 'presenceTenant');
    expect(presence).toMatchObject({ capacity: 1_500, refillPerMs: 1_500 / 30_000 });
    const any = limitsFor('GET', '/me/presence', T).draws.find((d) => d.limit === 'anyRequest');
    expect(any).toMatchObject({ capacity: 130_000, refillPerMs: 13 });
  });

  it.each([
    ['POST', '/communications/getPresencesByUserId'],
    ['GET', '/me/presence'],
    ['POST', '/users/u1/presence/setPresence'],
    ['POST', '/users/u1/presence/clearPresence'],
    ['POST', 'https://graph.microsoft.com/v1.0/users/u1/presence/setPresence'],
  ])('%s %s is a presence call', (method, url) => {
    expect(limitsFor(method, url, T).family).toBe('presence');
  });

  it('charges activity notifications per tenant and app-wide, and a team-scoped one to its team too', () => {
    expect(keysAndCosts(limitsFor('POST', '/users/u1/teamwork/sendActivityNotification', T))).toEqual({
      'bucket:anyRequest': 1,
      [`bucket:activityTenant:${t}`]: 1,
      'bucket:activityApp': 1,
    });
    const team = limitsFor('POST', '/teams/TEAM1/sendActivityNotification', T);
    expect(keysAndCosts(team)).toEqual({
      'bucket:anyRequest': 1,
      [`bucket:activityTenant:${t}`]: 1,
      'bucket:activityApp': 1,
      [`bucket:singleTeam:${t}:team1`]: 1,
    });
    expect(team.family).toBe('activity');
    expect(team.retryAfterGates).toEqual([gateKey('activity', t), gateKey('team', t), gateKey('activity', ALL_TENANTS)]);
    expect(limitsFor('POST', '/chats/19:abc/sendActivityNotification', T).family).toBe('activity');
  });

  it('separates team reads, member lists and the per-team limit', () => {
    expect(keysAndCosts(limitsFor('GET', '/me/joinedTeams', T))).toEqual({
      'bucket:anyRequest': 1,
      [`bucket:teamReadTenant:${t}`]: 1,
      'bucket:teamReadApp': 1,
    });
    expect(keysAndCosts(limitsFor('GET', '/teams/x', T))).toEqual({
      'bucket:anyRequest': 1,
      [`bucket:teamReadTenant:${t}`]: 1,
      'bucket:teamReadApp': 1,
      [`bucket:singleTeam:${t}:x`]: 1,
    });
    const members = limitsFor('GET', '/teams/x/members?$top=999', T);
    expect(members.family).toBe('teamMembers');
    expect(keysAndCosts(members)).toEqual({
      'bucket:anyRequest': 1,
      [`bucket:teamMembersTenant:${t}`]: 1,
      'bucket:teamMembersApp': 1,
      [`bucket:singleTeam:${t}:x`]: 1,
    });
    // Any other call on a team still counts against that team.
    const channels = limitsFor('GET', '/teams/x/channels', T);
    expect(channels.family).toBe('team');
    expect(keysAndCosts(channels)).toEqual({ 'bucket:anyRequest': 1, [`bucket:singleTeam:${t}:x`]: 1 });
  });

  it('charges online meetings to the organiser, who must be known for /me', () => {
    const limits = limitsFor('POST', '/me/onlineMeetings/createOrGet', T, { userId: 'User-1' });
    expect(keysAndCosts(limits)).toEqual({ 'bucket:anyRequest': 1, [`bucket:meetingsPerUser:${t}:user-1`]: 1 });
    expect(limits.draws.find((d) => d.limit === 'meetingsPerUser')?.capacity).toBe(2_000);
    expect(() => limitsFor('POST', '/me/onlineMeetings/createOrGet', T)).toThrow(GraphArgumentError);
    expect(limitsFor('POST', '/users/u9/onlineMeetings', T).draws.map((d) => d.key)).toContain(`bucket:meetingsPerUser:${t}:u9`);
  });

  it('prices directory reads in resource units from a bucket sized by the tenant', () => {
    expect(limitsFor('GET', '/me', T).draws.find((d) => d.limit === 'directorySmallTenant')?.cost).toBe(1);
    expect(limitsFor('GET', '/users/u1?$select=id,displayName', T).draws.find((d) => d.limit === 'directorySmallTenant')?.cost).toBe(1);
    expect(limitsFor('GET', '/users', T).draws.find((d) => d.limit === 'directorySmallTenant')?.cost).toBe(2);
    const capacity = (n: number | undefined) => limitsFor('GET', '/me', T, n === undefined ? {} : { tenantUserCount: n }).draws.find((d) => d.limit.startsWith('directory'))?.capacity;
    expect([capacity(undefined), capacity(49), capacity(50), capacity(500), capacity(501)]).toEqual([3_500, 3_500, 5_000, 5_000, 8_000]);
  });

  it('gives a request without a documented limit the catch-all, whose Retry-After closes the tenant gate', () => {
    const limits = limitsFor('POST', '/subscriptions', T);
    expect(limits.family).toBe('any');
    expect(limits.draws.map((d) => d.key)).toEqual(['bucket:anyRequest']);
    expect(limits.retryAfterGates).toEqual([gateKey('any', t)]);
  });

  it('refuses a $batch envelope and a missing tenant', () => {
    expect(() => limitsFor('POST', '/$batch', T)).toThrow(GraphArgumentError);
    expect(() => limitsFor('GET', '/me', ' ')).toThrow(GraphArgumentError);
  });

  it('reads paths with or without origin, version and query', () => {
    expect(graphPathSegments('https://127.0.0.1:8443/v1.0/Users/AB%40x.com?$select=id')).toEqual(['users', 'ab@x.com']);
    expect(graphPathSegments('/beta/me/presence')).toEqual(['me', 'presence']);
    expect(graphPathSegments('me')).toEqual(['me']);
  });

  it('keeps every catalogue entry a usable bucket', () => {
    for (const spec of Object.values(GRAPH_LIMITS)) {
      expect(spec.capacity).toBeGreaterThan(0);
      expect(spec.windowMs).toBeGreaterThan(0);
    }
  });
});

describe('mergeLimits', () => {
  it('adds costs per bucket and unites gates', () => {
    const merged = mergeLimits([limitsFor('GET', '/me/presence', T), limitsFor('GET', '/users/u2/presence', T), limitsFor('GET', '/me', T)]);
    expect(keysAndCosts(merged)).toEqual({ 'bucket:anyRequest': 3, [`bucket:presenceTenant:${t}`]: 2, [`bucket:directorySmallTenant:${t}`]: 1 });
    expect(new Set(merged.retryAfterGates)).toEqual(new Set([gateKey('presence', t), gateKey('directory', t)]));
    expect(merged.family).toBe('any');
  });

  it('refuses to mix tenants or merge nothing', () => {
    expect(() => mergeLimits([limitsFor('GET', '/me', 'a'), limitsFor('GET', '/me', 'b')])).toThrow(GraphArgumentError);
    expect(() => mergeLimits([])).toThrow(GraphArgumentError);
  });
});

describe('splitBatch', () => {
  it('cuts 45 requests into 20 + 20 + 5, in order', () => {
    const items = Array.from({ length: 45 }, (_, i) => ({ i, limits: limitsFor('GET', `/users/u${i}`, T) }));
    const chunks = splitBatch(items);
    expect(chunks.map((c) => c.length)).toEqual([20, 20, 5]);
    expect(chunks.flat().map((x) => x.i)).toEqual(items.map((x) => x.i));
  });

  it('never puts more on one bucket than it can hold', () => {
    const items = Array.from({ length: 10 }, () => ({ limits: limitsFor('GET', '/teams/t1/members', T) }));
    expect(splitBatch(items).map((c) => c.length)).toEqual([4, 4, 2]);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00.000Z');

  it('reads whole and fractional seconds', () => {
    expect(parseRetryAfter('2', now)).toBe(2_000);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
