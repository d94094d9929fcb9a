import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Encryption at rest for secrets the server must keep (cached Microsoft Graph tokens): AES-256-GCM with a random
 * 96-bit nonce per value. The record's own identity (for example the user id) is bound in as additional data, so a
 * ciphertext copied onto another user's row does not decrypt.
 */
export class SecretBox {
  private static readonly VERSION = 'v1';

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
  }

  seal(plaintext: string, boundTo: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [SecretBox.VERSION, nonce.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws SecretBoxError when the value was not sealed with this key for `boundTo`, or was altered. */
  open(sealed: string, boundTo: string): string {
    const [version, nonce, tag, body] = sealed.split('.');
    if (version !== SecretBox.VERSION || !nonce || !tag || body === undefined) throw new SecretBoxError('not a sealed value');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('the value does not open with this key (altered, or sealed with another key or for another record)');
    }
  }
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/**
 * The key from SECRETS_KEY, or else from `keyFile`, created with 0600 permissions on first use. The file suits one
 * standalone node; every node of a cluster must be given the same SECRETS_KEY instead.
 */
export function loadSecretsKey(configured: string | undefined, keyFile: string): Buffer {
  if (configured) return Buffer.from(configured, 'base64');
  if (existsSync(keyFile)) {
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${keyFile} does not hold a 32-byte base64 key; delete it to have a new one made (cached tokens are then lost)`);
    return key;
  }
  mkdirSync(dirname(keyFile), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(keyFile, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
  return key;
}
