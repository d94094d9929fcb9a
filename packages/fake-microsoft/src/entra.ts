import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors as joseErrors, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { Clock } from './clock.js';
import { FakeMicrosoftError } from './errors.js';
import { OIDC_SCOPES, type Directory } from './model/directory.js';

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  displayName?: string;
  /** The tenant that owns the registration; client credentials work there without any grant. */
  homeTenantId?: string;
}

/** Filled in once the server listens, so every URL the fake hands out carries its real port. */
export interface Endpoints {
  authorityHost: string;
  graphBaseUrl: string;
}

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const GRAPH_AUDIENCES = new Set([GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID]);
/** The Teams desktop/web client's app id: what `azp` holds in a real Teams SSO token. */
const TEAMS_CLIENT_APP_ID = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';
const REFRESH_TOKEN_LIFETIME_MS = 90 * 24 * 60 * 60_000;

/** The Bot Connector service's resource: bots ask Entra for `${BOT_CONNECTOR_RESOURCE}/.default` to reply. */
export const BOT_CONNECTOR_RESOURCE = 'https://api.botframework.com';
/** Multi-tenant bots get their connector tokens from this tenant (`{authority}/botframework.com`). */
export const BOT_FRAMEWORK_TENANT = 'botframework.com';
/** botframework.com's tenant id: the `tid` and issuer of connector tokens for multi-tenant bots. */
export const BOT_FRAMEWORK_TENANT_ID = 'd6d49420-f39b-4df7-a1dc-d59a935871db';

/** Who is calling the Bot Connector, as read from a validated bearer token. */
export type BotConnectorTokenCheck = { ok: true; appId: string; tenantId: string } | { ok: false; reason: TokenRejectionReason; message: string };

export type TokenRejectionReason = 'missing' | 'malformed' | 'bad-signature' | 'expired' | 'wrong-audience' | 'wrong-issuer' | 'unknown-tenant' | 'unknown-app';

/** Who is calling Graph, as read from a validated bearer token. */
export interface GraphCaller {
  kind: 'delegated' | 'app';
  tenantId: string;
  appId: string;
  /** The signed-in user for delegated tokens. */
  userId: string | null;
  scopes: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  expiresAt: number;
}

export type GraphTokenCheck = { ok: true; caller: GraphCaller } | { ok: false; reason: TokenRejectionReason; message: string };

export interface SsoTokenRequest {
  tenantId: string;
  userId: string;
  /** Defaults to the first registered app. */
  clientId?: string;
  expiresInSec?: number;
  /** Defaults to the client id; `api://<host>/<clientId>` is also accepted by the on-behalf-of exchange. */
  audience?: string;
}

export interface TokenEndpointAnswer {
  status: number;
  body: Record<string, unknown>;
}

interface RefreshGrant {
  clientId: string;
  tenantId: string;
  userId: string;
  expiresAt: number;
}

/** Entra ID's token side: signing keys, metadata, the v2 token endpoint's grants, and Graph token validation. */
export class TokenService {
  readonly issuedByGrant = new Map<string, number>();
  readonly errorsByCode = new Map<string, number>();
  private readonly refreshGrants = new Map<string, RefreshGrant>();
  private readonly apps: Map<string, AppRegistration>;

