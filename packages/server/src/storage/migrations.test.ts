import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { channelDigest } from '../teams/channel-ids.js';
import { PG_URL, pgAdmin } from '../test/harness.js';
import { migrations } from './migrations.js';
import { openStore, type Store } from './index.js';

/** Only the migrations before `name`: the database as an earlier release left it. */
const upTo = (name: string): MigrationProvider => ({
  getMigrations: async () => Object.fromEntries(Object.entries(migrations).filter(([k]) => k < name)),
});

const CHANNEL = '19:0f2b6c1e5d8a4c7f9e3b2a1d0c9e8f7a@thread.tacv2';

/**
 * 0007: a database that stored Teams channel ids in clear keeps its tabs, found by the channel's digest, and no
 * longer holds the ids anywhere.
 */
async function checkChannelDigestMigration(old: Kysely<any>, migrationTableSchema: string | undefined, open: () => Promise<Store>, rows: () => Promise<Record<string, unknown>[]>) {
  expect((await new Migrator({ db: old, provider: upTo('0007'), migrationTableSchema }).migrateToLatest()).error).toBeUndefined();
  await old.insertInto('organisations').values({ id: 'org-1', name: 'Contoso', created_at: 1, entra_tenant_id: 'tenant-1' }).execute();
  await old.insertInto('offices').values({ id: 'office-1', org_id: 'org-1', name: 'Design', description: '', template: 'small-studio', map_json: '{}', created_at: 1, map_version: 1 }).execute();
  await old.insertInto('teams_tabs').values({ tenant_id: 'tenant-1', team_id: 'team-1', channel_id: CHANNEL, entity_id: 'tab-1', org_id: 'org-1', office_id: 'office-1', created_at: 5 }).execute();
  await old.destroy();

  const store = await open();
  try {
    await store.migrate();
    const tab = await store.teams.tab({ tenantId: 'tenant-1', teamId: 'team-1', channelDigest: channelDigest('tenant-1', CHANNEL), entityId: 'tab-1' });
    expect(tab).toEqual({ tenantId: 'tenant-1', teamId: 'team-1', channelDigest: channelDigest('tenant-1', CHANNEL), channelSealed: null, entityId: 'tab-1', orgId: 'org-1', officeId: 'office-1', createdAt: 5 });
    expect(await store.teams.tabsOfOffice('office-1')).toHaveLength(1);
    const all = await rows();
    expect(all).toHaveLength(1);
    expect(JSON.stringify(all)).not.toContain(CHANNEL);
    expect(JSON.stringify(all)).not.toContain('0f2b6c1e5d8a4c7f9e3b2a1d0c9e8f7a');
    // Deleting the organisation still takes its tabs (the rebuilt table kept its foreign keys).
    await store.organisations.delete('org-1');
    expect(await store.teams.tabsOfOffice('office-1')).toEqual([]);
  } finally {
    await store.close();
  }
}

describe('migration 0007: Teams channel ids become digests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mo-migrate-'));
  const schema = `mo_mig_${process.pid}_${Date.now().toString(36)}`;
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('SQLite', async () => {
    const path = join(dir, 'metaoffice.db');
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    await checkChannelDigestMigration(old, undefined, () => openStore({ sqlitePath: path }), async () => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare('select * from teams_tabs').all() as Record<string, unknown>[];
      } finally {
        db.close();
      }
    });
  });

  it('PostgreSQL', async () => {
    await pgAdmin(`CREATE SCHEMA ${schema}`);
    const old = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${schema}` }) }) });
    await checkChannelDigestMigration(old, schema, () => openStore({ databaseUrl: `${PG_URL}?schema=${schema}`, sqlitePath: '' }), async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        return (await c.query(`select * from ${schema}.teams_tabs`)).rows as Record<string, unknown>[];
      } finally {
        await c.end();
      }
    });
  });
});
