import { BotFramework, type BotFrameworkReport } from './botframework.js';
import type { Clock } from './clock.js';
import type { AppRegistration, Endpoints, TokenRejectionReason } from './entra.js';
import { TokenService } from './entra.js';
import { ActivityFeed, type TenantActivityStats } from './model/activity.js';
import { Directory } from './model/directory.js';
import { FaultInjector, type FaultKind } from './model/faults.js';
import { RateLimiter, type LimitId, type LimitSpec, type RetryAfterStyle } from './model/limits.js';
import { MeetingBook } from './model/meetings.js';
import { PresenceBook, type PresenceChange } from './model/presence.js';
import { SubscriptionBook, type Subscription } from './model/subscriptions.js';
import { WebhookClient, lifecycleNotification, presenceNotification, type WebhookCounters } from './webhooks.js';

export interface FakeServicesOptions {
  /** App registrations the fake knows; the first is the default for seeding and SSO tokens. */
  apps: AppRegistration[];
  clock: Clock;
  endpoints: Endpoints;
  faultSeed?: number;
  retryAfterStyle?: RetryAfterStyle;
  limitOverrides?: Partial<Record<LimitId, LimitSpec>>;
  /** Lifetime of the Graph access tokens the token endpoint issues. Default 3600. */
  accessTokenLifetimeSec?: number;
  /** How long the subscription validation handshake may take. Default 10 000 (Graph's figure). */
  handshakeTimeoutMs?: number;
  /** How long a webhook may take to accept a notification. Default 3 000. */
  deliveryTimeoutMs?: number;
  /** Graph insists on HTTPS webhooks; allow http:// for local development only. Default false. */
  allowHttpWebhooks?: boolean;
  /** Put availability/activity in basic presence notifications (Graph's pre-2024 behaviour). Default false. */
  plainPresenceResourceData?: boolean;
}

/** What the fake saw, for tests and the benchmark's closing figures. */
export interface FakeReport {
  requests: { total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number> };
  throttled: { total: number; byLimit: Partial<Record<LimitId, number>> };
  earlyRetries: { total: number; byLimit: Partial<Record<LimitId, number>> };
  meetings: { created: number; returned: number };
  activityNotifications: { byTenant: Record<string, TenantActivityStats> };
  subscriptions: { created: number; renewed: number; deleted: number; expired: number; removed: number; rejected: number; active: number };
  webhooks: WebhookCounters;
  rejectedTokens: Partial<Record<TokenRejectionReason, number>>;
  tokensIssued: Record<string, number>;
  tokenErrors: Record<string, number>;
  faultsInjected: Partial<Record<FaultKind, number>>;
  botFramework: BotFrameworkReport;
}

/** The whole fake without HTTP: model objects plus the rules that span them (presence change -> notifications). */
export class FakeServices {
  readonly directory: Directory;
  readonly presence: PresenceBook;
  readonly subscriptions: SubscriptionBook;
  readonly meetings: MeetingBook;
  readonly activity: ActivityFeed;
  readonly limiter: RateLimiter;
  readonly faults: FaultInjector;
  readonly webhooks: WebhookClient;
  readonly counters = {
    requestsByEndpoint: new Map<string, number>(),
    requestsByStatus: new Map<string, number>(),
    rejectedTokens: new Map<TokenRejectionReason, number>(),
    meetingsCreated: 0,
    meetingsReturned: 0,
    subscriptionsCreated: 0,
    subscriptionsRenewed: 0,
    subscriptionsDeleted: 0,
    subscriptionsExpired: 0,
    subscriptionsRemoved: 0,
    subscriptionsRejected: 0,
  };
  private readonly plainPresenceResourceData: boolean;

