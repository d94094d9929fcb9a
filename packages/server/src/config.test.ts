import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({}, '/srv/mo');
    expect(c).toMatchObject({ port: 3000, dataDir: '/srv/mo/data', databaseUrl: undefined, publicUrl: 'http://localhost:3000', tickMs: 100, cookieSecure: false });
    expect(loadConfig({ PUBLIC_URL: 'https://office.example.com/' }).cookieSecure).toBe(true);
    expect(loadConfig({ PUBLIC_URL: 'https://office.example.com/' }).publicUrl).toBe('https://office.example.com');
    expect(c.signInLockout).toEqual({ maxFailures: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 });
    expect(loadConfig({ SIGNIN_LOCKOUT_ATTEMPTS: '5', SIGNIN_LOCKOUT_MINUTES: '60' }).signInLockout).toEqual({ maxFailures: 5, windowMs: 3_600_000, lockMs: 3_600_000 });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://root@localhost/db'],
    ['PUBLIC_URL', 'ftp://files'],
    ['TICK_MS', '5'],
    ['COOKIE_SECURE', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['SIGNIN_LOCKOUT_ATTEMPTS', '2'],
    ['SIGNIN_LOCKOUT_MINUTES', '0'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toContain(name);
  });

  it('a bad value stops the real start with a message naming the variable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@metaoffice/source', new URL('./main.ts', import.meta.url).pathname], {
      env: { ...process.env, PORT: 'not-a-port', DATA_DIR: '/tmp/mo-never' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('PORT');
  });
});
