import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Office, Role, SpawnPreference, Store, User } from './types.js';
import { parseJsonObject } from '../cluster/wire.js';

/*
 * DESIGN §5: profiles, office configuration and audio/video preferences are cached; user identifiers (Entra object
 * id, UPN, e-mail) are stored but never cached. `cachedStore` decorates a Store with an in-memory, LRU-bounded TTL
 * cache for exactly those reads. Writes drop what they change on this node at once and announce it to the other
 * nodes through a CacheInvalidationBus.
 *
 * Invalidation tokens (what `publish` carries, and what a cached entry answers to):
 *   office:<officeId>        the office record; also every cached office list that contains it, and spawn points in it
 *   offices:org:<orgId>      the organisation's office list
 *   profile:<userId>         the profile projection          av:<userId>   the audio/video preferences
 *   avatar:<userId>          the avatar editor's choices
 *   spawn:<userId>:<officeId> one spawn point                 user:<userId> all of the person's entries
 *   *                        everything
 */

/**
 * How long a cached value may be served. It is the bound on staleness whenever an invalidation does not arrive
 * (Redis down, a pub/sub message lost, a node cut off): 30 s for an office renamed or a device choice changed on
 * another node to show up is acceptable, while still taking nearly all the repeated reads (every join, every page
 * load) off the database. Nothing that grants access rests on these values alone: sessions are never cached.
 */
export const DEFAULT_CACHE_TTL_MS = 30_000;
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;
/**
 * Entries alone do not bound memory: an office carries its map, and the largest template's is 1.5 MB (an office list
 * carries every map of the organisation). 64 MiB keeps the offices in use on a busy node and a predictable footprint.
 */
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

/** Carries invalidation tokens between the nodes of a cluster. */
export interface CacheInvalidationBus {
  /** Tells the other nodes these tokens changed. Must neither throw nor wait: a write never depends on it. */
  publish(keys: string[]): void;
  /** Tokens another node published. Returns a function that stops listening. */
  onInvalidate(fn: (keys: string[]) => void): () => void;
}

/** A single node has nobody to tell. */
export function localCacheInvalidation(): CacheInvalidationBus {
  return { publish: () => undefined, onInvalidate: () => () => undefined };
}

/** What the cache may hold of a person: no e-mail, no UPN, no Entra object id (DESIGN §5). */
export interface Profile {
  id: string;
  orgId: string;
  name: string;
  role: Role;
  createdAt: number;
}

/** Field by field, so an identifier column added to User later cannot slip into the cache through a spread. */
function profileOf(u: User): Profile {
  return { id: u.id, orgId: u.orgId, name: u.name, role: u.role, createdAt: u.createdAt };
}

export interface CachedStoreOptions {
  /** DEFAULT_CACHE_TTL_MS is the documented choice. */
  ttlMs: number;
  /** DEFAULT_CACHE_MAX_ENTRIES when absent; the least recently used entry goes first. */
  maxEntries?: number;
  /** Approximate size bound (string lengths plus a per-record overhead); DEFAULT_CACHE_MAX_BYTES when absent. */
  maxBytes?: number;
  /** The cluster's bus; a single node needs none. */
  invalidation?: CacheInvalidationBus;
  now?: () => number;
}

export interface CachedStore extends Store {
  transaction<T>(fn: (store: CachedStore) => Promise<T>): Promise<T>;
  /**
   * Cached profiles: for reads that need who someone is (name, role, organisation) but not how to reach them.
   * `users.byId` keeps returning the e-mail and is therefore never cached.
   */
  profiles: {
    get(userId: string): Promise<Profile | undefined>;
  };
  /** Drops everything cached about a person, on every node (what each sign-in does through `sessions.create`). */
  invalidateUser(userId: string): void;
  cacheStats(): { entries: number; bytes: number; hits: number; misses: number };
  /** The cached values, for inspection (tests, debugging). */
  cacheContents(): { key: string; value: unknown }[];
}

interface Entry {
  value: unknown;
  expiresAt: number;
  tags: readonly string[];
  bytes: number;
}

/** Roughly what a cached value costs: its characters, and a fixed overhead per record. Values are flat records. */
function weigh(v: unknown): number {
  if (typeof v === 'string') return 16 + v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x: unknown) => n + weigh(x), 32);
  if (typeof v === 'object' && v !== null) return Object.values(v).reduce((n: number, x: unknown) => n + weigh(x), 64);
  return 16;
}

