import { X509Certificate, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { GraphError } from '../errors.js';

export const MAX_PRESENCE_IDS = 650;
export const MAX_PRESENCE_SUBSCRIPTION_MS = 60 * 60_000;

export interface Subscription {
  id: string;
  appId: string;
  tenantId: string;
  /** The user whose delegated token created it. */
  creatorId: string;
  resource: string;
  userIds: Set<string>;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAt: number;
  includeResourceData: boolean;
  encryptionCertificate: X509Certificate | null;
  encryptionCertificateId: string | null;
  /** Expiry of the access token that created or last renewed it; past it, Graph asks for reauthorization. */
  tokenExpiresAt: number;
  reauthorizationRequested: boolean;
}

export interface SubscriptionRequest {
  appId: string;
  tenantId: string;
  creatorId: string;
  tokenExpiresAt: number;
  body: unknown;
}

/** Validated presence subscriptions; delivery and the validation handshake live in webhooks.ts. */
export class SubscriptionBook {
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly clock: Clock,
    private readonly options: { requireHttps: boolean },
  ) {}

  /** Checks a POST /subscriptions body; the caller runs the handshake before calling add(). */
  validate(request: SubscriptionRequest): Subscription {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (body.changeType !== 'updated') throw new GraphError(400, 'ExtensionError', `changeType '${String(body.changeType)}' is not supported for presence; use 'updated'.`);
    const userIds = parsePresenceResource(body.resource);
    const notificationUrl = this.webhookUrl(body.notificationUrl, 'notificationUrl');
    const lifecycleNotificationUrl = body.lifecycleNotificationUrl === undefined || body.lifecycleNotificationUrl === null ? null : this.webhookUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl');
    const expiresAt = this.expiry(body.expirationDateTime);
    if (body.clientState !== undefined && body.clientState !== null && (typeof body.clientState !== 'string' || body.clientState.length > 255)) {
      throw new GraphError(400, 'ExtensionError', 'clientState must be a string of at most 255 characters.');
    }
    const includeResourceData = body.includeResourceData === true;
    let encryptionCertificate: X509Certificate | null = null;
    let encryptionCertificateId: string | null = null;
    if (includeResourceData) {
      if (typeof body.encryptionCertificate !== 'string' || typeof body.encryptionCertificateId !== 'string' || body.encryptionCertificateId === '') {
        throw new GraphError(400, 'ExtensionError', 'includeResourceData requires encryptionCertificate (base64 X.509) and encryptionCertificateId.');
      }
      try {
        encryptionCertificate = new X509Certificate(Buffer.from(body.encryptionCertificate, 'base64'));
      } catch {
        throw new GraphError(400, 'ExtensionError', 'encryptionCertificate is not a base64-encoded X.509 certificate.');
      }
      if (encryptionCertificate.publicKey.asymmetricKeyType !== 'rsa') throw new GraphError(400, 'ExtensionError', 'encryptionCertificate must hold an RSA public key.');
      encryptionCertificateId = body.encryptionCertificateId;
    }
    return {
      id: randomUUID(),
      appId: request.appId,
      tenantId: request.tenantId,
      creatorId: request.creatorId,
      resource: body.resource as string,
      userIds,
      changeType: 'updated',
      notificationUrl,
      lifecycleNotificationUrl,
      clientState: typeof body.clientState === 'string' ? body.clientState : null,
      expiresAt,
      includeResourceData,
      encryptionCertificate,
      encryptionCertificateId,
      tokenExpiresAt: request.tokenExpiresAt,
      reauthorizationRequested: false,
    };
  }

  add(subscription: Subscription): void {
    this.subscriptions.set(subscription.id, subscription);
  }

  /** Subscriptions are visible only to the app and tenant that created them. */
  get(appId: string, tenantId: string, id: string): Subscription {
    const subscription = this.subscriptions.get(id);
    if (!subscription || subscription.appId !== appId || subscription.tenantId !== tenantId || subscription.expiresAt <= this.clock.now()) {
      throw new GraphError(404, 'ResourceNotFound', `The object was not found. Subscription '${id}' does not exist.`);
    }
    return subscription;
  }

  list(appId: string, tenantId: string): Subscription[] {
    const now = this.clock.now();
    return [...this.subscriptions.values()].filter((s) => s.appId === appId && s.tenantId === tenantId && s.expiresAt > now);
  }

  renew(appId: string, tenantId: string, id: string, body: unknown, tokenExpiresAt: number): Subscription {
    const subscription = this.get(appId, tenantId, id);
    subscription.expiresAt = this.expiry(((body ?? {}) as Record<string, unknown>).expirationDateTime);
    subscription.tokenExpiresAt = tokenExpiresAt;
    subscription.reauthorizationRequested = false;
    return subscription;
  }

  delete(appId: string, tenantId: string, id: string): void {
    this.get(appId, tenantId, id);
    this.subscriptions.delete(id);
  }

  /** Removes a subscription whatever its owner (service-side removal, which sends subscriptionRemoved). */
  remove(id: string): Subscription | undefined {
    const subscription = this.subscriptions.get(id);
    this.subscriptions.delete(id);
    return subscription;
  }

  /** Live (unexpired) subscriptions. */
  count(): number {
    const now = this.clock.now();
    return [...this.subscriptions.values()].filter((s) => s.expiresAt > now).length;
  }

  /** Live subscriptions that watch this user. */
  watching(tenantId: string, userId: string): Subscription[] {
    const now = this.clock.now();
    return [...this.subscriptions.values()].filter((s) => s.tenantId === tenantId && s.expiresAt > now && s.userIds.has(userId));
  }

  /** Removes expired subscriptions and marks those whose token ran out; both lists are returned once. */
  sweep(): { expired: Subscription[]; needReauthorization: Subscription[] } {
    const now = this.clock.now();
    const expired: Subscription[] = [];
    const needReauthorization: Subscription[] = [];
    for (const subscription of this.subscriptions.values()) {
      if (subscription.expiresAt <= now) {
        expired.push(subscription);
        this.subscriptions.delete(subscription.id);
      } else if (!subscription.reauthorizationRequested && subscription.tokenExpiresAt <= now) {
        subscription.reauthorizationRequested = true;
        needReauthorization.push(subscription);
      }
    }
    return { expired, needReauthorization };
  }

  private webhookUrl(value: unknown, field: string): string {
    let url: URL;
    try {
      url = new URL(String(value));
    } catch {
      throw new GraphError(400, 'ExtensionError', `${field} must be an absolute URL.`);
    }
    if (url.protocol !== 'https:' && (this.options.requireHttps || url.protocol !== 'http:')) {
      throw new GraphError(400, 'ExtensionError', `${field} must use HTTPS.`);
    }
    return url.toString();
  }

  private expiry(value: unknown): number {
    const expiresAt = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    const now = this.clock.now();
    if (Number.isNaN(expiresAt)) throw new GraphError(400, 'ExtensionError', 'expirationDateTime must be an ISO 8601 date-time.');
    if (expiresAt <= now) throw new GraphError(400, 'ExtensionError', 'Subscription expiration can only be in the future.');
    if (expiresAt > now + MAX_PRESENCE_SUBSCRIPTION_MS) {
      throw new GraphError(400, 'ExtensionError', `Subscription expiration for presence cannot exceed 60 minutes; got ${new Date(expiresAt).toISOString()}.`);
    }
    return expiresAt;
  }
}

