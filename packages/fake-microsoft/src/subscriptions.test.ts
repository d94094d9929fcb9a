import { constants, createDecipheriv, createHmac, privateDecrypt } from 'node:crypto';
import { generate } from 'selfsigned';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { delegatedToken, graph, startSeededFake, userId, type SeededFake } from './testing/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

let env: SeededFake;
let receiver: WebhookReceiver;
let token: string;

beforeAll(async () => {
  env = await startSeededFake({ handshakeTimeoutMs: 500 });
  receiver = await startWebhookReceiver();
});
beforeEach(async () => {
  // Tests move the clock by hours; each starts with a token valid on the current clock.
  token = await delegatedToken(env.fake, env.contoso.tenantId, userId(env.contoso, 0));
});
afterEach(() => {
  receiver.handshake = 'echo';
  receiver.received.length = 0;
});
afterAll(async () => {
  await env.fake.close();
  await receiver.close();
});

const inMinutes = (minutes: number) => new Date(env.clock.now() + minutes * 60_000).toISOString();
const subscriptionBody = (ids: string[], extra: Record<string, unknown> = {}) => ({
  changeType: 'updated',
  notificationUrl: `${receiver.url}/notifications`,
  resource: `/communications/presences?$filter=id in (${ids.map((id) => `'${id}'`).join(',')})`,
  expirationDateTime: inMinutes(60),
  clientState: 'secret-client-state',
  ...extra,
});

