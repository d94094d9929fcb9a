import { ConfidentialClientApplication, InteractionRequiredAuthError, type AccountInfo, type ICachePlugin, type TokenCacheContext } from '@azure/msal-node';
import type { Store } from '../storage/index.js';
import { SecretBox, SecretBoxError } from '../secrets/secret-box.js';

/** The delegated Graph permissions MetaOffice asks for (DESIGN §6). The two marked in the README need admin consent. */
export const GRAPH_SCOPE_NAMES = [
  'User.Read',
  'User.Read.All',
  'Presence.Read.All',
  'Presence.ReadWrite',
  'OnlineMeetings.ReadWrite',
  'Team.ReadBasic.All',
  'TeamMember.Read.All',
  'TeamsActivity.Send',
] as const;

/** Graph's resource for a base URL: national clouds have their own; everything else (incl. test fakes) is the global one. */
export function graphResourceFor(graphBaseUrl: string): string {
  const host = new URL(graphBaseUrl).hostname;
  if (['graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn'].includes(host)) return `https://${host}`;
  return 'https://graph.microsoft.com';
}

/** Why no delegated Graph token could be had. */
export class GraphTokenError extends Error {
  override name = 'GraphTokenError';
  constructor(
    readonly kind: 'consent_required' | 'interaction_required' | 'no_cached_token' | 'unavailable' | 'refused',
    message: string,
    readonly scopes: readonly string[] = [],
  ) {
    super(message);
  }
}

export interface GraphTokenBrokerOptions {
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  graphBaseUrl: string;
  store: Store;
  box: SecretBox;
  fetchJson?: (url: string) => Promise<unknown>;
}

export interface DelegatedToken {
  accessToken: string;
  expiresOn: number;
  scopes: string[];
}

/**
 * Delegated Microsoft Graph tokens for Teams people, through @azure/msal-node:
 * - `exchange` runs the on-behalf-of flow with the person's Teams SSO token (each time the tab signs in);
 * - `forUser` answers later calls made for that person (presence writes, meetings) from the cache, refreshing
 *   silently when MSAL can.
 * MSAL's cache is kept per person in the database, sealed with AES-GCM (SecretBox, bound to the user id), so any node
 * of a cluster can act for the person and a database dump holds no usable token.
 */
export class GraphTokenBroker {
  private readonly scopes: string[];
  /** Authority and cloud discovery documents per tenant: fetched once, so a new MSAL client per call costs no round trip. */
  private readonly metadata = new Map<string, Promise<{ authority: string; cloud: string }>>();
  private readonly fetchJson: (url: string) => Promise<unknown>;

  constructor(private readonly opts: GraphTokenBrokerOptions) {
    const resource = graphResourceFor(opts.graphBaseUrl);
    this.scopes = GRAPH_SCOPE_NAMES.map((s) => `${resource}/${s}`);
    this.fetchJson = opts.fetchJson ?? (async (url) => {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      return res.json();
    });
  }

  async exchange(userId: string, tenantId: string, ssoToken: string): Promise<DelegatedToken> {
    const app = await this.clientFor(userId, tenantId);
    try {
      const r = await app.acquireTokenOnBehalfOf({ oboAssertion: ssoToken, scopes: this.scopes });
      if (!r) throw new GraphTokenError('unavailable', 'Microsoft Entra ID returned no token.');
      return { accessToken: r.accessToken, expiresOn: r.expiresOn?.getTime() ?? Date.now() + 3_000_000, scopes: r.scopes };
    } catch (err) {
      throw tokenError(err);
    }
  }

  /** A delegated token for someone who signed in through the tab before; GraphTokenError('no_cached_token') otherwise. */
  async forUser(userId: string, tenantId: string): Promise<DelegatedToken> {
    const app = await this.clientFor(userId, tenantId);
    const cache = app.getTokenCache();
    const accounts: AccountInfo[] = await cache.getAllAccounts();
    const account = accounts.find((a) => a.tenantId === tenantId) ?? accounts[0];
    if (!account) throw new GraphTokenError('no_cached_token', 'This person has not opened the office in Teams recently.');
    try {
      const r = await app.acquireTokenSilent({ account, scopes: this.scopes });
      if (!r) throw new GraphTokenError('no_cached_token', 'No cached token for this person.');
      return { accessToken: r.accessToken, expiresOn: r.expiresOn?.getTime() ?? Date.now() + 3_000_000, scopes: r.scopes };
    } catch (err) {
      throw tokenError(err);
    }
  }

