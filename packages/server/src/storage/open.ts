import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { StorageError, classifyDbError, unavailable } from './errors.js';
import type { Database as Tables } from './schema.js';
import { createStore, type StoreContext } from './store.js';
import type { StorageConfig, Store } from './types.js';

export type StorageTarget =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; connectionString: string; schema: string | undefined; options: string | undefined };

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const PG_INT8_OID = 20;

/**
 * Decides which database a configuration points at. `?schema=` (and any libpq `options`, which we must extend
 * rather than replace) are taken out of the URL, because pg lets URL parameters override explicit settings.
 */
export function resolveStorageTarget(cfg: StorageConfig): StorageTarget {
  const url = cfg.databaseUrl?.trim();
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) return { kind: 'sqlite', path: cfg.sqlitePath };

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('databaseUrl is not a valid postgres:// URL');
  }
  const schema = cfg.schema ?? (parsed.searchParams.get('schema') || undefined);
  const options = parsed.searchParams.get('options') ?? undefined;
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('options');
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`PostgreSQL schema "${schema}" must match ${SCHEMA_NAME.source}`);
  }
  return { kind: 'postgres', connectionString: parsed.toString(), schema, options };
}

/** Opens the configured database. Does not migrate: call `store.migrate()` before use. */
export async function openStore(cfg: StorageConfig): Promise<Store> {
  const target = resolveStorageTarget(cfg);
  const common = { clock: cfg.clock ?? Date.now, pingTimeoutMs: cfg.pingTimeoutMs ?? 2000, closed: false };

  if (target.kind === 'postgres') {
    const searchPath = target.schema === undefined ? undefined : `-c search_path=${target.schema}`;
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      options: [target.options, searchPath].filter(Boolean).join(' ') || undefined,
      // int8 (timestamps in ms, count(*)) would otherwise come back as strings. Epoch ms fit in a double.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === PG_INT8_OID && format !== 'binary'
            ? (value: string) => Number(value)
            : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
      },
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its connection emits 'error' on the pool; unhandled, it would crash the process.
    // The next query reports DB_UNAVAILABLE and /readyz goes false, which is the signal we want.
    pool.on('error', () => undefined);
    // A connection reset can also reach a client just handed out, between queries, where the pool's handler does not
    // apply; the query that uses it still sees its own error.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    const ctx: StoreContext = { ...common, dialect: 'postgres', db, schema: target.schema };
    return createStore(ctx);
  }

  let sqlite: Database.Database;
  try {
    if (target.path !== ':memory:' && target.path !== '') {
      mkdirSync(dirname(resolve(target.path)), { recursive: true });
    }
    sqlite = new Database(target.path);
    // WAL lets readers run while a write is in progress and survives crashes; NORMAL sync is safe with WAL.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
  } catch (err) {
    if (err instanceof StorageError) throw err;
    const code = (err as { code?: unknown }).code;
    if (classifyDbError(err) === 'unavailable' || (typeof code === 'string' && /^E[A-Z]+$/.test(code))) {
      throw unavailable(err);
    }
    throw err;
  }
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
  const ctx: StoreContext = { ...common, dialect: 'sqlite', db, schema: undefined };
  return createStore(ctx);
}
