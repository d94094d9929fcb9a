import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { templates } from '@metaoffice/maps';
import { OfficeMap } from '@metaoffice/world';
import { PG_URL, apiFor, connect, pgAdmin, startHarness, uniqueEmail, waitFor, type Harness } from './harness.js';

const SRC = new URL('..', import.meta.url).pathname;

/** Runs one of the server's scripts from source, as `npm run backup` / `npm run restore` run them from dist. */
function script(name: 'backup' | 'restore', args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@metaoffice/source', join(SRC, `${name}.ts`), ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', SEED_DEMO: 'false', ...env },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Fills an office with things a backup must keep, and returns how to check them. */
async function populate(h: Harness) {
  const api = apiFor(h);
  const email = uniqueEmail('backup');
  const password = 'backed-up-passphrase';
  await api.signUp({ email, password, name: 'Backup' });
  const office = await api.createOffice({ name: 'Kept office', description: 'must survive', template: templates[0]!.id });
  const c = connect(h, api, office.id);
  const [w] = await waitFor(c, 'welcome');
  c.setSpawn('here');
  await waitFor(c, 'spawn');
  c.close();
  return {
    async verify(restored: Harness) {
      const again = apiFor(restored);
      await again.signIn({ email, password });
      const offices = await again.listOffices();
      expect(offices.map((o) => o.name)).toContain('Kept office');
      const map = await again.getOfficeMap(office.id);
      expect(() => OfficeMap.fromTiled(map)).not.toThrow();
      // The restored server serves the office: a live connection starts on the saved point.
      const live = connect(restored, again, office.id);
      const [welcome] = await waitFor(live, 'welcome');
      expect(welcome.spawn).toEqual({ mode: 'saved', saved: { x: w.self.x, y: w.self.y } });
      expect(welcome.self).toMatchObject({ x: w.self.x, y: w.self.y });
      live.close();
    },
    /** Writes that keep landing while the backup runs. */
    writeWhile(done: () => boolean) {
      return (async () => {
        let n = 0;
        while (!done()) {
          await api.createOffice({ name: `During backup ${n++}`, description: '', template: templates[0]!.id });
        }
        return n;
      })();
    },
  };
}

// Each case starts scripts with tsx and two servers; on a loaded 2-core machine that takes well over the default.
describe('backup and restore', { timeout: 120_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('SQLite: backs up while serving and writing, restores into a fresh data dir, and the restored server serves the office', async () => {
    const h = await startHarness();
    cleanups.push(() => h.stop());
    const data = await populate(h);
    const dir = mkdtempSync(join(tmpdir(), 'mo-backup-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'office.db');

    let finished = false;
    const writes = data.writeWhile(() => finished);
    const b = await script('backup', ['--out', file], { DATA_DIR: h.dataDir });
    finished = true;
    expect(await writes).toBeGreaterThan(0);
    expect(b.out).toContain('backup written');
    expect(b.code).toBe(0);

    const fresh = mkdtempSync(join(tmpdir(), 'mo-restored-'));
    const r = await script('restore', ['--in', file], { DATA_DIR: fresh });
    expect(r.out).toContain('restored');
    expect(r.code).toBe(0);
    // It never overwrites a database without --force.
    const again = await script('restore', ['--in', file], { DATA_DIR: fresh });
    expect(again.code).toBe(1);
    expect(again.out).toContain('--force');

    const restored = await startHarness({}, fresh);
    cleanups.push(() => restored.stop());
    await data.verify(restored);
  });

  it('refuses bad usage and a file that is not a MetaOffice database', async () => {
    expect((await script('backup', [], {})).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'mo-backup-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const missing = await script('backup', ['--out', join(dir, 'x.db')], { DATA_DIR: join(dir, 'nothing-here') });
    expect(missing.code).toBe(1);
    const notDb = await script('restore', ['--in', new URL(import.meta.url).pathname], { DATA_DIR: join(dir, 'target') });
    expect(notDb.code).toBe(1);
  });

  it('PostgreSQL: pg_dump while serving, pg_restore into a fresh database, and the restored server serves the office', async () => {
    const schema = `mo_bk_${process.pid}_${Date.now().toString(36)}`;
    const database = `mo_restore_${process.pid}_${Date.now().toString(36)}`;
    const admin = pgAdmin;
    await admin(`CREATE SCHEMA ${schema}`);
    cleanups.push(() => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const h = await startHarness({ DATABASE_URL: `${PG_URL}?schema=${schema}` });
    cleanups.push(() => h.stop());
    const data = await populate(h);
    const dir = mkdtempSync(join(tmpdir(), 'mo-backup-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'office.pgdump');

    let finished = false;
    const writes = data.writeWhile(() => finished);
    const b = await script('backup', ['--out', file], { DATABASE_URL: `${PG_URL}?schema=${schema}` });
    finished = true;
    await writes;
    expect(b.out).toContain('backup written');
    expect(b.code).toBe(0);

    await admin(`CREATE DATABASE ${database}`);
    cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    const url = `${PG_URL.replace(/\/[^/]*$/, '')}/${database}?schema=${schema}`;
    const r = await script('restore', ['--in', file], { DATABASE_URL: url });
    expect(r.out).toContain('restored');
    expect(r.code).toBe(0);

    const restored = await startHarness({ DATABASE_URL: url });
    cleanups.push(() => restored.stop());
    await data.verify(restored);
  });
});
