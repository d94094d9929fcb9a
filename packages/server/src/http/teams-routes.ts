import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  OfficeIdParams,
  OfficeView,
  SESSION_COOKIE,
  TeamsConfigView,
  TeamsOfficeView,
  TeamsSignInView,
  TeamsSsoBody,
  TeamsTabBody,
  TeamsTabQuery,
  TeamsTabSaved,
  TeamsTabView,
  TeamsNudgeBody,
  TeamsNudgeView,
  Problem,
} from '@metaoffice/protocol';
import type { MicrosoftConfig } from '../config.js';
import type { Office } from '../storage/index.js';
import { GRAPH_SCOPE_NAMES, graphResourceFor } from '../teams/graph-tokens.js';
import type { TeamsService } from '../teams/teams-service.js';
import type { PresenceBridge } from '../teams/presence-bridge.js';
import { AppError } from '../errors.js';
import type { ActivityQueue } from '../teams/activity-queue.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 502: Problem, 503: Problem };

export interface TeamsRouteDeps {
  microsoft: MicrosoftConfig;
  publicUrl: string;
  teams: TeamsService;
  bridge: PresenceBridge;
  activity: ActivityQueue;
  /** Whether someone is connected to an office right now. */
  inOffice: (userId: string) => boolean;
  teamsAppId: string;
  requireUser: (req: FastifyRequest) => Promise<void>;
  setSession: (reply: FastifyReply, token: string, expiresAt: number) => void;
  officeView: (o: Office) => OfficeView;
  authLimit: object;
}

