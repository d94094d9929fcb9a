import { GraphArgumentError } from './errors.js';

/**
 * Microsoft Graph's documented throttling limits (DESIGN.md §6) as data, and the classifier that says which budgets a
 * request consumes. Pure: no I/O, no clock.
 *
 * Every limit is modelled as a token bucket of `capacity` tokens that refills completely in `windowMs`, which is how
 * Microsoft describes them ("N requests per T"). The buckets are keyed per app (the store's key prefix names the app)
 * and per tenant unless the scope is `app` (all tenants) or narrower (`team`, `user`).
 */

/** A family groups the buckets of one documented limit; it names the limit in metrics and Retry-After gates. */
export type LimitFamily =
  | 'any'
  | 'presence'
  | 'activity'
  | 'teamRead'
  | 'teamMembers'
  | 'team'
  | 'meetings'
  | 'directory';

export type LimitScope = 'app' | 'tenant' | 'team' | 'user';

export interface LimitSpec {
  readonly family: LimitFamily;
  readonly scope: LimitScope;
  readonly capacity: number;
  readonly windowMs: number;
}

const SECOND = 1_000;
/** Graph counts online meetings per calendar month; a 30-day window is the token-bucket reading of that. */
const MONTH = 30 * 24 * 60 * 60 * SECOND;

