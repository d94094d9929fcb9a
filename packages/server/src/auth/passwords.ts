import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

// OWASP's minimum scrypt cost (N = 2^15); the parameters travel with each hash so they can be raised later without a
// migration, and a load test may lower them (PASSWORD_COST) so that signing up 10,000 bots does not take minutes.
export const DEFAULT_PASSWORD_COST = 15;
const r = 8;
const p = 1;
const KEYLEN = 32;
const maxmem = 64 * 1024 * 1024;

export async function hashPassword(password: string, log2N = DEFAULT_PASSWORD_COST): Promise<string> {
  const N = 2 ** log2N;
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEYLEN, { N, r, p, maxmem });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, rr, pp, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyB64, 'base64url');
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(saltB64, 'base64url'), expected.length, {
    N: Number(n), r: Number(rr), p: Number(pp), maxmem,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a throwaway password, verified against when the e-mail is unknown so timing does not reveal accounts. */
export const dummyHash = (log2N: number): Promise<string> => hashPassword(randomBytes(12).toString('hex'), log2N);

let common: Set<string> | undefined;
/** The shipped list (assets/common-passwords.txt): the first passwords an attacker tries, online or offline. */
function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(new URL('../../assets/common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  return common;
}

/**
 * Why a new password is refused beyond its length (the schema enforces 8–200), or undefined when it is fine. Follows
 * NIST SP 800-63B: no composition rules, but no known-breached or context-specific passwords.
 */
export function weakPasswordReason(password: string, email: string): string | undefined {
  const p = password.normalize('NFKC').toLowerCase();
  if (commonPasswords().has(p)) return 'is one of the most common passwords; choose another';
  const e = email.trim().toLowerCase();
  if (p === e || p === e.split('@')[0]) return 'must not be your e-mail address';
  if (/^(.)\1*$/u.test(p)) return 'must not repeat one character';
  return undefined;
}
