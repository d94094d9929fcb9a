/**
 * Storage: the repository layer over Kysely. SQLite (better-sqlite3) is the embedded default; PostgreSQL sits behind
 * the same interface, the same queries and the same migrations. See README.md.
 */
export type {
  Invite,
  Office,
  Organisation,
  Role,
  Session,
  SpawnMode,
  SpawnPreference,
  StorageConfig,
  EntraIdentity,
  TeamsTab,
  TeamsTabKey,
  Store,
  User,
  UserWithHash,
} from './types.js';
export { StorageError, type StorageErrorCode } from './errors.js';
export { openStore, resolveStorageTarget, type StorageTarget } from './open.js';
export { normaliseEmail } from './store.js';