/** The Teams tab's HTTP API (Teams mode only): SSO sign-in, the tab's office, the person's offices. */
export function registerTeamsRoutes(http: FastifyInstance, d: TeamsRouteDeps): void {
  const tags = ['teams'];
  const security = [{ session: [] }];

  http.get('/api/teams/config', { schema: { tags, description: 'Public facts the consent pop-up needs.', response: { 200: TeamsConfigView } } }, async () => ({
    clientId: d.microsoft.clientId,
    authorityHost: d.microsoft.authorityHost,
    graphScopes: GRAPH_SCOPE_NAMES.map((s) => `${graphResourceFor(d.microsoft.graphBaseUrl)}/${s}`),
  }));

  http.post('/api/teams/sso', { config: d.authLimit, schema: { tags, description: 'Signs in with the token TeamsJS getAuthToken() returned: validated, exchanged on-behalf-of for Graph, profile refreshed, session cookie set.', body: TeamsSsoBody, response: { 200: TeamsSignInView, ...problems } } }, async (req, reply) => {
    const r = await d.teams.signIn((req.body as TeamsSsoBody).token, req.cookies[SESSION_COOKIE]);
    d.setSession(reply, r.token, r.expiresAt);
    return { me: r.me, tenantId: r.tenantId };
  });

  http.get('/api/teams/tab', { preHandler: d.requireUser, schema: { tags, security, description: 'The office a channel tab shows, or null before it is configured.', querystring: TeamsTabQuery, response: { 200: TeamsTabView, ...problems } } }, async (req) => {
    const office = await d.teams.tab(req.user!, req.query as TeamsTabQuery);
    return { office: office ? d.officeView(office) : null };
  });

  http.put('/api/teams/tab', { preHandler: d.requireUser, schema: { tags, security, description: 'Saves a channel tab\'s office (tab configuration page): created on first save, renamed later. Team members only.', body: TeamsTabBody, response: { 200: TeamsTabSaved, ...problems } } }, async (req) => {
    const b = req.body as TeamsTabBody;
    const office = await d.teams.saveTab(req.user!, b);
    const q = new URLSearchParams({ entityId: b.entityId });
    return {
      office: d.officeView(office),
      contentUrl: `${d.publicUrl}/teams/tab?${q}`,
      websiteUrl: `${d.publicUrl}/office/${encodeURIComponent(office.id)}`,
      suggestedDisplayName: office.name,
    };
  });

  // Graph change notifications. The subscription handshake is a POST with ?validationToken= that must be echoed as
  // text/plain within 10 s; notifications are acknowledged with 202 whatever they hold (bad ones are counted and
  // dropped by the bridge), so Graph does not retry them.
  http.register(async (scope) => {
    scope.addContentTypeParser(['text/plain', 'application/json'], { parseAs: 'string', bodyLimit: 4 * 1024 * 1024 }, (_req, body, done) => {
      if (typeof body !== 'string' || body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body));
      } catch {
        done(null, undefined);
      }
    });
    const Validation = Type.Object({ validationToken: Type.Optional(Type.String({ maxLength: 1024 })) });
    const handshake = (req: FastifyRequest, reply: FastifyReply): boolean => {
      const token = (req.query as { validationToken?: string }).validationToken;
      if (token === undefined) return false;
      void reply.status(200).type('text/plain; charset=utf-8').send(token);
      return true;
    };
    // Documented, so the API's fuzzing reaches them too, though only Microsoft Graph calls them.
    const webhook = (what: string) => ({ tags, description: `Microsoft Graph's ${what} webhook for presence subscriptions: echoes \`validationToken\` (the subscription handshake), otherwise always 202; items are checked against their subscription's clientState.`, querystring: Validation });
    scope.post('/api/teams/notifications', { config: { serverToServer: true }, schema: webhook('change-notification') }, async (req, reply) => {
      if (handshake(req, reply)) return reply;
      d.bridge.notify(req.body);
      return reply.status(202).send();
    });
    scope.post('/api/teams/notifications/lifecycle', { config: { serverToServer: true }, schema: webhook('lifecycle-notification') }, async (req, reply) => {
      if (handshake(req, reply)) return reply;
      d.bridge.lifecycle(req.body);
      return reply.status(202).send();
    });
  });

  // The Teams test host (development and end-to-end tests against the fake Microsoft) asks the fake Entra for a
  // Teams SSO token, as the real Teams client would hold one. Refused unless TEAMS_TEST_HOST is on, which the
  // configuration only allows against a non-Microsoft authority.
  if (d.microsoft.testHost) {
    http.post('/teams-test-host/sso-token', { schema: { hide: true, body: Type.Object({ tenantId: Type.String({ maxLength: 64 }), userId: Type.String({ maxLength: 64 }) }, { additionalProperties: false }) } }, async (req) => {
      const b = req.body as { tenantId: string; userId: string };
      const res = await fetch(`${d.microsoft.authorityHost}/_fake/sso-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId: b.tenantId, userId: b.userId, clientId: d.microsoft.clientId, audience: `api://${new URL(d.publicUrl).host}/${d.microsoft.clientId}` }),
      }).catch(() => undefined);
      if (!res?.ok) throw new AppError('MICROSOFT_UNAVAILABLE', 503, `The fake Entra ID did not mint a token (${res?.status ?? 'no answer'}).`);
      return { token: ((await res.json()) as { token: string }).token };
    });
  }

  http.post('/api/teams/nudge', { preHandler: d.requireUser, schema: { tags, security, description: 'A Teams activity-feed notice to a member of the office\'s team: "invited you to the office", or "wants to talk" when they are in no office. Queued per tenant, de-duplicated, never to oneself.', body: TeamsNudgeBody, response: { 200: TeamsNudgeView, ...problems } } }, async (req) => {
    const b = req.body as TeamsNudgeBody;
    return { outcome: await d.teams.nudge(req.user!, b.officeId, b.userId, b.kind, { queue: d.activity, inOffice: d.inOffice, teamsAppId: d.teamsAppId }) };
  });

  http.get('/api/teams/offices/:officeId/link', {
    preHandler: d.requireUser,
    schema: { tags, security, params: OfficeIdParams, description: 'The Teams deep link to the office\'s channel tab, to invite people to it.', response: { 200: Type.Object({ url: Type.String() }), ...problems } },
  }, async (req) => ({ url: await d.teams.tabLink(req.user!, (req.params as { officeId: string }).officeId, d.teamsAppId) }));

  http.get('/api/teams/offices', { preHandler: d.requireUser, schema: { tags, security, description: 'The person\'s offices: joined teams with an office tab (Graph, refreshed on each visit).', response: { 200: Type.Array(TeamsOfficeView), ...problems } } }, async (req) =>
    (await d.teams.offices(req.user!)).map((o) => ({ office: d.officeView(o.office), teamId: o.teamId, teamName: o.teamName })),
  );
}
