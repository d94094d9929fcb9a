import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyError } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import {
  AvatarSpecView, AvPreferences, DEFAULT_AV_PREFERENCES, MAX_FRAME_BYTES, CreateOfficeBody, DeleteMeBody, DeleteOrganisationBody, InviteInfo, InviteView, MeExport, MeView, OfficeIdParams, OfficeView,
  PersonView, Problem, SESSION_COOKIE, SignInBody, SignOutAllView, SignUpBody, TemplateView, TokenParams, PROTOCOL_VERSION,
} from '@metaoffice/protocol';
import type { DestinationStream } from 'pino';
import { assetsDir, loadTemplateMap, templateThumbnailPath, templates } from '@metaoffice/maps';
import { OfficeMap } from '@metaoffice/world';
import type { Config } from '../config.js';
import { DEFAULT_CACHE_TTL_MS, RedisCacheInvalidation, StorageError, cachedStore, type CachedStore, type Office, type Store, type User } from '../storage/index.js';
import { AuthService } from '../auth/auth-service.js';
import { AppError, notFound } from '../errors.js';
import { OfficeRegistry } from '../office/office-registry.js';
import { PresenceService, lookOf } from '../office/presence-service.js';
import { Gateway } from '../gateway/gateway.js';
import { FORWARDED_HEADER } from '../gateway/forward.js';
import { registerMapRoutes } from './map-routes.js';
import { beingEdited, registerEditLeaseRoutes } from './edit-lease-routes.js';
import { OfficeEditLeases } from '../office/edit-lease.js';
import { avatarFromStore } from '../gateway/gateway.js';
import { parseAvatarSpec, type AvatarSpec } from '@metaoffice/maps/avatar';
import { MapThumbnailCache } from '../office/map-thumbnail.js';
import { Redis } from 'ioredis';
import { localCoordination, redisCoordination, type Coordination } from '../cluster/cluster.js';
import { RedisPresenceBus } from '../cluster/presence-bus.js';
import { FrameLimits } from '../gateway/frame-limits.js';
import { Metrics } from '../metrics.js';
import { iceServersFor } from '../calls/ice.js';
import { hashToken } from '../auth/tokens.js';
import { loggerOptions } from '../logging.js';
import { organisationArchive, personalExport } from '../export/exports.js';
import { isCrossOrigin } from './csrf.js';
import { createTeams, type Teams } from '../teams/index.js';
import { registerTeamsRoutes } from './teams-routes.js';
import { registerBotRoutes } from './bot-routes.js';
import { TypeCompiler } from '@sinclair/typebox/compiler';

const avPreferencesCheck = TypeCompiler.Compile(AvPreferences);

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
    sessionTokenHash?: string;
  }
}

export interface App {
  http: FastifyInstance;
  /** The store the app reads and writes through: cached reads, invalidated on write. */
  store: CachedStore;
  auth: AuthService;
  registry: OfficeRegistry;
  presence: PresenceService;
  gateway: Gateway;
  metrics: Metrics;
  /** Office ownership and messages between nodes: in-process on one node, Redis in a cluster. */
  coordination: Coordination;
  /** Every route registered, as Fastify saw it (method and URL pattern); the authorisation test walks them all. */
  routes: readonly { method: string; url: string }[];
}

const BODY_LIMIT = 64 * 1024;
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem, 415: Problem, 429: Problem };