export const GRAPH_LIMITS = {
  anyRequest: { family: 'any', scope: 'app', capacity: 130_000, windowMs: 10 * SECOND },
  presenceTenant: { family: 'presence', scope: 'tenant', capacity: 1_500, windowMs: 30 * SECOND },
  activityTenant: { family: 'activity', scope: 'tenant', capacity: 5, windowMs: SECOND },
  activityApp: { family: 'activity', scope: 'app', capacity: 50, windowMs: SECOND },
  teamReadTenant: { family: 'teamRead', scope: 'tenant', capacity: 30, windowMs: SECOND },
  teamReadApp: { family: 'teamRead', scope: 'app', capacity: 300, windowMs: SECOND },
  teamMembersTenant: { family: 'teamMembers', scope: 'tenant', capacity: 60, windowMs: SECOND },
  teamMembersApp: { family: 'teamMembers', scope: 'app', capacity: 1_200, windowMs: SECOND },
  singleTeam: { family: 'team', scope: 'team', capacity: 4, windowMs: SECOND },
  meetingsPerUser: { family: 'meetings', scope: 'user', capacity: 2_000, windowMs: MONTH },
  directorySmallTenant: { family: 'directory', scope: 'tenant', capacity: 3_500, windowMs: 10 * SECOND },
  directoryMediumTenant: { family: 'directory', scope: 'tenant', capacity: 5_000, windowMs: 10 * SECOND },
  directoryLargeTenant: { family: 'directory', scope: 'tenant', capacity: 8_000, windowMs: 10 * SECOND },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof GRAPH_LIMITS;

/** Resource units a directory read costs: a single object 1, a list 2 (a simplification of Microsoft's table). */
export const DIRECTORY_COST = { single: 1, list: 2 } as const;

/** One budget a request draws from. */
export interface LimitDraw {
  readonly limit: LimitName;
  readonly key: string;
  readonly cost: number;
  readonly capacity: number;
  readonly refillPerMs: number;
}

/**
 * What a request needs before it may be sent.
 * - `draws`: the budgets it consumes.
 * - `gates`: the Retry-After gates that must be open; one per (limit family, tenant).
 * - `retryAfterGates`: the gates a server Retry-After on this request closes. Graph does not say which limit it
 *   throttled, so this is every specific family the request touched, or the tenant's `any` gate when it touched none
 *   (a 429 on such a request can only come from the catch-all limit). Closing them keeps every later request of that
 *   tenant for those limits away until the Retry-After has run out, which is what "no early retries" means.
 */
export interface RequestLimits {
  readonly tenantId: string;
  /** The most specific family, used as the metrics label. */
  readonly family: LimitFamily;
  readonly draws: readonly LimitDraw[];
  readonly gates: readonly string[];
  readonly retryAfterGates: readonly string[];
}

/** Facts the URL alone does not carry. */
export interface LimitContext {
  /** The signed-in user's object id, for `/me/...` calls that are limited per user (online meetings). */
  readonly userId?: string;
  /** How many users the tenant has, which picks its directory bucket; unknown means the smallest (safest). */
  readonly tenantUserCount?: number;
}

export function directoryLimitFor(tenantUserCount: number | undefined): LimitName {
  if (tenantUserCount === undefined || tenantUserCount < 50) return 'directorySmallTenant';
  return tenantUserCount <= 500 ? 'directoryMediumTenant' : 'directoryLargeTenant';
}

/** The gate scope of a family's app-wide limit (every tenant). */
export const ALL_TENANTS = '*';

export function gateKey(family: LimitFamily, tenantId: string): string {
  return `gate:${family}:${tenantId}`;
}

function draw(limit: LimitName, scopeId: string, cost = 1): LimitDraw {
  const spec: LimitSpec = GRAPH_LIMITS[limit];
  return {
    limit,
    key: spec.scope === 'app' ? `bucket:${limit}` : `bucket:${limit}:${scopeId}`,
    cost,
    capacity: spec.capacity,
    refillPerMs: spec.capacity / spec.windowMs,
  };
}

/** The path of a Graph URL without origin, version segment or query, split and lower-cased. */
export function graphPathSegments(url: string): string[] {
  let path = url.trim();
  const scheme = /^https?:\/\/[^/]+/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  path = path.split(/[?#]/, 1)[0] ?? '';
  const segments = path
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s).toLowerCase());
  if (segments[0] === 'v1.0' || segments[0] === 'beta') segments.shift();
  return segments;
}

const PRESENCE_ACTIONS = new Set(['setpresence', 'clearpresence', 'setuserpreferredpresence', 'clearuserpreferredpresence']);

/**
 * The budgets one request consumes. `method` is the HTTP method, `url` a Graph URL (absolute, or a path with or
 * without the version segment, as in `$batch` items). Throws `GraphArgumentError` for a `$batch` envelope (classify
 * its items instead), an empty tenant id, or a per-user limit whose user is unknown.
 */
export function limitsFor(method: string, url: string, tenantId: string, context: LimitContext = {}): RequestLimits {
  if (tenantId.trim() === '') throw new GraphArgumentError('A Graph request needs the tenant id it runs in');
  const tenant = tenantId.toLowerCase();
  const verb = method.toUpperCase();
  const s = graphPathSegments(url);
  if (s[0] === '$batch') throw new GraphArgumentError('A $batch envelope has no limits of its own: classify each of its requests');

  const specific: LimitDraw[] = [];
  const families = new Set<LimitFamily>();
  const use = (limit: LimitName, scopeId: string, cost = 1): void => {
    specific.push(draw(limit, scopeId, cost));
    families.add(GRAPH_LIMITS[limit].family);
  };

  // `/me/...` and `/users/{id}/...` address the same resources; `rest` is what follows the user.
  const userPath = s[0] === 'me' ? { userId: context.userId?.toLowerCase(), rest: s.slice(1) } : s[0] === 'users' && s.length >= 2 ? { userId: s[1], rest: s.slice(2) } : undefined;

  if (s[0] === 'communications' && s[1] === 'getpresencesbyuserid' && verb === 'POST') {
    use('presenceTenant', tenant);
  } else if (userPath && userPath.rest[0] === 'presence' && (userPath.rest.length === 1 ? verb === 'GET' : PRESENCE_ACTIONS.has(userPath.rest[1] ?? ''))) {
    use('presenceTenant', tenant);
  } else if (
    verb === 'POST' &&
    ((userPath && userPath.rest[0] === 'teamwork' && userPath.rest[1] === 'sendactivitynotification') ||
      (s[0] === 'chats' && s[2] === 'sendactivitynotification') ||
      (s[0] === 'teams' && s[2] === 'sendactivitynotification'))
  ) {
    use('activityTenant', tenant);
    use('activityApp', tenant);
  } else if (userPath && userPath.rest[0] === 'joinedteams' && verb === 'GET') {
    use('teamReadTenant', tenant);
    use('teamReadApp', tenant);
  } else if (userPath && userPath.rest[0] === 'onlinemeetings' && verb === 'POST' && (userPath.rest.length === 1 || userPath.rest[1] === 'createorget')) {
    if (userPath.userId === undefined) {
      throw new GraphArgumentError('Online meetings are limited per organiser: the token source must say which user it signs in (userId)');
    }
    use('meetingsPerUser', `${tenant}:${userPath.userId}`);
  } else if (verb === 'GET' && s[0] === 'me' && s.length === 1) {
    use(directoryLimitFor(context.tenantUserCount), tenant, DIRECTORY_COST.single);
  } else if (verb === 'GET' && s[0] === 'users' && s.length <= 2) {
    use(directoryLimitFor(context.tenantUserCount), tenant, s.length === 1 ? DIRECTORY_COST.list : DIRECTORY_COST.single);
  } else if (verb === 'GET' && s[0] === 'teams' && s.length === 2) {
    use('teamReadTenant', tenant);
    use('teamReadApp', tenant);
  } else if (verb === 'GET' && s[0] === 'teams' && s[2] === 'members') {
    use('teamMembersTenant', tenant);
    use('teamMembersApp', tenant);
  }
  // Any single team is limited on its own, whatever the call.
  if (s[0] === 'teams' && s.length >= 2) use('singleTeam', `${tenant}:${s[1]}`);

  const ordered = [...families];
  const family: LimitFamily = ordered.find((f) => f !== 'team') ?? ordered[0] ?? 'any';
  // A family with an app-wide budget (all tenants together) may be what Graph throttled, and Graph does not say which
  // limit it was: its Retry-After holds every tenant back, or another tenant's request would be an early retry.
  const appWide = [...new Set(specific.filter((d) => GRAPH_LIMITS[d.limit].scope === 'app').map((d) => GRAPH_LIMITS[d.limit].family))].map((f) => gateKey(f, ALL_TENANTS));
  return {
    tenantId: tenant,
    family,
    draws: [draw('anyRequest', tenant), ...specific],
    gates: [gateKey('any', tenant), ...ordered.map((f) => gateKey(f, tenant)), ...appWide],
    retryAfterGates: [...(ordered.length > 0 ? ordered.map((f) => gateKey(f, tenant)) : [gateKey('any', tenant)]), ...appWide],
  };
}

/**
 * The limits of several requests sent together (a `$batch`): costs of the same bucket add up, gates are united.
 * All requests must belong to one tenant.
 */
export function mergeLimits(parts: readonly RequestLimits[]): RequestLimits {
  const first = parts[0];
  if (first === undefined) throw new GraphArgumentError('Nothing to merge: a batch needs at least one request');
  const draws = new Map<string, LimitDraw>();
  const gates = new Set<string>();
  const retryAfterGates = new Set<string>();
  for (const part of parts) {
    if (part.tenantId !== first.tenantId) throw new GraphArgumentError('A batch cannot mix tenants');
    for (const d of part.draws) {
      const seen = draws.get(d.key);
      draws.set(d.key, seen ? { ...seen, cost: seen.cost + d.cost } : d);
    }
    for (const g of part.gates) gates.add(g);
    for (const g of part.retryAfterGates) retryAfterGates.add(g);
  }
  const families = new Set(parts.map((p) => p.family));
  return {
    tenantId: first.tenantId,
    family: families.size === 1 ? first.family : 'any',
    draws: [...draws.values()],
    gates: [...gates],
    retryAfterGates: [...retryAfterGates],
  };
}
