import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { systemClock, type Clock } from './clock.js';
import { registerBotFrameworkRoutes, type BotFramework } from './botframework.js';
import type { Endpoints, SsoTokenRequest } from './entra.js';
import { FakeMicrosoftError, GraphError, graphErrorBody } from './errors.js';
import { GraphApi } from './graph.js';
import type { SeededTenant, TenantSeed } from './model/directory.js';
import type { FaultConfig } from './model/faults.js';
import type { LimitId, LimitSpec, RetryAfterStyle } from './model/limits.js';
import { FakeServices, type FakeReport, type FakeServicesOptions } from './services.js';
import { ensureDevCertificateAuthority, issueServerCertificate } from './tls.js';
import { registerConsentRoutes } from './consent.js';

/** The services' options (limits, faults, webhooks; see FakeServicesOptions), plus where and how the server runs. */
export interface FakeMicrosoftOptions extends Omit<FakeServicesOptions, 'clock' | 'endpoints'> {
  /** Default: a random free port on 127.0.0.1. */
  port?: number;
  clock?: Clock;
  /** Where the development CA lives (created when missing). Default `.local/dev-ca`. */
  caDir?: string;
  /** How often (real time) expiries due on the clock are applied between requests. Default 1000. */
  sweepIntervalMs?: number;
}

export interface FakeMicrosoft {
  /** `https://127.0.0.1:PORT`: use as MICROSOFT_AUTHORITY_HOST; MSAL authority = `${authorityHost}/${tenantId}`. */
  authorityHost: string;
  /** `https://127.0.0.1:PORT/v1.0`: use as MICROSOFT_GRAPH_BASE_URL. */
  graphBaseUrl: string;
  /** `https://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** `127.0.0.1:PORT`, for MSAL's `knownAuthorities`. */
  knownAuthority: string;
  caCertPath: string;
  clock: Clock;
  seed(tenant: TenantSeed): SeededTenant;
  mintSsoToken(request: SsoTokenRequest): Promise<string>;
  /** The user's own (Teams client) presence; sends change notifications when the aggregate moves. */
  setUserPresence(tenantId: string, userId: string, availability: string, activity: string): void;
  setFaults(config: FaultConfig): void;
  setLimits(config: { retryAfterStyle?: RetryAfterStyle; overrides?: Partial<Record<LimitId, LimitSpec>> }): void;
  /** Drops a subscription service-side and sends `subscriptionRemoved` to its lifecycle URL. */
  removeSubscription(subscriptionId: string): boolean;
  /** Applies expiries that are due on the clock now (also done on every request and every sweep interval). */
  sweep(): void;
  /** Waits until every webhook delivery in flight has finished. */
  settled(): Promise<void>;
  report(): FakeReport;
  /** The model behind the routes, for assertions the HTTP surface does not expose. */
  services: FakeServices;
  /** The Bot Framework: channel tokens and metadata, activities to a bot, and the connector a bot replies through. */
  botFramework: BotFramework;
  close(): Promise<void>;
}

