import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@metaoffice/client';
import { templates } from '@metaoffice/maps';
import { sleep, startHarness, uniqueEmail } from './harness.js';

const MAIN = new URL('../main.ts', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function boot(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@metaoffice/source', MAIN], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, WEB_DIST: '', LOG_LEVEL: 'silent', CI: '1', AUTH_RATE_LIMIT_PER_MINUTE: '100000' },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(url + '/readyz').then((r) => r.ok, () => false)) return { child, url };
    if (i > 300 || child.exitCode !== null) throw new Error('server did not start');
    await sleep(100);
  }
}

/**
 * The process dies mid-write (SIGKILL: no shutdown hook runs). Every write the server acknowledged must be there
 * afterwards, the SQLite file must pass its integrity check, and the server must start on it again.
 */
describe('crash during writes', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mo-crash-'));
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('kill -9 while writing: acknowledged writes survive and PRAGMA integrity_check is ok', async () => {
    const { child, url } = await boot(dataDir);
    children.push(child);
    const email = uniqueEmail('crash');
    const password = 'crash-test-passphrase';
    const api = new ApiClient({ baseUrl: url, cookieJar: true });
    await api.signUp({ email, password, name: 'Crash' });

    const acknowledged: string[] = [];
    let attempted = 0;
    // Eight writers in parallel, so the kill lands while transactions are in flight.
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; ; i++) {
          attempted++;
          try {
            const o = await api.createOffice({ name: `w${w}-${i}`, description: 'x'.repeat(200), template: templates[0]!.id });
            acknowledged.push(o.id);
          } catch {
            return; // the server is gone
          }
        }
      })(),
    );
    await sleep(1500 + Math.random() * 500);
    child.kill('SIGKILL');
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThan(20);
    expect(attempted).toBeGreaterThan(acknowledged.length); // some were cut off mid-flight

    const db = new Database(join(dataDir, 'metaoffice.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const ids = new Set((db.prepare('select id from offices').all() as { id: string }[]).map((r) => r.id));
      const lost = acknowledged.filter((id) => !ids.has(id));
      expect(lost).toEqual([]);
    } finally {
      db.close();
    }

    // The server starts on the same folder and serves what was acknowledged.
    const again = await startHarness({}, dataDir);
    try {
      const back = new ApiClient({ baseUrl: again.server.url, cookieJar: true });
      await back.signIn({ email, password });
      const listed = new Set((await back.listOffices()).map((o) => o.id));
      expect(acknowledged.every((id) => listed.has(id))).toBe(true);
    } finally {
      await again.server.close();
    }
  });
});