/** A database read in progress, and the tokens invalidated while it ran. */
interface Flight {
  promise: Promise<unknown>;
  seen: string[];
}

class TtlCache {
  /** Map order is recency order: a hit moves its entry to the end, eviction takes the first. */
  readonly #entries = new Map<string, Entry>();
  readonly #byTag = new Map<string, Set<string>>();
  /** Reads that later readers of the same key may share. */
  readonly #joinable = new Map<string, Flight>();
  readonly #active = new Set<Flight>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  async get<T>(key: string, load: () => Promise<T>, tagsOf: (v: T) => readonly string[], copy: (v: T) => T): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit) {
      if (hit.expiresAt > this.now()) {
        this.hits++;
        this.#entries.delete(key);
        this.#entries.set(key, hit);
        return copy(hit.value as T);
      }
      this.#delete(key);
    }
    this.misses++;
    let flight = this.#joinable.get(key);
    if (!flight) flight = this.#fly(key, load, tagsOf, copy);
    return copy((await flight.promise) as T);
  }

  #fly<T>(key: string, load: () => Promise<T>, tagsOf: (v: T) => readonly string[], copy: (v: T) => T): Flight {
    // The TTL counts from before the query: no value is served longer than ttlMs after the database was asked.
    const expiresAt = this.now() + this.ttlMs;
    const flight: Flight = { promise: Promise.resolve(), seen: [] };
    this.#active.add(flight);
    this.#joinable.set(key, flight);
    flight.promise = (async () => {
      try {
        const value = await load();
        const tags = tagsOf(value);
        // A write that committed while this read ran may or may not be in `value`: keeping it could outlive the
        // write's invalidation, so it is returned but not cached.
        const stale = flight.seen.some((t) => t === '*' || t === key || tags.includes(t));
        if (!stale) this.#set(key, copy(value), tags, expiresAt);
        return value;
      } finally {
        this.#active.delete(flight);
        if (this.#joinable.get(key) === flight) this.#joinable.delete(key);
      }
    })();
    return flight;
  }

  invalidate(tokens: readonly string[]): void {
    if (tokens.length === 0) return;
    for (const f of this.#active) {
      // A read that hangs through a storm of writes is simply not cached, rather than remembering every token.
      if (f.seen.length > 1000) f.seen = ['*'];
      else f.seen.push(...tokens);
    }
    // Which keys an unfinished list read will depend on is unknown until it returns; readers arriving after a write
    // must not share a read that began before it.
    this.#joinable.clear();
    if (tokens.includes('*')) {
      this.#entries.clear();
      this.#byTag.clear();
      this.#bytes = 0;
      return;
    }
    for (const t of tokens) {
      this.#delete(t);
      const keys = this.#byTag.get(t);
      if (keys) for (const k of [...keys]) this.#delete(k);
    }
  }

  contents(): { key: string; value: unknown }[] {
    return [...this.#entries].map(([key, e]) => ({ key, value: e.value }));
  }

  #set(key: string, value: unknown, tags: readonly string[], expiresAt: number): void {
    this.#delete(key);
    const bytes = weigh(value) + key.length;
    // One value larger than the whole budget would only push everything else out, itself included.
    if (bytes > this.maxBytes) return;
    this.#entries.set(key, { value, expiresAt, tags, bytes });
    this.#bytes += bytes;
    for (const t of tags) {
      let keys = this.#byTag.get(t);
      if (!keys) this.#byTag.set(t, (keys = new Set()));
      keys.add(key);
    }
    while (this.#entries.size > this.maxEntries || this.#bytes > this.maxBytes) this.#delete(this.#entries.keys().next().value!);
  }

  #delete(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#bytes -= e.bytes;
    for (const t of e.tags) {
      const keys = this.#byTag.get(t);
      keys?.delete(key);
      if (keys?.size === 0) this.#byTag.delete(t);
    }
  }
}

// Callers get their own copies: a caller changing a returned record must not change what the next caller reads.
// Every cached record is flat (strings and numbers), so a shallow copy is a full one.
const copyOffice = (o: Office | undefined) => o && { ...o };
const copyOffices = (list: Office[]) => list.map((o) => ({ ...o }));
const copyProfile = (p: Profile | undefined) => p && { ...p };
const copySpawn = (p: SpawnPreference | undefined) => p && { ...p };
const same = <T>(v: T) => v;
const none = () => [] as const;

interface Scope {
  cache: TtlCache;
  /** Drops tokens here and tells the other nodes. */
  announce(tokens: string[]): void;
  isClosed(): boolean;
  /** Set inside a transaction: what it changed, announced once the outermost transaction ends. */
  pending?: Set<string>;
}

