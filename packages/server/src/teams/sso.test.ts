import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { TeamsSsoValidator, type SsoRejection, SsoTokenError } from './sso.js';

const AUTHORITY = 'https://login.example.test';
const CLIENT = '6f1c2b7e-0000-4000-8000-00000000c11e';
const TID = '9b2a4c1d-1111-4222-8333-444455556666';
const OID = '0c7d5e3f-aaaa-4bbb-8ccc-ddddeeeeffff';

let sign: (claims: Record<string, unknown>, opts?: { key?: 'good' | 'other'; exp?: string | number }) => Promise<string>;
let validator: TeamsSsoValidator;

beforeAll(async () => {
  const good = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(good.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks = createLocalJWKSet({ keys: [jwk] });
  sign = (claims, o = {}) =>
    new SignJWT({ tid: TID, oid: OID, scp: 'access_as_user', name: 'Ada Lovelace', preferred_username: 'ada@contoso.test', ver: '2.0', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(typeof claims.iss === 'string' ? claims.iss : `${AUTHORITY}/${TID}/v2.0`)
      .setAudience(typeof claims.aud === 'string' ? claims.aud : CLIENT)
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '1h')
      .sign(o.key === 'other' ? other.privateKey : good.privateKey);
  validator = new TeamsSsoValidator({ authorityHost: AUTHORITY, clientId: CLIENT, publicUrl: 'https://office.example.test', keysFor: () => jwks });
});

async function reason(token: string): Promise<SsoRejection | undefined> {
  try {
    await validator.validate(token);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(SsoTokenError);
    return (e as SsoTokenError).reason;
  }
}

describe('Teams SSO token validation', () => {
  it('accepts a v2 token of the person\'s tenant for this app, by client id or by api:// resource', async () => {
    expect(await validator.validate(await sign({}))).toEqual({ tenantId: TID, objectId: OID, name: 'Ada Lovelace', upn: 'ada@contoso.test' });
    expect((await validator.validate(await sign({ aud: `api://office.example.test/${CLIENT}` }))).objectId).toBe(OID);
  });

  it('refuses every way a token can be wrong, with a reason', async () => {
    expect(await reason('not-a-jwt')).toBe('malformed');
    expect(await reason(await sign({ tid: 'not-a-guid' }))).toBe('bad_tenant');
    expect(await reason(await sign({ iss: `${AUTHORITY}/00000000-0000-4000-8000-000000000000/v2.0` }))).toBe('bad_issuer');
    expect(await reason(await sign({ iss: `https://sts.windows.net/${TID}/` }))).toBe('bad_issuer');
    expect(await reason(await sign({ aud: '00000003-0000-0000-c000-000000000000' }))).toBe('bad_audience');
    expect(await reason(await sign({ aud: `api://evil.example.test/${CLIENT}` }))).toBe('bad_audience');
    expect(await reason(await sign({}, { exp: Math.floor(Date.now() / 1000) - 3600 }))).toBe('expired');
    expect(await reason(await sign({}, { key: 'other' }))).toBe('bad_signature');
    expect(await reason(await sign({ scp: 'User.Read' }))).toBe('missing_scope');
    expect(await reason(await sign({ oid: 'x' }))).toBe('missing_claims');
    const [h, p] = (await sign({})).split('.');
    expect(await reason(`${h}.${p}.`)).toBe('bad_signature');
  });
});
