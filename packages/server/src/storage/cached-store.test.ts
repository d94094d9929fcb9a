import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { cachedStore, RedisCacheInvalidation, type CachedStore, type CacheInvalidationBus } from './cached-store.js';
import { openStore, StorageError, type Store } from './index.js';

/*
 * The cache over a real SQLite store (a temp file), and, for the cluster, the real Redis on 127.0.0.1:6379 with a
 * fresh channel prefix per test. The inner store is wrapped to count the queries that reach the database.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const root = mkdtempSync(join(tmpdir(), 'mo-cache-'));
let dbN = 0;

const stores: Store[] = [];
const connections: Redis[] = [];
const buses: RedisCacheInvalidation[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
  if (prefixes.length > 0) {
    const admin = connect();
    for (const p of prefixes.splice(0)) {
      const keys = await admin.keys(`${p}*`);
      if (keys.length > 0) await admin.del(...keys);
    }
  }
  for (const c of connections.splice(0)) c.disconnect();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

function connect(url = REDIS_URL, options: object = {}): Redis {
  const r = new Redis(url, options);
  r.on('error', () => undefined);
  connections.push(r);
  return r;
}

/** The inner store, counting every repository call ("offices.byId" → n); `after` can hold a call's result back. */
function counting(store: Store) {
  const calls = new Map<string, number>();
  const after = new Map<string, () => Promise<void>>();
  const wrap = (s: Store): Store =>
    new Proxy(s, {
      get(target, prop, receiver) {
        if (prop === 'transaction') return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'object' || v === null) return v;
        return new Proxy(v, {
          get(repo, m) {
            const f: unknown = Reflect.get(repo, m);
            if (typeof f !== 'function') return f;
            const name = `${String(prop)}.${String(m)}`;
            return async (...args: unknown[]) => {
              calls.set(name, (calls.get(name) ?? 0) + 1);
              const result: unknown = await (f as (...a: unknown[]) => Promise<unknown>).apply(repo, args);
              const hold = after.get(name);
              if (hold) {
                after.delete(name);
                await hold();
              }
              return result;
            };
          },
        });
      },
    });
  return { store: wrap(store), n: (name: string) => calls.get(name) ?? 0, after };
}

async function openDb(path = join(root, `db${++dbN}.sqlite`)): Promise<{ store: Store; path: string }> {
  const store = await openStore({ sqlitePath: path });
  stores.push(store);
  await store.migrate();
  return { store, path };
}

/** An organisation with one person and one office. */
async function seed(store: Store) {
  const org = await store.organisations.create('Acme');
  const ada = await store.users.create({ orgId: org.id, email: 'ada@example.com', name: 'Ada', role: 'admin', passwordHash: 'h' });
  const office = await store.offices.create({ orgId: org.id, name: 'Old', description: '', template: 't', mapJson: '{}' });
  return { org, ada, office };
}

