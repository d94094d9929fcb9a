import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBucketStore } from './buckets.js';
import {
  GraphArgumentError,
  GraphAuthError,
  GraphConsentError,
  GraphNotFoundError,
  GraphRequestError,
  GraphShedError,
  GraphThrottledError,
  GraphUnavailableError,
} from './errors.js';
import { GraphGateway, presenceSubscriptionResource, splitGraphBaseUrl, type GraphGatewayOptions } from './gateway.js';
import type { BatchRequest } from './graph-types.js';
import type { BreakerState, GraphRetryEvent, GraphThrottleEvent } from './observer.js';
import type { TokenSource } from './transport.js';

interface Arrival {
  method: string;
  path: string;
  at: number;
  body: unknown;
  headers: IncomingHttpHeaders;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

/** A plain-HTTP stand-in for Graph that records when each request arrived and answers what the test says. */
class GraphStub {
  readonly arrivals: Arrival[] = [];
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(answer: (arrival: Arrival, index: number) => Reply): Promise<GraphStub> {
    let stub: GraphStub | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const arrival: Arrival = { method: req.method ?? '', path: req.url ?? '', at: Date.now(), body: text === '' ? undefined : JSON.parse(text), headers: req.headers };
        const index = stub!.arrivals.push(arrival) - 1;
        const reply = answer(arrival, index);
        const send = () => {
          const headers: Record<string, string> = { ...reply.headers };
          if (reply.body !== undefined) headers['content-type'] = 'application/json';
          res.writeHead(reply.status, headers);
          res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    stub = new GraphStub(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`);
    stubs.push(stub);
    return stub;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const stubs: GraphStub[] = [];
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

const source: TokenSource = { tenantId: 'tenant-1', userId: 'user-1', getToken: async () => 'token-1' };

function graphError(code: string, message: string) {
  return { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': 'req-1', 'client-request-id': 'c-1' } } };
}

function gateway(stub: GraphStub, options: GraphGatewayOptions = {}): GraphGateway {
  return new GraphGateway({ baseUrl: stub.baseUrl, backoff: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
}

const ME = { id: 'user-1', displayName: 'Ada', userPrincipalName: 'ada@contoso.test', mail: 'ada@contoso.test', jobTitle: 'Engineer' };

describe('GraphGateway over the SDK', () => {
  it('sends typed calls through @microsoft/microsoft-graph-client to the configured base URL', async () => {
    const stub = await GraphStub.start((a) => (a.path.startsWith('/v1.0/users/') ? { status: 200, body: ME } : { status: 200, body: { value: [{ id: 'team-1', displayName: 'Ops' }] } }));
    const g = gateway(stub);
    expect(await g.user(source, 'user-1', ['id', 'displayName'])).toEqual(ME);
    expect(await g.joinedTeams(source)).toEqual([{ id: 'team-1', displayName: 'Ops' }]);
    expect(stub.arrivals.map((a) => `${a.method} ${a.path}`)).toEqual(['GET /v1.0/users/user-1?$select=id,displayName', 'GET /v1.0/me/joinedTeams']);
    // The SDK's AuthenticationHandler attaches tokens over https only; a plain-http host never sees one.
    expect(stub.arrivals[0]?.headers.authorization).toBeUndefined();
  });

  it('splits the base URL the way the SDK wants it', () => {
    expect(splitGraphBaseUrl('https://graph.microsoft.com/v1.0')).toEqual({ baseUrl: 'https://graph.microsoft.com/', version: 'v1.0', hostname: 'graph.microsoft.com' });
    expect(splitGraphBaseUrl('https://127.0.0.1:8443/v1.0/')).toEqual({ baseUrl: 'https://127.0.0.1:8443/', version: 'v1.0', hostname: '127.0.0.1' });
    expect(() => splitGraphBaseUrl('not a url')).toThrow(GraphArgumentError);
    expect(() => new GraphGateway({ baseUrl: 'ftp://x/v1.0' })).toThrow(GraphArgumentError);
  });

  it('follows @odata.nextLink for member lists', async () => {
    const stub = await GraphStub.start((a) =>
      a.path.includes('skiptoken')
        ? { status: 200, body: { value: [{ id: 'm2', userId: 'u2' }] } }
        : { status: 200, body: { value: [{ id: 'm1', userId: 'u1' }], '@odata.nextLink': `${stub.baseUrl}/teams/team-1/members?$skiptoken=abc` } },
    );
    expect((await gateway(stub).teamMembers(source, 'team-1')).map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(stub.arrivals.map((a) => a.path)).toEqual(['/v1.0/teams/team-1/members', '/v1.0/teams/team-1/members?$skiptoken=abc']);
  });
});

describe('Retry-After', () => {
  it('is honoured exactly: neither the retry nor any other request for that limit arrives before it has run out', async () => {
    let throttledUntil = 0;
    let earlyRetries = 0;
    const stub = await GraphStub.start((a, i) => {
      if (a.at < throttledUntil) earlyRetries++;
      if (i === 0) {
        throttledUntil = Date.now() + 1_000;
        return { status: 429, headers: { 'Retry-After': '1' }, body: graphError('TooManyRequests', 'slow down') };
      }
      return { status: 200, body: { value: [{ id: a.path, availability: 'Available', activity: 'Available' }] } };
    });
    const g = gateway(stub);
    const first = g.presences(source, ['u1']);
    await new Promise((r) => setTimeout(r, 100));
    // Another presence call starts while the Retry-After runs: it must wait too.
    const second = g.presences(source, ['u2'], { priority: 'interactive' });
    await Promise.all([first, second]);
    expect(stub.arrivals).toHaveLength(3);
    expect(earlyRetries).toBe(0);
    for (const later of stub.arrivals.slice(1)) expect(later.at).toBeGreaterThanOrEqual(throttledUntil);
  });

  it('honours fractional seconds without rounding them up to whole ones', async () => {
    let sentAt = 0;
    const stub = await GraphStub.start((_a, i) => {
      if (i === 0) {
        sentAt = Date.now();
        return { status: 429, headers: { 'Retry-After': '0.3' }, body: graphError('TooManyRequests', 'slow down') };
      }
      return { status: 200, body: ME };
    });
    const throttles: GraphThrottleEvent[] = [];
    expect(await gateway(stub, { observer: { onThrottled: (e) => throttles.push(e) } }).me(source)).toEqual(ME);
    const gap = stub.arrivals[1]!.at - sentAt;
    expect(gap).toBeGreaterThanOrEqual(300);
    expect(gap).toBeLessThan(900);
    expect(throttles).toEqual([{ tenantId: 'tenant-1', family: 'directory', status: 429, retryAfterMs: 300, batchItem: false }]);
  });

  it('honours an HTTP-date Retry-After on a 503', async () => {
    let retryAt = 0;
    const stub = await GraphStub.start((_a, i) => {
      if (i === 0) {
        const date = new Date(Date.now() + 1_500).toUTCString();
        retryAt = Date.parse(date);
        return { status: 503, headers: { 'Retry-After': date } };
      }
      return { status: 200, body: { id: 'team-1' } };
    });
    expect(await gateway(stub).team(source, 'team-1')).toEqual({ id: 'team-1' });
    expect(stub.arrivals).toHaveLength(2);
    expect(stub.arrivals[1]!.at).toBeGreaterThanOrEqual(retryAt);
  });

  it('backs off exponentially with jitter when the server gives no Retry-After', async () => {
    const stub = await GraphStub.start((_a, i) => (i < 2 ? { status: 504 } : { status: 200, body: ME }));
    const retries: GraphRetryEvent[] = [];
    expect(await gateway(stub, { observer: { onRetry: (e) => retries.push(e) } }).me(source)).toEqual(ME);
    expect(stub.arrivals).toHaveLength(3);
    expect(retries.map((r) => [r.attempt, r.reason])).toEqual([
      [1, 'HTTP 504'],
      [2, 'HTTP 504'],
    ]);
    for (const [i, retry] of retries.entries()) {
      expect(retry.delayMs).toBeGreaterThanOrEqual(0);
      expect(retry.delayMs).toBeLessThanOrEqual(200);
      // Each retry left at least the back-off it announced after the previous answer (1 ms timer slack).
      expect(stub.arrivals[i + 1]!.at - stub.arrivals[i]!.at).toBeGreaterThanOrEqual(Math.floor(retry.delayMs) - 1);
    }
  });

  it('gives up after the permitted retries with a typed 429 carrying the Retry-After', async () => {
    const stub = await GraphStub.start(() => ({ status: 429, headers: { 'Retry-After': '0.05' }, body: graphError('TooManyRequests', 'still busy') }));
    const error = await gateway(stub, { maxRetries: 2 }).me(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphThrottledError);
    expect(error).toMatchObject({ code: 'GRAPH_THROTTLED', retryAfterMs: 50, status: 429, graphCode: 'TooManyRequests', requestId: 'req-1' });
    expect(stub.arrivals).toHaveLength(3);
  });

  it('does not sit out a Retry-After longer than the call may wait', async () => {
    const stub = await GraphStub.start(() => ({ status: 429, headers: { 'Retry-After': '120' } }));
    const g = gateway(stub, { maxRetryAfterMs: 10_000 });
    await expect(g.me(source)).rejects.toMatchObject({ code: 'GRAPH_THROTTLED', retryAfterMs: 120_000 });
    expect(stub.arrivals).toHaveLength(1);
    // Everyone else now knows: the directory gate stays closed, so background work is shed without a request.
    await expect(g.user(source, 'u2', undefined, { priority: 'background' })).rejects.toBeInstanceOf(GraphShedError);
    expect(stub.arrivals).toHaveLength(1);
  });
});

describe('errors the UI must explain', () => {
  it.each([
    [400, graphError('BadRequest', 'bad'), GraphRequestError, 'GRAPH_REQUEST_FAILED'],
    [401, graphError('InvalidAuthenticationToken', 'Access token has expired.'), GraphAuthError, 'GRAPH_TOKEN_REJECTED'],
    [404, graphError('NotFound', 'no such team'), GraphNotFoundError, 'GRAPH_NOT_FOUND'],
    [409, graphError('Conflict', 'conflict'), GraphRequestError, 'GRAPH_REQUEST_FAILED'],
  ])('HTTP %i is never retried and becomes a typed error', async (status, body, type, code) => {
    const stub = await GraphStub.start(() => ({ status, body }));
    const error = await gateway(stub).team(source, 'team-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code, status, tenantId: 'tenant-1', graphMessage: body.error.message });
    expect(stub.arrivals).toHaveLength(1);
  });

  it('names the missing admin-consent scope on a 403', async () => {
    const stub = await GraphStub.start(() => ({ status: 403, body: graphError('Forbidden', 'Missing role permissions on the request.') }));
    const error = await gateway(stub).teamMembers(source, 'team-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphConsentError);
    expect(error).toMatchObject({ code: 'GRAPH_CONSENT_REQUIRED', scope: 'TeamMember.Read.All', adminConsentRequired: true, graphCode: 'Forbidden' });
    expect((error as Error).message).toContain('TeamMember.Read.All');
    expect(stub.arrivals).toHaveLength(1);
  });

  it('passes a token source failure through untouched and sends nothing', async () => {
    const stub = await GraphStub.start(() => ({ status: 200, body: ME }));
    const consent = Object.assign(new Error('AADSTS65001: consent required'), { errorCode: 'consent_required' });
    const failing: TokenSource = { tenantId: 'tenant-1', getToken: () => Promise.reject(consent) };
    await expect(gateway(stub).me(failing)).rejects.toBe(consent);
    expect(stub.arrivals).toHaveLength(0);
  });

  it('times out a silent server as "Microsoft 365 is not answering"', async () => {
    const stub = await GraphStub.start(() => ({ status: 200, body: ME, delayMs: 1_000 }));
    const error = await gateway(stub, { requestTimeoutMs: 100, maxRetries: 1 }).me(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphUnavailableError);
    expect(error).toMatchObject({ reason: 'timeout', message: 'Microsoft 365 is not answering' });
    expect(stub.arrivals).toHaveLength(2);
  });
});

describe('the limit governor in front of the wire', () => {
  it('sheds background work the budget cannot cover and still serves the person waiting', async () => {
    const stub = await GraphStub.start(() => ({ status: 200, body: { value: [] } }));
    const store = new MemoryBucketStore();
    const g = gateway(stub, { store });
    // Someone already spent 1,300 of the tenant's 1,500 presence requests in this window.
    await store.take('bucket:presenceTenant:tenant-1', 1_300, 1_500, 1_500 / 30_000, Date.now());
    const error = await g.presences(source, ['u1'], { priority: 'background' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphShedError);
    expect(error).toMatchObject({ code: 'GRAPH_SHED', limit: 'presence', priority: 'background' });
    expect(stub.arrivals).toHaveLength(0);
    await g.presences(source, ['u1'], { priority: 'interactive' });
    expect(stub.arrivals).toHaveLength(1);
  });

  it('never sends what the budget cannot cover: the sixth notification to a tenant waits for its token', async () => {
    const stub = await GraphStub.start(() => ({ status: 204 }));
    const g = gateway(stub);
    const note = { topic: { source: 'text' as const, value: 'office', webUrl: 'https://teams.microsoft.com/l/entity/x' }, activityType: 'invited', previewText: { content: 'Ada invited you' } };
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, (_, i) => g.sendActivityNotification(source, { kind: 'user', userId: `u${i}` }, note)));
    expect(stub.arrivals).toHaveLength(6);
    // 5 per second per tenant: the sixth waits for a token (200 ms at 5/s).
    const arrivals = stub.arrivals.map((a) => a.at - started).sort((x, y) => x - y);
    expect(arrivals[5]).toBeGreaterThanOrEqual(200);
    expect(stub.arrivals[0]!.body).toEqual(note);
  });

  it('puts the recipient in the body of a team-scoped notification', async () => {
    const stub = await GraphStub.start(() => ({ status: 204 }));
    const note = { topic: { source: 'text' as const, value: 'office' }, activityType: 'wantsToTalk', previewText: { content: 'Ada wants to talk' } };
    await gateway(stub).sendActivityNotification(source, { kind: 'team', teamId: 'team-1', recipientUserId: 'u2' }, note);
    expect(stub.arrivals[0]).toMatchObject({
      path: '/v1.0/teams/team-1/sendActivityNotification',
      body: { ...note, recipient: { '@odata.type': 'microsoft.graph.aadUserNotificationRecipient', userId: 'u2' } },
    });
  });
});

describe('circuit breaker', () => {
  it('opens per tenant after persistent 5xx, fails fast while open, and closes after a good test call', async () => {
    let healthy = false;
    const stub = await GraphStub.start(() => (healthy ? { status: 200, body: ME } : { status: 500, body: graphError('InternalServerError', 'boom') }));
    const states: Array<[string, BreakerState]> = [];
    const g = gateway(stub, { maxRetries: 0, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 }, observer: { onBreakerStateChange: (e) => states.push([e.tenantId, e.state]) } });
    for (let i = 0; i < 3; i++) await expect(g.me(source)).rejects.toMatchObject({ code: 'GRAPH_UNAVAILABLE', reason: 'server-error', status: 500 });
    expect(g.breakerState('tenant-1')).toBe('open');

    const started = Date.now();
    const fast = await g.me(source).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(GraphUnavailableError);
    expect(fast).toMatchObject({ reason: 'circuit-open', message: 'Microsoft 365 is not answering' });
    expect(Date.now() - started).toBeLessThan(250);
    expect(stub.arrivals).toHaveLength(3);

    // Another tenant is not affected.
    healthy = true;
    expect(await g.me({ ...source, tenantId: 'tenant-2' })).toEqual(ME);
    expect(g.breakerState('tenant-2')).toBe('closed');

    await new Promise((r) => setTimeout(r, 350));
    expect(await g.me(source)).toEqual(ME);
    expect(g.breakerState('tenant-1')).toBe('closed');
    expect(Object.fromEntries(g.breakerStates())).toEqual({ 'tenant-1': 'closed', 'tenant-2': 'closed' });
    expect(states).toEqual([
      ['tenant-1', 'open'],
      ['tenant-1', 'half-open'],
      ['tenant-1', 'closed'],
    ]);
  });

  it('does not count 4xx answers or 429s as failures', async () => {
    const stub = await GraphStub.start((_a, i) => (i % 2 === 0 ? { status: 404, body: graphError('NotFound', 'x') } : { status: 429, headers: { 'Retry-After': '0' } }));
    const g = gateway(stub, { maxRetries: 0, breaker: { consecutiveFailures: 2 } });
    for (let i = 0; i < 6; i++) await g.me(source).catch(() => undefined);
    expect(g.breakerState('tenant-1')).toBe('closed');
    expect(stub.arrivals).toHaveLength(6);
  });
});

describe('presence and meetings', () => {
  it('asks presence in chunks of 650 ids and returns them all', async () => {
    const stub = await GraphStub.start((a) => ({
      status: 200,
      body: { value: (a.body as { ids: string[] }).ids.map((id) => ({ id, availability: 'Available', activity: 'Available' })) },
    }));
    const ids = Array.from({ length: 1_400 }, (_, i) => `user-${i}`);
    const presences = await gateway(stub).presences(source, [...ids, 'user-0']);
    expect(stub.arrivals.map((a) => (a.body as { ids: string[] }).ids.length).sort((x, y) => y - x)).toEqual([650, 650, 100]);
    expect(stub.arrivals.every((a) => a.path === '/v1.0/communications/getPresencesByUserId')).toBe(true);
    expect(presences.map((p) => p.id).sort()).toEqual([...ids].sort());
  });

  it('writes and clears the app session presence', async () => {
    const stub = await GraphStub.start(() => ({ status: 200 }));
    const g = gateway(stub);
    await g.setPresence(source, 'user-1', { sessionId: 'app-id', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT1H' });
    await g.clearPresence(source, 'user-1', 'app-id');
    expect(stub.arrivals.map((a) => [a.path, a.body])).toEqual([
      ['/v1.0/users/user-1/presence/setPresence', { sessionId: 'app-id', availability: 'Busy', activity: 'InACall', expirationDuration: 'PT1H' }],
      ['/v1.0/users/user-1/presence/clearPresence', { sessionId: 'app-id' }],
    ]);
  });

  it('tells a created meeting (201) from a reused one (200)', async () => {
    const meeting = { id: 'm1', joinWebUrl: 'https://teams.microsoft.com/l/meetup-join/abc', subject: 'Room 1', externalId: 'office-1:room-1' };
    const stub = await GraphStub.start((_a, i) => ({ status: i === 0 ? 201 : 200, body: meeting }));
    const g = gateway(stub);
    expect(await g.createOrGetMeeting(source, 'office-1:room-1', 'Room 1')).toEqual({ meeting, created: true });
    expect(await g.createOrGetMeeting(source, 'office-1:room-1', 'Room 1')).toEqual({ meeting, created: false });
    expect(stub.arrivals[0]).toMatchObject({ method: 'POST', path: '/v1.0/me/onlineMeetings/createOrGet', body: { externalId: 'office-1:room-1', subject: 'Room 1' } });
    await expect(g.createOrGetMeeting({ tenantId: 'tenant-1', getToken: async () => 't' }, 'x', 'y')).rejects.toBeInstanceOf(GraphArgumentError);
  });

  it('builds, renews and deletes presence subscriptions', async () => {
    const stub = await GraphStub.start((a) => (a.method === 'DELETE' ? { status: 204 } : { status: a.method === 'POST' ? 201 : 200, body: { id: 'sub-1', ...(a.body as object) } }));
    const g = gateway(stub);
    const resource = presenceSubscriptionResource(['a', "o'b"]);
    expect(resource).toBe("/communications/presences?$filter=id in ('a','o''b')");
    const expires = new Date('2030-01-01T01:00:00.000Z');
    const created = await g.createSubscription(source, { changeType: 'updated', notificationUrl: 'https://office.test/hook', resource, expirationDateTime: expires, clientState: 'secret' });
    expect(created).toMatchObject({ id: 'sub-1', expirationDateTime: '2030-01-01T01:00:00.000Z' });
    await g.renewSubscription(source, 'sub-1', '2030-01-01T02:00:00.000Z');
    await g.deleteSubscription(source, 'sub-1');
    expect(stub.arrivals.map((a) => `${a.method} ${a.path}`)).toEqual(['POST /v1.0/subscriptions', 'PATCH /v1.0/subscriptions/sub-1', 'DELETE /v1.0/subscriptions/sub-1']);
    expect(() => presenceSubscriptionResource(Array.from({ length: 651 }, (_, i) => `u${i}`))).toThrow(GraphArgumentError);
  });
});

describe('$batch', () => {
  type BatchBody = { requests: Array<{ id: string; method: string; url: string }> };
  const ok = (r: { id: string; url: string }) => ({ id: r.id, status: 200, headers: { 'Content-Type': 'application/json' }, body: { id: r.url } });

  it('splits 45 requests into 20 + 20 + 5 and answers in input order', async () => {
    const stub = await GraphStub.start((a) => ({ status: 200, body: { responses: [...(a.body as BatchBody).requests].reverse().map(ok) } }));
    const requests: BatchRequest[] = Array.from({ length: 45 }, (_, i) => ({ id: `r${i}`, method: 'GET', url: `/users/u${i}` }));
    const answers = await gateway(stub).batch(source, requests);
    expect(stub.arrivals.map((a) => a.path)).toEqual(['/v1.0/$batch', '/v1.0/$batch', '/v1.0/$batch']);
    expect(stub.arrivals.map((a) => (a.body as BatchBody).requests.length).sort((x, y) => y - x)).toEqual([20, 20, 5]);
    expect(answers.map((a) => a.id)).toEqual(requests.map((r) => r.id));
    expect(answers.map((a) => (a.body as { id: string }).id)).toEqual(requests.map((r) => r.url));
  });

  it('re-sends only the per-item 429s, after the longest Retry-After among them', async () => {
    let firstAnsweredAt = 0;
    const stub = await GraphStub.start((a, i) => {
      const { requests } = a.body as BatchBody;
      if (i > 0) return { status: 200, body: { responses: requests.map(ok) } };
      firstAnsweredAt = Date.now();
      return {
        status: 200,
        body: {
          responses: requests.map((r) =>
            r.id === 'b'
              ? { id: r.id, status: 429, headers: { 'Retry-After': '0.2' }, body: graphError('TooManyRequests', 'x') }
              : r.id === 'd'
                ? { id: r.id, status: 429, headers: { 'retry-after': '0.6' }, body: graphError('TooManyRequests', 'x') }
                : ok(r),
          ),
        },
      };
    });
    const throttles: GraphThrottleEvent[] = [];
    const requests: BatchRequest[] = ['a', 'b', 'c', 'd'].map((id) => ({ id, method: 'GET', url: `/users/${id}/presence` }));
    const answers = await gateway(stub, { observer: { onThrottled: (e) => throttles.push(e) } }).batch(source, requests);
    expect(stub.arrivals).toHaveLength(2);
    expect((stub.arrivals[1]!.body as BatchBody).requests.map((r) => r.id)).toEqual(['b', 'd']);
    expect(stub.arrivals[1]!.at - firstAnsweredAt).toBeGreaterThanOrEqual(600);
    expect(answers.map((a) => [a.id, a.status])).toEqual([
      ['a', 200],
      ['b', 200],
      ['c', 200],
      ['d', 200],
    ]);
    expect(throttles.map((t) => [t.retryAfterMs, t.batchItem, t.family])).toEqual([
      [200, true, 'presence'],
      [600, true, 'presence'],
    ]);
  });

  it('returns the last 429 for items that stay throttled, and refuses duplicate ids', async () => {
    const stub = await GraphStub.start((a) => ({
      status: 200,
      body: { responses: (a.body as BatchBody).requests.map((r) => ({ id: r.id, status: 429, headers: { 'Retry-After': '0.01' } })) },
    }));
    const g = gateway(stub, { maxRetries: 1 });
    const answers = await g.batch(source, [{ id: 'x', method: 'GET', url: '/me' }]);
    expect(answers).toEqual([{ id: 'x', status: 429, headers: { 'Retry-After': '0.01' } }]);
    expect(stub.arrivals).toHaveLength(2);
    await expect(g.batch(source, [{ id: 'x', method: 'GET', url: '/me' }, { id: 'x', method: 'GET', url: '/me' }])).rejects.toBeInstanceOf(GraphArgumentError);
    expect(await g.batch(source, [])).toEqual([]);
  });
});
