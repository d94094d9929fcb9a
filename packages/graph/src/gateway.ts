import { AuthenticationHandler, Client, HTTPMessageHandler, ResponseType, type GraphRequest } from '@microsoft/microsoft-graph-client';
import { ExponentialBackoff } from 'cockatiel';
import { batchHeader, splitBatch } from './batch.js';
import { MemoryBucketStore, type BucketStore } from './buckets.js';
import { realSleep, sleepUntil, systemClock, type Clock, type Sleep } from './clock.js';
import {
  GraphArgumentError,
  GraphAuthError,
  GraphConsentError,
  GraphNotFoundError,
  GraphRequestError,
  GraphThrottledError,
  GraphUnavailableError,
  type GraphErrorDetail,
} from './errors.js';
import { LimitGovernor } from './governor.js';
import type {
  ActivityNotification,
  ActivityTarget,
  BatchRequest,
  BatchResponse,
  CreatedOrExistingMeeting,
  GraphPresence,
  GraphSubscription,
  GraphTeam,
  GraphTeamMember,
  GraphUser,
  MeetingOptions,
  OnlineMeeting,
  SetPresenceRequest,
  SubscriptionRequest,
} from './graph-types.js';
import { limitsFor, mergeLimits, type RequestLimits } from './limits.js';
import { notify, type BreakerState, type GraphObserver } from './observer.js';
import type { GraphPriority } from './priority.js';
import { parseRetryAfter } from './retry-after.js';
import { GovernedTransport, GraphCallOptions, RETRYABLE_STATUSES, TenantBreakers, type BreakerOptions, type TokenSource } from './transport.js';

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

/** `getPresencesByUserId` and presence subscriptions take at most 650 ids. */
export const MAX_PRESENCE_IDS = 650;

export interface GraphGatewayOptions {
  /** `MICROSOFT_GRAPH_BASE_URL`: national clouds and the tests' fake. Default https://graph.microsoft.com/v1.0. */
  readonly baseUrl?: string;
  /** Where budgets live: `createBucketStore({ redisUrl: process.env.REDIS_URL })`. Default in-process. */
  readonly store?: BucketStore;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
  readonly observer?: GraphObserver;
  readonly maxWaitMs?: Partial<Record<GraphPriority, number>>;
  readonly keepFraction?: Partial<Record<GraphPriority, number>>;
  readonly maxRetries?: number;
  readonly maxRetryAfterMs?: number;
  readonly requestTimeoutMs?: number;
  readonly breaker?: BreakerOptions;
  /** Back-off without Retry-After (cockatiel ExponentialBackoff with decorrelated jitter). */
  readonly backoff?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** The tenant's user count, which picks its directory budget; unknown means the smallest. */
  readonly tenantUserCount?: (tenantId: string) => number | undefined;
}

export interface CallOptions {
  /** Default `normal`. */
  readonly priority?: GraphPriority;
  readonly signal?: AbortSignal;
}

interface Permission {
  readonly scope: string;
  readonly adminConsent: boolean;
}

const PERMISSIONS = {
  me: { scope: 'User.Read', adminConsent: false },
  users: { scope: 'User.Read.All', adminConsent: true },
  teams: { scope: 'Team.ReadBasic.All', adminConsent: false },
  members: { scope: 'TeamMember.Read.All', adminConsent: true },
  presenceRead: { scope: 'Presence.Read.All', adminConsent: false },
  presenceWrite: { scope: 'Presence.ReadWrite', adminConsent: false },
  meetings: { scope: 'OnlineMeetings.ReadWrite', adminConsent: false },
  activity: { scope: 'TeamsActivity.Send', adminConsent: false },
} as const satisfies Record<string, Permission>;