async function setup(opts: { ttlMs?: number; maxEntries?: number; maxBytes?: number; now?: () => number; invalidation?: CacheInvalidationBus } = {}) {
  const { store: raw, path } = await openDb();
  const world = await seed(raw);
  const db = counting(raw);
  const cached = cachedStore(db.store, { ttlMs: opts.ttlMs ?? 60_000, ...opts });
  return { raw, db, cached, path, ...world };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe('cachedStore on SQLite', () => {
  it('serves repeated reads of offices, A/V preferences, spawn points and profiles from memory', async () => {
    const { db, cached, org, ada, office } = await setup();
    await db.store.preferences.putAv(ada.id, '{"mic":"a"}');
    await db.store.spawn.upsert({ userId: ada.id, officeId: office.id, mode: 'saved', savedX: 3, savedY: 4 });
    for (let i = 0; i < 3; i++) {
      expect((await cached.offices.byId(office.id))?.name).toBe('Old');
      expect((await cached.offices.listByOrg(org.id)).map((o) => o.id)).toEqual([office.id]);
      expect(await cached.preferences.getAv(ada.id)).toBe('{"mic":"a"}');
      expect(await cached.spawn.get(ada.id, office.id)).toMatchObject({ savedX: 3, savedY: 4 });
      expect(await cached.profiles.get(ada.id)).toEqual({ id: ada.id, orgId: org.id, name: 'Ada', role: 'admin', createdAt: ada.createdAt });
    }
    expect(db.n('offices.byId')).toBe(1);
    expect(db.n('offices.listByOrg')).toBe(1);
    expect(db.n('preferences.getAv')).toBe(1);
    expect(db.n('spawn.get')).toBe(1);
    expect(db.n('users.byId')).toBe(1);
    expect(cached.cacheStats()).toMatchObject({ entries: 5, hits: 10, misses: 5 });
  });

  it('remembers absence too, until a write', async () => {
    const { db, cached, ada } = await setup();
    expect(await cached.preferences.getAv(ada.id)).toBeUndefined();
    expect(await cached.preferences.getAv(ada.id)).toBeUndefined();
    expect(db.n('preferences.getAv')).toBe(1);
    await cached.preferences.putAv(ada.id, '{"cam":"b"}');
    expect(await cached.preferences.getAv(ada.id)).toBe('{"cam":"b"}');
    expect(db.n('preferences.getAv')).toBe(2);
  });

  it('does not cache users.byId or anything else that carries identifiers', async () => {
    const { db, cached, ada, org } = await setup();
    for (let i = 0; i < 2; i++) {
      await cached.users.byId(ada.id);
      await cached.users.listByOrg(org.id);
      await cached.users.byEmailWithHash('ada@example.com');
    }
    expect(db.n('users.byId')).toBe(2);
    expect(db.n('users.listByOrg')).toBe(2);
    expect(db.n('users.byEmailWithHash')).toBe(2);
    expect(cached.cacheStats().entries).toBe(0);
  });

  it('never holds an e-mail, UPN or Entra object id', async () => {
    const { raw, db, cached, ada, office } = await setup();
    const tenantOrg = await raw.teams.organisationOfTenant('tenant-1', 'Contoso');
    const grace = await raw.teams.upsertPerson(tenantOrg.id, { tenantId: 'tenant-1', objectId: 'oid-7f3a9c', upn: 'grace.upn@contoso.example', email: 'grace.mail@contoso.example', name: 'Grace' });
    const teamsOffice = await raw.offices.create({ orgId: tenantOrg.id, name: 'Teams office', description: '', template: 't', mapJson: '{}' });
    for (const [user, o] of [[ada, office], [grace, teamsOffice]] as const) {
      await db.store.preferences.putAv(user.id, '{"mic":"x"}');
      await db.store.spawn.upsert({ userId: user.id, officeId: o.id, mode: 'default', savedX: null, savedY: null });
      const profile = await cached.profiles.get(user.id);
      expect(profile).toBeDefined();
      expect(profile).not.toHaveProperty('email');
      await cached.preferences.getAv(user.id);
      await cached.spawn.get(user.id, o.id);
      await cached.offices.byId(o.id);
      await cached.offices.listByOrg(o.orgId);
      // Identifier reads go through too, and must leave nothing behind.
      await cached.users.byId(user.id);
      await cached.teams.identityOf(user.id);
      await cached.teams.usersByObjectIds(tenantOrg.id, ['oid-7f3a9c']);
    }
    const contents = cached.cacheContents();
    expect(contents.map((c) => c.key)).toEqual(expect.arrayContaining([`profile:${ada.id}`, `profile:${grace.id}`, `av:${grace.id}`]));
    const text = JSON.stringify(contents);
    expect(text).toContain('Grace');
    for (const identifier of ['ada@example.com', 'grace.upn@contoso.example', 'grace.mail@contoso.example', 'oid-7f3a9c', '@']) {
      expect(text).not.toContain(identifier);
    }
  });

  it('refetches after the TTL', async () => {
    let t = 1_000_000;
    const { db, cached, office } = await setup({ ttlMs: 30_000, now: () => t });
    await cached.offices.byId(office.id);
    t += 29_999;
    await cached.offices.byId(office.id);
    expect(db.n('offices.byId')).toBe(1);
    t += 1;
    await cached.offices.byId(office.id);
    expect(db.n('offices.byId')).toBe(2);
  });

  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const { raw, db, cached, org, office } = await setup({ maxEntries: 3 });
    const more = [];
    for (const name of ['B', 'C', 'D']) more.push(await raw.offices.create({ orgId: org.id, name, description: '', template: 't', mapJson: '{}' }));
    const [a, b, c, d] = [office, ...more].map((o) => o.id) as [string, string, string, string];
    for (const id of [a, b, c]) await cached.offices.byId(id);
    await cached.offices.byId(a); // a is now the most recently used; b the least
    await cached.offices.byId(d);
    expect(cached.cacheStats().entries).toBe(3);
    expect(db.n('offices.byId')).toBe(4);
    await cached.offices.byId(a);
    await cached.offices.byId(c);
    await cached.offices.byId(d);
    expect(db.n('offices.byId')).toBe(4);
    await cached.offices.byId(b);
    expect(db.n('offices.byId')).toBe(5);
    expect(cached.cacheStats().entries).toBe(3);
  });

  it('keeps the approximate size under maxBytes: offices carry their maps', async () => {
    const { raw, db, cached, org } = await setup({ maxBytes: 250_000 });
    const big = [];
    for (const name of ['A', 'B', 'C']) big.push(await raw.offices.create({ orgId: org.id, name, description: '', template: 't', mapJson: 'x'.repeat(100_000) }));
    for (const o of big) await cached.offices.byId(o.id);
    const stats = cached.cacheStats();
    expect(stats.entries).toBe(2);
    expect(stats.bytes).toBeGreaterThan(200_000);
    expect(stats.bytes).toBeLessThanOrEqual(250_000);
    // The list holds all three maps (and the seeded office): larger than the budget, so it is served but never kept.
    await cached.offices.listByOrg(org.id);
    await cached.offices.listByOrg(org.id);
    expect(db.n('offices.listByOrg')).toBe(2);
    expect(cached.cacheStats().bytes).toBeLessThanOrEqual(250_000);
    await cached.offices.byId(big[2]!.id);
    expect(db.n('offices.byId')).toBe(3);
  });

  it('gives each caller its own copy', async () => {
    const { cached, office, org } = await setup();
    const first = (await cached.offices.byId(office.id))!;
    first.name = 'scribbled';
    (await cached.offices.listByOrg(org.id))[0]!.name = 'scribbled';
    expect((await cached.offices.byId(office.id))?.name).toBe('Old');
    expect((await cached.offices.listByOrg(org.id))[0]?.name).toBe('Old');
  });

  it('shares one query between concurrent readers of the same key', async () => {
    const { db, cached, office } = await setup();
    const names = await Promise.all([1, 2, 3].map(() => cached.offices.byId(office.id).then((o) => o?.name)));
    expect(names).toEqual(['Old', 'Old', 'Old']);
    expect(db.n('offices.byId')).toBe(1);
  });

  it('office writes drop the office and every list holding it', async () => {
    const { db, cached, org, office } = await setup();
    await cached.offices.byId(office.id);
    await cached.offices.listByOrg(org.id);
    const renamed = await cached.offices.rename(office.id, 'New', 'desc');
    expect(renamed.name).toBe('New');
    expect((await cached.offices.byId(office.id))?.name).toBe('New');
    expect((await cached.offices.listByOrg(org.id)).map((o) => o.name)).toEqual(['New']);
    const created = await cached.offices.create({ orgId: org.id, name: 'Second', description: '', template: 't', mapJson: '{}' });
    expect((await cached.offices.listByOrg(org.id)).map((o) => o.id)).toEqual([office.id, created.id]);
    expect(db.n('offices.byId')).toBe(2);
    expect(db.n('offices.listByOrg')).toBe(3);
  });

  it('A/V and spawn writes drop only their own entries', async () => {
    const { db, cached, ada, office } = await setup();
    await cached.preferences.getAv(ada.id);
    await cached.spawn.get(ada.id, office.id);
    await cached.profiles.get(ada.id);
    await cached.preferences.putAv(ada.id, '{"speaker":"c"}');
    await cached.spawn.upsert({ userId: ada.id, officeId: office.id, mode: 'saved', savedX: 1, savedY: 2 });
    expect(await cached.preferences.getAv(ada.id)).toBe('{"speaker":"c"}');
    expect(await cached.spawn.get(ada.id, office.id)).toMatchObject({ mode: 'saved', savedX: 1, savedY: 2 });
    await cached.profiles.get(ada.id);
    expect([db.n('preferences.getAv'), db.n('spawn.get'), db.n('users.byId')]).toEqual([2, 2, 1]);
  });

  it('a sign-in (a new session) refreshes the person\'s profile, preferences and spawn points', async () => {
    const { raw, db, cached, ada, office, org } = await setup();
    const bob = await raw.users.create({ orgId: org.id, email: 'bob@example.com', name: 'Bob', role: 'member', passwordHash: 'h' });
    for (const u of [ada, bob]) {
      await cached.profiles.get(u.id);
      await cached.preferences.getAv(u.id);
      await cached.spawn.get(u.id, office.id);
    }
    await cached.sessions.create({ tokenHash: 'th-1', userId: ada.id, createdAt: 1, expiresAt: Date.now() + 60_000 });
    for (const u of [ada, bob]) {
      await cached.profiles.get(u.id);
      await cached.preferences.getAv(u.id);
      await cached.spawn.get(u.id, office.id);
    }
    // Ada's three entries were read again; Bob's stayed.
    expect([db.n('users.byId'), db.n('preferences.getAv'), db.n('spawn.get')]).toEqual([3, 3, 3]);
    cached.invalidateUser(bob.id);
    await cached.profiles.get(bob.id);
    expect(db.n('users.byId')).toBe(4);
  });

  it('a Teams sign-in refreshes the cached name', async () => {
    const { raw, cached } = await setup();
    const org = await raw.teams.organisationOfTenant('t-9', 'Fabrikam');
    const who = { tenantId: 't-9', objectId: 'oid-1', upn: 'x@fabrikam.example', email: 'x@fabrikam.example', name: 'Xavier' };
    const x = await cached.teams.upsertPerson(org.id, who);
    expect((await cached.profiles.get(x.id))?.name).toBe('Xavier');
    await cached.teams.upsertPerson(org.id, { ...who, name: 'Xavier Renamed' });
    expect((await cached.profiles.get(x.id))?.name).toBe('Xavier Renamed');
  });

  it('deleting an account or an organisation drops what the cascade removed', async () => {
    const { raw, cached, org, ada, office } = await setup();
    const bob = await raw.users.create({ orgId: org.id, email: 'bob@example.com', name: 'Bob', role: 'member', passwordHash: 'h' });
    await raw.preferences.putAv(bob.id, '{}');
    await cached.profiles.get(bob.id);
    await cached.preferences.getAv(bob.id);
    await cached.users.delete(bob.id);
    expect(await cached.profiles.get(bob.id)).toBeUndefined();
    expect(await cached.preferences.getAv(bob.id)).toBeUndefined();

    await raw.preferences.putAv(ada.id, '{}');
    await cached.offices.byId(office.id);
    await cached.offices.listByOrg(org.id);
    await cached.preferences.getAv(ada.id);
    await cached.profiles.get(ada.id);
    await cached.organisations.delete(org.id);
    expect(await cached.offices.byId(office.id)).toBeUndefined();
    expect(await cached.offices.listByOrg(org.id)).toEqual([]);
    expect(await cached.preferences.getAv(ada.id)).toBeUndefined();
    expect(await cached.profiles.get(ada.id)).toBeUndefined();
  });

  it('a failed write still drops the entry (its outcome may be unknown)', async () => {
    const { cached, ada, db, office } = await setup();
    await cached.preferences.getAv(ada.id);
    await expect(cached.preferences.putAv('no-such-user', '{}')).rejects.toBeInstanceOf(StorageError);
    await cached.preferences.getAv(ada.id);
    expect(db.n('preferences.getAv')).toBe(1);
    db.after.set('offices.rename', async () => {
      throw new Error('connection lost after the commit');
    });
    await cached.offices.byId(office.id);
    await expect(cached.offices.rename(office.id, 'New', '')).rejects.toThrow('connection lost');
    expect((await cached.offices.byId(office.id))?.name).toBe('New');
  });

  it('a read that began before a write is returned but not kept', async () => {
    const { db, cached, office, org } = await setup();
    const held = deferred();
    db.after.set('offices.byId', () => held.promise);
    db.after.set('offices.listByOrg', () => held.promise);
    const early = cached.offices.byId(office.id);
    const earlyList = cached.offices.listByOrg(org.id);
    await vi.waitFor(() => expect(db.n('offices.listByOrg')).toBe(1));
    await cached.offices.rename(office.id, 'New', '');
    // A reader arriving after the write does not share the older read.
    expect((await within(cached.offices.byId(office.id), 2000, 'a read after the write'))?.name).toBe('New');
    held.resolve();
    expect((await early)?.name).toBe('Old');
    expect((await earlyList)[0]?.name).toBe('Old');
    expect((await cached.offices.byId(office.id))?.name).toBe('New');
    expect((await cached.offices.listByOrg(org.id))[0]?.name).toBe('New');
  });

  it('a transaction: reads inside see its own writes, the cache keeps the committed value until the commit', async () => {
    const { db, cached, office } = await setup();
    await cached.offices.byId(office.id);
    const inside = deferred();
    const release = deferred();
    const tx = cached.transaction(async (t) => {
      await t.offices.rename(office.id, 'New', '');
      expect((await t.offices.byId(office.id))?.name).toBe('New');
      inside.resolve();
      await release.promise;
    });
    try {
      await within(Promise.race([inside.promise, tx]), 2000, 'the transaction\'s first steps');
      // Still the committed value, from memory: dropping it before the commit would let it be read back old.
      expect((await within(cached.offices.byId(office.id), 2000, 'read during the transaction'))?.name).toBe('Old');
      expect(db.n('offices.byId')).toBe(2);
    } finally {
      release.resolve();
    }
    await tx;
    expect((await cached.offices.byId(office.id))?.name).toBe('New');
    expect(db.n('offices.byId')).toBe(3);
  });

  it('a rolled-back transaction leaves the committed value cached or re-read, never its own', async () => {
    const { raw, cached, office, ada } = await setup();
    await cached.offices.byId(office.id);
    await cached.preferences.getAv(ada.id);
    await expect(
      cached.transaction(async (t) => {
        await t.offices.rename(office.id, 'Rolled back', '');
        await t.preferences.putAv(ada.id, '{"rolled":"back"}');
        expect((await t.offices.byId(office.id))?.name).toBe('Rolled back');
        expect(await t.preferences.getAv(ada.id)).toBe('{"rolled":"back"}');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await cached.offices.byId(office.id))?.name).toBe('Old');
    expect(await cached.preferences.getAv(ada.id)).toBeUndefined();
    expect((await raw.offices.byId(office.id))?.name).toBe('Old');
  });

  it('nested transactions: changes made in a savepoint are dropped after the outer commit', async () => {
    const { cached, office, ada } = await setup();
    await cached.offices.byId(office.id);
    await cached.preferences.getAv(ada.id);
    await cached.transaction(async (t) => {
      await t.transaction(async (inner) => {
        await inner.offices.rename(office.id, 'Nested', '');
        expect((await inner.profiles.get(ada.id))?.name).toBe('Ada');
      });
      await t.transaction(async (inner) => {
        await inner.preferences.putAv(ada.id, '{"x":1}');
        throw new Error('savepoint rolled back');
      }).catch(() => undefined);
    });
    expect((await cached.offices.byId(office.id))?.name).toBe('Nested');
    expect(await cached.preferences.getAv(ada.id)).toBeUndefined();
    // Reads inside the transaction did not fill the cache.
    expect(cached.cacheContents().some((c) => c.key === `profile:${ada.id}`)).toBe(false);
  });

  it('after close, reads fail like the store does instead of answering from memory', async () => {
    const { raw, cached, office } = await setup();
    await cached.offices.byId(office.id);
    await cached.close();
    expect(await raw.ping()).toBe(false);
    await expect(cached.offices.byId(office.id)).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' });
    expect(cached.cacheStats().entries).toBe(0);
  });

  it('a bus that throws does not fail the write', async () => {
    const bus: CacheInvalidationBus = {
      publish: () => {
        throw new Error('bus down');
      },
      onInvalidate: () => () => undefined,
    };
    const { cached, office } = await setup({ invalidation: bus });
    await cached.offices.byId(office.id);
    await cached.offices.rename(office.id, 'New', '');
    expect((await cached.offices.byId(office.id))?.name).toBe('New');
  });
});