/**
 * Wraps `store` so that office configuration (`offices.byId`, `offices.listByOrg`), audio/video preferences
 * (`preferences.getAv`), spawn points (`spawn.get`) and profiles (`profiles.get`, new) are served from memory. Every
 * other read goes to the database, and every write that can change a cached value drops it. Inside
 * `transaction(...)` reads bypass the cache (they may see uncommitted data), and what the transaction changed is
 * dropped once it has ended, committed or not: a COMMIT that fails may still have committed, and dropping after a
 * rollback costs one read, never correctness.
 *
 * The repositories below are spelled out method by method on purpose: a method added to `Store` fails to compile
 * here until someone decides whether it changes cached data.
 */
export function cachedStore(store: Store, opts: CachedStoreOptions): CachedStore {
  const bus = opts.invalidation ?? localCacheInvalidation();
  const cache = new TtlCache(opts.ttlMs, opts.maxEntries ?? DEFAULT_CACHE_MAX_ENTRIES, opts.maxBytes ?? DEFAULT_CACHE_MAX_BYTES, opts.now ?? Date.now);
  let closed = false;
  const stopListening = bus.onInvalidate((tokens) => cache.invalidate(tokens));
  const scope: Scope = {
    cache,
    announce(tokens) {
      cache.invalidate(tokens);
      try {
        bus.publish(tokens);
      } catch {
        // A bus that breaks its promise not to throw still must not fail the write: the TTL bounds the others' staleness.
      }
    },
    isClosed: () => closed,
  };
  const root = decorate(store, scope);
  return {
    ...root,
    async close() {
      closed = true;
      stopListening();
      cache.invalidate(['*']);
      await store.close();
    },
  };
}

