import { randomUUID } from 'node:crypto';
import type { GraphCaller } from './entra.js';
import { GraphError, graphErrorBody } from './errors.js';
import { ActivityFeed } from './model/activity.js';
import type { TeamRecord, UserRecord } from './model/directory.js';
import { DIRECTORY_COST, directoryLimitFor, type LimitCharge } from './model/limits.js';
import { MeetingBook, onlineMeetingJson } from './model/meetings.js';
import { MAX_PRESENCE_IDS, type Subscription } from './model/subscriptions.js';
import type { FakeServices } from './services.js';

export interface GraphRequest {
  method: string;
  /** Path below the version segment, e.g. `/me/presence` (no query string). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export const MAX_BATCH_REQUESTS = 20;

interface Permission {
  /** Any one of these delegated scopes; null = delegated tokens cannot call this. */
  delegated: string[] | null;
  /** Extra delegated scopes accepted when the target user (first path parameter) is the caller. */
  delegatedSelf?: string[];
  /** Delegated callers may only act on themselves. */
  selfOnly?: boolean;
  /** Any one of these application roles; null = app-only tokens cannot call this. */
  app: string[] | null;
}

interface Call {
  caller: GraphCaller;
  params: string[];
  request: GraphRequest;
  requestId: string;
}

interface Route {
  method: string;
  pattern: RegExp;
  /** Report key, e.g. "GET /users/{id}". */
  name: string;
  permission: Permission;
  limits(call: Call): LimitCharge[];
  handle(call: Call): Promise<GraphResponse> | GraphResponse;
}

const USER_PROPERTIES = ['id', 'displayName', 'userPrincipalName', 'mail', 'jobTitle', 'givenName', 'surname', 'businessPhones', 'mobilePhone', 'officeLocation', 'preferredLanguage'];
const USER_READERS = ['User.ReadBasic.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'];
const TEAM_READERS = ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'TeamSettings.ReadWrite.All', 'Directory.Read.All'];
const MEMBER_READERS = ['TeamMember.Read.All', 'TeamMember.ReadWrite.All'];

/** Microsoft Graph v1.0 for the calls the product makes, with auth, permissions, faults and limits on every call. */
export class GraphApi {
  private readonly routes: Route[];

  constructor(private readonly services: FakeServices) {
    this.routes = this.buildRoutes();
  }

  async handle(request: GraphRequest, inBatch = false): Promise<GraphResponse> {
    const requestId = randomUUID();
    const clientRequestId = request.headers['client-request-id'] ?? requestId;
    this.services.sweep();
    const answer = await this.dispatch(request, inBatch, requestId).catch((error: unknown) => {
      if (error instanceof GraphError) return this.error(error.status, error.code, error.message, requestId, clientRequestId, error.headers);
      throw error;
    });
    answer.headers['request-id'] = requestId;
    answer.headers['client-request-id'] = clientRequestId;
    const status = String(answer.status);
    this.services.counters.requestsByStatus.set(status, (this.services.counters.requestsByStatus.get(status) ?? 0) + 1);
    return answer;
  }

