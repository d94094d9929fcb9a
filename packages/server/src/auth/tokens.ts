import { createHash, randomBytes } from 'node:crypto';

/** Opaque bearer secrets (session cookies, invite links). Only their SHA-256 is stored, so a database leak grants nothing. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
