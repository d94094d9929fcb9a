import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config.js';
import { resolveStorageTarget, type StorageTarget } from '../storage/index.js';

export class BackupError extends Error {
  override readonly name = 'BackupError';
}

export interface BackupResult {
  dialect: 'sqlite' | 'postgres';
  file: string;
  bytes: number;
}

function targetOf(config: Config): StorageTarget {
  return resolveStorageTarget({ databaseUrl: config.databaseUrl, sqlitePath: join(config.dataDir, 'metaoffice.db') });
}

/**
 * A consistent copy of the whole database while the server keeps running. SQLite: the online backup API
 * (better-sqlite3's `.backup()`), which copies page by page and restarts when a write lands meanwhile, then
 * `PRAGMA integrity_check` on the copy. PostgreSQL: `pg_dump --format=custom` (one snapshot transaction).
 * The file appears under its name only when complete.
 */
export async function backup(config: Config, out: string): Promise<BackupResult> {
  const file = resolve(out);
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const target = targetOf(config);
  try {
    if (target.kind === 'sqlite') {
      if (!existsSync(target.path)) throw new BackupError(`no database at ${target.path} (DATA_DIR=${config.dataDir})`);
      const source = new Database(target.path, { fileMustExist: true });
      try {
        source.pragma('busy_timeout = 5000');
        // All pages in one step: a short read transaction (WAL lets the server keep writing meanwhile), where the
        // default 100-page steps restart from scratch whenever the busy server writes between two of them.
        await source.backup(partial, { progress: () => 0x7fffffff });
      } finally {
        source.close();
      }
      checkSqlite(partial);
    } else {
      await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${partial}`, ...(target.schema ? [`--schema=${target.schema}`] : []), withOptions(target)]);
    }
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  return { dialect: target.kind, file, bytes: statSync(file).size };
}

/**
 * Puts a backup in place of the configured database; the server must be stopped. Refuses to overwrite existing data
 * unless `force`. SQLite: the file is checked, then copied to DATA_DIR (its old WAL files removed). PostgreSQL:
 * `pg_restore` into the configured database (with `force`: dropping what the backup contains first).
 */
export async function restore(config: Config, input: string, opts: { force?: boolean } = {}): Promise<BackupResult> {
  const file = resolve(input);
  if (!existsSync(file)) throw new BackupError(`no backup file at ${file}`);
  const target = targetOf(config);
  if (target.kind === 'sqlite') {
    checkSqlite(file);
    if (existsSync(target.path) && !opts.force) throw new BackupError(`${target.path} exists; stop the server and pass --force to replace it`);
    mkdirSync(dirname(target.path), { recursive: true });
    const partial = `${target.path}.restoring`;
    copyFileSync(file, partial);
    for (const suffix of ['-wal', '-shm']) rmSync(`${target.path}${suffix}`, { force: true });
    renameSync(partial, target.path);
  } else {
    await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', ...(opts.force ? ['--clean', '--if-exists'] : []), `--dbname=${withOptions(target)}`, file]);
  }
  return { dialect: target.kind, file, bytes: statSync(file).size };
}

function checkSqlite(path: string): void {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const verdict = db.pragma('integrity_check', { simple: true });
    if (verdict !== 'ok') throw new BackupError(`integrity check failed on ${path}: ${String(verdict)}`);
    const tables = db.prepare(`select count(*) as n from sqlite_master where type = 'table' and name = 'users'`).get() as { n: number };
    if (tables.n !== 1) throw new BackupError(`${path} is not a MetaOffice database`);
  } finally {
    db.close();
  }
}

/** libpq options from the URL travel with it; the schema is handled by --schema / the dump itself. */
function withOptions(target: Extract<StorageTarget, { kind: 'postgres' }>): string {
  if (!target.options) return target.connectionString;
  const u = new URL(target.connectionString);
  u.searchParams.set('options', target.options);
  return u.toString();
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err) => reject(new BackupError(`${cmd} could not start (${err.message}); install the PostgreSQL client tools`)));
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new BackupError(`${cmd} failed (exit ${code}): ${stderr.trim()}`))));
  });
}