  private async dispatch(request: GraphRequest, inBatch: boolean, requestId: string): Promise<GraphResponse> {
    const checked = await this.services.tokens.verifyGraphToken(request.headers.authorization);
    const isBatch = request.method === 'POST' && request.path === '/$batch';
    const match = isBatch ? undefined : this.match(request);
    this.count(isBatch ? 'POST /$batch' : match ? match.route.name : `${request.method} (unknown)`);
    if (!checked.ok) {
      const rejected = this.services.counters.rejectedTokens;
      rejected.set(checked.reason, (rejected.get(checked.reason) ?? 0) + 1);
      throw new GraphError(401, 'InvalidAuthenticationToken', checked.message, {
        'www-authenticate': `Bearer realm="", authorization_uri="${this.services.endpoints.authorityHost}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      });
    }
    if (isBatch) {
      if (inBatch) throw new GraphError(400, 'BadRequest', 'A batch request cannot contain another batch.');
      return this.batch(request);
    }
    if (!match) throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${request.path.split('/')[1] ?? ''}'.`);
    const call: Call = { caller: checked.caller, params: match.params, request, requestId };
    this.authorize(match.route, call);
    const fault = this.services.faults.draw(request.method, `/v1.0${request.path}`);
    if (fault?.kind === 'slow') await new Promise((done) => setTimeout(done, fault.delayMs));
    else if (fault) {
      const codes = { '500': 'InternalServerError', '503': 'ServiceNotAvailable', '504': 'GatewayTimeout' } as const;
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      throw new GraphError(Number(fault.kind), codes[fault.kind], 'Injected fault: the service is temporarily unavailable.', headers);
    }
    this.charge(call, [{ limit: 'global', scope: '*' }, ...match.route.limits(call)]);
    return match.route.handle(call);
  }

  private match(request: GraphRequest): { route: Route; params: string[] } | undefined {
    for (const route of this.routes) {
      if (route.method !== request.method) continue;
      const found = route.pattern.exec(request.path);
      if (found) return { route, params: found.slice(1).map((part) => decodeURIComponent(part)) };
    }
    return undefined;
  }

  private authorize(route: Route, call: Call): void {
    const { caller } = call;
    if (caller.kind === 'app') {
      if (route.permission.app === null) throw new GraphError(400, 'BadRequest', `${route.name} is only valid with delegated authentication flow.`);
      if (!route.permission.app.some((role) => caller.roles.has(role))) throw this.forbidden(route.permission.app, [...caller.roles]);
      return;
    }
    const targetIsSelf = call.params[0] !== undefined && this.isCaller(call, call.params[0]);
    if (route.permission.selfOnly && call.params[0] !== undefined && !targetIsSelf) {
      throw new GraphError(403, 'Forbidden', 'Delegated callers can only change their own presence.');
    }
    const accepted = [...(route.permission.delegated ?? []), ...(targetIsSelf ? (route.permission.delegatedSelf ?? []) : [])];
    if (route.permission.delegated === null && accepted.length === 0) throw new GraphError(403, 'Forbidden', `${route.name} is not supported with delegated permissions.`);
    if (!accepted.some((scope) => caller.scopes.has(scope))) throw this.forbidden(accepted, [...caller.scopes]);
  }

  private forbidden(required: string[], held: string[]): GraphError {
    return new GraphError(403, 'Forbidden', `Missing scope permissions on the request. API requires one of '${required.join(', ')}'. Scopes on the request '${held.join(', ')}'.`);
  }

  private charge(call: Call, charges: LimitCharge[]): void {
    const decision = this.services.limiter.take(call.caller.appId, charges);
    if (decision.ok) return;
    throw new GraphError(429, 'TooManyRequests', `Too many requests (limit '${decision.limit}'); retry after ${decision.retryAfterHeader} seconds.`, {
      'retry-after': decision.retryAfterHeader,
    });
  }

  private async batch(request: GraphRequest): Promise<GraphResponse> {
    const requests = ((request.body ?? {}) as Record<string, unknown>).requests;
    if (!Array.isArray(requests) || requests.length === 0) throw new GraphError(400, 'BadRequest', 'Invalid batch payload format: requests must be a non-empty array.');
    if (requests.length > MAX_BATCH_REQUESTS) throw new GraphError(400, 'BadRequest', `Number of requests in the batch cannot exceed ${MAX_BATCH_REQUESTS}; got ${requests.length}.`);
    const ids = new Set<string>();
    for (const item of requests as Array<Record<string, unknown>>) {
      if (typeof item?.id !== 'string' || item.id === '' || typeof item.method !== 'string' || typeof item.url !== 'string') {
        throw new GraphError(400, 'BadRequest', 'Invalid batch payload format: each request needs id, method and url.');
      }
      if (ids.has(item.id)) throw new GraphError(400, 'BadRequest', `Invalid batch payload format: duplicate request id '${item.id}'.`);
      if (/^https?:/i.test(item.url)) throw new GraphError(400, 'BadRequest', 'Invalid batch payload format: request urls must be relative.');
      ids.add(item.id);
    }
    const responses: Array<Record<string, unknown>> = [];
    for (const item of requests as Array<{ id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown }>) {
      // BatchRequestContent in the official client keeps the version segment ("/v1.0/me"); Graph accepts both forms.
      const relative = (item.url.startsWith('/') ? item.url : `/${item.url}`).replace(/^\/v1\.0(?=\/)/i, '');
      const url = new URL(relative, 'https://batch.invalid');
      const headers: Record<string, string | undefined> = { authorization: request.headers.authorization };
      for (const [name, value] of Object.entries(item.headers ?? {})) headers[name.toLowerCase()] = value;
      const answer = await this.handle({ method: item.method.toUpperCase(), path: url.pathname, query: url.searchParams, headers, body: item.body }, true);
      const itemHeaders: Record<string, string> = {};
      if (answer.headers['retry-after']) itemHeaders['Retry-After'] = answer.headers['retry-after'];
      if (answer.body !== undefined) itemHeaders['Content-Type'] = 'application/json';
      responses.push({ id: item.id, status: answer.status, headers: itemHeaders, ...(answer.body !== undefined ? { body: answer.body } : {}) });
    }
    return this.ok({ responses });
  }

  private buildRoutes(): Route[] {
    const s = this.services;
    const directoryCharge = (call: Call, cost: number): LimitCharge => ({
      limit: directoryLimitFor(s.directory.tenant(call.caller.tenantId)?.users.size ?? 0),
      scope: call.caller.tenantId,
      cost,
    });
    const presence = (call: Call): LimitCharge[] => [{ limit: 'presence', scope: call.caller.tenantId }];
    const teamCharges = (call: Call, kind: 'teams' | 'members' | 'activity'): LimitCharge[] => [
      { limit: `${kind}-tenant`, scope: call.caller.tenantId },
      { limit: `${kind}-global`, scope: '*' },
      ...(call.params[0] ? [{ limit: 'team' as const, scope: call.params[0].toLowerCase() }] : []),
    ];
    const presenceJson = (user: UserRecord) => ({ id: user.id, ...s.presence.get(user.tenantId, user.id) });
    const ID = '([^/]+)';

    return [
      {
        method: 'GET', pattern: /^\/me$/, name: 'GET /me',
        permission: { delegated: ['User.Read', 'User.ReadWrite', ...USER_READERS], app: null },
        limits: (call) => [directoryCharge(call, DIRECTORY_COST.single)],
        handle: (call) => this.ok(this.userJson(this.self(call), call.request.query, 'users/$entity')),
      },
      {
        method: 'GET', pattern: /^\/users$/, name: 'GET /users',
        permission: { delegated: USER_READERS, app: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'] },
        limits: (call) => [directoryCharge(call, DIRECTORY_COST.list)],
        handle: (call) => {
          const top = Math.min(999, Math.max(1, Number(call.request.query.get('$top') ?? 100) || 100));
          const users = [...(s.directory.tenant(call.caller.tenantId)?.users.values() ?? [])].slice(0, top);
          return this.ok({ '@odata.context': `${s.endpoints.graphBaseUrl}/$metadata#users`, value: users.map((user) => this.userJson(user, call.request.query)) });
        },
      },
      {
        method: 'GET', pattern: new RegExp(`^/users/${ID}$`), name: 'GET /users/{id}',
        permission: { delegated: USER_READERS, delegatedSelf: ['User.Read', 'User.ReadWrite'], app: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All'] },
        limits: (call) => [directoryCharge(call, DIRECTORY_COST.single)],
        handle: (call) => this.ok(this.userJson(this.user(call, call.params[0]!, 'Request_ResourceNotFound'), call.request.query, 'users/$entity')),
      },
      {
        method: 'GET', pattern: /^\/me\/joinedTeams$/, name: 'GET /me/joinedTeams',
        permission: { delegated: [...TEAM_READERS, 'User.Read.All', 'User.ReadWrite.All'], app: null },
        limits: (call) => teamCharges(call, 'teams'),
        handle: (call) => this.ok({
          '@odata.context': `${s.endpoints.graphBaseUrl}/$metadata#teams`,
          '@odata.count': s.directory.joinedTeams(call.caller.tenantId, this.self(call).id).length,
          value: s.directory.joinedTeams(call.caller.tenantId, this.self(call).id).map((team) => ({ id: team.id, displayName: team.displayName, description: team.description, isArchived: false, tenantId: team.tenantId })),
        }),
      },
      {
        method: 'GET', pattern: new RegExp(`^/teams/${ID}$`), name: 'GET /teams/{id}',
        permission: { delegated: TEAM_READERS, app: ['Team.ReadBasic.All', 'TeamSettings.Read.All', 'TeamSettings.ReadWrite.All', 'Directory.Read.All'] },
        limits: (call) => teamCharges(call, 'teams'),
        handle: (call) => {
          const team = this.team(call);
          return this.ok({ '@odata.context': `${s.endpoints.graphBaseUrl}/$metadata#teams/$entity`, id: team.id, displayName: team.displayName, description: team.description, isArchived: false, visibility: 'private', tenantId: team.tenantId, webUrl: `https://teams.microsoft.com/l/team/19%3a${team.id}%40thread.tacv2/conversations?groupId=${team.id}&tenantId=${team.tenantId}` });
        },
      },
      {
        method: 'GET', pattern: new RegExp(`^/teams/${ID}/members$`), name: 'GET /teams/{id}/members',
        permission: { delegated: MEMBER_READERS, app: MEMBER_READERS },
        limits: (call) => teamCharges(call, 'members'),
        handle: (call) => {
          const team = this.team(call);
          return this.ok({
            '@odata.context': `${s.endpoints.graphBaseUrl}/$metadata#teams('${team.id}')/members`,
            '@odata.count': team.members.size,
            value: [...team.members.values()].map((member) => {
              const user = s.directory.user(team.tenantId, member.userId)!;
              return { '@odata.type': '#microsoft.graph.aadUserConversationMember', id: member.membershipId, roles: member.roles, displayName: user.displayName, visibleHistoryStartDateTime: '0001-01-01T00:00:00Z', userId: user.id, email: user.mail, tenantId: user.tenantId };
            }),
          });
        },
      },
      {
        method: 'GET', pattern: /^\/me\/presence$/, name: 'GET /me/presence',
        permission: { delegated: ['Presence.Read', 'Presence.Read.All'], app: null },
        limits: presence,
        handle: (call) => this.ok({ '@odata.context': `${s.endpoints.graphBaseUrl}/$metadata#users('${this.self(call).id}')/presence/$entity`, ...presenceJson(this.self(call)) }),
      },
      {
        method: 'GET', pattern: new RegExp(`^/users/${ID}/presence$`), name: 'GET /users/{id}/presence',
        permission: { delegated: ['Presence.Read.All'], delegatedSelf: ['Presence.Read'], app: ['Presence.Read.All'] },
        limits: presence,
        handle: (call) => this.ok(presenceJson(this.user(call, call.params[0]!, 'NotFound'))),
      },
      {
        method: 'POST', pattern: /^\/communications\/getPresencesByUserId$/, name: 'POST /communications/getPresencesByUserId',
        permission: { delegated: ['Presence.Read.All'], app: ['Presence.Read.All'] },
        limits: presence,
        handle: (call) => {
          const ids = ((call.request.body ?? {}) as Record<string, unknown>).ids;
          if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) throw new GraphError(400, 'BadRequest', 'ids must be a non-empty array of user ids.');
          if (ids.length > MAX_PRESENCE_IDS) throw new GraphError(400, 'BadRequest', `The number of ids cannot exceed ${MAX_PRESENCE_IDS}; got ${ids.length}.`);
          return this.ok({
            '@odata.context': `${s.endpoints.graphBaseUrl}/$metadata#Collection(microsoft.graph.presence)`,
            value: (ids as string[]).map((id) => {
              const user = s.directory.user(call.caller.tenantId, id);
              return user ? presenceJson(user) : { id, availability: 'PresenceUnknown', activity: 'PresenceUnknown' };
            }),
          });
        },
      },
      ...(['setPresence', 'clearPresence'] as const).map((action): Route => ({
        method: 'POST', pattern: new RegExp(`^/users/${ID}/presence/${action}$`), name: `POST /users/{id}/presence/${action}`,
        permission: { delegated: ['Presence.ReadWrite'], selfOnly: true, app: ['Presence.ReadWrite.All'] },
        limits: presence,
        handle: (call) => {
          const user = this.user(call, call.params[0]!, 'NotFound');
          const change = action === 'setPresence' ? s.presence.setSession(user.tenantId, user.id, call.request.body) : s.presence.clearSession(user.tenantId, user.id, call.request.body);
          s.presenceChanged(change);
          return { status: 200, headers: {} };
        },
      })),
      ...([['me', /^\/me\/onlineMeetings\/createOrGet$/], ['users', new RegExp(`^/users/${ID}/onlineMeetings/createOrGet$`)]] as const).map(([kind, pattern]): Route => ({
        method: 'POST', pattern, name: kind === 'me' ? 'POST /me/onlineMeetings/createOrGet' : 'POST /users/{id}/onlineMeetings/createOrGet',
        permission: kind === 'me' ? { delegated: ['OnlineMeetings.ReadWrite'], app: null } : { delegated: ['OnlineMeetings.ReadWrite'], selfOnly: true, app: ['OnlineMeetings.ReadWrite.All'] },
        limits: () => [],
        handle: (call) => {
          const organizer = kind === 'me' ? this.self(call) : this.user(call, call.params[0]!, 'NotFound');
          const existing = s.meetings.find(organizer, MeetingBook.externalIdOf(call.request.body));
          if (existing) {
            s.counters.meetingsReturned += 1;
            return this.ok(onlineMeetingJson(existing, s.endpoints.graphBaseUrl));
          }
          this.charge(call, [{ limit: 'meetings', scope: `${organizer.tenantId}|${organizer.id}` }]);
          const meeting = s.meetings.create(organizer, call.request.body);
          s.counters.meetingsCreated += 1;
          return this.ok(onlineMeetingJson(meeting, s.endpoints.graphBaseUrl), 201);
        },
      })),
      {
        method: 'POST', pattern: new RegExp(`^/teams/${ID}/sendActivityNotification$`), name: 'POST /teams/{id}/sendActivityNotification',
        permission: { delegated: ['TeamsActivity.Send'], app: ['TeamsActivity.Send'] },
        limits: (call) => teamCharges(call, 'activity'),
        handle: (call) => this.sendActivity(call, (notification) => {
          const team = this.team(call);
          const recipientId = ActivityFeed.recipientUserId(call.request.body);
          if (!s.directory.user(call.caller.tenantId, recipientId)) throw new GraphError(404, 'NotFound', `Recipient '${recipientId}' was not found in the tenant.`);
          if (!team.members.has(recipientId)) throw new GraphError(400, 'BadRequest', `Recipient '${recipientId}' is not a member of the team.`);
          s.activity.record(call.caller.tenantId, recipientId, notification);
        }),
      },
      {
        method: 'POST', pattern: new RegExp(`^/users/${ID}/teamwork/sendActivityNotification$`), name: 'POST /users/{id}/teamwork/sendActivityNotification',
        permission: { delegated: ['TeamsActivity.Send'], app: ['TeamsActivity.Send'] },
        limits: (call) => teamCharges({ ...call, params: [] }, 'activity'),
        handle: (call) => this.sendActivity(call, (notification) => {
          const user = s.directory.user(call.caller.tenantId, call.params[0]!);
          if (!user) throw new GraphError(404, 'NotFound', `Recipient '${call.params[0]}' was not found in the tenant.`);
          s.activity.record(call.caller.tenantId, user.id, notification);
        }),
      },
      {
        method: 'POST', pattern: /^\/subscriptions$/, name: 'POST /subscriptions',
        permission: { delegated: ['Presence.Read.All'], app: [] },
        limits: () => [],
        handle: (call) => this.createSubscription(call),
      },
      {
        method: 'GET', pattern: /^\/subscriptions$/, name: 'GET /subscriptions',
        permission: { delegated: ['Presence.Read.All'], app: ['Presence.Read.All'] },
        limits: () => [],
        handle: (call) => this.ok({ '@odata.context': `${s.endpoints.graphBaseUrl}/$metadata#subscriptions`, value: s.subscriptions.list(call.caller.appId, call.caller.tenantId).map((sub) => this.subscriptionJson(sub)) }),
      },
      {
        method: 'GET', pattern: new RegExp(`^/subscriptions/${ID}$`), name: 'GET /subscriptions/{id}',
        permission: { delegated: ['Presence.Read.All'], app: ['Presence.Read.All'] },
        limits: () => [],
        handle: (call) => this.ok(this.subscriptionJson(s.subscriptions.get(call.caller.appId, call.caller.tenantId, call.params[0]!))),
      },
      {
        method: 'PATCH', pattern: new RegExp(`^/subscriptions/${ID}$`), name: 'PATCH /subscriptions/{id}',
        permission: { delegated: ['Presence.Read.All'], app: [] },
        limits: () => [],
        handle: (call) => {
          const subscription = s.subscriptions.renew(call.caller.appId, call.caller.tenantId, call.params[0]!, call.request.body, call.caller.expiresAt);
          s.counters.subscriptionsRenewed += 1;
          return this.ok(this.subscriptionJson(subscription));
        },
      },
      {
        method: 'DELETE', pattern: new RegExp(`^/subscriptions/${ID}$`), name: 'DELETE /subscriptions/{id}',
        permission: { delegated: ['Presence.Read.All'], app: ['Presence.Read.All'] },
        limits: () => [],
        handle: (call) => {
          s.subscriptions.delete(call.caller.appId, call.caller.tenantId, call.params[0]!);
          s.counters.subscriptionsDeleted += 1;
          return { status: 204, headers: {} };
        },
      },
    ];
  }

  private sendActivity(call: Call, deliver: (notification: ReturnType<typeof ActivityFeed.parse>) => void): GraphResponse {
    try {
      deliver(ActivityFeed.parse(call.request.body));
    } catch (error) {
      this.services.activity.reject(call.caller.tenantId);
      throw error;
    }
    return { status: 204, headers: {} };
  }

  private async createSubscription(call: Call): Promise<GraphResponse> {
    const s = this.services;
    let subscription: Subscription;
    try {
      subscription = s.subscriptions.validate({ appId: call.caller.appId, tenantId: call.caller.tenantId, creatorId: call.caller.userId ?? '', tokenExpiresAt: call.caller.expiresAt, body: call.request.body });
      for (const url of [subscription.notificationUrl, subscription.lifecycleNotificationUrl]) {
        if (!url) continue;
        const handshake = await s.webhooks.validate(url);
        if (!handshake.ok) throw new GraphError(400, 'ValidationError', `Subscription validation request failed for '${url}': ${handshake.reason}. Notification endpoint must respond with 200 OK and the validation token as text/plain within 10 seconds.`);
      }
    } catch (error) {
      s.counters.subscriptionsRejected += 1;
      throw error;
    }
    s.subscriptions.add(subscription);
    s.counters.subscriptionsCreated += 1;
    return this.ok(this.subscriptionJson(subscription), 201);
  }

  private subscriptionJson(subscription: Subscription): Record<string, unknown> {
    return {
      '@odata.context': `${this.services.endpoints.graphBaseUrl}/$metadata#subscriptions/$entity`,
      id: subscription.id,
      resource: subscription.resource,
      applicationId: subscription.appId,
      changeType: subscription.changeType,
      clientState: subscription.clientState,
      notificationUrl: subscription.notificationUrl,
      lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
      expirationDateTime: new Date(subscription.expiresAt).toISOString(),
      creatorId: subscription.creatorId,
      includeResourceData: subscription.includeResourceData,
      encryptionCertificateId: subscription.encryptionCertificateId,
      latestSupportedTlsVersion: 'v1_2',
      notificationContentType: 'application/json',
    };
  }

  private self(call: Call): UserRecord {
    const user = call.caller.userId ? this.services.directory.user(call.caller.tenantId, call.caller.userId) : undefined;
    if (!user) throw new GraphError(404, 'Request_ResourceNotFound', 'The signed-in user does not exist in the directory.');
    return user;
  }

  /** Users are looked up in the caller's tenant only; another tenant's id is simply not found. */
  private user(call: Call, idOrUpn: string, notFoundCode: string): UserRecord {
    const user = this.services.directory.user(call.caller.tenantId, idOrUpn);
    if (!user) throw new GraphError(404, notFoundCode, `Resource '${idOrUpn}' does not exist or one of its queried reference-property objects are not present.`);
    return user;
  }

  private isCaller(call: Call, idOrUpn: string): boolean {
    if (!call.caller.userId) return false;
    return this.services.directory.user(call.caller.tenantId, idOrUpn)?.id === call.caller.userId;
  }

  private team(call: Call): TeamRecord {
    const team = this.services.directory.team(call.caller.tenantId, call.params[0]!);
    if (!team) throw new GraphError(404, 'NotFound', `No team found with Group Id ${call.params[0]}.`);
    if (call.caller.kind === 'delegated' && !team.members.has(call.caller.userId ?? '')) {
      throw new GraphError(403, 'Forbidden', 'Forbidden: the signed-in user is not a member of this team.');
    }
    return team;
  }

  private userJson(user: UserRecord, query: URLSearchParams, entity?: string): Record<string, unknown> {
    const full: Record<string, unknown> = {
      businessPhones: [],
      displayName: user.displayName,
      givenName: user.displayName.split(' ')[0] ?? null,
      jobTitle: user.jobTitle,
      mail: user.mail,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: user.displayName.split(' ').slice(1).join(' ') || null,
      userPrincipalName: user.userPrincipalName,
      id: user.id,
    };
    const select = query.get('$select');
    const fields = select ? select.split(',').map((field) => field.trim()).filter(Boolean) : Object.keys(full);
    const unknown = fields.find((field) => !USER_PROPERTIES.includes(field));
    if (unknown) throw new GraphError(400, 'BadRequest', `Could not find a property named '${unknown}' on type 'microsoft.graph.user'.`);
    const context = entity ? { '@odata.context': `${this.services.endpoints.graphBaseUrl}/$metadata#${entity}` } : {};
    return { ...context, ...Object.fromEntries(fields.map((field) => [field, full[field]])) };
  }

  private ok(body: unknown, status = 200): GraphResponse {
    return { status, headers: {}, body };
  }

  private error(status: number, code: string, message: string, requestId: string, clientRequestId: string, headers: Record<string, string>): GraphResponse {
    return { status, headers: { ...headers }, body: graphErrorBody(code, message, this.services.clock.now(), requestId, clientRequestId) };
  }

  private count(name: string): void {
    const byEndpoint = this.services.counters.requestsByEndpoint;
    byEndpoint.set(name, (byEndpoint.get(name) ?? 0) + 1);
  }
}
