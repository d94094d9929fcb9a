import {
  ADAPTIVE_CARD_CONTENT_TYPE, DEMO_TEAM_ID, DEMO_TENANT_ID, seedDemoTenant, startFakeMicrosoft, startWebhookReceiver,
  type BotActivity, type FakeMicrosoft, type WebhookReceiver,
} from '@metaoffice/fake-microsoft';
import { ErrorCodes } from '@metaoffice/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotTokenValidator, isAllowedServiceUrl } from '../teams/bot.js';
import { startTeamsHarness, type TeamsHarness } from './teams-harness.js';

/*
 * The Teams bot end to end: the real server in Teams mode, the fake Bot Framework (channel tokens and metadata, the
 * Bot Connector) and the fake Entra ID over TLS. Installing the app in a team brings exactly one welcome card into the
 * team's conversation; a request the Bot Connector did not sign, or an activity that does not match its token, gets a
 * typed 401 and nothing is sent anywhere.
 */
const CLIENT_ID = '6c1d0e5f-8e3b-4f72-a04d-3b2e1f0a9d8c';
const SECRET = 'fake-secret-for-bot-tests';
const ADELE = '11111111-1111-4111-8111-111111111111';

let fake: FakeMicrosoft;
let h: TeamsHarness;
let endpoint: string;
let publicUrl: string;
/** An https server on another port of this machine: a host the bot must never send its connector token to. */
let stranger: WebhookReceiver;

beforeAll(async () => {
  fake = await startFakeMicrosoft({ apps: [{ clientId: CLIENT_ID, clientSecret: SECRET, displayName: 'MetaOffice' }] });
  seedDemoTenant(fake, CLIENT_ID);
  stranger = await startWebhookReceiver();
  h = await startTeamsHarness(fake, { clientId: CLIENT_ID, clientSecret: SECRET }, {
    MICROSOFT_BOT_OPENID_METADATA: fake.botFramework.openIdMetadataUrl,
    MICROSOFT_BOT_SERVICE_URL_HOSTS: fake.knownAuthority,
  });
  publicUrl = h.publicUrl;
  endpoint = `${h.server.url}/api/teams/bot/messages`;
}, 60_000);

afterAll(async () => {
  await h?.stop();
  await stranger?.close();
  await fake?.close();
});

const bf = () => fake.botFramework;
const install = (teamName = 'Design', overrides: Partial<BotActivity> = {}): BotActivity => ({
  ...bf().teamInstall({ botAppId: CLIENT_ID, botName: 'MetaOffice', tenantId: DEMO_TENANT_ID, team: { name: teamName, aadGroupId: DEMO_TEAM_ID }, installedBy: { aadObjectId: ADELE, name: 'Adele Vance' } }),
  ...overrides,
});

/** POSTs straight to the bot (not through the fake's roster), with the token given. */
async function post(body: unknown, token: string | null, contentType = 'application/json'): Promise<{ status: number; body: any; type: string | null }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, type: res.headers.get('content-type') };
}

