import { ConfidentialClientApplication, InteractionRequiredAuthError } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, postForm, startSeededFake, userId, type SeededFake } from './testing/fixtures.js';

let env: SeededFake;

beforeAll(async () => {
  env = await startSeededFake();
});
afterAll(async () => {
  await env.fake.close();
});

function msalFor(tenantId: string): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: APP.clientId,
      clientSecret: APP.clientSecret,
      authority: `${env.fake.authorityHost}/${tenantId}`,
      knownAuthorities: [env.fake.knownAuthority],
    },
  });
}

describe('Entra ID with the real @azure/msal-node', () => {
  it('exchanges a Teams SSO token on behalf of the user for a delegated Graph token', async () => {
    const { tenantId } = env.contoso;
    const assertion = await env.fake.mintSsoToken({ tenantId, userId: userId(env.contoso, 0) });
    const result = await msalFor(tenantId).acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: ['https://graph.microsoft.com/User.Read', 'https://graph.microsoft.com/Presence.Read.All'] });
    expect(result).not.toBeNull();
    const claims = decodeJwt(result!.accessToken);
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: tenantId, oid: userId(env.contoso, 0), appid: APP.clientId, idtyp: 'user' });
    expect(String(claims.scp).split(' ')).toEqual(expect.arrayContaining(['User.Read', 'Presence.Read.All']));
    expect(result!.account?.tenantId).toBe(tenantId);
    const me = await fetch(`${env.fake.graphBaseUrl}/me`, { headers: { authorization: `Bearer ${result!.accessToken}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(userId(env.contoso, 0));
  });

  it('accepts an SSO token whose audience is the api:// application id URI', async () => {
    const { tenantId } = env.contoso;
    const assertion = await env.fake.mintSsoToken({ tenantId, userId: userId(env.contoso, 1), audience: `api://localhost:3000/${APP.clientId}` });
    const result = await msalFor(tenantId).acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: ['https://graph.microsoft.com/User.Read'] });
    expect(decodeJwt(result!.accessToken).oid).toBe(userId(env.contoso, 1));
  });

  it('issues app tokens with the granted roles through acquireTokenByClientCredential', async () => {
    const { tenantId } = env.fabrikam;
    const result = await msalFor(tenantId).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    const claims = decodeJwt(result!.accessToken);
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', tid: tenantId, idtyp: 'app', appid: APP.clientId });
    expect(claims.roles).toEqual(expect.arrayContaining(['Presence.Read.All', 'TeamsActivity.Send']));
  });

  it('answers a non-consented scope with invalid_grant AADSTS65001 consent_required, which MSAL treats as interaction required', async () => {
    const tenant = env.fake.seed({ displayName: 'Northwind', users: [{ displayName: 'Nora North' }], userConsents: [{ userId: 'nora.north@northwind.onmicrosoft.com', scopes: ['User.Read'] }] });
    const assertion = await env.fake.mintSsoToken({ tenantId: tenant.tenantId, userId: userId(tenant, 0) });
    const error = await msalFor(tenant.tenantId)
      .acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: ['https://graph.microsoft.com/Presence.Read.All'] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect((error as InteractionRequiredAuthError).errorCode).toBe('invalid_grant');
    expect((error as InteractionRequiredAuthError).subError).toBe('consent_required');
    expect((error as InteractionRequiredAuthError).errorMessage).toContain('AADSTS65001');

    // The user's own consent covers User.Read...
    const granted = await msalFor(tenant.tenantId).acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: ['https://graph.microsoft.com/User.Read'] });
    expect(decodeJwt(granted!.accessToken).scp).toBe('User.Read');
    // ...but an admin-consent scope needs the tenant administrator, whatever the user consented.
    const admin = await postForm(`${env.fake.authorityHost}/${tenant.tenantId}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: APP.clientId, client_secret: APP.clientSecret, assertion,
      scope: 'https://graph.microsoft.com/TeamMember.Read.All', requested_token_use: 'on_behalf_of',
    });
    expect(admin.status).toBe(400);
    expect(admin.body).toMatchObject({ error: 'invalid_grant', suberror: 'consent_required', error_codes: [65001] });
    expect(String(admin.body.error_description)).toContain('administrator has not consented');
  });

  it('rejects a wrong client secret, an expired assertion and an assertion for another app', async () => {
    const { tenantId } = env.contoso;
    const tokenUrl = `${env.fake.authorityHost}/${tenantId}/oauth2/v2.0/token`;
    const base = { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: APP.clientId, scope: 'https://graph.microsoft.com/User.Read', requested_token_use: 'on_behalf_of' };
    const good = await env.fake.mintSsoToken({ tenantId, userId: userId(env.contoso, 0) });
    const wrongSecret = await postForm(tokenUrl, { ...base, client_secret: 'nope', assertion: good });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    const expired = await env.fake.mintSsoToken({ tenantId, userId: userId(env.contoso, 0), expiresInSec: -60 });
    expect((await postForm(tokenUrl, { ...base, client_secret: APP.clientSecret, assertion: expired })).body).toMatchObject({ error: 'invalid_grant', error_codes: [500133] });
    const otherApp = await env.fake.mintSsoToken({ tenantId, userId: userId(env.contoso, 0), audience: 'another-app' });
    expect((await postForm(tokenUrl, { ...base, client_secret: APP.clientSecret, assertion: otherApp })).body).toMatchObject({ error: 'invalid_grant', error_codes: [50013] });
    const crossTenant = await postForm(`${env.fake.authorityHost}/${env.fabrikam.tenantId}/oauth2/v2.0/token`, { ...base, client_secret: APP.clientSecret, assertion: good });
    expect(crossTenant.body).toMatchObject({ error: 'invalid_grant', error_codes: [50013] });
  });

  it('redeems the refresh token from an offline_access exchange, for the same user and tenant only', async () => {
    const { tenantId } = env.contoso;
    const tokenUrl = `${env.fake.authorityHost}/${tenantId}/oauth2/v2.0/token`;
    const assertion = await env.fake.mintSsoToken({ tenantId, userId: userId(env.contoso, 2) });
    const first = await postForm(tokenUrl, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: APP.clientId, client_secret: APP.clientSecret, assertion,
      scope: 'https://graph.microsoft.com/User.Read offline_access openid', requested_token_use: 'on_behalf_of',
    });
    expect(first.body.refresh_token).toEqual(expect.any(String));
    expect(decodeJwt(first.body.id_token as string).aud).toBe(APP.clientId);
    const refreshed = await postForm(tokenUrl, { grant_type: 'refresh_token', client_id: APP.clientId, client_secret: APP.clientSecret, refresh_token: first.body.refresh_token as string, scope: 'https://graph.microsoft.com/User.Read' });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token as string).oid).toBe(userId(env.contoso, 2));
    const elsewhere = await postForm(`${env.fake.authorityHost}/${env.fabrikam.tenantId}/oauth2/v2.0/token`, { grant_type: 'refresh_token', client_id: APP.clientId, client_secret: APP.clientSecret, refresh_token: first.body.refresh_token as string, scope: 'https://graph.microsoft.com/User.Read' });
    expect(elsewhere.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('serves OIDC metadata, JWKS and instance discovery that agree with the tokens', async () => {
    const { tenantId } = env.contoso;
    const metadata = (await (await fetch(`${env.fake.authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(metadata.issuer).toBe(`${env.fake.authorityHost}/${tenantId}/v2.0`);
    expect(metadata.token_endpoint).toBe(`${env.fake.authorityHost}/${tenantId}/oauth2/v2.0/token`);
    const jwks = (await (await fetch(metadata.jwks_uri!)).json()) as { keys: Array<{ kid: string; kty: string }> };
    const sso = await env.fake.mintSsoToken({ tenantId, userId: userId(env.contoso, 0) });
    const { jwtVerify, createLocalJWKSet } = await import('jose');
    const verified = await jwtVerify(sso, createLocalJWKSet(jwks as never), { issuer: metadata.issuer, audience: APP.clientId });
    expect(verified.payload).toMatchObject({ scp: 'access_as_user', ver: '2.0', tid: tenantId });
    const discovery = (await (await fetch(`${env.fake.authorityHost}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${env.fake.authorityHost}/${tenantId}/oauth2/v2.0/authorize`)}`)).json()) as { metadata: Array<{ aliases: string[] }> };
    expect(discovery.metadata[0]?.aliases).toEqual([env.fake.knownAuthority]);
    expect((await fetch(`${env.fake.authorityHost}/not-a-tenant/v2.0/.well-known/openid-configuration`)).status).toBe(400);
  });
});