interface SendOptions extends CallOptions {
  readonly body?: unknown;
  readonly select?: readonly string[];
  readonly permission?: Permission;
  readonly limits?: RequestLimits;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Splits a Graph base URL into what the SDK wants: the host part and the version segment. */
export function splitGraphBaseUrl(url: string): { baseUrl: string; version: string; hostname: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GraphArgumentError(`The Graph base URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new GraphArgumentError(`The Graph base URL must be https: ${url}`);
  if (parsed.search !== '' || parsed.hash !== '') throw new GraphArgumentError(`The Graph base URL cannot carry a query: ${url}`);
  const segments = parsed.pathname.split('/').filter((s) => s !== '');
  const version = segments.pop() ?? 'v1.0';
  return { baseUrl: `${parsed.origin}/${segments.map((s) => `${s}/`).join('')}`, version, hostname: parsed.hostname };
}

/**
 * The `resource` of a presence change-notification subscription for these users (at most 650).
 */
export function presenceSubscriptionResource(userIds: readonly string[]): string {
  if (userIds.length === 0 || userIds.length > MAX_PRESENCE_IDS) {
    throw new GraphArgumentError(`A presence subscription covers 1 to ${MAX_PRESENCE_IDS} users, not ${userIds.length}`);
  }
  return `/communications/presences?$filter=id in (${userIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(',')})`;
}

function segment(id: string, what: string): string {
  if (typeof id !== 'string' || id.trim() === '') throw new GraphArgumentError(`${what} must be a non-empty string`);
  return encodeURIComponent(id);
}

function isoDate(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString();
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GraphRequestError(`Microsoft Graph answered HTTP ${response.status} with a body that is not JSON`, { status: response.status });
  }
}

function errorDetail(status: number, body: unknown, tenantId: string): GraphErrorDetail {
  const error = (body as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | undefined)?.error;
  const requestId = error?.innerError?.['request-id'];
  return {
    status,
    tenantId,
    ...(typeof error?.code === 'string' ? { graphCode: error.code } : {}),
    ...(typeof error?.message === 'string' ? { graphMessage: error.message } : {}),
    ...(typeof requestId === 'string' ? { requestId } : {}),
  };
}

/**
 * The one Microsoft Graph client of the server: `@microsoft/microsoft-graph-client` with a middleware chain of
 * GovernedTransport (budget, Retry-After, retries, per-tenant breaker) → AuthenticationHandler → HTTPMessageHandler.
 * Every method takes the `TokenSource` to call with; failures arrive as typed `GraphGatewayError`s.
 */
export class GraphGateway {
  readonly baseUrl: string;
  private readonly client: Client;
  private readonly governor: LimitGovernor;
  private readonly transport: GovernedTransport;
  private readonly breakers: TenantBreakers;
  private readonly store: BucketStore;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly observer: GraphObserver | undefined;
  private readonly tenantUserCount: ((tenantId: string) => number | undefined) | undefined;

  constructor(options: GraphGatewayOptions = {}) {
    this.baseUrl = options.baseUrl ?? DEFAULT_GRAPH_BASE_URL;
    const { baseUrl, version, hostname } = splitGraphBaseUrl(this.baseUrl);
    this.store = options.store ?? new MemoryBucketStore();
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
    this.observer = options.observer;
    this.tenantUserCount = options.tenantUserCount;
    this.governor = new LimitGovernor({
      store: this.store,
      clock: this.clock,
      sleep: this.sleep,
      ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
      ...(options.keepFraction !== undefined ? { keepFraction: options.keepFraction } : {}),
      ...(options.observer !== undefined ? { observer: options.observer } : {}),
    });
    this.breakers = new TenantBreakers(options.breaker, options.observer);
    this.transport = new GovernedTransport({
      governor: this.governor,
      breakers: this.breakers,
      ...(options.observer !== undefined ? { observer: options.observer } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: options.maxRetryAfterMs } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.backoff !== undefined ? { backoff: exponentialBackoff(options.backoff) } : {}),
    });
    const noDefaultToken = { getAccessToken: () => Promise.reject(new GraphArgumentError('Every Graph call needs a TokenSource')) };
    this.client = Client.initWithMiddleware({
      baseUrl,
      defaultVersion: version,
      middleware: [this.transport, new AuthenticationHandler(noDefaultToken), new HTTPMessageHandler()],
      // The AuthenticationHandler only attaches tokens to Microsoft's Graph hosts and these (https only).
      customHosts: new Set([hostname]),
    });
  }

  async me(source: TokenSource, options: CallOptions & { select?: readonly string[] } = {}): Promise<GraphUser> {
    return (await this.json(source, 'GET', '/me', { ...options, permission: PERMISSIONS.me })) as GraphUser;
  }

  async user(source: TokenSource, id: string, select?: readonly string[], options: CallOptions = {}): Promise<GraphUser> {
    return (await this.json(source, 'GET', `/users/${segment(id, 'user id')}`, { ...options, ...(select ? { select } : {}), permission: PERMISSIONS.users })) as GraphUser;
  }

  async joinedTeams(source: TokenSource, options: CallOptions = {}): Promise<GraphTeam[]> {
    return (await this.pages(source, '/me/joinedTeams', { ...options, permission: PERMISSIONS.teams })) as GraphTeam[];
  }

  async team(source: TokenSource, teamId: string, options: CallOptions = {}): Promise<GraphTeam> {
    return (await this.json(source, 'GET', `/teams/${segment(teamId, 'team id')}`, { ...options, permission: PERMISSIONS.teams })) as GraphTeam;
  }

  async teamMembers(source: TokenSource, teamId: string, options: CallOptions = {}): Promise<GraphTeamMember[]> {
    return (await this.pages(source, `/teams/${segment(teamId, 'team id')}/members`, { ...options, permission: PERMISSIONS.members })) as GraphTeamMember[];
  }

  /** Presence of any number of users, asked in chunks of 650 ids (duplicates asked once), in parallel. */
  async presences(source: TokenSource, userIds: readonly string[], options: CallOptions = {}): Promise<GraphPresence[]> {
    const ids = [...new Set(userIds)];
    for (const id of ids) segment(id, 'user id');
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += MAX_PRESENCE_IDS) chunks.push(ids.slice(i, i + MAX_PRESENCE_IDS));
    const answers = await Promise.all(
      chunks.map((chunk) => this.json(source, 'POST', '/communications/getPresencesByUserId', { ...options, body: { ids: chunk }, permission: PERMISSIONS.presenceRead })),
    );
    return answers.flatMap((answer) => ((answer as { value?: GraphPresence[] } | undefined)?.value ?? []));
  }

  async setPresence(source: TokenSource, userId: string, presence: SetPresenceRequest, options: CallOptions = {}): Promise<void> {
    await this.json(source, 'POST', `/users/${segment(userId, 'user id')}/presence/setPresence`, { ...options, body: presence, permission: PERMISSIONS.presenceWrite });
  }

  async clearPresence(source: TokenSource, userId: string, sessionId: string, options: CallOptions = {}): Promise<void> {
    await this.json(source, 'POST', `/users/${segment(userId, 'user id')}/presence/clearPresence`, { ...options, body: { sessionId }, permission: PERMISSIONS.presenceWrite });
  }

  /**
   * The signed-in user's meeting with this `externalId`, created on first use (201) and returned afterwards (200).
   * Needs a delegated token source with `userId` (meetings are limited per organiser).
   */
  async createOrGetMeeting(source: TokenSource, externalId: string, subject: string, options: CallOptions & MeetingOptions = {}): Promise<CreatedOrExistingMeeting> {
    segment(externalId, 'externalId');
    const { priority, signal, ...meeting } = options;
    const response = await this.send(source, 'POST', '/me/onlineMeetings/createOrGet', {
      ...(priority !== undefined ? { priority } : {}),
      ...(signal !== undefined ? { signal } : {}),
      body: { externalId, subject, ...meeting },
      permission: PERMISSIONS.meetings,
    });
    const body = await this.expectOk(response, source, PERMISSIONS.meetings);
    return { meeting: body as OnlineMeeting, created: response.status === 201 };
  }

  async sendActivityNotification(source: TokenSource, target: ActivityTarget, notification: ActivityNotification, options: CallOptions = {}): Promise<void> {
    if (target.kind === 'user') {
      await this.json(source, 'POST', `/users/${segment(target.userId, 'user id')}/teamwork/sendActivityNotification`, { ...options, body: notification, permission: PERMISSIONS.activity });
      return;
    }
    segment(target.recipientUserId, 'recipient user id');
    const body = { ...notification, recipient: { '@odata.type': 'microsoft.graph.aadUserNotificationRecipient', userId: target.recipientUserId } };
    await this.json(source, 'POST', `/teams/${segment(target.teamId, 'team id')}/sendActivityNotification`, { ...options, body, permission: PERMISSIONS.activity });
  }

  async createSubscription(source: TokenSource, subscription: SubscriptionRequest, options: CallOptions = {}): Promise<GraphSubscription> {
    const body = { ...subscription, expirationDateTime: isoDate(subscription.expirationDateTime) };
    return (await this.json(source, 'POST', '/subscriptions', { ...options, body, permission: PERMISSIONS.presenceRead })) as GraphSubscription;
  }

  async renewSubscription(source: TokenSource, id: string, expirationDateTime: string | Date, options: CallOptions = {}): Promise<GraphSubscription> {
    return (await this.json(source, 'PATCH', `/subscriptions/${segment(id, 'subscription id')}`, { ...options, body: { expirationDateTime: isoDate(expirationDateTime) } })) as GraphSubscription;
  }

  async deleteSubscription(source: TokenSource, id: string, options: CallOptions = {}): Promise<void> {
    await this.json(source, 'DELETE', `/subscriptions/${segment(id, 'subscription id')}`, options);
  }

  /**
   * Sends any number of requests through `$batch`, at most 20 per envelope, each counted against its own budgets.
   * Items answered 429/503/504 are re-sent together after the longest Retry-After among them (exponential back-off
   * when none says), up to the retry limit; answers come back in input order, the last one for items that stayed
   * throttled. The envelope itself failing throws like any call.
   */
  async batch(source: TokenSource, requests: readonly BatchRequest[], options: CallOptions = {}): Promise<BatchResponse[]> {
    const ids = new Set<string>();
    for (const request of requests) {
      if (typeof request.id !== 'string' || request.id === '' || ids.has(request.id)) throw new GraphArgumentError('Every batch request needs a unique, non-empty id');
      if (typeof request.method !== 'string' || typeof request.url !== 'string') throw new GraphArgumentError(`Batch request ${request.id} needs a method and a url`);
      ids.add(request.id);
    }
    const answers = new Map<string, BatchResponse>();
    let pending = requests.map((request) => ({ request, limits: this.classify(source, request.method, request.url) }));
    let backoff = this.transport.backoffSequence().next(undefined);
    for (let round = 0; pending.length > 0; round++) {
      const chunks = splitBatch(pending);
      const replies = await Promise.all(chunks.map((chunk) => this.sendBatchChunk(source, chunk, options)));
      const again: typeof pending = [];
      let resendAt = 0;
      let anyWithoutRetryAfter = false;
      for (const [c, chunk] of chunks.entries()) {
        for (const item of chunk) {
          const answer = replies[c]?.get(item.request.id);
          if (answer === undefined) throw new GraphRequestError(`The $batch answer has no response for request ${item.request.id}`, { tenantId: item.limits.tenantId });
          answers.set(item.request.id, answer);
          if (!RETRYABLE_STATUSES.has(answer.status)) continue;
          const now = this.clock.now();
          const retryAfterMs = parseRetryAfter(batchHeader(answer.headers, 'retry-after'), now);
          notify(this.observer, 'onThrottled', { tenantId: item.limits.tenantId, family: item.limits.family, status: answer.status, retryAfterMs, batchItem: true });
          if (retryAfterMs === undefined) anyWithoutRetryAfter = true;
          else {
            await this.governor.holdOff(item.limits, now + retryAfterMs);
            resendAt = Math.max(resendAt, now + retryAfterMs);
          }
          again.push(item);
        }
      }
      if (again.length === 0 || round >= this.transport.maxRetries || resendAt - this.clock.now() > this.transport.maxRetryAfterMs) break;
      const delayMs = anyWithoutRetryAfter ? backoff.duration : 0;
      backoff = backoff.next(undefined);
      notify(this.observer, 'onRetry', { tenantId: source.tenantId.toLowerCase(), family: mergeLimits(again.map((a) => a.limits)).family, attempt: round + 1, delayMs: Math.max(delayMs, resendAt - this.clock.now()), reason: `${again.length} batch items throttled` });
      await sleepUntil(this.clock, this.sleep, Math.max(resendAt, this.clock.now() + delayMs));
      pending = again;
    }
    return requests.map((request) => answers.get(request.id) as BatchResponse);
  }

  /** The circuit breaker state of one tenant ('closed' for a tenant never called). */
  breakerState(tenantId: string): BreakerState {
    return this.breakers.state(tenantId);
  }

  /** Breaker state of every tenant called so far, for readiness and metrics. */
  breakerStates(): ReadonlyMap<string, BreakerState> {
    return this.breakers.states();
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private classify(source: TokenSource, method: string, url: string): RequestLimits {
    const userCount = this.tenantUserCount?.(source.tenantId);
    return limitsFor(method, url, source.tenantId, {
      ...(source.userId !== undefined ? { userId: source.userId } : {}),
      ...(userCount !== undefined ? { tenantUserCount: userCount } : {}),
    });
  }

  private async sendBatchChunk(source: TokenSource, chunk: ReadonlyArray<{ request: BatchRequest; limits: RequestLimits }>, options: CallOptions): Promise<Map<string, BatchResponse>> {
    const body = {
      requests: chunk.map(({ request }) => ({
        id: request.id,
        method: request.method.toUpperCase(),
        url: request.url,
        ...(request.headers !== undefined ? { headers: request.headers } : {}),
        ...(request.body !== undefined ? { body: request.body } : {}),
      })),
    };
    const reply = (await this.json(source, 'POST', '/$batch', { ...options, body, limits: mergeLimits(chunk.map((c) => c.limits)) })) as { responses?: unknown } | undefined;
    if (!Array.isArray(reply?.responses)) throw new GraphRequestError('The $batch answer has no responses array', { tenantId: source.tenantId });
    const byId = new Map<string, BatchResponse>();
    for (const item of reply.responses as Array<Partial<BatchResponse>>) {
      if (typeof item.id === 'string' && typeof item.status === 'number') {
        byId.set(item.id, { id: item.id, status: item.status, headers: item.headers ?? {}, ...(item.body !== undefined ? { body: item.body } : {}) });
      }
    }
    return byId;
  }

  /** Follows `@odata.nextLink`; each page is a request of its own against the budget. */
  private async pages(source: TokenSource, path: string, options: SendOptions): Promise<unknown[]> {
    const items: unknown[] = [];
    for (let next: string | undefined = path; next !== undefined; ) {
      const page = (await this.json(source, 'GET', next, options)) as { value?: unknown[]; '@odata.nextLink'?: string } | undefined;
      items.push(...(page?.value ?? []));
      const link = page?.['@odata.nextLink'];
      // Relative to our base, so the SDK keeps our host and version whatever the scheme (it only parses https links).
      next = link !== undefined && link.startsWith(`${this.baseUrl.replace(/\/+$/, '')}/`) ? link.slice(this.baseUrl.replace(/\/+$/, '').length) : link;
    }
    return items;
  }

  private async json(source: TokenSource, method: Method, path: string, options: SendOptions): Promise<unknown> {
    const response = await this.send(source, method, path, options);
    return this.expectOk(response, source, options.permission);
  }

  private async send(source: TokenSource, method: Method, path: string, options: SendOptions): Promise<Response> {
    if (typeof source?.getToken !== 'function') throw new GraphArgumentError('A TokenSource needs tenantId and getToken()');
    const limits = options.limits ?? this.classify(source, method, path);
    const call = new GraphCallOptions(source, limits, options.priority ?? 'normal', options.signal);
    let request: GraphRequest = this.client.api(path).middlewareOptions([call]).responseType(ResponseType.RAW);
    if (options.select !== undefined && options.select.length > 0) request = request.select([...options.select]);
    try {
      switch (method) {
        case 'GET':
          return (await request.get()) as Response;
        case 'POST':
          return (await request.post(options.body ?? {})) as Response;
        case 'PATCH':
          return (await request.patch(options.body ?? {})) as Response;
        case 'DELETE':
          return (await request.delete()) as Response;
      }
    } catch (error) {
      if (call.failure !== undefined) throw call.failure;
      throw new GraphRequestError(`The Graph client failed: ${error instanceof Error ? error.message : String(error)}`, { tenantId: limits.tenantId });
    }
  }

  /** The parsed body of a 2xx answer, or the typed error the UI can explain. */
  private async expectOk(response: Response, source: TokenSource, permission: Permission | undefined): Promise<unknown> {
    const body = await readJson(response);
    if (response.ok) return body;
    const detail = errorDetail(response.status, body, source.tenantId.toLowerCase());
    const graphSays = detail.graphMessage !== undefined ? `: ${detail.graphMessage}` : '';
    switch (response.status) {
      case 401:
        throw new GraphAuthError(`Microsoft Graph rejected the token${graphSays}`, detail);
      case 403:
        throw new GraphConsentError(permission?.scope, permission?.adminConsent ?? false, detail);
      case 404:
        throw new GraphNotFoundError(`Microsoft Graph found nothing there${graphSays}`, detail);
      case 429:
        throw new GraphThrottledError(`Microsoft Graph is still throttling after every retry${graphSays}`, parseRetryAfter(response.headers.get('retry-after'), this.clock.now()), detail);
    }
    if (response.status >= 500) throw new GraphUnavailableError('server-error', detail);
    throw new GraphRequestError(`Microsoft Graph refused the request (HTTP ${response.status})${graphSays}`, detail);
  }
}

function exponentialBackoff(options: { readonly initialDelayMs?: number; readonly maxDelayMs?: number }): ExponentialBackoff<unknown> {
  return new ExponentialBackoff({
    ...(options.initialDelayMs !== undefined ? { initialDelay: options.initialDelayMs } : {}),
    ...(options.maxDelayMs !== undefined ? { maxDelay: options.maxDelayMs } : {}),
  });
}