async function metric(outcome: string): Promise<number> {
  const text = await (await fetch(`${h.server.url}/metrics`)).text();
  const m = new RegExp(`^metaoffice_teams_bot_activities_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function expectUnauthenticated(answer: { status: number; body: any; type: string | null }, label: string): void {
  expect(answer.status, label).toBe(401);
  expect(answer.type, label).toContain('application/problem+json');
  expect(answer.body, label).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
}

type CardElement = { type?: unknown; text?: unknown; title?: unknown; url?: unknown };

describe('the MetaOffice bot in Teams mode', () => {
  it('welcomes a team that installs the app with exactly one adaptive card, sent through the connector with an MSAL client-credentials token', async () => {
    const activity = install('Design');
    const before = await metric('welcomed');
    const answer = await bf().deliver(endpoint, activity);
    expect(answer.status).toBe(200);
    const sent = bf().activitiesIn(activity.conversation!.id);
    expect(sent).toHaveLength(1);
    const reply = sent[0]!;
    expect(reply).toMatchObject({ type: 'message', from: { id: `28:${CLIENT_ID}` }, conversation: { id: activity.conversation!.id } });
    expect(reply.attachments).toHaveLength(1);
    const attachment = reply.attachments![0]!;
    expect(attachment.contentType).toBe(ADAPTIVE_CARD_CONTENT_TYPE);

    // The adaptive card's required fields (the schema's): type, version; each element has a type; TextBlocks have
    // text; Action.OpenUrl has a title and an absolute URL.
    const card = attachment.content as { type: string; version: string; $schema: string; body: CardElement[]; actions: CardElement[] };
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.5');
    expect(card.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    expect(card.body.length).toBeGreaterThan(0);
    for (const element of card.body) {
      expect(element.type).toBe('TextBlock');
      expect(typeof element.text === 'string' && element.text.length > 0).toBe(true);
    }
    const text = card.body.map((e) => e.text as string).join('\n');
    expect(text).toContain('MetaOffice is a virtual office for Design');
    expect(text).toMatch(/Add a tab/);
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open MetaOffice', url: `${publicUrl}/` }]);

    expect(fake.report().tokensIssued.client_credentials_bot_connector).toBeGreaterThanOrEqual(1);
    expect(await metric('welcomed')).toBe(before + 1);
  });

  it('refuses requests the Bot Connector did not sign, or signed for something else, with a typed 401, and sends nothing', async () => {
    const activity = install('Security');
    const conversationId = activity.conversation!.id;
    const mint = (extra: Partial<Parameters<FakeMicrosoft['botFramework']['mintChannelToken']>[0]> = {}) => bf().mintChannelToken({ appId: CLIENT_ID, serviceUrl: activity.serviceUrl!, ...extra });
    const cases: Array<[string, string | null, string, BotActivity?]> = [
      ['no token', null, 'missing'],
      ['not a JWT', 'not-a-jwt', 'malformed'],
      ['expired', await mint({ expiresInSec: -600 }), 'expired'],
      ['not yet valid', await mint({ notBeforeInSec: 900 }), 'not_yet_valid'],
      ['another bot', await mint({ audience: '00000000-1111-4222-8333-444444444444' }), 'bad_audience'],
      ['another issuer', await mint({ issuer: 'https://login.botframework.com' }), 'bad_issuer'],
      ['a forged signature', await mint({ signedBy: 'stranger' }), 'bad_signature'],
      ['another serviceUrl in the token', await mint({ serviceUrl: `${fake.url}/botframework/emea/` }), 'service_url_mismatch'],
      ['a channel the key is not endorsed for', await mint(), 'not_endorsed', { ...activity, channelId: 'slack' }],
    ];
    for (const [label, token, reason, body] of cases) {
      const before = await metric(reason);
      // Through the fake's delivery, so the conversation is one the bot could really answer into.
      const answer = await bf().deliver(endpoint, body ?? activity, { token });
      expectUnauthenticated({ status: answer.status, body: answer.body, type: 'application/problem+json' }, label);
      expect(await metric(reason), `${label} counted as ${reason}`).toBe(before + 1);
    }
    // A session cookie is no substitute for the Bot Framework's token.
    expectUnauthenticated(await post(activity, null), 'no token, direct');
    expect(bf().activitiesIn(conversationId)).toEqual([]);
  });

  it('does not send its connector token to a serviceUrl outside the allowed hosts, even when the Bot Framework token matches it', async () => {
    const strangerUrl = `${stranger.url}/teams/`;
    const plainHttp = bf().serviceUrl.replace(/^https:/, 'http:');
    const before = await metric('service_url_refused');
    for (const serviceUrl of [strangerUrl, plainHttp, 'https://smba.trafficmanager.net.evil.example/amer/']) {
      const activity = install('Elsewhere', { serviceUrl });
      const answer = await bf().deliver(endpoint, activity);
      expect(answer.status, serviceUrl).toBe(403);
      expect(answer.body, serviceUrl).toMatchObject({ code: 'FORBIDDEN' });
      expect(ErrorCodes).toContain((answer.body as { code: string }).code);
      expect(bf().activitiesIn(activity.conversation!.id)).toEqual([]);
    }
    expect(stranger.received).toEqual([]);
    expect(await metric('service_url_refused')).toBe(before + 3);
  });

  it('answers a malformed activity with a typed 400 and sends nothing', async () => {
    const activity = install('Malformed');
    const token = await bf().mintChannelToken({ appId: CLIENT_ID, serviceUrl: activity.serviceUrl! });
    const { recipient: _recipient, ...withoutRecipient } = activity;
    const bodies: Array<[string, unknown]> = [
      ['no recipient', withoutRecipient],
      ['a number for a type', { ...activity, type: 7 }],
      ['an overlong team name', { ...activity, channelData: { ...activity.channelData, team: { id: activity.conversation!.id, name: 'x'.repeat(257) } } }],
      ['too many members', { ...activity, membersAdded: Array.from({ length: 257 }, (_, i) => ({ id: `29:${i}` })) }],
      ['not an object', [activity]],
    ];
    for (const [label, body] of bodies) {
      const answer = await post(body, token);
      expect(answer.status, label).toBe(400);
      expect(answer.type, label).toContain('application/problem+json');
      expect(answer.body, label).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    const notJson = await post('type=conversationUpdate', token, 'application/x-www-form-urlencoded');
    expect(notJson.status).toBe(415);
    expect(bf().report().connectorAccepted).toBe(bf().received.length);
    expect(bf().activitiesIn(activity.conversation!.id)).toEqual([]);
  });

  it('acknowledges other activities with 200 and sends nothing', async () => {
    const before = bf().received.length;
    const message = bf().personalMessage({ botAppId: CLIENT_ID, tenantId: DEMO_TENANT_ID, user: { aadObjectId: ADELE, name: 'Adele Vance' }, text: 'hello bot' });
    expect((await bf().deliver(endpoint, message)).status).toBe(200);
    // Someone else joining a team the bot is already in is a conversationUpdate too, but not an install.
    const joined = install('Design', { membersAdded: [{ id: '29:someone-new' }] });
    expect((await bf().deliver(endpoint, joined)).status).toBe(200);
    // The bot added in a personal scope: no team, no welcome card.
    const personal = install('Design', { channelData: { tenant: { id: DEMO_TENANT_ID } } });
    expect((await bf().deliver(endpoint, personal)).status).toBe(200);
    expect(bf().received.length).toBe(before);
  });

  it('is documented in the OpenAPI document with its activity schema', async () => {
    const doc = (await (await fetch(`${h.server.url}/api/openapi.json`)).json()) as { paths: Record<string, { post?: { requestBody?: unknown } }> };
    expect(doc.paths['/api/teams/bot/messages']?.post?.requestBody).toBeDefined();
  });

  it('answers 502 when the connector refuses the welcome card', async () => {
    // Not delivered through the fake's channel, so the connector does not know this conversation and answers 404.
    const activity = install('Unknown to the connector');
    const token = await bf().mintChannelToken({ appId: CLIENT_ID, serviceUrl: activity.serviceUrl! });
    const before = await metric('send_failed');
    const answer = await post(activity, token);
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ code: 'MICROSOFT_UNAVAILABLE' });
    expect(await metric('send_failed')).toBe(before + 1);
    expect(fake.report().botFramework.connectorRejected['unknown-conversation']).toBeGreaterThanOrEqual(1);
  });
});

describe('the bot\'s rules without the server', () => {
  it('sends its connector token only to https serviceUrls on Microsoft\'s connector hosts or a configured one', () => {
    const extra = ['127.0.0.1:4443', '*.connector.example.com'];
    for (const url of [
      'https://smba.trafficmanager.net/amer/',
      'https://smba.trafficmanager.net:443/teams/',
      'https://webchat.botframework.com/',
      'https://smba.infra.gcc.teams.microsoft.com/gcc',
      'https://127.0.0.1:4443/botframework/teams/',
      'https://eu.connector.example.com/',
    ]) expect(isAllowedServiceUrl(url, extra), url).toBe(true);
    for (const url of [
      'http://smba.trafficmanager.net/amer/',
      'https://smba.trafficmanager.net:8443/amer/',
      'https://smba.trafficmanager.net.evil.example/amer/',
      'https://evilbotframework.com/',
      'https://botframework.com.evil.example/',
      'https://user:pass@smba.trafficmanager.net/amer/',
      'https://127.0.0.1:4444/botframework/teams/',
      'https://127.0.0.1/botframework/teams/',
      'https://connector.example.com/',
      'not a url',
    ]) expect(isAllowedServiceUrl(url, extra), url).toBe(false);
  });

  it('reads the Bot Framework\'s keys once, again for an unknown key at most every 5 minutes, and says so when it cannot', async () => {
    let now = Date.now();
    const reads: string[] = [];
    let failing = false;
    const validator = new BotTokenValidator({
      openIdMetadataUrl: bf().openIdMetadataUrl,
      botId: CLIENT_ID,
      now: () => now,
      fetchJson: async (url) => {
        reads.push(new URL(url).pathname);
        if (failing) throw new Error('down');
        return (await fetch(url)).json();
      },
    });
    const good = await bf().mintChannelToken({ appId: CLIENT_ID, expiresInSec: 86_400 * 3 });
    const unknownKey = good.replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'rolled-over' })).toString('base64url'));
    await validator.validate(`Bearer ${good}`);
    await validator.validate(`Bearer ${good}`);
    expect(reads).toEqual(['/botframework/v1/.well-known/openidconfiguration', '/botframework/v1/.well-known/keys']);
    for (let i = 0; i < 3; i++) await expect(validator.validate(`Bearer ${unknownKey}`)).rejects.toMatchObject({ reason: 'bad_signature' });
    expect(reads).toHaveLength(2);
    now += 5 * 60_000 + 1;
    await expect(validator.validate(`Bearer ${unknownKey}`)).rejects.toMatchObject({ reason: 'bad_signature' });
    expect(reads).toHaveLength(4);
    // A day later the keys are read again; while the metadata is down, the keys already held still verify.
    failing = true;
    now += 24 * 60 * 60_000 + 1;
    await validator.validate(`Bearer ${good}`);
    expect(reads).toHaveLength(5);

    const fresh = new BotTokenValidator({ openIdMetadataUrl: bf().openIdMetadataUrl, botId: CLIENT_ID, fetchJson: async () => { throw new Error('down'); } });
    await expect(fresh.validate(`Bearer ${good}`)).rejects.toMatchObject({ reason: 'keys_unavailable' });
  });
});
