export { loadConfig, ConfigError, type Config } from './config.js';
export { startServer, type RunningServer } from './server.js';
export { buildApp } from './http/app.js';
export { OfficeEngine, type ClientSink } from './office/office-engine.js';

// Teams mode's parts, for the Graph benchmark (packages/bench/src/graph-bench.ts), which drives them against the fake.
export { openStore, type Store, type User } from './storage/index.js';
export { SecretBox } from './secrets/secret-box.js';
export { ChannelSeal } from './teams/channel-ids.js';
export { AuthService } from './auth/auth-service.js';
export { PresenceService, type PresenceSinks, type PresenceUser } from './office/presence-service.js';
export { TeamsService } from './teams/teams-service.js';
export { TeamsMode, type TeamsModeDeps } from './teams/teams-mode.js';
export { PresenceBridge, type PresenceBridgeEvent } from './teams/presence-bridge.js';
export { ActivityQueue, type ActivityOutcome, type QueuedActivity } from './teams/activity-queue.js';
export { GraphAdapter } from './teams/graph-adapter.js';
export { GraphTokenBroker } from './teams/graph-tokens.js';
export { TeamsSsoValidator } from './teams/sso.js';
export { fromGraphAvailability, type ActivityNotice, type GraphCaller, type TeamsGraph } from './teams/teams-graph.js';
