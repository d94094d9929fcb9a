/** The storage layer's public record types. Timestamps are epoch milliseconds on both dialects. */

export type Role = 'admin' | 'member';
export type SpawnMode = 'default' | 'saved';

export interface Organisation {
  id: string;
  name: string;
  createdAt: number;
}

export interface User {
  id: string;
  orgId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

export interface Session {
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface Invite {
  tokenHash: string;
  orgId: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedCount: number;
}

export interface Office {
  id: string;
  orgId: string;
  name: string;
  description: string;
  template: string;
  mapJson: string;
  /** 1 for the map the office was created with, one more for each map saved since. */
  mapVersion: number;
  createdAt: number;
}

export interface SpawnPreference {
  userId: string;
  officeId: string;
  mode: SpawnMode;
  savedX: number | null;
  savedY: number | null;
}

/**
 * Where a Teams channel tab lives: what Teams gives the tab in its context, plus the tab's own entity id. The channel
 * is known only by its digest (teams/channel-ids.ts): channel ids are never stored.
 */
export interface TeamsTabKey {
  tenantId: string;
  teamId: string;
  channelDigest: string;
  entityId: string;
}

export interface TeamsTab extends TeamsTabKey {
  /** The channel id sealed with the secrets key, for links into Teams; null for a tab saved before sealing. */
  channelSealed: string | null;
  orgId: string;
  officeId: string;
  createdAt: number;
}

/** A person's Entra identifiers (DESIGN §5: stored, never cached). */
export interface EntraIdentity {
  tenantId: string;
  objectId: string;
  upn: string;
  email: string;
  name: string;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Brings the schema to the latest migration. Idempotent; run it at start. */
  migrate(): Promise<void>;
  /** True when the database answers (used by /readyz). Never throws; false once closed. */
  ping(): Promise<boolean>;
  /** Idempotent. Every later call fails with DB_UNAVAILABLE. */
  close(): Promise<void>;
  /**
   * Runs `fn` inside one database transaction: commit when it resolves, roll back when it throws (the error is
   * re-thrown). Use only the store passed to `fn` inside it: on SQLite the outer store waits for the transaction's
   * connection, so calling it from `fn` deadlocks. Calling `transaction` on that inner store opens a savepoint, so
   * a nested failure rolls back only the nested work.
   */
  transaction<T>(fn: (store: Store) => Promise<T>): Promise<T>;