describe('RedisCacheInvalidation (real Redis)', () => {
  function newPrefix(): string {
    const p = `test-cache-${randomUUID()}:`;
    prefixes.push(p);
    return p;
  }

  /** A node: its own store on the shared database file, its own two Redis connections, a TTL far beyond the test. */
  async function node(path: string, prefix: string, warnings: string[] = []) {
    const store = await openStore({ sqlitePath: path });
    stores.push(store);
    const db = counting(store);
    const bus = new RedisCacheInvalidation({ redis: connect(), subscriber: connect(), prefix, log: { warn: (_o, msg) => warnings.push(msg) } });
    await bus.start();
    buses.push(bus);
    const cached = cachedStore(db.store, { ttlMs: 600_000, invalidation: bus });
    return { cached, db, bus };
  }

  it('a write through node A is seen through node B at once, not after the TTL', async () => {
    const { path, org, ada, office } = await setup();
    const prefix = newPrefix();
    const a = await node(path, prefix);
    const b = await node(path, prefix);
    for (const n of [a, b]) {
      await n.cached.offices.byId(office.id);
      await n.cached.offices.listByOrg(org.id);
      await n.cached.preferences.getAv(ada.id);
      await n.cached.profiles.get(ada.id);
    }
    await a.cached.offices.rename(office.id, 'Renamed on A', '');
    await a.cached.preferences.putAv(ada.id, '{"from":"A"}');
    await vi.waitFor(async () => {
      expect((await b.cached.offices.byId(office.id))?.name).toBe('Renamed on A');
      expect((await b.cached.offices.listByOrg(org.id))[0]?.name).toBe('Renamed on A');
      expect(await b.cached.preferences.getAv(ada.id)).toBe('{"from":"A"}');
    }, { timeout: 2000, interval: 10 });

    // A sign-in on A refreshes the profile on B; a transaction's writes go out after its commit.
    const before = b.db.n('users.byId');
    await a.cached.sessions.create({ tokenHash: 'th-a', userId: ada.id, createdAt: 1, expiresAt: Date.now() + 60_000 });
    await vi.waitFor(async () => {
      await b.cached.profiles.get(ada.id);
      expect(b.db.n('users.byId')).toBeGreaterThan(before);
    }, { timeout: 2000, interval: 10 });
    await a.cached.transaction(async (t) => {
      await t.offices.rename(office.id, 'In a transaction', '');
    });
    await vi.waitFor(async () => expect((await b.cached.offices.byId(office.id))?.name).toBe('In a transaction'), { timeout: 2000, interval: 10 });
    // A node ignores its own announcements (it has already dropped the entries): what it read after its own write
    // stays cached once the announcement has come back.
    const aReads = a.db.n('offices.byId');
    await a.cached.offices.rename(office.id, 'Own write', '');
    await a.cached.offices.byId(office.id);
    await new Promise((r) => setTimeout(r, 200));
    expect((await a.cached.offices.byId(office.id))?.name).toBe('Own write');
    expect(a.db.n('offices.byId')).toBe(aReads + 1);
  });

  it('buses on other prefixes are not affected, and malformed messages are ignored', async () => {
    const { path, office } = await setup();
    const prefix = newPrefix();
    const a = await node(path, prefix);
    const b = await node(path, prefix);
    const other = await node(path, newPrefix());
    for (const n of [b, other]) await n.cached.offices.byId(office.id);
    const admin = connect();
    for (const junk of ['not json', '{}', '{"from":"x","keys":"office"}', '{"from":"x","keys":[1]}', '[]']) await admin.publish(b.bus.channel, junk);
    await a.cached.offices.rename(office.id, 'New', '');
    await vi.waitFor(async () => expect((await b.cached.offices.byId(office.id))?.name).toBe('New'), { timeout: 2000, interval: 10 });
    expect(b.db.n('offices.byId')).toBe(2);
    expect((await other.cached.offices.byId(office.id))?.name).toBe('Old');
  });

  it('a Redis outage does not fail writes; it is logged once', async () => {
    const { raw, ada } = await setup();
    const warnings: string[] = [];
    // Nothing listens on port 1; no retries, so each PUBLISH fails at once.
    const dead = connect('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    const bus = new RedisCacheInvalidation({ redis: dead, subscriber: connect(), prefix: newPrefix(), log: { warn: (_o, msg) => warnings.push(msg) } });
    const db = counting(raw);
    const cached = cachedStore(db.store, { ttlMs: 600_000, invalidation: bus });
    await cached.preferences.getAv(ada.id);
    await within(cached.preferences.putAv(ada.id, '{"a":1}'), 1000, 'a write while Redis is down');
    await within(cached.preferences.putAv(ada.id, '{"a":2}'), 1000, 'a write while Redis is down');
    expect(await cached.preferences.getAv(ada.id)).toBe('{"a":2}');
    await vi.waitFor(() => expect(warnings).toHaveLength(1), { timeout: 2000, interval: 10 });
  });

  it('with the offline queue (the cluster\'s connections), a write does not wait for Redis either', async () => {
    const { raw, office } = await setup();
    const dead = connect('redis://127.0.0.1:1', { maxRetriesPerRequest: null, enableOfflineQueue: true, retryStrategy: () => 100 });
    const bus = new RedisCacheInvalidation({ redis: dead, subscriber: connect(), prefix: newPrefix() });
    const cached = cachedStore(raw, { ttlMs: 600_000, invalidation: bus });
    await cached.offices.byId(office.id);
    await within(cached.offices.rename(office.id, 'New', ''), 1000, 'a write while Redis is down');
    expect((await cached.offices.byId(office.id))?.name).toBe('New');
  });

  it('a subscriber that reconnects drops its cache (messages sent meanwhile are lost), then hears again', async () => {
    const { path, office, ada } = await setup();
    const prefix = newPrefix();
    const a = await node(path, prefix);
    const b = await node(path, prefix);
    await b.cached.offices.byId(office.id);
    await b.cached.profiles.get(ada.id);
    expect(b.cached.cacheStats().entries).toBe(2);
    const subscriber = connections[connections.length - 1]!;
    subscriber.disconnect(true);
    await vi.waitFor(() => expect(b.cached.cacheStats().entries).toBe(0), { timeout: 3000, interval: 10 });
    await b.cached.offices.byId(office.id);
    await a.cached.offices.rename(office.id, 'After reconnect', '');
    await vi.waitFor(async () => expect((await b.cached.offices.byId(office.id))?.name).toBe('After reconnect'), { timeout: 2000, interval: 10 });
  });

  it('close stops listening', async () => {
    const { path, office } = await setup();
    const prefix = newPrefix();
    const a = await node(path, prefix);
    const b = await node(path, prefix);
    await b.cached.offices.byId(office.id);
    await b.bus.close();
    await a.cached.offices.rename(office.id, 'New', '');
    await new Promise((r) => setTimeout(r, 200));
    expect((await b.cached.offices.byId(office.id))?.name).toBe('Old');
  });
});