describe('presence subscriptions', () => {
  it('validates the webhook, delivers change notifications with clientState, renews, and stops after expiry', async () => {
    const alex = userId(env.contoso, 1);
    const created = await graph(env.fake, token, 'POST', '/subscriptions', subscriptionBody([alex, userId(env.contoso, 2)]));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), clientState: 'secret-client-state', changeType: 'updated' });
    env.fake.setUserPresence(env.contoso.tenantId, alex, 'Busy', 'InACall');
    const [delivered] = await receiver.waitFor(1);
    expect(delivered?.path).toBe('/notifications');
    expect(delivered?.body.value).toEqual([
      {
        subscriptionId: created.body.id,
        clientState: 'secret-client-state',
        changeType: 'updated',
        resource: `communications/presences('${alex}')`,
        subscriptionExpirationDateTime: created.body.expirationDateTime,
        resourceData: { '@odata.type': '#Microsoft.Graph.presence', '@odata.id': `communications/presences('${alex}')`, id: alex },
        tenantId: env.contoso.tenantId,
      },
    ]);
    // A user outside the subscription, or a change that leaves the aggregate as it was, sends nothing.
    env.fake.setUserPresence(env.contoso.tenantId, userId(env.contoso, 0), 'Away', 'Away');
    env.fake.setUserPresence(env.contoso.tenantId, alex, 'Busy', 'InACall');
    await env.fake.settled();
    expect(receiver.received).toHaveLength(1);

    env.clock.advance(50 * 60_000);
    const renewed = await graph(env.fake, token, 'PATCH', `/subscriptions/${created.body.id}`, { expirationDateTime: inMinutes(60) });
    expect(renewed.status).toBe(200);
    expect((await graph(env.fake, token, 'PATCH', `/subscriptions/${created.body.id}`, { expirationDateTime: inMinutes(61) })).status).toBe(400);
    env.clock.advance(30 * 60_000);
    env.fake.setUserPresence(env.contoso.tenantId, alex, 'Available', 'Available');
    await receiver.waitFor(2);
    env.clock.advance(31 * 60_000);
    env.fake.sweep();
    env.fake.setUserPresence(env.contoso.tenantId, alex, 'Busy', 'InACall');
    await env.fake.settled();
    expect(receiver.received).toHaveLength(2);
    const fresh = await delegatedToken(env.fake, env.contoso.tenantId, userId(env.contoso, 0));
    expect((await graph(env.fake, fresh, 'GET', `/subscriptions/${created.body.id}`)).status).toBe(404);
    expect(env.fake.report().subscriptions).toMatchObject({ created: 1, renewed: 1, expired: 1 });
    expect(env.fake.report().webhooks.notificationsDelivered).toBe(2);
  });

  it('fails the handshake with 400 ValidationError for a wrong echo, an error and a timeout', async () => {
    const before = env.fake.report().webhooks.handshakesFailed;
    for (const behaviour of ['wrong-echo', 'error', 'silent'] as const) {
      receiver.handshake = behaviour;
      const answer = await graph(env.fake, token, 'POST', '/subscriptions', subscriptionBody([userId(env.contoso, 1)]));
      expect(answer.status, behaviour).toBe(400);
      expect(answer.body.error.code).toBe('ValidationError');
    }
    expect(env.fake.report().webhooks.handshakesFailed - before).toBe(3);
    expect((await graph(env.fake, token, 'GET', '/subscriptions')).body.value).toHaveLength(0);
  });

  it('rejects more than 650 ids and an expiry more than one hour ahead', async () => {
    const ids = Array.from({ length: 651 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect((await graph(env.fake, token, 'POST', '/subscriptions', subscriptionBody(ids))).status).toBe(400);
    expect((await graph(env.fake, token, 'POST', '/subscriptions', subscriptionBody(ids.slice(0, 650)))).status).toBe(201);
    const tooLong = await graph(env.fake, token, 'POST', '/subscriptions', subscriptionBody([userId(env.contoso, 1)], { expirationDateTime: inMinutes(61) }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toContain('60 minutes');
  });

  it('sends lifecycle notifications and keeps subscriptions per tenant', async () => {
    const alex = userId(env.contoso, 1);
    const created = await graph(env.fake, token, 'POST', '/subscriptions', subscriptionBody([alex], { lifecycleNotificationUrl: `${receiver.url}/lifecycle` }));
    expect(created.status).toBe(201);
    const fabrikam = await delegatedToken(env.fake, env.fabrikam.tenantId, userId(env.fabrikam, 0));
    expect((await graph(env.fake, fabrikam, 'GET', `/subscriptions/${created.body.id}`)).status).toBe(404);
    expect((await graph(env.fake, fabrikam, 'DELETE', `/subscriptions/${created.body.id}`)).status).toBe(404);
    expect(env.fake.removeSubscription(created.body.id)).toBe(true);
    const [lifecycle] = await receiver.waitFor(1);
    expect(lifecycle?.path).toBe('/lifecycle');
    expect(lifecycle?.body.value[0]).toMatchObject({ lifecycleEvent: 'subscriptionRemoved', subscriptionId: created.body.id, clientState: 'secret-client-state' });
  });

  it('encrypts the full presence into encryptedContent when includeResourceData is set', async () => {
    const pems = await generate([{ name: 'commonName', value: 'notifications' }], { keySize: 2048, algorithm: 'sha256' });
    const certificate = pems.cert.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
    const megan = userId(env.contoso, 2);
    const created = await graph(env.fake, token, 'POST', '/subscriptions', subscriptionBody([megan], { includeResourceData: true, encryptionCertificate: certificate, encryptionCertificateId: 'cert-1' }));
    expect(created.status).toBe(201);
    env.fake.setUserPresence(env.contoso.tenantId, megan, 'DoNotDisturb', 'Presenting');
    const [delivered] = await receiver.waitFor(1);
    const encrypted = delivered?.body.value[0]?.encryptedContent as Record<string, string>;
    expect(encrypted.encryptionCertificateId).toBe('cert-1');
    const key = privateDecrypt({ key: pems.private, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(encrypted.dataKey!, 'base64'));
    const data = Buffer.from(encrypted.data!, 'base64');
    expect(createHmac('sha256', key).update(data).digest('base64')).toBe(encrypted.dataSignature);
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    const presence = JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8'));
    expect(presence).toMatchObject({ id: megan, availability: 'DoNotDisturb', activity: 'Presenting' });
  });
});
