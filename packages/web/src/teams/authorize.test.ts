import { describe, expect, it } from 'vitest';
import { AuthorizeError, authStartUrl, buildAuthorizeUrl, consentScopes, newState, readAuthResult } from './authorize.js';

const config = {
  clientId: '11111111-2222-3333-4444-555555555555',
  authorityHost: 'https://login.microsoftonline.com',
  graphScopes: ['User.Read', 'Presence.Read.All', 'offline_access'],
};
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';

describe('buildAuthorizeUrl', () => {
  it('builds the v2 authorize URL for the tenant with every parameter the consent needs', () => {
    const url = new URL(buildAuthorizeUrl({ config, tenantId, loginHint: 'ada@contoso.com', origin: 'https://office.example.com', state: 'abc123' }));
    expect(url.origin + url.pathname).toBe(`https://login.microsoftonline.com/${tenantId}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: config.clientId,
      response_type: 'code',
      response_mode: 'query',
      redirect_uri: 'https://office.example.com/teams/auth-end',
      scope: 'User.Read Presence.Read.All offline_access openid profile',
      prompt: 'consent',
      state: 'abc123',
      login_hint: 'ada@contoso.com',
    });
  });

  it('keeps the authority host path (national clouds, the test fake) and drops a trailing slash', () => {
    const url = buildAuthorizeUrl({ config: { ...config, authorityHost: 'https://127.0.0.1:8443/entra/' }, tenantId, loginHint: undefined, origin: 'http://localhost:3000', state: 's' });
    expect(url.startsWith(`https://127.0.0.1:8443/entra/${tenantId}/oauth2/v2.0/authorize?`)).toBe(true);
    expect(new URL(url).searchParams.has('login_hint')).toBe(false);
  });

  it('uses the organizations endpoint when the tenant is unknown', () => {
    const url = buildAuthorizeUrl({ config, tenantId: undefined, loginHint: undefined, origin: 'http://localhost:3000', state: 's' });
    expect(new URL(url).pathname).toBe('/organizations/oauth2/v2.0/authorize');
  });

  it('refuses a tenant that would change the path, a bad authority, a missing client id or state', () => {
    const base = { config, tenantId, loginHint: undefined, origin: 'http://localhost:3000', state: 's' };
    expect(() => buildAuthorizeUrl({ ...base, tenantId: '../evil' })).toThrow(AuthorizeError);
    expect(() => buildAuthorizeUrl({ ...base, tenantId: 'contoso.com/x' })).toThrow(AuthorizeError);
    expect(() => buildAuthorizeUrl({ ...base, config: { ...config, authorityHost: 'javascript:alert(1)' } })).toThrow(AuthorizeError);
    expect(() => buildAuthorizeUrl({ ...base, config: { ...config, authorityHost: 'not a url' } })).toThrow(AuthorizeError);
    expect(() => buildAuthorizeUrl({ ...base, config: { ...config, clientId: '' } })).toThrow(AuthorizeError);
    expect(() => buildAuthorizeUrl({ ...base, state: '' })).toThrow(AuthorizeError);
    expect(buildAuthorizeUrl({ ...base, tenantId: 'contoso.onmicrosoft.com' })).toContain('/contoso.onmicrosoft.com/oauth2/');
  });
});

describe('consentScopes', () => {
  it('adds the OpenID scopes once and drops blanks', () => {
    expect(consentScopes([' User.Read ', '', 'openid', 'TeamsActivity.Send'])).toEqual(['User.Read', 'openid', 'TeamsActivity.Send', 'profile', 'offline_access']);
  });
});

describe('authStartUrl', () => {
  it('passes tenant and login hint to the pop-up page, encoded', () => {
    expect(authStartUrl(tenantId, 'ada+test@contoso.com')).toBe(`/teams/auth-start?tenantId=${tenantId}&loginHint=ada%2Btest%40contoso.com`);
    expect(authStartUrl(tenantId, undefined)).toBe(`/teams/auth-start?tenantId=${tenantId}`);
  });
});

describe('readAuthResult', () => {
  it('succeeds on a code with our state', () => {
    expect(readAuthResult('?code=0.AXo&state=s1&session_state=x', 's1')).toEqual({ ok: true });
  });
  it('fails on a missing or foreign state, whatever else the answer says', () => {
    expect(readAuthResult('?code=0.AXo&state=other', 's1')).toEqual({ ok: false, reason: 'StateDoesNotMatch' });
    expect(readAuthResult('?code=0.AXo', 's1')).toEqual({ ok: false, reason: 'StateDoesNotMatch' });
    expect(readAuthResult('?code=0.AXo&state=s1', null)).toEqual({ ok: false, reason: 'StateDoesNotMatch' });
  });
  it("passes Entra's error on", () => {
    expect(readAuthResult('?error=access_denied&error_description=AADSTS65004%3A+User+declined&state=s1', 's1')).toEqual({
      ok: false,
      reason: 'access_denied: AADSTS65004: User declined',
    });
    expect(readAuthResult('?error=consent_required&state=s1', 's1')).toEqual({ ok: false, reason: 'consent_required' });
  });
  it('fails when neither code nor error came back', () => {
    expect(readAuthResult('?state=s1', 's1')).toEqual({ ok: false, reason: 'NoCodeReturned' });
  });
});

describe('newState', () => {
  it('is 32 hex characters from 16 random bytes, different each time', () => {
    const a = newState();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newState()).not.toBe(a);
    expect(newState((b) => b.fill(255))).toBe('f'.repeat(32));
  });
});
