import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { GraphError } from '../errors.js';
import { ActivityFeed } from './activity.js';
import { Directory } from './directory.js';
import { FaultInjector } from './faults.js';
import { PresenceBook, parseIsoDuration } from './presence.js';
import { SubscriptionBook, parsePresenceResource } from './subscriptions.js';

describe('PresenceBook', () => {
  it('aggregates the own state with app sessions (DoNotDisturb > Busy > Available > Away) and falls back on expiry', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const book = new PresenceBook(clock);
    book.setOwn('t', 'u', { availability: 'Available', activity: 'Available' });
    const busy = book.setSession('t', 'u', { sessionId: 'app', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT5M' });
    expect(busy?.presence).toEqual({ availability: 'Busy', activity: 'InACall' });
    expect(book.setSession('t', 'u', { sessionId: 'other', availability: 'Away', activity: 'Away', expirationDuration: 'PT1H' })).toBeUndefined();
    clock.advance(5 * 60_000);
    expect(book.expireSessions()).toEqual([{ tenantId: 't', userId: 'u', presence: { availability: 'Available', activity: 'Available' } }]);
    book.setOwn('t', 'u', { availability: 'DoNotDisturb', activity: 'Presenting' });
    expect(book.setSession('t', 'u', { sessionId: 'app', availability: 'Busy', activity: 'InACall' })).toBeUndefined();
    expect(book.get('t', 'u').availability).toBe('DoNotDisturb');
  });

  it('rejects unsupported pairs, bad durations and unknown sessions', () => {
    const book = new PresenceBook(new ManualClock());
    expect(() => book.setSession('t', 'u', { sessionId: 'app', availability: 'Busy', activity: 'InAMeeting' })).toThrow(GraphError);
    expect(() => book.setSession('t', 'u', { sessionId: 'app', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT4M' })).toThrow(/PT5M and PT4H/);
    expect(() => book.setSession('t', 'u', { sessionId: 'app', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT5H' })).toThrow(/PT5M and PT4H/);
    expect(() => book.clearSession('t', 'u', { sessionId: 'app' })).toThrow(expect.objectContaining({ status: 404 }));
    expect(book.get('t', 'u')).toEqual({ availability: 'Offline', activity: 'Offline' });
    expect(parseIsoDuration('PT1H30M')).toBe(90 * 60_000);
    expect(parseIsoDuration('P1D')).toBe(24 * 60 * 60_000);
    expect(parseIsoDuration('1 hour')).toBeUndefined();
  });
});

describe('SubscriptionBook', () => {
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const book = new SubscriptionBook(clock, { requireHttps: true });
  const request = (body: Record<string, unknown>) => ({ appId: 'a', tenantId: 't', creatorId: 'u', tokenExpiresAt: clock.now() + 3_600_000, body });
  const valid = { changeType: 'updated', notificationUrl: 'https://hook.example/n', resource: "/communications/presences?$filter=id in ('A','b')", expirationDateTime: new Date(clock.now() + 3_600_000).toISOString(), clientState: 's' };

  it('parses single and filtered presence resources, up to 650 ids', () => {
    expect([...parsePresenceResource('/communications/presences/ABC')]).toEqual(['abc']);
    expect([...parsePresenceResource("communications/presences?$filter=id+in+(%27x%27,%27y%27)")]).toEqual(['x', 'y']);
    const ids = (n: number) => `/communications/presences?$filter=id in (${Array.from({ length: n }, (_, i) => `'${i}'`).join(',')})`;
    expect(parsePresenceResource(ids(650)).size).toBe(650);
    expect(() => parsePresenceResource(ids(651))).toThrow(/at most 650/);
    expect(() => parsePresenceResource('/users')).toThrow(/not supported/);
  });

  it('accepts at most one hour, in the future, over HTTPS', () => {
    expect(book.validate(request(valid)).userIds).toEqual(new Set(['a', 'b']));
    expect(() => book.validate(request({ ...valid, expirationDateTime: new Date(clock.now() + 3_600_001).toISOString() }))).toThrow(/60 minutes/);
    expect(() => book.validate(request({ ...valid, expirationDateTime: new Date(clock.now() - 1).toISOString() }))).toThrow(/future/);
    expect(() => book.validate(request({ ...valid, notificationUrl: 'http://hook.example/n' }))).toThrow(/HTTPS/);
    expect(() => book.validate(request({ ...valid, includeResourceData: true }))).toThrow(/encryptionCertificate/);
  });

  it('expires, renews and asks for reauthorization once the creating token has expired', () => {
    const subscription = book.validate({ ...request(valid), tokenExpiresAt: clock.now() + 60_000 });
    book.add(subscription);
    expect(book.watching('t', 'a')).toHaveLength(1);
    clock.advance(60_000);
    expect(book.sweep().needReauthorization).toEqual([subscription]);
    expect(book.sweep().needReauthorization).toEqual([]);
    book.renew('a', 't', subscription.id, { expirationDateTime: new Date(clock.now() + 3_600_000).toISOString() }, clock.now() + 3_600_000);
    clock.advance(3_600_000);
    expect(book.sweep().expired).toEqual([subscription]);
    expect(book.watching('t', 'a')).toHaveLength(0);
    expect(() => book.get('a', 't', subscription.id)).toThrow(expect.objectContaining({ status: 404 }));
  });
});

describe('Directory consent', () => {
  it('keeps admin-only scopes to tenant-wide grants and isolates tenants', () => {
    const directory = new Directory('app');
    const a = directory.seed({ displayName: 'A', users: [{ displayName: 'Ann' }], userConsents: [{ userId: 'ann@a.onmicrosoft.com', scopes: ['User.Read'] }] });
    const userId = a.users[0]!.id;
    expect(() => directory.grantUserConsent(a.tenantId, userId, 'app', ['TeamMember.Read.All'])).toThrow(/admin-only/);
    expect(directory.checkConsent(a.tenantId, 'app', userId, ['User.Read'])).toEqual({ ok: true, granted: ['User.Read'] });
    expect(directory.checkConsent(a.tenantId, 'app', userId, ['TeamMember.Read.All'])).toEqual({ ok: false, missing: ['TeamMember.Read.All'], needsAdmin: true });
    directory.grantAdminConsent(a.tenantId, 'app', ['TeamMember.Read.All']);
    expect(directory.checkConsent(a.tenantId, 'app', userId, ['TeamMember.Read.All']).ok).toBe(true);
    const b = directory.seed({ displayName: 'B' });
    expect(directory.user(b.tenantId, userId)).toBeUndefined();
    expect(() => directory.seed({ displayName: '' })).toThrow(/displayName/);
  });
});

describe('ActivityFeed', () => {
  it('counts sends per tenant and the peak per clock second', () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const feed = new ActivityFeed(clock);
    const notification = ActivityFeed.parse({ topic: { source: 'text', value: 'Office', webUrl: 'https://teams.microsoft.com/l/entity/x' }, activityType: 'nudge', previewText: { content: 'hi' } });
    for (let i = 0; i < 3; i += 1) feed.record('t', 'u', notification);
    clock.advance(1_000);
    feed.record('t', 'u', notification);
    feed.reject('t');
    expect(feed.byTenant()).toEqual({ t: { sent: 4, rejected: 1, peakPerSecond: 3 } });
    expect(() => ActivityFeed.parse({ topic: { source: 'text', value: 'x' }, activityType: 'a', previewText: { content: '' } })).toThrow(/webUrl/);
    expect(() => ActivityFeed.recipientUserId({ recipient: { userId: 'x' } })).toThrow(/aadUserNotificationRecipient/);
  });
});

describe('FaultInjector', () => {
  it('draws the same faults for the same seed and only on matching paths', () => {
    const run = () => {
      const faults = new FaultInjector();
      faults.configure({ seed: 42, rules: [{ match: '^GET /v1.0/me', probability: 0.5, kind: '503', retryAfterSeconds: 2 }] });
      return Array.from({ length: 40 }, () => faults.draw('GET', '/v1.0/me')?.kind ?? 'none');
    };
    const first = run();
    expect(run()).toEqual(first);
    expect(first.filter((kind) => kind === '503').length).toBeGreaterThan(5);
    expect(first.filter((kind) => kind === 'none').length).toBeGreaterThan(5);
    const faults = new FaultInjector();
    faults.configure({ rules: [{ match: '^GET /v1.0/me', probability: 1, kind: '500' }] });
    expect(faults.draw('POST', '/v1.0/subscriptions')).toBeUndefined();
    expect(() => faults.configure({ rules: [{ probability: 2, kind: '500' }] })).toThrow(/between 0 and 1/);
    expect(faults.draw('GET', '/v1.0/me')?.kind).toBe('500');
  });
});
