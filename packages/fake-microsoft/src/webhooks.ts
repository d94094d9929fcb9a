import { constants, createCipheriv, createHmac, publicEncrypt, randomBytes } from 'node:crypto';
import type { Subscription } from './model/subscriptions.js';
import type { PresenceState } from './model/presence.js';

export interface WebhookCounters {
  handshakesSucceeded: number;
  handshakesFailed: number;
  notificationsDelivered: number;
  notificationsFailed: number;
  lifecycleDelivered: number;
  lifecycleFailed: number;
}

/**
 * The I/O half of subscriptions: the validation handshake and POSTing notifications. Node's fetch is used, so
 * HTTPS webhooks signed by the development CA are trusted through NODE_EXTRA_CA_CERTS like every other client.
 */
export class WebhookClient {
  readonly counters: WebhookCounters = { handshakesSucceeded: 0, handshakesFailed: 0, notificationsDelivered: 0, notificationsFailed: 0, lifecycleDelivered: 0, lifecycleFailed: 0 };
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: { handshakeTimeoutMs: number; deliveryTimeoutMs: number }) {}

  /** POST url?validationToken=…; the endpoint must answer 200 with the token as text/plain in time. */
  async validate(url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomBytes(16).toString('hex')}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        signal: AbortSignal.timeout(this.options.handshakeTimeoutMs),
      });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      if (response.status !== 200) return this.handshakeFailed(`the endpoint answered ${response.status}`);
      if (!contentType.startsWith('text/plain')) return this.handshakeFailed(`the endpoint answered with content-type '${contentType}', not text/plain`);
      if (text !== token) return this.handshakeFailed('the endpoint did not echo the validation token');
      this.counters.handshakesSucceeded += 1;
      return { ok: true };
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      return this.handshakeFailed(timedOut ? `no answer within ${this.options.handshakeTimeoutMs} ms` : `the request failed (${(error as Error).message})`);
    }
  }

  /** Fire and forget; `settled()` waits for everything in flight. */
  notify(url: string, payload: unknown, kind: 'change' | 'lifecycle'): void {
    const delivery = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(this.options.deliveryTimeoutMs),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        const ok = response.status >= 200 && response.status < 300;
        if (kind === 'change') this.counters[ok ? 'notificationsDelivered' : 'notificationsFailed'] += 1;
        else this.counters[ok ? 'lifecycleDelivered' : 'lifecycleFailed'] += 1;
      })
      .catch(() => {
        this.counters[kind === 'change' ? 'notificationsFailed' : 'lifecycleFailed'] += 1;
      })
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private handshakeFailed(reason: string): { ok: false; reason: string } {
    this.counters.handshakesFailed += 1;
    return { ok: false, reason };
  }
}

/**
 * One presence change notification. Basic notifications carry only the presence's identity (Microsoft removed
 * availability/activity from them in 2024); with includeResourceData the full presence travels in
 * `encryptedContent`, encrypted as "Set up change notifications that include resource data" describes.
 * `plainResourceData` reproduces the older unencrypted behaviour for clients that still expect it.
 */
export function presenceNotification(subscription: Subscription, userId: string, presence: PresenceState, options: { plainResourceData: boolean }): Record<string, unknown> {
  const identity = { '@odata.type': '#Microsoft.Graph.presence', '@odata.id': `communications/presences('${userId}')`, id: userId };
  const notification: Record<string, unknown> = {
    subscriptionId: subscription.id,
    clientState: subscription.clientState,
    changeType: 'updated',
    resource: `communications/presences('${userId}')`,
    subscriptionExpirationDateTime: new Date(subscription.expiresAt).toISOString(),
    resourceData: options.plainResourceData ? { ...identity, availability: presence.availability, activity: presence.activity } : identity,
    tenantId: subscription.tenantId,
  };
  if (subscription.includeResourceData && subscription.encryptionCertificate && subscription.encryptionCertificateId) {
    notification.encryptedContent = encryptResource(JSON.stringify({ ...identity, availability: presence.availability, activity: presence.activity }), subscription);
  }
  return notification;
}

export function lifecycleNotification(subscription: Subscription, lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved'): Record<string, unknown> {
  return {
    subscriptionId: subscription.id,
    subscriptionExpirationDateTime: new Date(subscription.expiresAt).toISOString(),
    tenantId: subscription.tenantId,
    clientState: subscription.clientState,
    lifecycleEvent,
    resource: subscription.resource,
  };
}

/** AES-256-CBC (IV = first 16 bytes of the key), key wrapped with RSA-OAEP/SHA-1, HMAC-SHA256 signature over the ciphertext. */
function encryptResource(json: string, subscription: Subscription): Record<string, string> {
  const certificate = subscription.encryptionCertificate!;
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(json, 'utf8'), cipher.final()]);
  return {
    data: data.toString('base64'),
    dataSignature: createHmac('sha256', key).update(data).digest('base64'),
    dataKey: publicEncrypt({ key: certificate.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key).toString('base64'),
    encryptionCertificateId: subscription.encryptionCertificateId!,
    encryptionCertificateThumbprint: certificate.fingerprint.replace(/:/g, ''),
  };
}
