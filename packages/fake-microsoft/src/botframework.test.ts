import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTIVE_CARD_CONTENT_TYPE, BOT_FRAMEWORK_ISSUER, type BotActivity } from './botframework.js';
import { BOT_FRAMEWORK_TENANT_ID } from './entra.js';
import { APP, appToken, postForm, startSeededFake, type SeededFake } from './testing/fixtures.js';

/** A second registration: a single-tenant bot whose home is Contoso. */
const BOT_HOME = '4d3c2b1a-0000-4000-8000-00000000b0b0';
const SINGLE_TENANT_BOT = { clientId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', clientSecret: 'bot-secret-value' };

let env: SeededFake;
let bot: Server;
let botUrl: string;
const heard: Array<{ headers: IncomingHttpHeaders; body: BotActivity }> = [];

beforeAll(async () => {
  env = await startSeededFake({ apps: [APP, { ...SINGLE_TENANT_BOT, homeTenantId: BOT_HOME }] });
  env.fake.seed({ id: BOT_HOME, displayName: 'Bot home', users: [{ displayName: 'Bo Builder' }] });
  // A stand-in bot endpoint that records what the channel sends and acknowledges it.
  bot = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      heard.push({ headers: request.headers, body: JSON.parse(text) as BotActivity });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
  botUrl = `http://127.0.0.1:${(bot.address() as { port: number }).port}/api/messages`;
});
afterAll(async () => {
  await new Promise((resolve) => bot.close(resolve));
  await env.fake.close();
});

const bf = () => env.fake.botFramework;

function connectorClient(authorityTenant: string, app: { clientId: string; clientSecret: string } = APP): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { clientId: app.clientId, clientSecret: app.clientSecret, authority: `${env.fake.authorityHost}/${authorityTenant}`, knownAuthorities: [env.fake.knownAuthority] },
  });
}

async function postActivity(conversationId: string, token: string | undefined, activity: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${bf().serviceUrl}v3/conversations/${encodeURIComponent(conversationId)}/activities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(activity),
  });
  return { status: response.status, body: await response.json() };
}

const card = (version = '1.5') => ({ type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: { type: 'AdaptiveCard', version, body: [{ type: 'TextBlock', text: 'Hello' }] } }] });