  private constructor(
    readonly clock: Clock,
    readonly endpoints: Endpoints,
    readonly tokens: TokenService,
    readonly botFramework: BotFramework,
    directory: Directory,
    options: FakeServicesOptions,
  ) {
    this.directory = directory;
    this.presence = new PresenceBook(clock);
    this.subscriptions = new SubscriptionBook(clock, { requireHttps: !options.allowHttpWebhooks });
    this.meetings = new MeetingBook(clock);
    this.activity = new ActivityFeed(clock);
    this.limiter = new RateLimiter(clock, {
      ...(options.limitOverrides ? { overrides: options.limitOverrides } : {}),
      ...(options.retryAfterStyle ? { retryAfterStyle: options.retryAfterStyle } : {}),
    });
    this.faults = new FaultInjector(options.faultSeed ?? 1);
    this.webhooks = new WebhookClient({ handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000, deliveryTimeoutMs: options.deliveryTimeoutMs ?? 3_000 });
    this.plainPresenceResourceData = options.plainPresenceResourceData ?? false;
  }

  static async create(options: FakeServicesOptions): Promise<FakeServices> {
    const directory = new Directory(options.apps[0]?.clientId ?? '');
    const tokens = await TokenService.create(options.clock, directory, options.apps, options.endpoints, options.accessTokenLifetimeSec);
    const botFramework = await BotFramework.create(options.clock, tokens, options.endpoints);
    return new FakeServices(options.clock, options.endpoints, tokens, botFramework, directory, options);
  }

  /** Sends a change notification to every live subscription watching the user. */
  presenceChanged(change: PresenceChange | undefined): void {
    if (!change) return;
    for (const subscription of this.subscriptions.watching(change.tenantId, change.userId)) {
      this.webhooks.notify(subscription.notificationUrl, { value: [presenceNotification(subscription, change.userId, change.presence, { plainResourceData: this.plainPresenceResourceData })] }, 'change');
    }
  }

  /** Applies everything the clock has made due: presence session expiry, subscription expiry and reauthorization. */
  sweep(): void {
    for (const change of this.presence.expireSessions()) this.presenceChanged(change);
    const { expired, needReauthorization } = this.subscriptions.sweep();
    this.counters.subscriptionsExpired += expired.length;
    for (const subscription of needReauthorization) this.lifecycle(subscription, 'reauthorizationRequired');
  }

  /** Service-side removal, as when Microsoft drops a subscription; the app hears of it through its lifecycle URL. */
  removeSubscription(id: string): boolean {
    const subscription = this.subscriptions.remove(id);
    if (!subscription) return false;
    this.counters.subscriptionsRemoved += 1;
    this.lifecycle(subscription, 'subscriptionRemoved');
    return true;
  }

  report(): FakeReport {
    const throttled = Object.fromEntries(this.limiter.throttled) as Partial<Record<LimitId, number>>;
    const early = Object.fromEntries(this.limiter.earlyRetries) as Partial<Record<LimitId, number>>;
    const byEndpoint = Object.fromEntries(this.counters.requestsByEndpoint);
    return {
      requests: { total: sum(Object.values(byEndpoint)), byEndpoint, byStatus: Object.fromEntries(this.counters.requestsByStatus) },
      throttled: { total: sum(Object.values(throttled)), byLimit: throttled },
      earlyRetries: { total: sum(Object.values(early)), byLimit: early },
      meetings: { created: this.counters.meetingsCreated, returned: this.counters.meetingsReturned },
      activityNotifications: { byTenant: this.activity.byTenant() },
      subscriptions: {
        created: this.counters.subscriptionsCreated,
        renewed: this.counters.subscriptionsRenewed,
        deleted: this.counters.subscriptionsDeleted,
        expired: this.counters.subscriptionsExpired,
        removed: this.counters.subscriptionsRemoved,
        rejected: this.counters.subscriptionsRejected,
        active: this.subscriptions.count(),
      },
      webhooks: { ...this.webhooks.counters },
      rejectedTokens: Object.fromEntries(this.counters.rejectedTokens),
      tokensIssued: Object.fromEntries(this.tokens.issuedByGrant),
      tokenErrors: Object.fromEntries(this.tokens.errorsByCode),
      faultsInjected: Object.fromEntries(this.faults.injected),
      botFramework: this.botFramework.report(),
    };
  }

  private lifecycle(subscription: Subscription, event: 'reauthorizationRequired' | 'subscriptionRemoved'): void {
    if (!subscription.lifecycleNotificationUrl) return;
    this.webhooks.notify(subscription.lifecycleNotificationUrl, { value: [lifecycleNotification(subscription, event)] }, 'lifecycle');
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
