import { describe, expect, it } from 'vitest';
import type { MeView } from '@metaoffice/protocol';
import { signInSilently } from './signIn.js';

const me: MeView = {
  user: { id: 'u1', email: 'ada@contoso.com', name: 'Ada', role: 'member', orgId: 'o1' },
  organisation: { id: 'o1', name: 'Contoso' },
};
const apiError = (code: string, detail?: string) => Object.assign(new Error(detail ?? code), { code, problem: { detail } });

describe('signInSilently', () => {
  it('exchanges the Teams token for a session', async () => {
    const seen: string[] = [];
    const outcome = await signInSilently({
      getAuthToken: async () => 'teams-token',
      exchange: async (t) => (seen.push(t), { me, tenantId: 't1' }),
    });
    expect(outcome).toEqual({ status: 'signedIn', me, tenantId: 't1' });
    expect(seen).toEqual(['teams-token']);
  });
  it('asks for consent on the server’s CONSENT_REQUIRED, with its reason', async () => {
    const outcome = await signInSilently({ getAuthToken: async () => 't', exchange: async () => Promise.reject(apiError('CONSENT_REQUIRED', 'AADSTS65001')) });
    expect(outcome).toEqual({ status: 'consentRequired', detail: 'AADSTS65001' });
  });
  it('asks for consent when Teams itself says the resource needs it, without calling the server', async () => {
    let called = false;
    const outcome = await signInSilently({
      getAuthToken: async () => Promise.reject(new Error('resourceRequiresConsent')),
      exchange: async () => ((called = true), { me, tenantId: 't' }),
    });
    expect(outcome).toEqual({ status: 'consentRequired', detail: 'resourceRequiresConsent' });
    expect(called).toBe(false);
  });
  it('reports Microsoft 365 being down apart from other failures', async () => {
    expect(await signInSilently({ getAuthToken: async () => 't', exchange: () => Promise.reject(apiError('MICROSOFT_UNAVAILABLE')) })).toEqual({
      status: 'unavailable',
      detail: undefined,
    });
    const bad = await signInSilently({ getAuthToken: async () => 't', exchange: () => Promise.reject(apiError('UNAUTHENTICATED')) });
    expect(bad.status).toBe('failed');
    const teams = await signInSilently({ getAuthToken: () => Promise.reject(new Error('FailedToOpenWindow')), exchange: async () => ({ me, tenantId: 't' }) });
    expect(teams).toEqual({ status: 'failed', message: 'Teams could not sign you in (FailedToOpenWindow).' });
  });
});