  /** Forgets the person's cached tokens (sign-out everywhere, account deletion). */
  async forget(userId: string): Promise<void> {
    await this.opts.store.tokenCaches.delete(userId);
  }

  private async clientFor(userId: string, tenantId: string): Promise<ConfidentialClientApplication> {
    const { authority, cloud } = await this.metadataFor(tenantId);
    const host = new URL(this.opts.authorityHost).host;
    return new ConfidentialClientApplication({
      auth: {
        clientId: this.opts.clientId,
        clientSecret: this.opts.clientSecret,
        authority: `${this.opts.authorityHost}/${tenantId}`,
        knownAuthorities: [host],
        authorityMetadata: authority,
        cloudDiscoveryMetadata: cloud,
      },
      cache: { cachePlugin: this.cachePlugin(userId) },
    });
  }

  private cachePlugin(userId: string): ICachePlugin {
    const { store, box } = this.opts;
    return {
      async beforeCacheAccess(ctx: TokenCacheContext) {
        const sealed = await store.tokenCaches.get(userId);
        if (!sealed) return;
        try {
          ctx.tokenCache.deserialize(box.open(sealed, userId));
        } catch (err) {
          // A cache sealed with an older key is useless, not an error: the next sign-in fills a new one.
          if (!(err instanceof SecretBoxError)) throw err;
        }
      },
      async afterCacheAccess(ctx: TokenCacheContext) {
        if (ctx.cacheHasChanged) await store.tokenCaches.put(userId, box.seal(ctx.tokenCache.serialize(), userId));
      },
    };
  }

  private metadataFor(tenantId: string): Promise<{ authority: string; cloud: string }> {
    let m = this.metadata.get(tenantId);
    if (!m) {
      const host = new URL(this.opts.authorityHost).host;
      m = this.fetchJson(`${this.opts.authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`).then((doc) => ({
        authority: JSON.stringify(doc),
        cloud: JSON.stringify({ tenant_discovery_endpoint: `${this.opts.authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`, 'api-version': '1.1', metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }] }),
      }));
      // A failed fetch is not remembered: the next sign-in tries again.
      m.catch(() => this.metadata.delete(tenantId));
      if (this.metadata.size >= 10_000) this.metadata.delete(this.metadata.keys().next().value!);
      this.metadata.set(tenantId, m);
    }
    return m.catch((err: unknown) => {
      throw new GraphTokenError('unavailable', `Microsoft Entra ID is not answering (${err instanceof Error ? err.message : String(err)}).`);
    });
  }
}

function tokenError(err: unknown): GraphTokenError {
  if (err instanceof GraphTokenError) return err;
  const e = err as { errorCode?: string; subError?: string; errorMessage?: string; message?: string };
  const text = `${e.errorMessage ?? e.message ?? ''}`;
  if (e.subError === 'consent_required' || /AADSTS65001/.test(text)) return new GraphTokenError('consent_required', 'Microsoft 365 needs your consent before MetaOffice can act for you.');
  if (err instanceof InteractionRequiredAuthError || e.errorCode === 'invalid_grant' || e.errorCode === 'interaction_required') {
    return new GraphTokenError('interaction_required', 'Microsoft 365 needs you to sign in again.');
  }
  if (e.errorCode === 'invalid_client' || e.errorCode === 'unauthorized_client' || e.errorCode === 'invalid_request') {
    return new GraphTokenError('refused', `Microsoft Entra ID refused the app (${e.errorCode}).`);
  }
  return new GraphTokenError('unavailable', `Microsoft Entra ID is not answering (${e.errorCode ?? (text.slice(0, 120) || 'no answer')}).`);
}