/** Builds the HTTP API, the WebSocket gateway and the static web app on one Fastify instance. */
export async function buildApp(config: Config, rawStore: Store, opts: { logger?: boolean; logStream?: DestinationStream } = {}): Promise<App> {
  const http = Fastify({
    ...(config.tls ? { https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } } : {}),
    logger: opts.logger === false ? false : loggerOptions(config.logLevel, opts.logStream),
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // Requests Node's HTTP parser refuses (a head over 16 KiB, raw non-ASCII or control bytes in the URL, broken
    // framing) never reach a route; Fastify's default answer is an untyped JSON body, ours is a problem body.
    clientErrorHandler: clientError,
    // A path whose percent-encoding is not UTF-8 (`%FF`, `%C0%AF`, a lone surrogate) or a parameter over the router's
    // length limit: answered here, before routing, so also typed here.
    frameworkErrors: (err, req, reply) => {
      const e = err.code === 'FST_ERR_BAD_URL'
        ? new AppError('BAD_REQUEST', 400, 'The address is not valid: its percent-encoding is not UTF-8.')
        : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new AppError('BAD_REQUEST', 414, 'A part of the address is too long.')
          : toAppError(err);
      if (e.status >= 500) req.log.error({ err }, 'request failed before routing');
      void (reply as unknown as FastifyReply).status(e.status).type('application/problem+json').send(e.toProblem());
    },
  });
  const coordination = config.cluster && config.redisUrl ? redisCoordination({ ...config.cluster, redisUrl: config.redisUrl }, http.log) : localCoordination();
  // Office configuration, preferences and profiles are read far more often than written (every connection reads its
  // office): cached with a TTL, dropped on write, and on every node of a cluster through Redis (DESIGN §5).
  const cacheBus = coordination.redis && coordination.subscriber
    ? new RedisCacheInvalidation({ redis: coordination.redis, subscriber: coordination.subscriber, prefix: coordination.keyPrefix, log: http.log })
    : undefined;
  coordination.onStart(() => cacheBus?.start());
  const store = cachedStore(rawStore, { ttlMs: DEFAULT_CACHE_TTL_MS, ...(cacheBus ? { invalidation: cacheBus } : {}) });
  // The API speaks JSON only; any other body type is refused with 415 rather than half-parsed.
  http.removeContentTypeParser('text/plain');
  const routes: { method: string; url: string }[] = [];
  http.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  const metrics = new Metrics();
  const auth = new AuthService(store, { sessionTtlMs: config.sessionTtlMs, publicUrl: config.publicUrl, lockout: config.signInLockout, passwordCost: config.passwordCost });
  const registry = new OfficeRegistry({
    tickMs: config.tickMs,
    stepsPerSecond: config.stepsPerSecond,
    aoiMarginTiles: config.aoiMarginTiles,
    aoiMode: config.aoiMode,
    aoiCellTiles: config.aoiCellTiles,
    resumeGraceMs: config.resumeGraceMs,
    conversationCap: config.conversationCap,
    conversationStillMs: config.conversationStillMs,
    onTick: (ms) => metrics.tickDuration.observe(ms / 1000),
    onCallChange: (userId, inCall) => {
      presence.inCall(userId, inCall);
      teams?.mode.onCallChange(userId, inCall);
    },
    onConversation: (officeId, userId, conversation) => teams?.mode.onConversation(officeId, userId, conversation),
  });
  let teams: Teams | undefined;
  // The presence service and the gateway need each other; the late binding keeps both constructors simple.
  let gateway!: Gateway;
  const presence = new PresenceService(
    { idleAwayMs: config.idleAwayMs },
    {
      publish: (orgId, person) => gateway.publishPerson(orgId, person),
      apply: (officeId, userId, a, act) => registry.get(officeId)?.setPresence(userId, a, act),
      // In a cluster the People panel shows everyone, whichever node runs their office.
      shared: (orgId, person) => presenceBus?.publish(orgId, person),
    },
  );
  const presenceBus = coordination.redis && coordination.subscriber
    ? new RedisPresenceBus({ redis: coordination.redis, subscriber: coordination.subscriber, prefix: coordination.keyPrefix, nodeId: coordination.nodeId, presence, log: http.log })
    : undefined;
  coordination.directory.onGone((ids) => void presenceBus?.nodesGone(ids));
  coordination.onStart(() => presenceBus?.start());
  const frameLimits = new FrameLimits({ stepsPerSecond: config.stepsPerSecond, redis: coordination.redis, keyPrefix: coordination.keyPrefix });
  gateway = new Gateway(
    { store, auth, registry, presence, metrics, log: http.log, ownership: coordination.ownership, frameLimits, ...(config.microsoft ? { mayEnter: (u: User, officeId: string) => teams!.service.mayEnter(u, officeId) } : {}) },
    { stepsPerSecond: config.stepsPerSecond, tickMs: config.tickMs, conversationCap: config.conversationCap, peopleLiveLimit: config.peopleLiveLimit, sessionCheckMs: config.sessionRecheckMs, iceServersFor: (userId) => iceServersFor(config, userId) },
  );
  if (config.microsoft && config.cluster) {
    // Graph budgets are shared, but subscriptions, the presence bridge and the activity queue are per node (docs/cluster.md).
    http.log.warn('Teams mode on a cluster node: Microsoft 365 presence subscriptions and activity notices run per node; run Teams mode on one node for now');
  }
  if (config.microsoft) {
    teams = createTeams({ config: { ...config, microsoft: config.microsoft }, store, auth, presence, metrics, log: http.log, sendTo: (userId, message) => gateway.sendToUser(userId, message) });
  }
  const sweep = setInterval(() => presence.sweep(), 5000);
  sweep.unref();
  coordination.ownership.onLost((officeId, why) => {
    // Another node may already run the office: stop acting on it at once, and send everyone there.
    http.log.warn({ officeId, why }, 'office lease lost; handing the office over');
    metrics.officeLeasesLost.inc();
    gateway.evictOffice(officeId);
    registry.remove(officeId);
  });
  // An office nobody has been in for two checks in a row is given up, so offices spread over the nodes by where
  // people are now, not by where they first went; the next person to enter starts it on whichever node they reach.
  const emptySince = new Map<string, number>();
  const releaseEmpty = setInterval(() => {
    const owned = coordination.ownership.owned();
    metrics.officesOwned.set(owned.length);
    if (!config.cluster) return;
    for (const id of owned) {
      if (registry.online(id) > 0) {
        emptySince.delete(id);
        continue;
      }
      const checks = (emptySince.get(id) ?? 0) + 1;
      if (checks < 2) {
        emptySince.set(id, checks);
        continue;
      }
      emptySince.delete(id);
      // release() stops owning at once (before its round trip to Redis), so a person arriving meanwhile waits for the
      // lease instead of joining the engine stopped here.
      void coordination.ownership.release(id);
      registry.remove(id);
    }
  }, 15_000);
  releaseEmpty.unref();
  coordination.onMessage((msg) => {
    if (msg.t === 'disconnect') gateway.disconnect(msg.which, msg.message);
    else if (msg.t === 'office.map') {
      if (!registry.get(msg.officeId)) return;
      // Read past the cache: this message can overtake the cache invalidation of the same save.
      void rawStore.offices.byId(msg.officeId).then(
        (office) => office && office.mapVersion >= msg.version && switchMap(office.id, office.mapJson, office.mapVersion),
        (err: unknown) => http.log.error({ err, officeId: msg.officeId }, 'loading a saved office map failed'),
      );
    } else if (msg.t === 'avatar') {
      applyAvatar(msg.userId, msg.avatar);
    } else if (msg.t === 'office.removed') {
      gateway.evictOffice(msg.officeId);
      registry.remove(msg.officeId);
      mapThumbnails.forget(msg.officeId);
      void coordination.ownership.release(msg.officeId);
    }
  });

  await http.register(cookie);
  await http.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        // Teams mode: TeamsJS fetches its list of valid Teams origins from Microsoft's CDN.
        connectSrc: ["'self'", 'ws:', 'wss:', ...(config.microsoft ? ['https://res.cdn.office.net'] : [])],
        workerSrc: ["'self'", 'blob:'],
        // Standalone mode is never framed (clickjacking). Teams mode is framed by the Teams clients (and by our own
        // Teams test host page in development), and by nothing else.
        frameAncestors: config.microsoft ? ["'self'", ...TEAMS_FRAME_ANCESTORS] : ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // X-Frame-Options cannot name several hosts; in Teams mode the CSP's frame-ancestors above is the rule.
    frameguard: config.microsoft ? false : { action: 'deny' },
    // HSTS only where it can hold: over plain http a browser ignores it, and on localhost it would pin the port's
    // host to https for a year.
    strictTransportSecurity: config.publicUrl.startsWith('https:') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    // Same-origin isolation headers would stop the Teams client from framing the tab later; keep the defaults lax.
    crossOriginEmbedderPolicy: false,
  });
  // In a cluster, sign-in attempts are counted across all nodes, or a guesser would get one budget per node. This
  // connection fails fast instead of queueing: while Redis is away the per-account lock-out (in the database) still
  // holds, and sign-in keeps working.
  const httpLimitRedis = config.cluster && config.redisUrl ? new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: (n) => Math.min(n * 100, 1000) }) : undefined;
  httpLimitRedis?.on('error', () => undefined);
  await http.register(rateLimit, {
    ...(httpLimitRedis ? { redis: httpLimitRedis, nameSpace: `${config.cluster!.keyPrefix}http-rate:`, skipOnError: true } : {}),
    global: false,
    errorResponseBuilder: (_req, ctx) => new AppError('RATE_LIMITED', 429, `Too many attempts; try again in ${Math.ceil(ctx.ttl / 1000)} s.`),
  });
  // Text that is not UTF-8 gets a typed error from the gateway; ws would close the socket without saying why.
  await http.register(websocket, {
    options: { maxPayload: MAX_FRAME_BYTES, skipUTF8Validation: true },
    // A client breaking WebSocket framing (an oversized frame) is the client's fault: ws has already sent the close
    // code (1009), which terminating here would lose, and logging it as an error would let anyone flood the log.
    errorHandler: (err, socket, req) => {
      const code: unknown = (err as Error & { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
        req.log.debug({ err }, 'client broke the WebSocket protocol');
        return;
      }
      req.log.error({ err }, 'websocket handler failed');
      socket.close(1011, 'INTERNAL');
    },
  });
  await http.register(swagger, {
    openapi: {
      info: { title: 'MetaOffice API', version: String(PROTOCOL_VERSION), description: 'The HTTP API of MetaOffice. Live office traffic uses the WebSocket at /ws.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } } },
    },
  });
  await http.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  http.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const e = toAppError(err);
    if (e.status >= 500) req.log.error({ err }, 'request failed');
    if (e.headers) void reply.headers(e.headers);
    void reply.status(e.status).type('application/problem+json').send(e.toProblem());
  });

  // Text is never allowed to carry NUL: PostgreSQL cannot store it in a text column (a lookup by an id with a NUL in
  // it failed there with a 500), and no name, e-mail, password, id or device label has a use for it.
  http.addHook('preValidation', async (req) => {
    const where = nulAt(req.params, '') ?? nulAt(req.body, '');
    if (where !== undefined) throw new AppError('VALIDATION_FAILED', 400, `Invalid request: ${where || '/'} must not contain the NUL character.`, [{ path: where || '/', message: 'must not contain the NUL character' }]);
  });

  // Cross-site request forgery: writes must come from our own pages (or from no browser at all), and carry JSON,
  // which an HTML form cannot send. See docs/security.md.
  const trustedOrigins = new Set([new URL(config.publicUrl).origin]);
  http.addHook('onRequest', async (req) => {
    // Routes called server to server (Graph's change notifications) are not a browser's: they authenticate by their
    // own means (clientState) and may send other bodies (the subscription handshake is a text/plain POST).
    if ((req.routeOptions.config as { serverToServer?: boolean } | undefined)?.serverToServer) return;
    if (isCrossOrigin(req.method, req.headers, trustedOrigins)) {
      throw new AppError('CROSS_ORIGIN_REQUEST', 403, 'This request came from another site and was refused.');
    }
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return;
    const type = req.headers['content-type'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if ((type !== undefined || hasBody) && !/^application\/json\s*(;|$)/i.test(type ?? '')) {
      throw new AppError('BAD_REQUEST', 415, 'Send JSON with content-type application/json.');
    }
  });

  const requireUser = async (req: FastifyRequest) => {
    const a = await auth.authenticate(req.cookies[SESSION_COOKIE]);
    req.user = a.user;
    req.sessionTokenHash = a.tokenHash;
  };
  const requireAdmin = async (req: FastifyRequest) => {
    await requireUser(req);
    if (req.user!.role !== 'admin') throw new AppError('FORBIDDEN', 403, 'Only an admin of the organisation can do that.');
  };
  /** Live connections end with their sessions at once, not at the gateway's next periodic session check. */
  const cutOff = (which: { userId?: string; orgId?: string; tokenHash?: string }, message: string) => {
    // The connections may live on the node that owns their office, whichever node took this request.
    coordination.broadcast({ t: 'disconnect', which, message });
    return gateway.disconnect(which, message);
  };
  // Inside Teams the tab is a cross-site frame: a Lax cookie would never be sent there. Over https, Teams mode uses a
  // SameSite=None cookie partitioned to the Teams top-level site (CHIPS); the Origin checks above still stop CSRF.
  const teamsCookie = config.microsoft && config.cookieSecure ? { sameSite: 'none' as const, partitioned: true } : { sameSite: 'lax' as const };
  const setSession = (reply: { setCookie: (n: string, v: string, o: object) => unknown }, token: string, expiresAt: number) =>
    reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, secure: config.cookieSecure, path: '/', expires: new Date(expiresAt), ...teamsCookie });
  const authLimit = { rateLimit: { max: config.authRateLimitPerMinute, timeWindow: '1 minute' } };
  const officeOf = async (req: FastifyRequest, officeId: string): Promise<Office> => {
    const office = await store.offices.byId(officeId);
    if (!office || office.orgId !== req.user!.orgId) throw notFound('Office');
    // A Teams office is its team's: other people of the tenant get the same answer as for a missing one.
    if (teams && !(await teams.service.mayEnter(req.user!, office.id))) throw notFound('Office');
    return office;
  };
  const officeView = (o: Office): OfficeView => ({
    id: o.id, name: o.name, description: o.description, template: o.template,
    // The map version in the URL: a browser's cached card picture is never the previous map's.
    thumbnailUrl: `/api/offices/${o.id}/thumbnail.png?v=${o.mapVersion}`, mapUrl: `/api/offices/${o.id}/map`, online: config.cluster ? presence.onlineAnywhere(o.id) : registry.online(o.id),
  });

  // ---- accounts ------------------------------------------------------------------------------------------------
  http.post('/api/auth/signup', { config: authLimit, schema: { tags: ['accounts'], body: SignUpBody, response: { 201: MeView, ...problems } } }, async (req, reply) => {
    const r = await auth.signUp(req.body as SignUpBody, req.cookies[SESSION_COOKIE]);
    setSession(reply, r.token, r.expiresAt);
    return reply.status(201).send(r.me);
  });
  http.post('/api/auth/signin', { config: authLimit, schema: { tags: ['accounts'], body: SignInBody, response: { 200: MeView, ...problems } } }, async (req, reply) => {
    const b = req.body as SignInBody;
    const r = await auth.signIn(b.email, b.password, req.cookies[SESSION_COOKIE]);
    setSession(reply, r.token, r.expiresAt);
    return r.me;
  });
  http.post('/api/auth/signout', { schema: { tags: ['accounts'], response: { 204: Type.Null() } } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    await auth.signOut(token);
    if (token) cutOff({ tokenHash: hashToken(token) }, 'You signed out.');
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });
  http.post('/api/auth/signout-all', { preHandler: requireUser, schema: { tags: ['accounts'], security: [{ session: [] }], description: 'Ends every session of the signed-in person, on every device.', response: { 200: SignOutAllView, ...problems } } }, async (req, reply) => {
    const revoked = await auth.signOutEverywhere(req.user!.id);
    cutOff({ userId: req.user!.id }, 'You signed out everywhere.');
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { revoked };
  });
  http.get('/api/me', { preHandler: requireUser, schema: { tags: ['accounts'], security: [{ session: [] }], response: { 200: MeView, ...problems } } }, async (req) => auth.meOf(req.user!));
  http.get('/api/me/export', { preHandler: requireUser, schema: { tags: ['data'], security: [{ session: [] }], description: 'Everything kept about the signed-in person, as JSON.', response: { 200: MeExport, ...problems } } }, async (req, reply) => {
    void reply.header('content-disposition', `attachment; filename="metaoffice-me-${new Date().toISOString().slice(0, 10)}.json"`).header('cache-control', 'no-store');
    return personalExport(store, req.user!, req.sessionTokenHash);
  });
  http.delete('/api/me', { preHandler: requireUser, schema: { tags: ['data'], security: [{ session: [] }], description: 'Erases the signed-in account: body { password }, or { confirm: <e-mail> } for an account without a password (Teams). The last admin cannot leave while others remain; the last person takes the organisation with them.', body: DeleteMeBody, response: { 204: Type.Null(), ...problems } } }, async (req, reply) => {
    const user = req.user!;
    const offices = await store.offices.listByOrg(user.orgId);
    const offboardTeams = await teams?.mode.prepareOffboarding(user);
    const r = await auth.deleteAccount(user, req.body as DeleteMeBody);
    if (r.organisationDeleted) {
      forgetOrganisation(user.orgId, offices.map((o) => o.id));
      await offboardTeams?.();
    }
    cutOff({ userId: user.id }, 'Your account was deleted.');
    presence.forget(user.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  // ---- organisation --------------------------------------------------------------------------------------------
  http.delete('/api/organisation', { preHandler: requireAdmin, schema: { tags: ['data'], security: [{ session: [] }], description: 'Offboarding: deletes the organisation and everything it owns. Admin only; confirm with its exact name.', body: DeleteOrganisationBody, response: { 204: Type.Null(), ...problems } } }, async (req, reply) => {
    const user = req.user!;
    const offices = await store.offices.listByOrg(user.orgId);
    const people = await store.users.listByOrg(user.orgId);
    const offboardTeams = await teams?.mode.prepareOffboarding(user);
    await auth.deleteOrganisation(user, (req.body as DeleteOrganisationBody).confirm);
    forgetOrganisation(user.orgId, offices.map((o) => o.id));
    await offboardTeams?.();
    for (const p of people) presence.forget(p.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });
  http.get('/api/organisation/export', { preHandler: requireAdmin, schema: { tags: ['data'], security: [{ session: [] }], description: 'The organisation\'s data as a .tar.gz: users (no password hashes), offices, settings, invites, and each office\'s Tiled map.' } }, async (req, reply) => {
    const archive = await organisationArchive(store, req.user!.orgId);
    return reply
      .type('application/gzip')
      .header('content-disposition', `attachment; filename="metaoffice-organisation-${new Date().toISOString().slice(0, 10)}.tar.gz"`)
      .header('cache-control', 'no-store')
      .send(archive);
  });

  http.post('/api/invites', { preHandler: requireUser, schema: { tags: ['accounts'], security: [{ session: [] }], response: { 201: InviteView, ...problems } } }, async (req, reply) =>
    reply.status(201).send(await auth.createInvite(req.user!)),
  );
  http.get('/api/invites/:token', { schema: { tags: ['accounts'], params: TokenParams, response: { 200: InviteInfo, ...problems } } }, async (req) =>
    auth.inviteInfo((req.params as { token: string }).token),
  );

  http.get('/api/me/av-preferences', { preHandler: requireUser, schema: { tags: ['accounts'], security: [{ session: [] }], response: { 200: AvPreferences, ...problems } } }, async (req) => {
    const raw = await store.preferences.getAv(req.user!.id);
    const parsed: unknown = raw ? JSON.parse(raw) : undefined;
    // A stored value from an older shape falls back to the defaults rather than failing the call screen.
    return parsed && avPreferencesCheck.Check(parsed) ? parsed : DEFAULT_AV_PREFERENCES;
  });
  http.put('/api/me/av-preferences', { preHandler: requireUser, schema: { tags: ['accounts'], security: [{ session: [] }], body: AvPreferences, response: { 200: AvPreferences, ...problems } } }, async (req) => {
    const body = req.body as AvPreferences;
    await store.preferences.putAv(req.user!.id, JSON.stringify(body));
    return body;
  });

  http.get('/api/me/avatar', {
    preHandler: requireUser,
    schema: { tags: ['accounts'], security: [{ session: [] }], description: 'The avatar editor\'s choices (one per layer); someone who never chose gets the one picked from their id.', response: { 200: AvatarSpecView, ...problems } },
  }, async (req) => avatarFromStore(req.user!.id, await store.preferences.getAvatar(req.user!.id)));
  http.put('/api/me/avatar', {
    preHandler: requireUser,
    schema: { tags: ['accounts'], security: [{ session: [] }], body: AvatarSpecView, description: 'Saves the avatar; everyone in the office the person is in sees it at once.', response: { 200: AvatarSpecView, ...problems } },
  }, async (req) => {
    const checked = parseAvatarSpec(req.body);
    if (!checked.ok) throw new AppError('VALIDATION_FAILED', 400, 'That is not an avatar this office can draw.', checked.problems.map((message) => ({ path: '/body', message })));
    await store.preferences.putAvatar(req.user!.id, JSON.stringify(checked.spec));
    applyAvatar(req.user!.id, checked.spec);
    coordination.broadcast({ t: 'avatar', userId: req.user!.id, avatar: checked.spec });
    return checked.spec;
  });

  // ---- offices -------------------------------------------------------------------------------------------------
  http.get('/api/templates', { preHandler: requireUser, schema: { tags: ['offices'], response: { 200: Type.Array(TemplateView), ...problems } } }, async () =>
    templates.map((t) => ({ id: t.id, name: t.name, description: t.description, thumbnailUrl: `/api/templates/${t.id}/thumbnail.png` })),
  );
  http.get('/api/templates/:id/thumbnail.png', { schema: { tags: ['offices'], params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!templates.some((t) => t.id === id)) throw notFound('Template');
    return reply.type('image/png').header('cache-control', 'public, max-age=3600').send(await readFile(templateThumbnailPath(id)));
  });
  http.get('/api/offices', { preHandler: requireUser, schema: { tags: ['offices'], security: [{ session: [] }], response: { 200: Type.Array(OfficeView), ...problems } } }, async (req) => {
    const offices = await store.offices.listByOrg(req.user!.orgId);
    if (!teams) return offices.map(officeView);
    const allowed = await Promise.all(offices.map((o) => teams!.service.mayEnter(req.user!, o.id).catch(() => false)));
    return offices.filter((_, i) => allowed[i]).map(officeView);
  });
  http.post('/api/offices', { preHandler: requireUser, schema: { tags: ['offices'], security: [{ session: [] }], body: CreateOfficeBody, response: { 201: OfficeView, ...problems } } }, async (req, reply) => {
    const b = req.body as CreateOfficeBody;
    if (!templates.some((t) => t.id === b.template)) throw new AppError('VALIDATION_FAILED', 400, `Unknown template "${b.template}".`, [{ path: '/template', message: 'unknown template' }]);
    const tmj = loadTemplateMap(b.template);
    OfficeMap.fromTiled(tmj); // a template that does not parse must never become an office nobody can enter
    const office = await store.offices.create({ orgId: req.user!.orgId, name: b.name.trim(), description: (b.description ?? '').trim(), template: b.template, mapJson: JSON.stringify(tmj) });
    return reply.status(201).send(officeView(office));
  });
  http.get('/api/offices/:officeId', { preHandler: requireUser, schema: { tags: ['offices'], params: OfficeIdParams, response: { 200: OfficeView, ...problems } } }, async (req) =>
    officeView(await officeOf(req, (req.params as { officeId: string }).officeId)),
  );
  http.get('/api/offices/:officeId/map', {
    preHandler: requireUser,
    schema: {
      tags: ['offices'],
      params: OfficeIdParams,
      querystring: Type.Object({ version: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,8}$' })) }, { additionalProperties: false }),
      description: 'The office map as Tiled JSON (.tmj); the ETag is its version. `?version=N` (from a `map` message) asks for at least that version.',
    },
  }, async (req, reply) => {
    let office = await officeOf(req, (req.params as { officeId: string }).officeId);
    const wanted = Number((req.query as { version?: string }).version ?? 0);
    // Just saved on another node: this node's cached copy may not have heard yet.
    if (office.mapVersion < wanted) office = (await rawStore.offices.byId(office.id)) ?? office;
    return reply.type('application/json').header('etag', `"${office.mapVersion}"`).header('cache-control', 'no-store').send(office.mapJson);
  });
  const editLeases = new OfficeEditLeases(coordination.leases);
  const nameOf = async (userId: string) => (await store.users.byId(userId))?.name ?? 'someone who has left';
  registerEditLeaseRoutes(http, { requireUser, requireAdmin, officeOf, leases: editLeases, nameOf });
  registerMapRoutes(http, {
    requireUser,
    requireAdmin,
    officeOf,
    officeView,
    checkEditor: async (officeId, userId) => {
      const editor = await editLeases.editor(officeId);
      if (editor !== undefined && editor !== userId) throw await beingEdited(nameOf, editor);
    },
    replaceMap: (officeId, expectedVersion, mapJson) => store.offices.replaceMap(officeId, expectedVersion, mapJson),
    onMapChanged: (officeId, mapJson, version) => {
      switchMap(officeId, mapJson, version);
      coordination.broadcast({ t: 'office.map', officeId, version });
    },
  });
  // Rendered thumbnails of replaced maps, one per office and map version, the 200 most recently used offices.
  const mapThumbnails = new MapThumbnailCache(200);
  http.get('/api/offices/:officeId/thumbnail.png', {
    preHandler: requireUser,
    schema: { tags: ['offices'], params: OfficeIdParams, querystring: Type.Object({ v: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const office = await officeOf(req, (req.params as { officeId: string }).officeId);
    const id = templates.some((t) => t.id === office.template) ? office.template : templates[0]!.id;
    const templatePng = async () => reply.type('image/png').header('cache-control', 'private, max-age=300').send(await readFile(templateThumbnailPath(id)));
    // Version 1 is the template's own map: its pre-made overview. A map saved since (editor, Tiled import) is drawn.
    if (office.mapVersion <= 1) return templatePng();
    let png: Buffer;
    try {
      png = await mapThumbnails.get(office.id, office.mapVersion, office.mapJson);
    } catch (err) {
      // Stored maps were validated, so this should not happen; a card with the template's picture beats a broken one.
      req.log.warn({ err, officeId: office.id, mapVersion: office.mapVersion }, 'could not render the office map thumbnail');
      return templatePng();
    }
    return reply.type('image/png').header('etag', `"${office.mapVersion}"`).header('cache-control', 'private, max-age=300').send(png);
  });
  http.get('/api/offices/:officeId/people', { preHandler: requireUser, schema: { tags: ['offices'], params: OfficeIdParams, response: { 200: Type.Array(PersonView), ...problems } } }, async (req) => {
    const officeId = (req.params as { officeId: string }).officeId;
    await officeOf(req, officeId);
    // A Teams office's people are its team's members (from Graph); a standalone office's, the organisation's.
    const people = (teams && (await teams.service.people(req.user!, officeId))) || (await store.users.listByOrg(req.user!.orgId));
    const avatars = new Map((await store.preferences.listAvatarsByOrg(req.user!.orgId)).map((r) => [r.userId, r.avatarJson]));
    return people.map((u) => presence.view(u, lookOf(u.id), avatarFromStore(u.id, avatars.get(u.id))));
  });

  // ---- live office -----------------------------------------------------------------------------------------------
  // Cross-site WebSocket hijacking: the upgrade carries the cookie, so a foreign page must not be able to open one.
  const wsOrigin = async (req: FastifyRequest) => {
    if (isCrossOrigin(req.method, req.headers, trustedOrigins, { requireForSafe: true })) throw new AppError('CROSS_ORIGIN_REQUEST', 403, 'This connection came from another site and was refused.');
  };
  http.route({
    method: 'GET',
    url: '/ws',
    preValidation: wsOrigin,
    schema: { hide: true },
    // A plain GET (no upgrade) gets a typed answer rather than an empty 404.
    handler: async () => {
      throw new AppError('BAD_REQUEST', 426, 'This is the office WebSocket; connect with a WebSocket upgrade.');
    },
    wsHandler: (socket, req) => {
      const forwarded = req.headers[FORWARDED_HEADER];
      const token = typeof forwarded === 'string' && /^\d{1,15}$/.test(forwarded) ? Number(forwarded) : undefined;
      gateway.accept(socket, req.cookies[SESSION_COOKIE], { cookie: req.headers.cookie, origin: req.headers.origin, clientAddress: req.ip, forwardedToken: token });
    },
  });

  // ---- Teams mode ----------------------------------------------------------------------------------------------
  if (teams && config.microsoft) {
    registerTeamsRoutes(http, {
      microsoft: config.microsoft,
      publicUrl: config.publicUrl,
      teams: teams.service,
      bridge: teams.bridge,
      activity: teams.activity,
      inOffice: (userId) => presence.state(userId).officeId !== null,
      teamsAppId: config.microsoft.teamsAppId,
      requireUser,
      setSession: (reply, token, expiresAt) => setSession(reply, token, expiresAt),
      officeView,
      authLimit,
    });
    registerBotRoutes(http, { microsoft: config.microsoft, publicUrl: config.publicUrl, metrics });
  }

  // ---- operations ----------------------------------------------------------------------------------------------
  http.get('/api/openapi.json', { schema: { hide: true } }, async () => http.swagger());
  http.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  http.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const [database, coordinationUp] = await Promise.all([store.ping(), coordination.healthy()]);
    const ok = database && coordinationUp;
    return reply.status(ok ? 200 : 503).send({
      status: ok ? 'ready' : 'unavailable',
      database: database ? 'ok' : 'unavailable',
      ...(config.cluster ? { redis: coordinationUp ? 'ok' : 'unavailable', node: coordination.nodeId, officesOwned: coordination.ownership.owned().length } : {}),
    });
  });
  http.get('/metrics', { schema: { hide: true } }, async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  // ---- static files --------------------------------------------------------------------------------------------
  await http.register(fastifyStatic, { root: assetsDir, prefix: '/maps/', decorateReply: !existsSync(join(config.webDist || '/nonexistent', 'index.html')) });
  const hasWeb = !!config.webDist && existsSync(join(config.webDist, 'index.html'));
  if (hasWeb) await http.register(fastifyStatic, { root: config.webDist, prefix: '/', decorateReply: true, index: ['index.html'], wildcard: true });
  http.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    // Client-side routes (/office/…, /invite/…) load the app shell; API paths answer with a problem body.
    if (hasWeb && (req.method === 'GET' || req.method === 'HEAD') && !/^\/(api|ws|maps|metrics|healthz|readyz)(\/|$)/.test(path)) return reply.sendFile('index.html', config.webDist);
    return reply.status(404).type('application/problem+json').send(new AppError('NOT_FOUND', 404, `No route ${req.method} ${path}.`).toProblem());
  });

  http.addHook('onClose', async () => {
    clearInterval(sweep);
    clearInterval(releaseEmpty);
    await teams?.close();
    // Leases first: the people told to reconnect below find the offices free on another node, not still held here.
    await coordination.ownership.close();
    gateway.closeAll();
    registry.stopAll();
    frameLimits.close();
    await presenceBus?.close();
    await cacheBus?.close();
    await coordination.close();
    httpLimitRedis?.disconnect();
  });
  return { http, store, auth, registry, presence, gateway, metrics, coordination, routes };

  /**
   * A new version of an office's map was stored. An engine running here switches to it with everyone connected. A map
   * of another size cannot be swapped in place: the engine stops, and its people reconnect to one started from the
   * stored office, at their positions (or the nearest free tile).
   */
  function switchMap(officeId: string, mapJson: string, version: number): void {
    if (!registry.applyMap(officeId, mapJson, version)) gateway.evictOffice(officeId, 'The office map changed size; reloading it.');
  }

  /** A person's new avatar reaches the office they are in, if it runs here (one engine holds them at most). */
  function applyAvatar(userId: string, avatar: AvatarSpec): void {
    for (const engine of registry.all()) engine.setAvatar(userId, avatar);
  }

  /** After an organisation is gone from the database: nobody stays connected to it, no engine keeps running for it. */
  function forgetOrganisation(orgId: string, officeIds: readonly string[]): void {
    cutOff({ orgId }, 'Your organisation was deleted.');
    for (const id of officeIds) {
      registry.remove(id);
      mapThumbnails.forget(id);
      void coordination.ownership.release(id);
      coordination.broadcast({ t: 'office.removed', officeId: id });
    }
  }
}

/** Where the Teams clients frame tabs from (web, desktop and the Microsoft 365 / Outlook hosts). */
const TEAMS_FRAME_ANCESTORS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://teams.cloud.microsoft',
  'https://*.cloud.microsoft',
  'https://*.office.com',
  'https://outlook.office.com',
  'https://*.microsoft365.com',
  'https://*.skype.com',
];

/**
 * The JSON pointer of the first string (or property name) holding U+0000 in a parsed body or the route parameters,
 * or undefined. Iterative, so a deeply nested body cannot overflow the stack.
 */
function nulAt(value: unknown, root: string): string | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (k.includes('\u0000')) return at;
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}

/** Node's HTTP parser refused the request: answer with a problem body, as Node would, then drop the connection. */
function clientError(this: FastifyInstance, err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', 'The request took too long to arrive.']
      : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'The request line and headers are larger than 16 KiB.']
        : [400, 'Bad Request', 'The request is not valid HTTP.'];
  this.log.debug({ err }, 'client broke HTTP');
  const body = JSON.stringify(new AppError('BAD_REQUEST', status, detail).toProblem());
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

function toAppError(err: FastifyError | AppError): AppError {
  if (err instanceof AppError) return err;
  const fe = err as FastifyError & { validation?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] };
  if (fe.validation) {
    const errors = fe.validation.map((v) => ({ path: v.instancePath || `/${String(v.params?.missingProperty ?? v.params?.additionalProperty ?? '')}`, message: v.message ?? 'invalid' }));
    return new AppError('VALIDATION_FAILED', 400, `Invalid request: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  }
  if (err instanceof StorageError && err.code === 'DB_UNAVAILABLE') {
    // Nothing was written: say so, and when to try again, rather than a bare 500.
    return new AppError('UNAVAILABLE', 503, 'The database is unavailable right now; nothing was changed. Try again in a few seconds.', undefined, { 'retry-after': '5' });
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('PAYLOAD_TOO_LARGE', 413, `Request body is larger than ${BODY_LIMIT} bytes.`);
  if (fe.statusCode === 429) return new AppError('RATE_LIMITED', 429, 'Too many requests.');
  if (fe.statusCode === 415) return new AppError('BAD_REQUEST', 415, 'Send JSON with content-type application/json.');
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new AppError('BAD_REQUEST', fe.statusCode, fe.message || 'Bad request.');
  return new AppError('INTERNAL', 500, 'Something went wrong on our side.');
}