  private constructor(
    private readonly clock: Clock,
    private readonly directory: Directory,
    apps: AppRegistration[],
    private readonly endpoints: Endpoints,
    private readonly accessTokenLifetimeSec: number,
    private readonly keyId: string,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {
    this.apps = new Map(apps.map((app) => [app.clientId, app]));
  }

  static async create(clock: Clock, directory: Directory, apps: AppRegistration[], endpoints: Endpoints, accessTokenLifetimeSec = 3600): Promise<TokenService> {
    if (!Array.isArray(apps) || apps.length === 0) throw new FakeMicrosoftError('the fake needs at least one app registration {clientId, clientSecret}');
    for (const app of apps) {
      if (typeof app.clientId !== 'string' || app.clientId === '' || typeof app.clientSecret !== 'string' || app.clientSecret === '') {
        throw new FakeMicrosoftError('every app registration needs a non-empty clientId and clientSecret');
      }
    }
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const keyId = randomBytes(16).toString('base64url');
    const publicJwk = { ...(await exportJWK(publicKey)), kid: keyId, use: 'sig', alg: 'RS256' };
    return new TokenService(clock, directory, apps, endpoints, accessTokenLifetimeSec, keyId, privateKey, publicKey, publicJwk);
  }

  get defaultClientId(): string {
    return this.apps.keys().next().value as string;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk, kty: 'RSA', x5t: this.keyId }] };
  }

  /** `null` for a tenant segment that is neither a known tenant id nor common/organizations/consumers. */
  openIdConfiguration(tenant: string): Record<string, unknown> | null {
    const host = this.endpoints.authorityHost;
    const known = this.directory.tenant(tenant);
    const botFramework = isBotFrameworkTenant(tenant);
    if (!known && !isMultiTenantAlias(tenant) && !botFramework) return null;
    const base = `${host}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${host}/${known ? known.id : botFramework ? BOT_FRAMEWORK_TENANT_ID : '{tenantid}'}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.endpoints.graphBaseUrl.replace(/\/v1\.0$/, '')}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: new URL(this.endpoints.graphBaseUrl).host,
      rbac_url: 'https://pas.windows.net',
    };
  }

  /** What MSAL's instance discovery reads: the fake is its own single cloud. */
  instanceDiscovery(authorizationEndpoint: string | undefined): Record<string, unknown> {
    const host = new URL(this.endpoints.authorityHost).host;
    const tenant = authorizationEndpoint ? (new URL(authorizationEndpoint).pathname.split('/')[1] ?? 'common') : 'common';
    return {
      tenant_discovery_endpoint: `${this.endpoints.authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  /** A token shaped like what TeamsJS `authentication.getAuthToken()` returns. */
  async mintSsoToken(request: SsoTokenRequest): Promise<string> {
    const clientId = request.clientId ?? this.defaultClientId;
    if (!this.apps.has(clientId)) throw new FakeMicrosoftError(`unknown client id ${clientId}`);
    const user = this.directory.user(request.tenantId, request.userId);
    if (!user) throw new FakeMicrosoftError(`user ${request.userId} does not exist in tenant ${request.tenantId}`);
    const expiresInSec = request.expiresInSec ?? 3600;
    if (!Number.isFinite(expiresInSec)) throw new FakeMicrosoftError('expiresInSec must be a number');
    const now = Math.floor(this.clock.now() / 1000);
    return this.sign(
      {
        aud: request.audience ?? clientId,
        iss: `${this.endpoints.authorityHost}/${user.tenantId}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + expiresInSec,
        azp: TEAMS_CLIENT_APP_ID,
        azpacr: '0',
        name: user.displayName,
        oid: user.id,
        preferred_username: user.userPrincipalName,
        scp: 'access_as_user',
        sub: pairwiseSubject(user.id, clientId),
        tid: user.tenantId,
        uti: randomBytes(16).toString('base64url'),
        ver: '2.0',
      },
      'JWT',
    );
  }

  /** POST /{tenant}/oauth2/v2.0/token. */
  async token(pathTenant: string, form: Record<string, string>, basicAuth?: { clientId: string; clientSecret: string }): Promise<TokenEndpointAnswer> {
    const clientId = form.client_id ?? basicAuth?.clientId ?? '';
    const app = this.apps.get(clientId);
    if (!app) return this.error(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${pathTenant}'.`);
    const secret = form.client_secret ?? basicAuth?.clientSecret;
    if (secret === undefined) return this.error(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    if (!secretsEqual(secret, app.clientSecret)) return this.error(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
    if (form.grant_type === 'client_credentials' && form.scope?.trim() === `${BOT_CONNECTOR_RESOURCE}/.default`) return this.botConnectorToken(app, pathTenant);
    if (!this.directory.tenant(pathTenant) && !isMultiTenantAlias(pathTenant)) return this.error(400, 'invalid_request', 90002, `Tenant '${pathTenant}' not found.`);
    switch (form.grant_type) {
      case 'client_credentials':
        return this.clientCredentials(app, pathTenant, form);
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.onBehalfOf(app, pathTenant, form);
      case 'refresh_token':
        return this.refresh(app, pathTenant, form);
      default:
        return this.error(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.grant_type ?? ''}'.`);
    }
  }

  async verifyGraphToken(authorization: string | undefined): Promise<GraphTokenCheck> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, reason: 'missing', message: 'Access token is empty.' };
    const verified = await this.verify(token);
    if (!verified.ok) return verified;
    const claims = verified.claims;
    if (typeof claims.aud !== 'string' || !GRAPH_AUDIENCES.has(claims.aud)) return { ok: false, reason: 'wrong-audience', message: 'Invalid audience.' };
    const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
    if (!this.directory.tenant(tenantId)) return { ok: false, reason: 'unknown-tenant', message: 'Access token validation failure. The tenant in the token does not exist.' };
    if (claims.iss !== `https://sts.windows.net/${tenantId}/`) return { ok: false, reason: 'wrong-issuer', message: 'Access token validation failure. Invalid issuer.' };
    const appId = typeof claims.appid === 'string' ? claims.appid : '';
    if (!this.apps.has(appId)) return { ok: false, reason: 'unknown-app', message: 'Access token validation failure. Unknown application.' };
    const delegated = claims.idtyp === 'user';
    return {
      ok: true,
      caller: {
        kind: delegated ? 'delegated' : 'app',
        tenantId,
        appId,
        userId: delegated && typeof claims.oid === 'string' ? claims.oid : null,
        scopes: new Set(typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : []),
        roles: new Set(Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : []),
        expiresAt: (claims.exp ?? 0) * 1000,
      },
    };
  }

  /** The Bot Connector's check of a bot's bearer token: signed here, `aud` the connector, a v1 issuer, a known app. */
  async verifyBotConnectorToken(authorization: string | undefined): Promise<BotConnectorTokenCheck> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return { ok: false, reason: 'missing', message: 'Authorization has been denied for this request.' };
    const verified = await this.verify(token);
    if (!verified.ok) return verified;
    const claims = verified.claims;
    if (claims.aud !== BOT_CONNECTOR_RESOURCE) return { ok: false, reason: 'wrong-audience', message: 'Invalid audience.' };
    const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
    if (tenantId !== BOT_FRAMEWORK_TENANT_ID && !this.directory.tenant(tenantId)) return { ok: false, reason: 'unknown-tenant', message: 'The tenant in the token does not exist.' };
    if (claims.iss !== `https://sts.windows.net/${tenantId}/`) return { ok: false, reason: 'wrong-issuer', message: 'Invalid issuer.' };
    const appId = typeof claims.appid === 'string' ? claims.appid : '';
    if (!this.apps.has(appId)) return { ok: false, reason: 'unknown-app', message: 'Unknown application.' };
    return { ok: true, appId, tenantId };
  }

  /** Signs arbitrary claims with the fake's key (for notifications' validation tokens and tests of bad tokens). */
  sign(claims: JWTPayload, typ: string): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ, kid: this.keyId, x5t: this.keyId } as { alg: string }).sign(this.privateKey);
  }

  private async verify(token: string): Promise<{ ok: true; claims: JWTPayload } | { ok: false; reason: TokenRejectionReason; message: string }> {
    try {
      const header = decodeProtectedHeader(token);
      if (header.kid !== this.keyId) return { ok: false, reason: 'bad-signature', message: 'Access token validation failure. The signing key was not found.' };
    } catch {
      return { ok: false, reason: 'malformed', message: 'IDX14100: JWT is not well formed.' };
    }
    try {
      const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ['RS256'], currentDate: new Date(this.clock.now()) });
      return { ok: true, claims: payload };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired', message: 'Lifetime validation failed, the token is expired.' };
      if (error instanceof joseErrors.JWTClaimValidationFailed && (error.claim === 'nbf' || error.claim === 'iat')) {
        return { ok: false, reason: 'expired', message: 'Lifetime validation failed, the token is not yet valid.' };
      }
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad-signature', message: 'Access token validation failure. Invalid signature.' };
      return { ok: false, reason: 'malformed', message: 'IDX14100: JWT is not well formed.' };
    }
  }

  private async clientCredentials(app: AppRegistration, pathTenant: string, form: Record<string, string>): Promise<TokenEndpointAnswer> {
    const tenant = this.directory.tenant(pathTenant);
    if (!tenant) return this.error(400, 'invalid_request', 90009, 'Application is requesting a token for itself. This scenario is supported only if resource is specified using the GUID based App Identifier; use a tenant-specific authority.');
    const scopes = (form.scope ?? '').split(' ').filter(Boolean);
    if (scopes.length !== 1 || !isGraphDefaultScope(scopes[0] ?? '')) {
      return this.error(400, 'invalid_scope', 1002012, `The provided value for scope '${form.scope ?? ''}' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const roles = this.directory.appRoles(tenant.id, app.clientId);
    if (roles.length === 0 && app.homeTenantId?.toLowerCase() !== tenant.id && !this.directory.tenant(tenant.id)?.grants.has(app.clientId)) {
      return this.error(400, 'unauthorized_client', 700016, `Application with identifier '${app.clientId}' was not found in the directory '${tenant.displayName}'. The application has not been installed by the administrator of the tenant.`);
    }
    const now = Math.floor(this.clock.now() / 1000);
    const servicePrincipalId = deterministicGuid(`${tenant.id}|${app.clientId}`);
    const accessToken = await this.sign(
      {
        aud: GRAPH_RESOURCE,
        iss: `https://sts.windows.net/${tenant.id}/`,
        iat: now,
        nbf: now,
        exp: now + this.accessTokenLifetimeSec,
        app_displayname: app.displayName ?? 'MetaOffice',
        appid: app.clientId,
        appidacr: '1',
        idp: `https://sts.windows.net/${tenant.id}/`,
        idtyp: 'app',
        oid: servicePrincipalId,
        ...(roles.length > 0 ? { roles } : {}),
        sub: servicePrincipalId,
        tid: tenant.id,
        uti: randomBytes(16).toString('base64url'),
        ver: '1.0',
      },
      'JWT',
    );
    this.count('client_credentials');
    return { status: 200, body: { token_type: 'Bearer', expires_in: this.accessTokenLifetimeSec, ext_expires_in: this.accessTokenLifetimeSec, access_token: accessToken } };
  }

  /**
   * Client credentials for the Bot Connector: at `botframework.com` for a multi-tenant bot, or at the bot's home
   * tenant for a single-tenant one (any other tenant does not hold the registration).
   */
  private async botConnectorToken(app: AppRegistration, pathTenant: string): Promise<TokenEndpointAnswer> {
    let tenantId: string;
    if (isBotFrameworkTenant(pathTenant)) {
      tenantId = BOT_FRAMEWORK_TENANT_ID;
    } else {
      const tenant = this.directory.tenant(pathTenant);
      if (!tenant) return this.error(400, 'invalid_request', 90002, `Tenant '${pathTenant}' not found.`);
      if (app.homeTenantId?.toLowerCase() !== tenant.id) {
        return this.error(400, 'unauthorized_client', 700016, `Application with identifier '${app.clientId}' was not found in the directory '${tenant.displayName}'.`);
      }
      tenantId = tenant.id;
    }
    const now = Math.floor(this.clock.now() / 1000);
    const accessToken = await this.sign(
      {
        aud: BOT_CONNECTOR_RESOURCE,
        iss: `https://sts.windows.net/${tenantId}/`,
        iat: now,
        nbf: now,
        exp: now + this.accessTokenLifetimeSec,
        appid: app.clientId,
        appidacr: '1',
        idp: `https://sts.windows.net/${tenantId}/`,
        idtyp: 'app',
        tid: tenantId,
        uti: randomBytes(16).toString('base64url'),
        ver: '1.0',
      },
      'JWT',
    );
    this.count('client_credentials_bot_connector');
    return { status: 200, body: { token_type: 'Bearer', expires_in: this.accessTokenLifetimeSec, ext_expires_in: this.accessTokenLifetimeSec, access_token: accessToken } };
  }

  private async onBehalfOf(app: AppRegistration, pathTenant: string, form: Record<string, string>): Promise<TokenEndpointAnswer> {
    if (form.requested_token_use !== 'on_behalf_of') return this.error(400, 'invalid_request', 50027, "The request must contain requested_token_use=on_behalf_of for the jwt-bearer grant.");
    if (!form.assertion) return this.error(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'assertion'.");
    const verified = await this.verify(form.assertion);
    if (!verified.ok) {
      if (verified.reason === 'expired') return this.error(400, 'invalid_grant', 500133, 'Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token.');
      if (verified.reason === 'bad-signature') return this.error(400, 'invalid_grant', 50013, 'Assertion failed signature validation. [Reason - The key was not found.]');
      return this.error(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
    }
    const claims = verified.claims;
    const audience = typeof claims.aud === 'string' ? claims.aud : '';
    if (audience !== app.clientId && !(audience.startsWith('api://') && audience.endsWith(`/${app.clientId}`))) {
      return this.error(400, 'invalid_grant', 50013, `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${audience}' and the expected audience is '${app.clientId}' or one of the Application Id URIs of this application.`);
    }
    const tenantId = typeof claims.tid === 'string' ? claims.tid : '';
    if (claims.iss !== `${this.endpoints.authorityHost}/${tenantId}/v2.0`) return this.error(400, 'invalid_grant', 50013, 'Assertion failed signature validation. [Reason - The issuer is not valid.]');
    if (!isMultiTenantAlias(pathTenant) && this.directory.tenant(pathTenant)?.id !== tenantId) {
      return this.error(400, 'invalid_grant', 50013, `Assertion contains an invalid tenant: the token is from tenant '${tenantId}' but the request was sent to '${pathTenant}'.`);
    }
    const user = this.directory.user(tenantId, typeof claims.oid === 'string' ? claims.oid : '');
    if (!user) return this.error(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
    return this.delegatedTokens(app, user.tenantId, user.id, form, 'on_behalf_of');
  }

  private async refresh(app: AppRegistration, pathTenant: string, form: Record<string, string>): Promise<TokenEndpointAnswer> {
    const grant = this.refreshGrants.get(form.refresh_token ?? '');
    if (!grant || grant.clientId !== app.clientId) return this.error(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid: the refresh token is not valid.');
    if (grant.expiresAt <= this.clock.now()) {
      this.refreshGrants.delete(form.refresh_token ?? '');
      return this.error(400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity.');
    }
    if (!isMultiTenantAlias(pathTenant) && this.directory.tenant(pathTenant)?.id !== grant.tenantId) {
      return this.error(400, 'invalid_grant', 50020, 'The refresh token was issued for another tenant.');
    }
    return this.delegatedTokens(app, grant.tenantId, grant.userId, form, 'refresh_token');
  }

  /** Consent check, then a Graph access token (+ id token, client info, refresh token when asked). */
  private async delegatedTokens(app: AppRegistration, tenantId: string, userId: string, form: Record<string, string>, grantType: string): Promise<TokenEndpointAnswer> {
    const parsed = parseScopes(form.scope ?? '');
    if ('invalid' in parsed) return this.error(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. ${parsed.invalid}`);
    const user = this.directory.user(tenantId, userId);
    if (!user) return this.error(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
    let granted: string[];
    if (parsed.graphDefault) {
      granted = this.directory.consentedScopes(tenantId, app.clientId, userId);
      if (granted.length === 0) return this.consentRequired(app, false);
    } else {
      const check = this.directory.checkConsent(tenantId, app.clientId, userId, parsed.graph);
      if (!check.ok) return this.consentRequired(app, check.needsAdmin);
      granted = check.granted;
    }
    const now = Math.floor(this.clock.now() / 1000);
    const accessToken = await this.sign(
      {
        aud: GRAPH_RESOURCE,
        iss: `https://sts.windows.net/${tenantId}/`,
        iat: now,
        nbf: now,
        exp: now + this.accessTokenLifetimeSec,
        acr: '1',
        app_displayname: app.displayName ?? 'MetaOffice',
        appid: app.clientId,
        appidacr: '1',
        idtyp: 'user',
        name: user.displayName,
        oid: user.id,
        scp: granted.join(' '),
        sub: pairwiseSubject(user.id, GRAPH_APP_ID),
        tid: tenantId,
        unique_name: user.userPrincipalName,
        upn: user.userPrincipalName,
        uti: randomBytes(16).toString('base64url'),
        ver: '1.0',
      },
      'JWT',
    );
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: granted.map((scope) => `${GRAPH_RESOURCE}/${scope}`).join(' '),
      expires_in: this.accessTokenLifetimeSec,
      ext_expires_in: this.accessTokenLifetimeSec,
      access_token: accessToken,
    };
    if (parsed.oidc.includes('offline_access')) {
      const refreshToken = `0.fake.${randomBytes(48).toString('base64url')}`;
      this.refreshGrants.set(refreshToken, { clientId: app.clientId, tenantId, userId, expiresAt: this.clock.now() + REFRESH_TOKEN_LIFETIME_MS });
      body.refresh_token = refreshToken;
    }
    if (parsed.oidc.includes('openid')) {
      body.id_token = await this.sign(
        {
          aud: app.clientId,
          iss: `${this.endpoints.authorityHost}/${tenantId}/v2.0`,
          iat: now,
          nbf: now,
          exp: now + 3600,
          name: user.displayName,
          oid: user.id,
          preferred_username: user.userPrincipalName,
          sub: pairwiseSubject(user.id, app.clientId),
          tid: tenantId,
          ver: '2.0',
        },
        'JWT',
      );
    }
    if (form.client_info === '1') body.client_info = Buffer.from(JSON.stringify({ uid: user.id, utid: tenantId })).toString('base64url');
    this.count(grantType);
    return { status: 200, body };
  }

  private consentRequired(app: AppRegistration, needsAdmin: boolean): TokenEndpointAnswer {
    const who = needsAdmin ? 'administrator' : 'user or administrator';
    return this.error(400, 'invalid_grant', 65001, `The ${who} has not consented to use the application with ID '${app.clientId}' named '${app.displayName ?? 'MetaOffice'}'. Send an interactive authorization request for this user and resource.`, 'consent_required');
  }

  private error(status: number, error: string, code: number, description: string, suberror?: string): TokenEndpointAnswer {
    this.errorsByCode.set(`AADSTS${code}`, (this.errorsByCode.get(`AADSTS${code}`) ?? 0) + 1);
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date(this.clock.now()).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
    return {
      status,
      body: {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.endpoints.authorityHost}/error?code=${code}`,
        ...(suberror ? { suberror } : {}),
      },
    };
  }

  private count(grantType: string): void {
    this.issuedByGrant.set(grantType, (this.issuedByGrant.get(grantType) ?? 0) + 1);
  }
}

function isMultiTenantAlias(tenant: string): boolean {
  return ['common', 'organizations'].includes(tenant.toLowerCase());
}

function isBotFrameworkTenant(tenant: string): boolean {
  return tenant.toLowerCase() === BOT_FRAMEWORK_TENANT;
}

function isGraphDefaultScope(scope: string): boolean {
  return scope === `${GRAPH_RESOURCE}/.default` || scope === `${GRAPH_APP_ID}/.default`;
}

/** Splits a v2 scope string into Graph permissions and OIDC scopes; other resources are out of the fake's reach. */
export function parseScopes(scope: string): { graph: string[]; oidc: string[]; graphDefault: boolean } | { invalid: string } {
  const graph: string[] = [];
  const oidc: string[] = [];
  let graphDefault = false;
  for (const raw of scope.split(' ').filter(Boolean)) {
    if (OIDC_SCOPES.has(raw)) {
      oidc.push(raw);
      continue;
    }
    if (isGraphDefaultScope(raw)) {
      graphDefault = true;
      continue;
    }
    const name = raw.startsWith(`${GRAPH_RESOURCE}/`) ? raw.slice(GRAPH_RESOURCE.length + 1) : raw.startsWith(`${GRAPH_APP_ID}/`) ? raw.slice(GRAPH_APP_ID.length + 1) : raw;
    if (name.includes('/') || name.includes(':')) return { invalid: `Scope '${raw}' is not a Microsoft Graph permission.` };
    graph.push(name);
  }
  if (graphDefault && graph.length > 0) return { invalid: '.default cannot be combined with other Graph scopes.' };
  if (!graphDefault && graph.length === 0) return { invalid: 'No Microsoft Graph scope was requested.' };
  return { graph, oidc, graphDefault };
}

function pairwiseSubject(userId: string, audience: string): string {
  return createHash('sha256').update(`${userId}|${audience}`).digest('base64url').slice(0, 43);
}

function deterministicGuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