export async function startFakeMicrosoft(options: FakeMicrosoftOptions): Promise<FakeMicrosoft> {
  const clock = options.clock ?? systemClock;
  const ca = await ensureDevCertificateAuthority(options.caDir ?? '.local/dev-ca');
  const certificate = await issueServerCertificate(ca);
  const endpoints: Endpoints = { authorityHost: '', graphBaseUrl: '' };
  const services = await FakeServices.create({ ...options, clock, endpoints });
  const graph = new GraphApi(services);

  const app = Fastify({ https: { cert: certificate.cert, key: certificate.key }, logger: false, bodyLimit: 4 * 1024 * 1024 });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error instanceof FakeMicrosoftError ? 400 : error instanceof GraphError ? error.status : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (request.url.startsWith('/v1.0/')) {
      void reply.status(status).send(graphErrorBody(status === 500 ? 'InternalServerError' : 'BadRequest', error.message, clock.now()));
    } else {
      void reply.status(status).send({ error: status === 500 ? 'server_error' : 'invalid_request', error_description: error.message });
    }
  });

  // Entra ID v2.
  app.get<{ Params: { tenant: string } }>('/:tenant/v2.0/.well-known/openid-configuration', async (request, reply) => {
    const metadata = services.tokens.openIdConfiguration(request.params.tenant);
    if (!metadata) return reply.status(400).send({ error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${request.params.tenant}' not found.`, error_codes: [90002] });
    return metadata;
  });
  app.get('/:tenant/discovery/v2.0/keys', async () => services.tokens.jwks());
  app.get<{ Querystring: { authorization_endpoint?: string } }>('/common/discovery/instance', async (request) => services.tokens.instanceDiscovery(request.query.authorization_endpoint));
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    const form = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, string>) : {};
    const answer = await services.tokens.token(request.params.tenant, form, basicCredentials(request.headers.authorization));
    return reply.status(answer.status).header('cache-control', 'no-store, no-cache').send(answer.body);
  });

  registerConsentRoutes(app, services);

  // Microsoft Graph v1.0.
  app.all('/v1.0/*', async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, 'https://fake.invalid');
    // Bodies that are not application/json arrive as strings, which every handler rejects as malformed.
    const body = request.body === '' ? undefined : request.body;
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const answer = await graph.handle({ method: request.method, path: url.pathname.slice('/v1.0'.length) || '/', query: url.searchParams, headers, body });
    void reply.status(answer.status).headers(answer.headers);
    return answer.body === undefined ? reply.send() : reply.send(answer.body);
  });

  registerBotFrameworkRoutes(app, services.botFramework);

  // Test and development controls.
  app.post('/_fake/seed', async (request) => services.directory.seed(request.body as TenantSeed));
  app.post('/_fake/sso-token', async (request) => ({ token: await services.tokens.mintSsoToken(request.body as SsoTokenRequest) }));
  app.post('/_fake/presence', async (request, reply) => {
    const input = (request.body ?? {}) as { tenantId?: string; userId?: string; availability?: string; activity?: string };
    handle.setUserPresence(String(input.tenantId), String(input.userId), String(input.availability), String(input.activity));
    return reply.status(204).send();
  });
  app.post('/_fake/faults', async (request, reply) => {
    services.faults.configure(request.body as FaultConfig);
    return reply.status(204).send();
  });
  app.post('/_fake/limits', async (request, reply) => {
    services.limiter.configure((request.body ?? {}) as Parameters<FakeMicrosoft['setLimits']>[0]);
    return reply.status(204).send();
  });
  app.post<{ Params: { id: string } }>('/_fake/subscriptions/:id/remove', async (request, reply) => reply.status(services.removeSubscription(request.params.id) ? 204 : 404).send());
  app.get('/_fake/report', async () => services.report());

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the fake did not get a TCP address');
  const url = `https://127.0.0.1:${address.port}`;
  endpoints.authorityHost = url;
  endpoints.graphBaseUrl = `${url}/v1.0`;
  const sweeper = setInterval(() => services.sweep(), options.sweepIntervalMs ?? 1000);
  sweeper.unref();

  const handle: FakeMicrosoft = {
    authorityHost: url,
    graphBaseUrl: endpoints.graphBaseUrl,
    url,
    port: address.port,
    knownAuthority: `127.0.0.1:${address.port}`,
    caCertPath: ca.certPath,
    clock,
    services,
    botFramework: services.botFramework,
    seed: (tenant) => services.directory.seed(tenant),
    mintSsoToken: (request) => services.tokens.mintSsoToken(request),
    setUserPresence: (tenantId, userId, availability, activity) => {
      const user = services.directory.user(tenantId, userId);
      if (!user) throw new FakeMicrosoftError(`user ${userId} does not exist in tenant ${tenantId}`);
      try {
        services.presenceChanged(services.presence.setOwn(user.tenantId, user.id, { availability, activity }));
      } catch (error) {
        if (error instanceof GraphError) throw new FakeMicrosoftError(error.message);
        throw error;
      }
    },
    setFaults: (config) => services.faults.configure(config),
    setLimits: (config) => services.limiter.configure(config),
    removeSubscription: (id) => services.removeSubscription(id),
    sweep: () => services.sweep(),
    settled: () => services.webhooks.settled(),
    report: () => services.report(),
    close: async () => {
      clearInterval(sweeper);
      await services.webhooks.settled();
      await app.close();
    },
  };
  return handle;
}

function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const [id, ...secret] = Buffer.from(encoded, 'base64').toString('utf8').split(':');
  return { clientId: decodeURIComponent(id ?? ''), clientSecret: decodeURIComponent(secret.join(':')) };
}
