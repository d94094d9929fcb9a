export { ensureDevCertificateAuthority, issueServerCertificate, type DevCertificateAuthority, type ServerCertificate } from './tls.js';
export { startFakeMicrosoft, type FakeMicrosoft, type FakeMicrosoftOptions } from './server.js';
export { seedDemoTenant, DEMO_TENANT_ID, DEMO_TEAM_ID, type DemoTenant } from './demo.js';
export { startWebhookReceiver, type HandshakeBehaviour, type ReceivedNotification, type WebhookReceiver } from './webhook-receiver.js';
export { ManualClock, systemClock, type Clock } from './clock.js';
export { FakeMicrosoftError, GraphError, graphErrorBody, type GraphErrorBody } from './errors.js';
export {
  ADAPTIVE_CARD_CONTENT_TYPE, BOT_FRAMEWORK_ENDORSEMENTS, BOT_FRAMEWORK_ISSUER, BotFramework, botAccountId,
  type BotActivity, type BotFrameworkReport, type ChannelAccount, type ChannelTokenRequest, type PersonalMessageRequest, type ReceivedBotActivity, type TeamInstallRequest,
} from './botframework.js';
export { BOT_CONNECTOR_RESOURCE, BOT_FRAMEWORK_TENANT, BOT_FRAMEWORK_TENANT_ID, GRAPH_APP_ID, GRAPH_RESOURCE, TokenService, parseScopes, type AppRegistration, type GraphCaller, type SsoTokenRequest, type TokenRejectionReason } from './entra.js';
export { FakeServices, type FakeReport } from './services.js';
export { GraphApi, MAX_BATCH_REQUESTS, type GraphRequest, type GraphResponse } from './graph.js';
export { ADMIN_CONSENT_SCOPES, Directory, type SeededTenant, type TeamSeed, type TenantSeed, type UserSeed } from './model/directory.js';
export { DEFAULT_LIMITS, LIMIT_IDS, RateLimiter, directoryLimitFor, type LimitCharge, type LimitId, type LimitSpec, type RetryAfterStyle, type ThrottleDecision } from './model/limits.js';
export { APP_SESSION_STATES, PresenceBook, parseIsoDuration, type PresenceState } from './model/presence.js';
export { MAX_PRESENCE_IDS, MAX_PRESENCE_SUBSCRIPTION_MS, SubscriptionBook, parsePresenceResource } from './model/subscriptions.js';
export { MeetingBook } from './model/meetings.js';
export { ActivityFeed } from './model/activity.js';
export { FaultInjector, type FaultConfig, type FaultKind, type FaultRule } from './model/faults.js';