function decorate(inner: Store, s: Scope): CachedStore {
  function changed(tokens: string[]): void {
    if (s.pending) for (const t of tokens) s.pending.add(t);
    else s.announce(tokens);
  }

  /** Runs a write and drops what it may have changed, whether it succeeded or not (a failure can be ambiguous). */
  async function writing<T>(tokens: string[], op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } finally {
      changed(tokens);
    }
  }

  function cached<T>(key: string, load: () => Promise<T>, tagsOf: (v: T) => readonly string[], copy: (v: T) => T): Promise<T> {
    // Inside a transaction the value may be uncommitted; after close the inner store must be the one to answer.
    if (s.pending || s.isClosed()) return load();
    return s.cache.get(key, load, tagsOf, copy);
  }

  const self: CachedStore = {
    get dialect() {
      return inner.dialect;
    },
    migrate: () => inner.migrate(),
    ping: () => inner.ping(),
    close: () => inner.close(),

    async transaction<T>(fn: (store: CachedStore) => Promise<T>): Promise<T> {
      // Nested: a savepoint; its changes join the outer transaction's, even when it rolls back (dropping too much is
      // harmless).
      if (s.pending) return inner.transaction((tx) => fn(decorate(tx, s)));
      const pending = new Set<string>();
      try {
        return await inner.transaction((tx) => fn(decorate(tx, { ...s, pending })));
      } finally {
        // Only now: dropped before the commit, an entry could be read again from the old rows and kept.
        if (pending.size > 0) s.announce([...pending]);
      }
    },

    organisations: {
      create: (name) => inner.organisations.create(name),
      byId: (id) => inner.organisations.byId(id),
      first: () => inner.organisations.first(),
      countUsers: (orgId) => inner.organisations.countUsers(orgId),
      // Cascades to the offices, people and preferences of the organisation, whose ids are not at hand. Offboarding
      // is rare: emptying every node's cache is cheaper than listing them, and has no race with a concurrent sign-up.
      delete: (id) => writing(['*'], () => inner.organisations.delete(id)),
    },

    users: {
      // Every read of a User carries the e-mail: not cached.
      create: (u) => inner.users.create(u),
      byEmailWithHash: (email) => inner.users.byEmailWithHash(email),
      byId: (id) => inner.users.byId(id),
      listByOrg: (orgId) => inner.users.listByOrg(orgId),
      countAll: () => inner.users.countAll(),
      delete: (id) => writing([`user:${id}`], () => inner.users.delete(id)),
      lockedUntil: (id) => inner.users.lockedUntil(id),
      recordSignInFailure: (id, policy) => inner.users.recordSignInFailure(id, policy),
      clearSignInFailures: (id) => inner.users.clearSignInFailures(id),
    },

    sessions: {
      // Every sign-in (password, sign-up, Teams SSO) ends by opening a session: DESIGN §5 has the profile refreshed
      // then, so the person's cached entries go on every node.
      create: (sess) => writing([`user:${sess.userId}`], () => inner.sessions.create(sess)),
      byTokenHash: (h) => inner.sessions.byTokenHash(h),
      validAmong: (hashes, now) => inner.sessions.validAmong(hashes, now),
      delete: (h) => inner.sessions.delete(h),
      deleteExpired: (now) => inner.sessions.deleteExpired(now),
      deleteByUser: (userId) => inner.sessions.deleteByUser(userId),
      listByUser: (userId) => inner.sessions.listByUser(userId),
    },

    // Invites hold nothing this cache keeps.
    invites: inner.invites,

    offices: {
      rename: (id, name, description) => writing([`office:${id}`], () => inner.offices.rename(id, name, description)),
      create: (o) => writing([`offices:org:${o.orgId}`], () => inner.offices.create(o)),
      replaceMap: (id, expectedVersion, mapJson) => writing([`office:${id}`], () => inner.offices.replaceMap(id, expectedVersion, mapJson)),
      byId: (id) => cached(`office:${id}`, () => inner.offices.byId(id), none, copyOffice),
      listByOrg: (orgId) =>
        cached(`offices:org:${orgId}`, () => inner.offices.listByOrg(orgId), (list) => list.map((o) => `office:${o.id}`), copyOffices),
    },

    preferences: {
      getAv: (userId) => cached(`av:${userId}`, () => inner.preferences.getAv(userId), () => [`user:${userId}`], same),
      putAv: (userId, avJson) => writing([`av:${userId}`], () => inner.preferences.putAv(userId, avJson)),
      // An organisation-wide export: rare, and it must be exact.
      listAvByOrg: (orgId) => inner.preferences.listAvByOrg(orgId),
      // Read on every join: cached like the audio/video preferences, and dropped with everything else of the person.
      getAvatar: (userId) => cached(`avatar:${userId}`, () => inner.preferences.getAvatar(userId), () => [`user:${userId}`], same),
      putAvatar: (userId, avatarJson) => writing([`avatar:${userId}`], () => inner.preferences.putAvatar(userId, avatarJson)),
      listAvatarsByOrg: (orgId) => inner.preferences.listAvatarsByOrg(orgId),
    },

    teams: {
      organisationOfTenant: (tenantId, name) => inner.teams.organisationOfTenant(tenantId, name),
      tenantOf: (orgId) => inner.teams.tenantOf(orgId),
      // Refreshes name, UPN and e-mail from Entra: only the name is in the cache.
      upsertPerson: async (orgId, who) => {
        const user = await inner.teams.upsertPerson(orgId, who);
        changed([`profile:${user.id}`]);
        return user;
      },
      identityOf: (userId) => inner.teams.identityOf(userId),
      objectIdsOf: (userIds) => inner.teams.objectIdsOf(userIds),
      usersByObjectIds: (orgId, objectIds) => inner.teams.usersByObjectIds(orgId, objectIds),
      tab: (key) => inner.teams.tab(key),
      saveTab: (tab) => inner.teams.saveTab(tab),
      tabsInTeams: (orgId, teamIds) => inner.teams.tabsInTeams(orgId, teamIds),
      tabsOfOffice: (officeId) => inner.teams.tabsOfOffice(officeId),
    },

    // Sealed Graph tokens: secrets, never cached.
    tokenCaches: inner.tokenCaches,

    spawn: {
      get: (userId, officeId) =>
        cached(`spawn:${userId}:${officeId}`, () => inner.spawn.get(userId, officeId), () => [`user:${userId}`, `office:${officeId}`], copySpawn),
      upsert: (p) => writing([`spawn:${p.userId}:${p.officeId}`], () => inner.spawn.upsert(p)),
      listByUser: (userId) => inner.spawn.listByUser(userId),
      listByOrg: (orgId) => inner.spawn.listByOrg(orgId),
    },

    profiles: {
      get: (userId) =>
        cached(
          `profile:${userId}`,
          async () => {
            const u = await inner.users.byId(userId);
            return u && profileOf(u);
          },
          () => [`user:${userId}`],
          copyProfile,
        ),
    },

    invalidateUser: (userId) => changed([`user:${userId}`]),
    cacheStats: () => ({ entries: s.cache.size, bytes: s.cache.bytes, hits: s.cache.hits, misses: s.cache.misses }),
    cacheContents: () => s.cache.contents(),
  };
  return self;
}

