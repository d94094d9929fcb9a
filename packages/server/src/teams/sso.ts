import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

/** Who a valid Teams SSO token says the person is. */
export interface SsoIdentity {
  tenantId: string;
  objectId: string;
  name: string;
  /** preferred_username: the UPN for work accounts. */
  upn: string;
}

export type SsoRejection = 'malformed' | 'bad_tenant' | 'bad_issuer' | 'bad_audience' | 'expired' | 'not_yet_valid' | 'bad_signature' | 'missing_scope' | 'missing_claims' | 'keys_unavailable';

/** A Teams SSO token we refuse, with the reason counted in metrics and never the token itself. */
export class SsoTokenError extends Error {
  override name = 'SsoTokenError';
  constructor(
    readonly reason: SsoRejection,
    message: string,
  ) {
    super(message);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SsoValidatorOptions {
  /** e.g. https://login.microsoftonline.com, or the fake's https://127.0.0.1:PORT. */
  authorityHost: string;
  clientId: string;
  /** The app's public URL: the SSO resource is api://<host>/<clientId>. */
  publicUrl: string;
  /** The scope the app exposes for Teams SSO. */
  scope?: string;
  /** Signing keys of a tenant; by default fetched (and cached) from the authority's JWKS endpoint. */
  keysFor?: (tenantId: string) => JWTVerifyGetKey;
  clockToleranceSec?: number;
}

/**
 * Validates the token TeamsJS `authentication.getAuthToken()` hands the tab: a v2.0 Entra access token issued by the
 * person's own tenant for this app. Issuer, audience, lifetime, signature (against the tenant's published keys) and
 * the `access_as_user` scope are all checked before anything in it is believed.
 */
export class TeamsSsoValidator {
  private readonly audiences: string[];
  private readonly scope: string;
  private readonly keySets = new Map<string, JWTVerifyGetKey>();
  private readonly keysFor: (tenantId: string) => JWTVerifyGetKey;

  constructor(private readonly opts: SsoValidatorOptions) {
    this.audiences = [opts.clientId, `api://${new URL(opts.publicUrl).host}/${opts.clientId}`];
    this.scope = opts.scope ?? 'access_as_user';
    this.keysFor = opts.keysFor ?? ((tid) => createRemoteJWKSet(new URL(`${opts.authorityHost}/${tid}/discovery/v2.0/keys`), { cooldownDuration: 30_000, timeoutDuration: 5000 }));
  }

  async validate(token: string): Promise<SsoIdentity> {
    let unverified: Record<string, unknown>;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new SsoTokenError('malformed', 'The sign-in token is not a JWT.');
    }
    // The tenant picks which keys to fetch, so it must look like a tenant id before anything is fetched for it.
    const tid = unverified.tid;
    if (typeof tid !== 'string' || !GUID.test(tid)) throw new SsoTokenError('bad_tenant', 'The sign-in token names no valid tenant.');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keys(tid), {
        issuer: `${this.opts.authorityHost}/${tid}/v2.0`,
        audience: this.audiences,
        algorithms: ['RS256'],
        clockTolerance: this.opts.clockToleranceSec ?? 60,
        requiredClaims: ['exp', 'iat', 'oid', 'tid'],
      }));
    } catch (err) {
      throw rejection(err);
    }
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ') : [];
    if (!scopes.includes(this.scope)) throw new SsoTokenError('missing_scope', `The sign-in token lacks the ${this.scope} scope.`);
    const oid = payload.oid;
    if (typeof oid !== 'string' || !GUID.test(oid)) throw new SsoTokenError('missing_claims', 'The sign-in token names no valid user.');
    const upn = typeof payload.preferred_username === 'string' ? payload.preferred_username : '';
    const name = typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim() : upn || 'Someone';
    return { tenantId: tid, objectId: oid, name: name.slice(0, 60), upn };
  }

  private keys(tid: string): JWTVerifyGetKey {
    let k = this.keySets.get(tid);
    if (!k) {
      // One key set per tenant seen; bounded so a stream of made-up tenant ids cannot grow memory without end.
      if (this.keySets.size >= 10_000) this.keySets.delete(this.keySets.keys().next().value!);
      k = this.keysFor(tid);
      this.keySets.set(tid, k);
    }
    return k;
  }
}

function rejection(err: unknown): SsoTokenError {
  if (err instanceof errors.JWTExpired) return new SsoTokenError('expired', 'The sign-in token has expired.');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new SsoTokenError('bad_issuer', 'The sign-in token was not issued by the person\'s tenant.');
    if (err.claim === 'aud') return new SsoTokenError('bad_audience', 'The sign-in token was issued for another app.');
    if (err.claim === 'nbf' || err.claim === 'iat') return new SsoTokenError('not_yet_valid', 'The sign-in token is not valid yet.');
    return new SsoTokenError('missing_claims', `The sign-in token's ${err.claim} claim is missing or wrong.`);
  }
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError && (err.code === 'ERR_JWKS_TIMEOUT')) return new SsoTokenError('keys_unavailable', 'Microsoft\'s signing keys could not be fetched.');
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JOSEAlgNotAllowed) {
    return new SsoTokenError('bad_signature', 'The sign-in token\'s signature is not valid.');
  }
  if (err instanceof errors.JWKSInvalid || err instanceof TypeError) return new SsoTokenError('keys_unavailable', 'Microsoft\'s signing keys could not be fetched.');
  return new SsoTokenError('malformed', 'The sign-in token is not valid.');
}
