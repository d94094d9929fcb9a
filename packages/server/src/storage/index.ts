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
export {
  cachedStore,
  localCacheInvalidation,
  RedisCacheInvalidation,
  DEFAULT_CACHE_TTL_MS,
  DEFAULT_CACHE_MAX_ENTRIES,
  DEFAULT_CACHE_MAX_BYTES,
  type CachedStore,
  type CachedStoreOptions,
  type CacheInvalidationBus,
  type Profile,
  type RedisCacheInvalidationOptions,
} from './cached-store.js';