export interface RedisCacheInvalidationOptions {
  /** Command connection, for PUBLISH. */
  redis: Redis;
  /** A separate connection in subscriber mode; other subscriptions may share it. */
  subscriber: Redis;
  /** Key prefix, e.g. "metaoffice:"; the channel is `${prefix}cache-invalidate`. */
  prefix: string;
  log?: { warn(obj: object, msg: string): void };
}

const MAX_TOKENS = 10_000;
const MAX_TOKEN_LENGTH = 1_000;

/**
 * Cache invalidation across the nodes of a cluster over Redis pub/sub. Pub/sub delivers at most once: a message
 * published while a node's subscriber is away is lost to it, so a reconnected subscriber drops that node's whole
 * cache. What no reconnect can reveal (this node's PUBLISH failing, a node partitioned from Redis but not from the
 * database) is bounded by the cache TTL; writes never wait for Redis or fail because of it.
 */
export class RedisCacheInvalidation implements CacheInvalidationBus {
  readonly channel: string;
  /** Per instance, not per node id: two stores in one process (tests) must still hear each other. */
  readonly #origin = randomUUID();
  readonly #listeners = new Set<(keys: string[]) => void>();
  #subscribed = false;
  #closed = false;
  #warned = false;

  constructor(private readonly opts: RedisCacheInvalidationOptions) {
    if (opts.redis === opts.subscriber) throw new Error('cache invalidation needs a separate connection to subscribe on');
    this.channel = `${opts.prefix}cache-invalidate`;
  }

  /** Subscribes. Invalidations other nodes publish before this resolves are not heard. */
  async start(): Promise<void> {
    this.opts.subscriber.on('message', this.#onMessage);
    this.opts.subscriber.on('ready', this.#onReady);
    await this.opts.subscriber.subscribe(this.channel);
    this.#subscribed = true;
  }

  publish(keys: string[]): void {
    if (this.#closed || keys.length === 0) return;
    const body = JSON.stringify({ from: this.#origin, keys });
    try {
      this.opts.redis.publish(this.channel, body).then(
        () => (this.#warned = false),
        (err: unknown) => this.#warn(err),
      );
    } catch (err) {
      this.#warn(err);
    }
  }

  onInvalidate(fn: (keys: string[]) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Stops listening; the connections are the caller's. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.opts.subscriber.off('message', this.#onMessage);
    this.opts.subscriber.off('ready', this.#onReady);
    this.#listeners.clear();
    await this.opts.subscriber.unsubscribe(this.channel).catch((err: unknown) => this.opts.log?.warn({ err }, 'cache invalidation unsubscribe failed'));
  }

  #warn(err: unknown): void {
    // One line per outage; the TTL bounds what the other nodes miss meanwhile.
    if (!this.#warned) this.opts.log?.warn({ err }, 'cache invalidation not announced; other nodes may serve stale data until the cache TTL');
    this.#warned = true;
  }

  #emit(keys: string[]): void {
    for (const fn of this.#listeners) fn(keys);
  }

  readonly #onMessage = (channel: string, text: string): void => {
    if (channel !== this.channel || this.#closed) return;
    const keys = parseInvalidation(text, this.#origin);
    if (keys) this.#emit(keys);
  };

  readonly #onReady = (): void => {
    if (!this.#subscribed || this.#closed) return;
    // ioredis re-subscribes after 'ready'; once our own SUBSCRIBE has answered, the channel is live again, and
    // anything published during the gap is dropped by emptying the cache.
    this.opts.subscriber.subscribe(this.channel).then(
      () => this.#emit(['*']),
      (err: unknown) => this.opts.log?.warn({ err }, 'cache invalidation re-subscribe failed'),
    );
  };
}

/** A message is input like any other: anything malformed is ignored. */
function parseInvalidation(text: string, selfOrigin: string): string[] | undefined {
  const v = parseJsonObject(text);
  if (!v) return undefined;
  const { from, keys } = v;
  if (typeof from !== 'string' || from === selfOrigin || !Array.isArray(keys) || keys.length === 0) return undefined;
  if (keys.length > MAX_TOKENS) return ['*'];
  if (!keys.every((k): k is string => typeof k === 'string' && k.length > 0 && k.length <= MAX_TOKEN_LENGTH)) return undefined;
  return keys;
}
