import type { TeamsConfigView } from '@metaoffice/protocol';

/**
 * The consent pop-up's Microsoft identity platform round trip (authorization code flow, `prompt=consent`), as pure
 * functions: the authorize URL the pop-up opens, and the reading of what Entra sends back to /teams/auth-end.
 * The code itself is not redeemed here: granting consent is the point, after which the server's on-behalf-of
 * exchange for the Teams SSO token succeeds.
 */

/** Scopes every sign-in asks for besides Graph's, so the consent screen lists one complete set. */
const OIDC_SCOPES = ['openid', 'profile', 'offline_access'];

export const AUTH_END_PATH = '/teams/auth-end';
export const AUTH_START_PATH = '/teams/auth-start';
/** Where auth-start keeps the `state` it sent, for auth-end in the same pop-up window to check. */
export const STATE_STORAGE_KEY = 'mo.teams.consentState';

export interface AuthorizeRequest {
  config: TeamsConfigView;
  /** Entra tenant id from the Teams context; the consent is for this organisation. */
  tenantId: string | undefined;
  loginHint: string | undefined;
  /** The page origin, e.g. https://office.example.com; the redirect URI must be registered on the app. */
  origin: string;
  state: string;
}

export class AuthorizeError extends Error {
  override name = 'AuthorizeError';
}

/** A tenant is a GUID or a verified domain; anything else would change the authority's path. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

export function consentScopes(graphScopes: readonly string[]): string[] {
  return [...new Set([...graphScopes.map((s) => s.trim()).filter(Boolean), ...OIDC_SCOPES])];
}

export function buildAuthorizeUrl(req: AuthorizeRequest): string {
  const { config } = req;
  const tenant = req.tenantId ?? 'organizations';
  if (!TENANT.test(tenant)) throw new AuthorizeError(`"${tenant}" is not a tenant id`);
  let authority: URL;
  try {
    authority = new URL(config.authorityHost);
  } catch {
    throw new AuthorizeError(`"${config.authorityHost}" is not an authority URL`);
  }
  if (authority.protocol !== 'https:' && authority.protocol !== 'http:') throw new AuthorizeError(`"${config.authorityHost}" is not an authority URL`);
  if (!config.clientId) throw new AuthorizeError('the app has no client id');
  if (!req.state) throw new AuthorizeError('a state is required');
  const base = config.authorityHost.replace(/\/+$/, '');
  const query = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    response_mode: 'query',
    redirect_uri: `${req.origin}${AUTH_END_PATH}`,
    scope: consentScopes(config.graphScopes).join(' '),
    prompt: 'consent',
    state: req.state,
  });
  if (req.loginHint) query.set('login_hint', req.loginHint);
  return `${base}/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize?${query}`;
}

/** The pop-up's own URL that the tab passes to `authentication.authenticate`. */
export function authStartUrl(tenantId: string, loginHint: string | undefined): string {
  const query = new URLSearchParams({ tenantId });
  if (loginHint) query.set('loginHint', loginHint);
  return `${AUTH_START_PATH}?${query}`;
}

export type AuthResult = { ok: true } | { ok: false; reason: string };

/**
 * Reads the redirect's query. A state that is missing or not ours fails, whatever else it says: that is a response
 * to some other request (or a forged one). Entra's errors come as `error` + `error_description`.
 */
export function readAuthResult(search: string, expectedState: string | null): AuthResult {
  const q = new URLSearchParams(search);
  const state = q.get('state');
  if (!expectedState || state !== expectedState) return { ok: false, reason: 'StateDoesNotMatch' };
  const error = q.get('error');
  if (error) {
    const description = q.get('error_description');
    return { ok: false, reason: description ? `${error}: ${description}` : error };
  }
  if (!q.get('code')) return { ok: false, reason: 'NoCodeReturned' };
  return { ok: true };
}

/** 128 bits of randomness, URL-safe. */
export function newState(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
