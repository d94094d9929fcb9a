import { BatchRequestContent, BatchResponseContent, Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delegatedToken, startSeededFake, userId, type SeededFake } from './testing/fixtures.js';

let env: SeededFake;
let client: Client;

beforeAll(async () => {
  env = await startSeededFake();
  const token = await delegatedToken(env.fake, env.contoso.tenantId, userId(env.contoso, 0));
  client = Client.init({
    authProvider: (done) => done(null, token),
    baseUrl: `${env.fake.url}/`,
    defaultVersion: 'v1.0',
    // The client only attaches the bearer token for Graph hosts or these custom ones.
    customHosts: new Set([new URL(env.fake.url).hostname]),
  });
});
afterAll(async () => {
  await env.fake.close();
});

describe('the official @microsoft/microsoft-graph-client against the fake', () => {
  it('reads /me with $select', async () => {
    const me = await client.api('/me').select(['id', 'displayName', 'mail']).get();
    expect(me).toMatchObject({ id: userId(env.contoso, 0), displayName: 'Adele Vance', mail: 'adele.vance@contoso.onmicrosoft.com' });
  });

  it('posts getPresencesByUserId', async () => {
    env.fake.setUserPresence(env.contoso.tenantId, userId(env.contoso, 1), 'Busy', 'InACall');
    const presences = await client.api('/communications/getPresencesByUserId').post({ ids: [userId(env.contoso, 1), userId(env.contoso, 2)] });
    expect(presences.value).toEqual([
      { id: userId(env.contoso, 1), availability: 'Busy', activity: 'InACall' },
      { id: userId(env.contoso, 2), availability: 'Offline', activity: 'Offline' },
    ]);
  });

  it('sends a $batch built with BatchRequestContent and reads it with BatchResponseContent', async () => {
    const content = new BatchRequestContent([
      { id: '1', request: new Request(`${env.fake.graphBaseUrl}/me?$select=displayName`, { method: 'GET' }) },
      { id: '2', request: new Request(`${env.fake.graphBaseUrl}/me/joinedTeams`, { method: 'GET' }) },
    ]);
    const raw = await client.api('/$batch').post(await content.getContent());
    const responses = new BatchResponseContent(raw);
    expect(await responses.getResponseById('1').json()).toMatchObject({ displayName: 'Adele Vance' });
    expect((await responses.getResponseById('2').json()).value[0]).toMatchObject({ displayName: 'Design' });
  });

  it('surfaces Graph errors as GraphError with the status and code', async () => {
    const error = await client.api(`/users/${userId(env.fabrikam, 0)}`).get().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 404, code: 'Request_ResourceNotFound' });
  });
});
