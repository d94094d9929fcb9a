import type { FastifyInstance } from 'fastify';
import { ADMIN_CONSENT_SCOPES } from './model/directory.js';
import type { FakeServices } from './services.js';

interface AuthorizeQuery {
  client_id?: string;
  response_type?: string;
  redirect_uri?: string;
  scope?: string;
  state?: string;
  login_hint?: string;
  prompt?: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `https://graph.microsoft.com/User.Read` → `User.Read`; OIDC scopes are not Graph permissions. */
function graphScopes(scope: string): string[] {
  return scope
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, ''))
    .filter((s) => !['openid', 'profile', 'email', 'offline_access', '.default'].includes(s));
}

/** A redirect URI the fake will send a browser to: https anywhere, or http on loopback (development). */
function allowedRedirect(uri: string | undefined): URL | undefined {
  if (!uri) return undefined;
  try {
    const u = new URL(uri);
    if (u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(u.hostname))) return u;
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * Entra's interactive authorize endpoint, as far as Teams tabs use it: the consent pop-up. It shows the person what the
 * app asks for; accepting records their consent (admin-consent scopes need a tenant admin's grant and are refused
 * here, as Entra shows "Need admin approval") and redirects back with a code, declining redirects with
 * `error=access_denied`.
 */
export function registerConsentRoutes(app: FastifyInstance, services: FakeServices): void {
  app.get<{ Params: { tenant: string }; Querystring: AuthorizeQuery }>('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const q = request.query;
    const redirect = allowedRedirect(q.redirect_uri);
    const tenant = services.directory.tenant(request.params.tenant);
    const user = tenant && q.login_hint ? services.directory.user(request.params.tenant, q.login_hint) : undefined;
    if (!redirect || !tenant || !q.client_id || q.response_type !== 'code') {
      return reply.status(400).type('text/html').send(page('Sign-in request refused', '<p>AADSTS900144: the request is missing client_id, a valid redirect_uri, response_type=code or a known tenant.</p>'));
    }
    const scopes = graphScopes(q.scope ?? '');
    const needsAdmin = scopes.filter((s) => ADMIN_CONSENT_SCOPES.has(s) && !services.directory.consentedScopes(tenant.id, q.client_id!, user?.id ?? '').includes(s));
    const hidden = Object.entries({ ...q, tenant: request.params.tenant })
      .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(String(v ?? ''))}">`)
      .join('');
    const list = scopes.map((s) => `<li>${escape(s)}${ADMIN_CONSENT_SCOPES.has(s) ? ' <em>(admin consent)</em>' : ''}</li>`).join('');
    const body = needsAdmin.length
      ? `<p>Need admin approval: ${escape(needsAdmin.join(', '))} can only be granted by an administrator of ${escape(tenant.displayName)}.</p><form method="post">${hidden}<button name="decision" value="decline">Return to the app</button></form>`
      : `<p>${escape(user?.displayName ?? q.login_hint ?? 'Someone')} of ${escape(tenant.displayName)}: the app <code>${escape(q.client_id)}</code> asks to:</p><ul>${list}</ul><form method="post">${hidden}<button name="decision" value="accept" id="accept">Accept</button> <button name="decision" value="decline">Cancel</button></form>`;
    return reply.type('text/html').header('cache-control', 'no-store').send(page('Permissions requested', body));
  });

  app.post<{ Params: { tenant: string }; Body: Record<string, string> }>('/:tenant/oauth2/v2.0/authorize', async (request, reply) => {
    const f = request.body ?? {};
    const redirect = allowedRedirect(f.redirect_uri);
    if (!redirect) return reply.status(400).type('text/html').send(page('Sign-in request refused', '<p>Invalid redirect_uri.</p>'));
    const user = f.login_hint ? services.directory.user(request.params.tenant, f.login_hint) : undefined;
    const scopes = graphScopes(f.scope ?? '');
    const adminOnly = scopes.some((s) => ADMIN_CONSENT_SCOPES.has(s) && !services.directory.consentedScopes(request.params.tenant, f.client_id ?? '', user?.id ?? '').includes(s));
    if (f.state) redirect.searchParams.set('state', f.state);
    if (f.decision !== 'accept' || !user || !f.client_id || adminOnly) {
      redirect.searchParams.set('error', adminOnly ? 'consent_required' : 'access_denied');
      redirect.searchParams.set('error_description', adminOnly ? 'AADSTS90094: An administrator must grant this permission.' : 'AADSTS65004: The user declined to consent.');
      return reply.redirect(redirect.toString(), 302);
    }
    // Admin-consent scopes were checked above as granted tenant-wide; the person consents to the rest.
    services.directory.grantUserConsent(request.params.tenant, user.id, f.client_id, scopes.filter((s) => !ADMIN_CONSENT_SCOPES.has(s)));
    redirect.searchParams.set('code', `fake-code-${Date.now().toString(36)}`);
    return reply.redirect(redirect.toString(), 302);
  });
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><style>body{font:15px system-ui;margin:2rem;max-width:36rem}button{font:inherit;padding:.4rem 1rem}</style></head><body><h1>${escape(title)}</h1>${body}<p><small>Fake Microsoft Entra ID (MetaOffice development and tests)</small></p></body></html>`;
}