describe('the fake Bot Framework', () => {
  it('publishes OpenID metadata and endorsed keys that verify the channel tokens it mints, and only those', async () => {
    const metadata = (await (await fetch(bf().openIdMetadataUrl)).json()) as { issuer: string; jwks_uri: string };
    expect(metadata.issuer).toBe(BOT_FRAMEWORK_ISSUER);
    const keys = (await (await fetch(metadata.jwks_uri)).json()) as { keys: Array<{ kid: string; endorsements: string[] }> };
    expect(keys.keys).toHaveLength(1);
    expect(keys.keys[0]!.endorsements).toContain('msteams');
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
    const token = await bf().mintChannelToken({ appId: APP.clientId });
    const { payload } = await jwtVerify(token, jwks, { issuer: BOT_FRAMEWORK_ISSUER, audience: APP.clientId });
    expect(payload.serviceurl).toBe(bf().serviceUrl);
    expect((payload.exp ?? 0) - (payload.nbf ?? 0)).toBe(3600);
    const forged = await bf().mintChannelToken({ appId: APP.clientId, signedBy: 'stranger' });
    await expect(jwtVerify(forged, jwks)).rejects.toThrow(/signature/);
  });

  it('issues connector tokens through MSAL client credentials at botframework.com, and at the home tenant of a single-tenant bot', async () => {
    const multi = await connectorClient('botframework.com').acquireTokenByClientCredential({ scopes: ['https://api.botframework.com/.default'] });
    expect(decodeJwt(multi!.accessToken)).toMatchObject({ aud: 'https://api.botframework.com', tid: BOT_FRAMEWORK_TENANT_ID, iss: `https://sts.windows.net/${BOT_FRAMEWORK_TENANT_ID}/`, appid: APP.clientId });

    const single = connectorClient(BOT_HOME, SINGLE_TENANT_BOT);
    const token = await single.acquireTokenByClientCredential({ scopes: ['https://api.botframework.com/.default'] });
    expect(decodeJwt(token!.accessToken)).toMatchObject({ aud: 'https://api.botframework.com', tid: BOT_HOME, iss: `https://sts.windows.net/${BOT_HOME}/`, appid: SINGLE_TENANT_BOT.clientId });
    // Another tenant does not hold the single-tenant bot's registration.
    const elsewhere = await postForm(`${env.fake.authorityHost}/${env.fabrikam.tenantId}/oauth2/v2.0/token`, { grant_type: 'client_credentials', ...idAndSecret(SINGLE_TENANT_BOT), scope: 'https://api.botframework.com/.default' });
    expect(elsewhere).toMatchObject({ status: 400, body: { error: 'unauthorized_client', error_codes: [700016] } });

    const badSecret = await postForm(`${env.fake.authorityHost}/botframework.com/oauth2/v2.0/token`, { grant_type: 'client_credentials', client_id: APP.clientId, client_secret: 'wrong', scope: 'https://api.botframework.com/.default' });
    expect(badSecret).toMatchObject({ status: 401, body: { error: 'invalid_client', error_codes: [7000215] } });
    // botframework.com issues connector tokens only, not Graph tokens.
    const graphThere = await postForm(`${env.fake.authorityHost}/botframework.com/oauth2/v2.0/token`, { grant_type: 'client_credentials', ...idAndSecret(APP), scope: 'https://graph.microsoft.com/.default' });
    expect(graphThere.status).toBe(400);
  });

  it('delivers a Teams install to a bot with a channel token bound to the activity\'s serviceUrl', async () => {
    const activity = bf().teamInstall({ botAppId: APP.clientId, botName: 'MetaOffice', tenantId: env.contoso.tenantId, team: { name: 'Design' } });
    const answer = await bf().deliver(botUrl, activity);
    expect(answer.status).toBe(200);
    const got = heard.at(-1)!;
    expect(got.body).toMatchObject({
      type: 'conversationUpdate',
      channelId: 'msteams',
      serviceUrl: bf().serviceUrl,
      recipient: { id: `28:${APP.clientId}` },
      membersAdded: [{ id: `28:${APP.clientId}` }],
      conversation: { id: activity.conversation!.id, tenantId: env.contoso.tenantId },
      channelData: { team: { id: activity.conversation!.id, name: 'Design' }, eventType: 'teamMemberAdded', tenant: { id: env.contoso.tenantId } },
    });
    expect(got.body.conversation!.id).toMatch(/^19:[0-9a-f]+@thread\.tacv2$/);
    const token = /^Bearer (.+)$/.exec(got.headers.authorization ?? '')![1]!;
    expect(decodeJwt(token)).toMatchObject({ iss: BOT_FRAMEWORK_ISSUER, aud: APP.clientId, serviceurl: activity.serviceUrl });
    expect(bf().report().deliveredToBots['200']).toBeGreaterThanOrEqual(1);

    const unauthenticated = await bf().deliver(botUrl, activity, { token: null });
    expect(unauthenticated.status).toBe(200);
    expect(heard.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('accepts a bot\'s card into a conversation it was added to, with a connector token, and records it', async () => {
    const activity = bf().teamInstall({ botAppId: APP.clientId, tenantId: env.contoso.tenantId, team: { name: 'Ops' } });
    await bf().deliver(botUrl, activity);
    const conversationId = activity.conversation!.id;
    const token = (await connectorClient('botframework.com').acquireTokenByClientCredential({ scopes: ['https://api.botframework.com/.default'] }))!.accessToken;
    const sent = await postActivity(conversationId, token, card());
    expect(sent.status).toBe(201);
    expect(sent.body.id).toEqual(expect.any(String));
    expect(bf().activitiesIn(conversationId)).toEqual([card()]);
    expect(bf().received.at(-1)).toMatchObject({ conversationId, appId: APP.clientId });
    const overHttp = (await (await fetch(`${env.fake.url}/_fake/botframework/activities`)).json()) as { value: unknown[] };
    expect(overHttp.value).toContainEqual(expect.objectContaining({ conversationId }));
  });

  it('refuses a missing or foreign token, an unknown conversation, a bot outside the roster and a malformed card, recording nothing', async () => {
    const activity = bf().teamInstall({ botAppId: APP.clientId, tenantId: env.contoso.tenantId, team: { name: 'Finance' } });
    await bf().deliver(botUrl, activity);
    const conversationId = activity.conversation!.id;
    const before = bf().received.length;
    const graphToken = await appToken(env.fake, env.contoso.tenantId);
    const connectorToken = (await connectorClient('botframework.com').acquireTokenByClientCredential({ scopes: ['https://api.botframework.com/.default'] }))!.accessToken;
    const otherBotToken = (await connectorClient(BOT_HOME, SINGLE_TENANT_BOT).acquireTokenByClientCredential({ scopes: ['https://api.botframework.com/.default'] }))!.accessToken;

    expect(await postActivity(conversationId, undefined, card())).toMatchObject({ status: 401, body: { message: 'Authorization has been denied for this request.' } });
    expect((await postActivity(conversationId, graphToken, card())).status).toBe(401);
    // A channel token is the Bot Framework's, not Entra's: the connector does not take it.
    expect((await postActivity(conversationId, await bf().mintChannelToken({ appId: APP.clientId }), card())).status).toBe(401);
    expect(await postActivity('19:nobody@thread.tacv2', connectorToken, card())).toMatchObject({ status: 404, body: { error: { code: 'ConversationNotFound' } } });
    expect(await postActivity(conversationId, otherBotToken, card())).toMatchObject({ status: 403, body: { error: { code: 'BotNotInConversationRoster' } } });
    expect(await postActivity(conversationId, connectorToken, card('2.0'))).toMatchObject({ status: 400, body: { error: { code: 'BadArgument' } } });
    expect(await postActivity(conversationId, connectorToken, { attachments: [] })).toMatchObject({ status: 400, body: { error: { code: 'BadArgument' } } });
    expect(bf().received.length).toBe(before);
    expect(env.fake.report().botFramework.connectorRejected).toMatchObject({ missing: expect.any(Number), 'wrong-audience': expect.any(Number), 'bad-signature': 1, 'unknown-conversation': 1, 'not-in-roster': 1, 'bad-activity': 2 });
  });

  it('plays an install against a local bot over HTTP, and refuses to post anywhere but this machine', async () => {
    const post = async (body: unknown) => {
      const response = await fetch(`${env.fake.url}/_fake/botframework/install`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as any };
    };
    const ok = await post({ endpoint: botUrl, botAppId: APP.clientId, tenantId: env.contoso.tenantId, team: { name: 'Design' } });
    expect(ok.status).toBe(200);
    expect(ok.body.answer.status).toBe(200);
    expect(heard.at(-1)!.body.type).toBe('conversationUpdate');
    expect((await post({ endpoint: 'https://bot.example.com/api/messages', botAppId: APP.clientId, tenantId: env.contoso.tenantId, team: { name: 'Design' } })).status).toBe(400);
    expect((await post({ endpoint: botUrl, tenantId: env.contoso.tenantId })).status).toBe(400);
    const minted = await fetch(`${env.fake.url}/_fake/botframework/channel-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appId: APP.clientId, serviceUrl: 'https://smba.trafficmanager.net/emea/' }) });
    expect(decodeJwt(((await minted.json()) as { token: string }).token)).toMatchObject({ aud: APP.clientId, serviceurl: 'https://smba.trafficmanager.net/emea/' });
  });
});

function idAndSecret(app: { clientId: string; clientSecret: string }): Record<string, string> {
  return { client_id: app.clientId, client_secret: app.clientSecret };
}
