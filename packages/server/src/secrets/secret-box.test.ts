import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecretsKey, SecretBox, SecretBoxError } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(Buffer.alloc(32, 1));

  it('round-trips, and never stores the plaintext or the same ciphertext twice', () => {
    const a = box.seal('refresh-token-value', 'user-1');
    const b = box.seal('refresh-token-value', 'user-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('refresh-token-value');
    expect(box.open(a, 'user-1')).toBe('refresh-token-value');
  });

  it('refuses a value bound to another record, sealed with another key, or altered', () => {
    const sealed = box.seal('secret', 'user-1');
    expect(() => box.open(sealed, 'user-2')).toThrow(SecretBoxError);
    expect(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed, 'user-1')).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join('.'), 'user-1')).toThrow(SecretBoxError);
    expect(() => box.open('garbage', 'user-1')).toThrow(SecretBoxError);
  });

  it('makes a private key file once and reuses it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mo-key-')), 'secrets.key');
    const k1 = loadSecretsKey(undefined, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecretsKey(undefined, file).equals(k1)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(k1.toString('base64'));
    expect(loadSecretsKey(Buffer.alloc(32, 9).toString('base64'), file).equals(Buffer.alloc(32, 9))).toBe(true);
  });
});
