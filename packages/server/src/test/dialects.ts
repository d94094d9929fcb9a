import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PG_URL, pgAdmin, type Harness } from './harness.js';

/** The two storage dialects every data-rule test runs on; PostgreSQL gets a fresh schema per suite. */
export interface Dialect {
  name: 'SQLite' | 'PostgreSQL';
  env(): Promise<Record<string, string>>;
  cleanup(): Promise<void>;
  /** A second, raw connection to the same database, for tests that look at every table behind the server's back. */
  raw(h: Harness): Promise<RawDb>;
}

export interface RawDb {
  tables(): Promise<string[]>;
  columns(table: string): Promise<string[]>;
  rows(table: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

let n = 0;
export function dialects(): Dialect[] {
  const schema = `mo_dr_${process.pid}_${Date.now().toString(36)}_${n++}`;
  const admin = pgAdmin;
  return [
    {
      name: 'SQLite',
      env: async () => ({}),
      cleanup: async () => {},
      raw: async (h) => {
        const db = new Database(join(h.dataDir, 'metaoffice.db'), { readonly: true, fileMustExist: true });
        return {
          tables: async () => (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`).all() as { name: string }[]).map((r) => r.name),
          columns: async (t) => (db.prepare(`select name from pragma_table_info(?)`).all(t) as { name: string }[]).map((r) => r.name),
          rows: async (t) => db.prepare(`select * from "${t.replace(/"/g, '')}"`).all() as Record<string, unknown>[],
          close: async () => void db.close(),
        };
      },
    },
    {
      name: 'PostgreSQL',
      env: async () => {
        await admin(`CREATE SCHEMA ${schema}`);
        return { DATABASE_URL: `${PG_URL}?schema=${schema}` };
      },
      cleanup: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
      raw: async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        return {
          tables: async () => (await c.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by table_name`, [schema])).rows.map((r) => r.table_name),
          columns: async (t) => (await c.query<{ column_name: string }>(`select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`, [schema, t])).rows.map((r) => r.column_name),
          rows: async (t) => (await c.query(`select * from ${schema}."${t.replace(/"/g, '')}"`)).rows as Record<string, unknown>[],
          close: () => c.end(),
        };
      },
    },
  ];
}

/** Who owns a row: the organisation itself, its people, or its offices. */
export interface Owner {
  orgId: string;
  userIds: readonly string[];
  officeIds: readonly string[];
}

const BOOKKEEPING = new Set(['kysely_migration', 'kysely_migration_lock']);

/**
 * Rows per table that belong to an organisation, for every table in the database. A table no rule covers fails:
 * whoever adds a table decides how offboarding reaches it.
 */
export async function ownedRows(db: RawDb, o: Owner): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await db.tables()) {
    if (BOOKKEEPING.has(t)) continue;
    const cols = await db.columns(t);
    let owned: (r: Record<string, unknown>) => boolean;
    if (t === 'organisations') owned = (r) => r.id === o.orgId;
    else if (cols.includes('org_id')) owned = (r) => r.org_id === o.orgId;
    else if (cols.includes('user_id') || cols.includes('office_id')) owned = (r) => o.userIds.includes(String(r.user_id)) || o.officeIds.includes(String(r.office_id));
    else throw new Error(`table ${t} has no ownership rule in ownedRows(): decide how deleting an organisation reaches it`);
    out[t] = (await db.rows(t)).filter(owned).length;
  }
  return out;
}