/** Accepts `/communications/presences/{id}` and `/communications/presences?$filter=id in ('a','b')` (≤ 650 ids). */
export function parsePresenceResource(resource: unknown): Set<string> {
  if (typeof resource !== 'string') throw new GraphError(400, 'ExtensionError', 'resource is required.');
  const normalized = decodeURIComponent(resource.replace(/\+/g, ' ')).replace(/^\//, '');
  const single = /^communications\/presences\/([^/?]+)$/i.exec(normalized);
  if (single?.[1]) return new Set([single[1].toLowerCase()]);
  const filter = /^communications\/presences\?\$filter=id\s+in\s+\((.*)\)\s*$/i.exec(normalized);
  if (!filter) throw new GraphError(400, 'ExtensionError', `Resource '${resource}' is not supported; use communications/presences?$filter=id in ('id1','id2').`);
  const ids = (filter[1] ?? '').split(',').map((part) => part.trim().replace(/^'(.*)'$/, '$1').toLowerCase());
  if (ids.length === 0 || ids.some((id) => id === '' || id.includes("'"))) throw new GraphError(400, 'ExtensionError', `Resource '${resource}' has a malformed id list.`);
  if (ids.length > MAX_PRESENCE_IDS) throw new GraphError(400, 'ExtensionError', `A presence subscription can watch at most ${MAX_PRESENCE_IDS} users; got ${ids.length}.`);
  return new Set(ids);
}