  organisations: {
    create(name: string): Promise<Organisation>;
    byId(id: string): Promise<Organisation | undefined>;
    /** The oldest organisation (the demo organisation in standalone mode). */
    first(): Promise<Organisation | undefined>;
    countUsers(orgId: string): Promise<number>;
    /** Deletes the organisation and, by cascade, everything it owns. NOT_FOUND when absent. */
    delete(id: string): Promise<void>;
  };
  users: {
    /** Email is stored trimmed and lower-cased, unique across the install: EMAIL_TAKEN; unknown org: NOT_FOUND. */
    create(u: { orgId: string; email: string; name: string; role: Role; passwordHash: string }): Promise<User>;
    /** Case- and surrounding-space-insensitive. */
    byEmailWithHash(email: string): Promise<UserWithHash | undefined>;
    byId(id: string): Promise<User | undefined>;
    /** Ordered by name (case-insensitive, then exact, then id). */
    listByOrg(orgId: string): Promise<User[]>;
    countAll(): Promise<number>;
    /** Deletes the user and, by cascade, their sessions and preferences. NOT_FOUND when absent. */
    delete(id: string): Promise<void>;
    /** Until when sign-in is refused for this user (epoch ms), or null when it is not locked. */
    lockedUntil(id: string): Promise<number | null>;
    /**
     * Counts one failed sign-in. Failures further apart than `windowMs` start the count again; the failure that
     * reaches `maxFailures` locks the account for `lockMs` and resets the count. Returns the lock, if any.
     */
    recordSignInFailure(id: string, policy: { maxFailures: number; windowMs: number; lockMs: number }): Promise<{ lockedUntil: number | null }>;
    /** After a successful sign-in: forget earlier failures and any expired lock. */
    clearSignInFailures(id: string): Promise<void>;
  };
  sessions: {
    /** CONFLICT when the token hash exists; NOT_FOUND when the user does not. */
    create(s: Session): Promise<void>;
    byTokenHash(tokenHash: string): Promise<Session | undefined>;
    /** Of these token hashes, the ones whose sessions exist and are valid at `now` (one query per 500 hashes). */
    validAmong(tokenHashes: readonly string[], now: number): Promise<Set<string>>;
    /** No error when absent (logging out twice is fine). */
    delete(tokenHash: string): Promise<void>;
    /** Deletes sessions with `expiresAt <= now`; returns how many. */
    deleteExpired(now: number): Promise<number>;
    /** Deletes every session of a user (sign out everywhere); returns how many. */
    deleteByUser(userId: string): Promise<number>;
    /** The user's sessions, oldest first. */
    listByUser(userId: string): Promise<Session[]>;
  };
  invites: {
    /** CONFLICT when the token hash exists; NOT_FOUND when the organisation does not. */
    create(i: Omit<Invite, 'usedCount'>): Promise<void>;
    byTokenHash(tokenHash: string): Promise<Invite | undefined>;
    /** usedCount + 1, atomically. NOT_FOUND when absent. */
    markUsed(tokenHash: string): Promise<void>;
    /** The organisation's invites, oldest first. */
    listByOrg(orgId: string): Promise<Invite[]>;
  };
  offices: {
    /** Name and description, as the Teams tab configuration edits them. NOT_FOUND when absent. */
    rename(id: string, name: string, description: string): Promise<Office>;
    /** NOT_FOUND when the organisation does not exist. */
    create(o: { orgId: string; name: string; description: string; template: string; mapJson: string }): Promise<Office>;
    byId(id: string): Promise<Office | undefined>;
    /** Ordered by createdAt, then name, then id. */
    listByOrg(orgId: string): Promise<Office[]>;
    /**
     * Replaces the map if it is still at `expectedVersion` and returns the new version: of two saves based on one
     * version exactly one wins. NOT_FOUND when the office does not exist; CONFLICT when its map is at another version.
     */
    replaceMap(id: string, expectedVersion: number, mapJson: string): Promise<number>;
  };
  preferences: {
    /** The user's audio/video configuration as JSON text the service validates, or undefined when never saved. */
    getAv(userId: string): Promise<string | undefined>;
    /** NOT_FOUND when the user does not exist. */
    putAv(userId: string, avJson: string): Promise<void>;
    /** Every saved audio/video configuration of the organisation's people, by user id. */
    listAvByOrg(orgId: string): Promise<{ userId: string; avJson: string }[]>;
    /** The user's avatar (the avatar editor's choices) as JSON text the service validates, or undefined when never saved. */
    getAvatar(userId: string): Promise<string | undefined>;
    /** NOT_FOUND when the user does not exist. */
    putAvatar(userId: string, avatarJson: string): Promise<void>;
    /** Every saved avatar of the organisation's people, by user id. */
    listAvatarsByOrg(orgId: string): Promise<{ userId: string; avatarJson: string }[]>;
  };
  teams: {
    /** The organisation of an Entra tenant, created (named `name`) the first time someone of the tenant signs in. */
    organisationOfTenant(tenantId: string, name: string): Promise<Organisation>;
    /** The tenant of a Teams organisation, or undefined for a standalone one. */
    tenantOf(orgId: string): Promise<string | undefined>;
    /**
     * The person with this object id in the organisation, created as a member when new; name, UPN and e-mail are
     * refreshed from `who` at every sign-in. A new person whose e-mail an account elsewhere holds: EMAIL_TAKEN.
     */
    upsertPerson(orgId: string, who: EntraIdentity): Promise<User>;
    /** A person's stored Entra identifiers, or undefined for a local account. */
    identityOf(userId: string): Promise<{ objectId: string; upn: string } | undefined>;
    /** Entra object ids of these users (only those that have one). */
    objectIdsOf(userIds: readonly string[]): Promise<Map<string, string>>;
    /** Users of the organisation by Entra object id. */
    usersByObjectIds(orgId: string, objectIds: readonly string[]): Promise<Map<string, User>>;
    tab(key: TeamsTabKey): Promise<TeamsTab | undefined>;
    /** Saves which office a tab shows. NOT_FOUND when the organisation or office does not exist. */
    saveTab(tab: Omit<TeamsTab, 'createdAt'>): Promise<TeamsTab>;
    /** The tabs of the organisation in these teams. */
    tabsInTeams(orgId: string, teamIds: readonly string[]): Promise<TeamsTab[]>;
    tabsOfOffice(officeId: string): Promise<TeamsTab[]>;
  };
  tokenCaches: {
    /** The sealed Graph token cache of a person, or undefined. */
    get(userId: string): Promise<string | undefined>;
    /** NOT_FOUND when the user does not exist. */
    put(userId: string, sealed: string): Promise<void>;
    delete(userId: string): Promise<void>;
  };
  spawn: {
    get(userId: string, officeId: string): Promise<SpawnPreference | undefined>;
    /** Inserts or replaces the preference of (userId, officeId). NOT_FOUND when the user or office does not exist. */
    upsert(p: SpawnPreference): Promise<void>;
    /** The user's preferences in every office. */
    listByUser(userId: string): Promise<SpawnPreference[]>;
    /** The preferences of everyone in the organisation's offices. */
    listByOrg(orgId: string): Promise<SpawnPreference[]>;
  };
}

export interface StorageConfig {
  /**
   * `postgres://` or `postgresql://` selects PostgreSQL; anything else (or nothing) selects SQLite at `sqlitePath`.
   * A `?schema=NAME` query parameter is taken out of the URL and used like `schema`.
   */
  databaseUrl?: string;
  /** SQLite file (its directory is created when missing), or `:memory:`. */
  sqlitePath: string;
  /** PostgreSQL only: the schema to use (search_path), created by `migrate()` if missing. Overrides `?schema=`. */
  schema?: string;
  /** Source of `createdAt` values; defaults to Date.now. Tests use it to order records. */
  clock?: () => number;
  /** How long `ping()` waits before answering false. Default 2000 ms. */
  pingTimeoutMs?: number;
}
