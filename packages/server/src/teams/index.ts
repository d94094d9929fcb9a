import { join } from 'node:path';
import { createBucketStore, GraphGateway, type GraphObserver } from '@metaoffice/graph';
import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import type { Config, MicrosoftConfig } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { PresenceService } from '../office/presence-service.js';
import { loadSecretsKey, SecretBox } from '../secrets/secret-box.js';
import { ChannelSeal } from './channel-ids.js';
import type { Store } from '../storage/index.js';
import { ActivityQueue } from './activity-queue.js';
import { GraphAdapter } from './graph-adapter.js';
import { GraphTokenBroker } from './graph-tokens.js';
import { PresenceBridge } from './presence-bridge.js';
import { TeamsSsoValidator } from './sso.js';
import { TeamsMode } from './teams-mode.js';
import { TeamsService } from './teams-service.js';

export { TeamsService } from './teams-service.js';
export type { TeamsMode } from './teams-mode.js';

export interface Teams {
  microsoft: MicrosoftConfig;
  service: TeamsService;
  mode: TeamsMode;
  bridge: PresenceBridge;
  activity: ActivityQueue;
  tokens: GraphTokenBroker;
  graph: GraphGateway;
  close(): Promise<void>;
}

export interface TeamsDeps {
  config: Config & { microsoft: MicrosoftConfig };
  store: Store;
  auth: AuthService;
  presence: PresenceService;
  metrics: Metrics;
  log: FastifyInstance['log'];
  sendTo(userId: string, message: object): void;
}

/** Builds Teams mode's parts and starts their periodic upkeep. Only called when MICROSOFT_CLIENT_ID is set. */
export function createTeams(d: TeamsDeps): Teams {
  const { config, store, metrics } = d;
  const microsoft = config.microsoft;
  const box = new SecretBox(loadSecretsKey(config.secretsKey, join(config.dataDir, 'secrets.key')));
  const observer: GraphObserver = {
    onRequest: (e) => metrics.graphRequests.inc({ family: e.family, status: String(e.status) }),
    onThrottled: (e) => metrics.graphThrottled.inc({ family: e.family, status: String(e.status) }),
    onShed: (e) => metrics.graphShed.inc({ family: e.family, priority: e.priority }),
    onAdmitted: (e) => metrics.graphWait.observe(e.waitMs / 1000),
    onBreakerStateChange: (e) => (e.state === 'open' ? metrics.graphBreakerOpen.inc() : metrics.graphBreakerOpen.dec()),
  };
  // One Graph client for the whole server, its budgets shared through Redis when the server runs as a cluster.
  const graph = new GraphGateway({ baseUrl: microsoft.graphBaseUrl, store: createBucketStore({ redisUrl: config.redisUrl }), observer });
  const adapter = new GraphAdapter(graph);
  const tokens = new GraphTokenBroker({ clientId: microsoft.clientId, clientSecret: microsoft.clientSecret, authorityHost: microsoft.authorityHost, graphBaseUrl: microsoft.graphBaseUrl, store, box });
  const sso = new TeamsSsoValidator({ authorityHost: microsoft.authorityHost, clientId: microsoft.clientId, publicUrl: config.publicUrl });
  const service = new TeamsService({ store, auth: d.auth, sso, tokens, graph: adapter, publicUrl: config.publicUrl, channels: new ChannelSeal(box), onRejectedToken: (reason) => metrics.teamsRejectedTokens.inc({ reason }) });
  let mode!: TeamsMode;
  const bridge = new PresenceBridge({
    graph: adapter,
    presence: d.presence,
    publicUrl: config.publicUrl,
    callerFor: (tenantId, priority) => mode.callerFor(tenantId, priority),
    log: d.log,
    count: (event) => metrics.teamsPresence.inc({ event }),
  });
  mode = new TeamsMode({ store, graph: adapter, tokens, teams: service, presence: d.presence, bridge, clientId: microsoft.clientId, publicUrl: config.publicUrl, sendTo: d.sendTo, log: d.log });
  const activity = new ActivityQueue({
    graph: adapter,
    onSent: () => metrics.teamsActivity.inc({ outcome: 'sent' }),
    onFailed: (_tenant, err) => {
      metrics.teamsActivity.inc({ outcome: 'failed' });
      d.log.warn({ err }, 'activity-feed notice failed');
    },
  });

  const timers = [
    setInterval(() => void mode.refresh().catch((err: unknown) => d.log.warn({ err }, 'Teams presence watch refresh failed')), 2000),
    setInterval(() => void bridge.run(), 10_000),
    setInterval(() => void mode.renew(), 60_000),
    setInterval(() => void activity.pump(), 100),
  ];
  for (const t of timers) t.unref();
  return {
    microsoft,
    service,
    mode,
    bridge,
    activity,
    tokens,
    graph,
    async close() {
      for (const t of timers) clearInterval(t);
      await bridge.stop().catch(() => undefined);
      await graph.close();
    },
  };
}
