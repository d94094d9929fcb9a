import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore, resolveStorageTarget, StorageError, type StorageConfig, type Store } from './index.js';

/*
 * One suite, run against real SQLite (a temp file, and :memory:) and the real PostgreSQL on 127.0.0.1. PostgreSQL
 * runs are isolated in a fresh schema per test (mo_test_<run>_<n>), dropped afterwards. If PostgreSQL does not
 * answer, its tests fail: CI guarantees it runs.
 */
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN_ID = randomBytes(4).toString('hex');

interface Backend {
  /** A config pointing at a fresh, empty database. */
  fresh(): Promise<StorageConfig>;
  /** Whether a second store opened on the same config sees the same data. */
  persistent: boolean;
}

/** Deterministic, strictly increasing createdAt values so ordering assertions do not race the wall clock. */
function steppingClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => (t += 1000);
}

async function expectStorageError(p: Promise<unknown>, code: StorageError['code']): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  expect((err as StorageError).code).toBe(code);
}

function defineStoreSuite(backend: Backend): void {
  const opened: Store[] = [];
  let cfg: StorageConfig;

  async function open(config: StorageConfig = cfg): Promise<Store> {
    const store = await openStore(config);
    opened.push(store);
    return store;
  }

  async function ready(): Promise<Store> {
    cfg = await backend.fresh();
    const store = await open();
    await store.migrate();
    return store;
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  const newUser = (orgId: string, email: string, name = email.split('@')[0] ?? email) => ({
    orgId,
    email,
    name,
    role: 'member' as const,
    passwordHash: `hash:${email}`,
  });

  it('migrate is idempotent and keeps data', async () => {
    const store = await ready();
    await store.migrate();
    const org = await store.organisations.create('Acme');
    await store.migrate();
    expect(await store.organisations.byId(org.id)).toEqual(org);
    if (backend.persistent) {
      const second = await open();
      await second.migrate();
      expect(await second.organisations.byId(org.id)).toEqual(org);
    }
  });

  it('organisations: create, byId, first is the oldest, countUsers', async () => {
    const store = await ready();
    expect(await store.organisations.first()).toBeUndefined();
    const a = await store.organisations.create('Alpha');
    const b = await store.organisations.create('Beta');
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof a.createdAt).toBe('number');
    expect(await store.organisations.byId(b.id)).toEqual(b);
    expect(await store.organisations.byId('missing')).toBeUndefined();
    expect(await store.organisations.first()).toEqual(a);
    await store.users.create(newUser(b.id, 'x@b.test'));
    await store.users.create(newUser(b.id, 'y@b.test'));
    expect(await store.organisations.countUsers(a.id)).toBe(0);
    expect(await store.organisations.countUsers(b.id)).toBe(2);
  });

  it('users: email normalised, lookups without the hash, ordered by name, counted', async () => {
    const store = await ready();
    const org = await store.organisations.create('Org');
    const other = await store.organisations.create('Other');
    const zoe = await store.users.create({ ...newUser(org.id, '  Zoe@Example.COM '), name: 'zoe', role: 'admin' });
    const al = await store.users.create({ ...newUser(org.id, 'al@example.com'), name: 'Al' });
    const bea = await store.users.create({ ...newUser(org.id, 'bea@example.com'), name: 'Bea' });
    await store.users.create(newUser(other.id, 'someone@example.com'));

    expect(zoe.email).toBe('zoe@example.com');
    expect(zoe).toMatchObject({ orgId: org.id, name: 'zoe', role: 'admin' });
    expect(typeof zoe.createdAt).toBe('number');

    const byId = await store.users.byId(zoe.id);
    expect(byId).toEqual(zoe);
    expect(Object.keys(byId ?? {})).not.toContain('passwordHash');
    expect(await store.users.byId('missing')).toBeUndefined();

    const withHash = await store.users.byEmailWithHash(' ZOE@example.com');
    expect(withHash).toEqual({ ...zoe, passwordHash: 'hash:  Zoe@Example.COM ' });
    expect(await store.users.byEmailWithHash('nobody@example.com')).toBeUndefined();

    expect((await store.users.listByOrg(org.id)).map((u) => u.name)).toEqual(['Al', 'Bea', 'zoe']);
    expect(await store.users.listByOrg(org.id)).toEqual([al, bea, zoe]);
    expect(await store.users.countAll()).toBe(4);
  });

  it('users: email is unique across the install, case-insensitively → EMAIL_TAKEN', async () => {
    const store = await ready();
    const a = await store.organisations.create('A');
    const b = await store.organisations.create('B');
    await store.users.create(newUser(a.id, 'sam@example.com'));
    await expectStorageError(store.users.create(newUser(a.id, 'SAM@example.com')), 'EMAIL_TAKEN');
    await expectStorageError(store.users.create(newUser(b.id, ' Sam@Example.com ')), 'EMAIL_TAKEN');
    expect(await store.users.countAll()).toBe(1);
  });

  it('users: an unknown organisation → NOT_FOUND', async () => {
    const store = await ready();
    await expectStorageError(store.users.create(newUser('no-such-org', 'a@example.com')), 'NOT_FOUND');
  });

  it('sessions: create, read, delete, expiry sweep, per-user delete', async () => {
    const store = await ready();
    const org = await store.organisations.create('Org');
    const u1 = await store.users.create(newUser(org.id, 'u1@example.com'));
    const u2 = await store.users.create(newUser(org.id, 'u2@example.com'));
    const now = 1_750_000_000_000;
    const farFuture = 4_102_444_800_000; // year 2100: well past 2^32, must survive bigint on PostgreSQL
    await store.sessions.create({ tokenHash: 'old', userId: u1.id, createdAt: now - 10_000, expiresAt: now - 1 });
    await store.sessions.create({ tokenHash: 'edge', userId: u1.id, createdAt: now - 10_000, expiresAt: now });
    await store.sessions.create({ tokenHash: 'live', userId: u1.id, createdAt: now, expiresAt: farFuture });
    await store.sessions.create({ tokenHash: 'u2', userId: u2.id, createdAt: now, expiresAt: farFuture });

    expect(await store.sessions.byTokenHash('live')).toEqual({
      tokenHash: 'live',
      userId: u1.id,
      createdAt: now,
      expiresAt: farFuture,
    });
    expect(await store.sessions.byTokenHash('missing')).toBeUndefined();
    // Valid means present and not yet expired; 'edge' expires exactly now. Batches of 500 hashes per query.
    expect([...(await store.sessions.validAmong(['old', 'edge', 'live', 'u2', 'missing'], now))].sort()).toEqual(['live', 'u2']);
    expect((await store.sessions.validAmong([...Array.from({ length: 1200 }, (_, i) => `nope${i}`), 'u2'], now)).size).toBe(1);
    expect((await store.sessions.validAmong([], now)).size).toBe(0);
    await expectStorageError(
      store.sessions.create({ tokenHash: 'live', userId: u2.id, createdAt: now, expiresAt: farFuture }),
      'CONFLICT',
    );
    await expectStorageError(
      store.sessions.create({ tokenHash: 'x', userId: 'no-such-user', createdAt: now, expiresAt: farFuture }),
      'NOT_FOUND',
    );

    expect(await store.sessions.deleteExpired(now)).toBe(2);
    expect(await store.sessions.byTokenHash('old')).toBeUndefined();
    expect(await store.sessions.byTokenHash('edge')).toBeUndefined();
    expect(await store.sessions.deleteExpired(now)).toBe(0);

    await store.sessions.delete('live');
    await store.sessions.delete('live'); // twice is fine
    expect(await store.sessions.byTokenHash('live')).toBeUndefined();
    expect(await store.sessions.deleteByUser(u2.id)).toBe(1);
    expect(await store.sessions.byTokenHash('u2')).toBeUndefined();
  });

  it('users: sign-in failures count within the window, lock at the limit, and clear', async () => {
    let now = 1_700_000_000_000;
    cfg = await backend.fresh();
    const store = await open({ ...cfg, clock: () => now });
    await store.migrate();
    const org = await store.organisations.create('Org');
    const u = await store.users.create(newUser(org.id, 'lock@x.test'));
    const other = await store.users.create(newUser(org.id, 'other@x.test'));
    const policy = { maxFailures: 3, windowMs: 60_000, lockMs: 600_000 };
    expect(await store.users.lockedUntil(u.id)).toBeNull();
    expect(await store.users.recordSignInFailure(u.id, policy)).toEqual({ lockedUntil: null });
    expect(await store.users.recordSignInFailure(u.id, policy)).toEqual({ lockedUntil: null });
    now += 61_000; // outside the window: the count starts again
    expect(await store.users.recordSignInFailure(u.id, policy)).toEqual({ lockedUntil: null });
    expect(await store.users.recordSignInFailure(u.id, policy)).toEqual({ lockedUntil: null });
    expect(await store.users.recordSignInFailure(u.id, policy)).toEqual({ lockedUntil: now + 600_000 });
    expect(await store.users.lockedUntil(u.id)).toBe(now + 600_000);
    expect(await store.users.lockedUntil(other.id)).toBeNull();
    // Concurrent failures all count.
    await Promise.all([1, 2, 3].map(() => store.users.recordSignInFailure(other.id, policy)));
    expect(await store.users.lockedUntil(other.id)).toBe(now + 600_000);
    await store.users.clearSignInFailures(u.id);
    expect(await store.users.lockedUntil(u.id)).toBeNull();
    expect(await store.users.recordSignInFailure(u.id, policy)).toEqual({ lockedUntil: null });
  });

  it('users: delete cascades to sessions and preferences; lists for exports', async () => {
    const store = await ready();
    const org = await store.organisations.create('Org');
    const office = await store.offices.create({ orgId: org.id, name: 'O', description: '', template: 't', mapJson: '{}' });
    const a = await store.users.create(newUser(org.id, 'a@x.test'));
    const b = await store.users.create(newUser(org.id, 'b@x.test'));
    for (const u of [a, b]) {
      await store.sessions.create({ tokenHash: `h-${u.id}`, userId: u.id, createdAt: 1, expiresAt: 2 });
      await store.preferences.putAv(u.id, '{"x":1}');
      await store.spawn.upsert({ userId: u.id, officeId: office.id, mode: 'saved', savedX: 1, savedY: 2 });
    }
    await store.invites.create({ tokenHash: 'inv', orgId: org.id, createdBy: a.id, createdAt: 1, expiresAt: 2 });
    expect(await store.sessions.listByUser(a.id)).toHaveLength(1);
    expect(await store.spawn.listByUser(a.id)).toEqual([{ userId: a.id, officeId: office.id, mode: 'saved', savedX: 1, savedY: 2 }]);
    expect(await store.spawn.listByOrg(org.id)).toHaveLength(2);
    expect((await store.preferences.listAvByOrg(org.id)).map((p) => p.userId).sort()).toEqual([a.id, b.id].sort());
    expect(await store.invites.listByOrg(org.id)).toHaveLength(1);
    await store.users.delete(a.id);
    await expectStorageError(store.users.delete(a.id), 'NOT_FOUND');
    expect(await store.users.byId(a.id)).toBeUndefined();
    expect(await store.sessions.listByUser(a.id)).toEqual([]);
    expect(await store.preferences.getAv(a.id)).toBeUndefined();
    expect(await store.spawn.listByUser(a.id)).toEqual([]);
    expect(await store.spawn.listByOrg(org.id)).toHaveLength(1);
    expect(await store.users.byId(b.id)).toBeDefined();
  });

  it('invites: usedCount starts at 0 and counts each use', async () => {
    const store = await ready();
    const org = await store.organisations.create('Org');
    const admin = await store.users.create({ ...newUser(org.id, 'admin@example.com'), role: 'admin' });
    const invite = { tokenHash: 'inv', orgId: org.id, createdBy: admin.id, createdAt: 1000, expiresAt: 2000 };
    await store.invites.create(invite);
    expect(await store.invites.byTokenHash('inv')).toEqual({ ...invite, usedCount: 0 });
    await store.invites.markUsed('inv');
    await Promise.all([store.invites.markUsed('inv'), store.invites.markUsed('inv')]);
    expect((await store.invites.byTokenHash('inv'))?.usedCount).toBe(3);
    expect(await store.invites.byTokenHash('missing')).toBeUndefined();
    await expectStorageError(store.invites.markUsed('missing'), 'NOT_FOUND');
    await expectStorageError(store.invites.create(invite), 'CONFLICT');
    await expectStorageError(store.invites.create({ ...invite, tokenHash: 'i2', orgId: 'nope' }), 'NOT_FOUND');
  });

  it('offices: isolated per organisation, ordered by createdAt then name', async () => {
    const store = await ready();
    const a = await store.organisations.create('A');
    const b = await store.organisations.create('B');
    const office = (orgId: string, name: string) => ({
      orgId,
      name,
      description: `${name} floor`,
      template: 'small',
      mapJson: JSON.stringify({ name, tiles: [1, 2, 3] }),
    });
    const hq = await store.offices.create(office(a.id, 'HQ'));
    const annex = await store.offices.create(office(a.id, 'Annex'));
    const other = await store.offices.create(office(b.id, 'Elsewhere'));

    expect(await store.offices.byId(hq.id)).toEqual(hq);
    expect(hq).toMatchObject(office(a.id, 'HQ'));
    expect(await store.offices.byId('missing')).toBeUndefined();
    expect(await store.offices.listByOrg(a.id)).toEqual([hq, annex]);
    expect(await store.offices.listByOrg(b.id)).toEqual([other]);
    expect(await store.offices.listByOrg('nope')).toEqual([]);
    await expectStorageError(store.offices.create(office('nope', 'X')), 'NOT_FOUND');
  });

  it('offices: equal createdAt falls back to name order', async () => {
    cfg = { ...(await backend.fresh()), clock: () => 42 };
    const store = await open();
    await store.migrate();
    const org = await store.organisations.create('A');
    for (const name of ['Gamma', 'Alpha', 'Beta']) {
      await store.offices.create({ orgId: org.id, name, description: '', template: 't', mapJson: '{}' });
    }
    expect((await store.offices.listByOrg(org.id)).map((o) => o.name)).toEqual(['Alpha', 'Beta', 'Gamma']);
  });

  it('spawn: upsert inserts, then replaces; one preference per office', async () => {
    const store = await ready();
    const org = await store.organisations.create('Org');
    const user = await store.users.create(newUser(org.id, 'u@example.com'));
    const o1 = await store.offices.create({ orgId: org.id, name: 'O1', description: '', template: 't', mapJson: '{}' });
    const o2 = await store.offices.create({ orgId: org.id, name: 'O2', description: '', template: 't', mapJson: '{}' });

    expect(await store.spawn.get(user.id, o1.id)).toBeUndefined();
    const saved = { userId: user.id, officeId: o1.id, mode: 'saved' as const, savedX: 12, savedY: 7 };
    await store.spawn.upsert(saved);
    expect(await store.spawn.get(user.id, o1.id)).toEqual(saved);

    const reset = { ...saved, mode: 'default' as const, savedX: null, savedY: null };
    await store.spawn.upsert(reset);
    expect(await store.spawn.get(user.id, o1.id)).toEqual(reset);
    expect(await store.spawn.get(user.id, o2.id)).toBeUndefined();

    await store.spawn.upsert({ ...saved, officeId: o2.id, savedX: 0, savedY: 0 });
    expect(await store.spawn.get(user.id, o2.id)).toEqual({ ...saved, officeId: o2.id, savedX: 0, savedY: 0 });
    expect(await store.spawn.get(user.id, o1.id)).toEqual(reset);

    await expectStorageError(store.spawn.upsert({ ...saved, officeId: 'nope' }), 'NOT_FOUND');
    await expect(store.spawn.upsert({ ...saved, savedX: 1.5 })).rejects.toThrow(RangeError);
  });

  it('preferences: audio/video configuration per user, replaced on save; an unknown user → NOT_FOUND', async () => {
    const store = await ready();
    const org = await store.organisations.create('P');
    const user = await store.users.create(newUser(org.id, 'prefs@example.com'));
    expect(await store.preferences.getAv(user.id)).toBeUndefined();
    await store.preferences.putAv(user.id, '{"micOnByDefault":false}');
    await store.preferences.putAv(user.id, '{"micOnByDefault":true}');
    expect(await store.preferences.getAv(user.id)).toBe('{"micOnByDefault":true}');
    await expectStorageError(store.preferences.putAv('no-such-user', '{}'), 'NOT_FOUND');
  });

  it('deleting an organisation cascades to everything it owns, and nothing else', async () => {
    const store = await ready();
    const seed = async (name: string) => {
      const org = await store.organisations.create(name);
      const user = await store.users.create(newUser(org.id, `${name}@example.com`));
      const office = await store.offices.create({
        orgId: org.id,
        name: `${name} HQ`,
        description: '',
        template: 't',
        mapJson: '{}',
      });
      await store.sessions.create({ tokenHash: `s-${name}`, userId: user.id, createdAt: 1, expiresAt: 2 });
      await store.invites.create({ tokenHash: `i-${name}`, orgId: org.id, createdBy: user.id, createdAt: 1, expiresAt: 2 });
      await store.spawn.upsert({ userId: user.id, officeId: office.id, mode: 'saved', savedX: 1, savedY: 2 });
      await store.preferences.putAv(user.id, `{"owner":"${name}"}`);
      return { org, user, office };
    };
    const gone = await seed('gone');
    const kept = await seed('kept');

    await store.organisations.delete(gone.org.id);

    expect(await store.organisations.byId(gone.org.id)).toBeUndefined();
    expect(await store.users.byId(gone.user.id)).toBeUndefined();
    expect(await store.offices.byId(gone.office.id)).toBeUndefined();
    expect(await store.sessions.byTokenHash('s-gone')).toBeUndefined();
    expect(await store.invites.byTokenHash('i-gone')).toBeUndefined();
    expect(await store.spawn.get(gone.user.id, gone.office.id)).toBeUndefined();
    expect(await store.preferences.getAv(gone.user.id)).toBeUndefined();

    expect(await store.organisations.byId(kept.org.id)).toEqual(kept.org);
    expect(await store.users.byId(kept.user.id)).toEqual(kept.user);
    expect(await store.offices.byId(kept.office.id)).toEqual(kept.office);
    expect(await store.sessions.byTokenHash('s-kept')).toBeDefined();
    expect(await store.invites.byTokenHash('i-kept')).toBeDefined();
    expect(await store.spawn.get(kept.user.id, kept.office.id)).toBeDefined();
    expect(await store.preferences.getAv(kept.user.id)).toBe('{"owner":"kept"}');
    expect(await store.users.countAll()).toBe(1);

    await expectStorageError(store.organisations.delete(gone.org.id), 'NOT_FOUND');
  });

  it('teams: one organisation per tenant, people by object id, tabs keyed by tenant+team+channel+entity, sealed caches', async () => {
    const store = await ready();
    const org = await store.teams.organisationOfTenant('tid-a', 'Contoso');
    expect(await store.teams.organisationOfTenant('tid-a', 'Other name')).toEqual(org);
    expect(await store.teams.tenantOf(org.id)).toBe('tid-a');
    const standalone = await store.organisations.create('Local');
    expect(await store.teams.tenantOf(standalone.id)).toBeUndefined();

    const who = { tenantId: 'tid-a', objectId: 'oid-1', upn: 'Ada@Contoso.com', email: 'Ada@Contoso.com', name: 'Ada' };
    const ada = await store.teams.upsertPerson(org.id, who);
    expect(ada).toMatchObject({ orgId: org.id, email: 'ada@contoso.com', name: 'Ada', role: 'admin' });
    const bob = await store.teams.upsertPerson(org.id, { tenantId: 'tid-a', objectId: 'oid-b', upn: 'bob@contoso.com', email: 'bob@contoso.com', name: 'Bob' });
    expect(bob.role).toBe('member');
    const renamed = await store.teams.upsertPerson(org.id, { ...who, name: 'Ada L.' });
    expect(renamed.id).toBe(ada.id);
    expect((await store.users.byId(ada.id))?.name).toBe('Ada L.');
    // No password: signing in with the empty hash must be impossible, and the hash is what the store returns.
    expect((await store.users.byEmailWithHash('ada@contoso.com'))?.passwordHash).toBe('');
    await expectStorageError(store.teams.upsertPerson(org.id, { ...who, objectId: 'oid-2' }), 'EMAIL_TAKEN');
    expect(await store.teams.objectIdsOf([ada.id, 'nobody'])).toEqual(new Map([[ada.id, 'oid-1']]));
    expect(await store.teams.identityOf(ada.id)).toEqual({ objectId: 'oid-1', upn: 'Ada@Contoso.com' });
    expect(await store.teams.identityOf('nobody')).toBeUndefined();
    expect([...(await store.teams.usersByObjectIds(org.id, ['oid-1', 'oid-9'])).keys()]).toEqual(['oid-1']);
    expect((await store.teams.usersByObjectIds(org.id, ['oid-1', 'oid-b'])).get('oid-b')?.id).toBe(bob.id);
    expect((await store.teams.usersByObjectIds(standalone.id, ['oid-1'])).size).toBe(0);

    const office = await store.offices.create({ orgId: org.id, name: 'Design floor', description: '', template: 't', mapJson: '{}' });
    const key = { tenantId: 'tid-a', teamId: 'team-1', channelDigest: 'digest-of-channel', entityId: 'ent-1' };
    expect(await store.teams.tab(key)).toBeUndefined();
    await store.teams.saveTab({ ...key, channelSealed: null, orgId: org.id, officeId: office.id });
    expect(await store.teams.tab(key)).toMatchObject({ ...key, channelSealed: null, officeId: office.id });
    // Saving the same tab again fills in its sealed channel id.
    await store.teams.saveTab({ ...key, channelSealed: 'v1.sealed-channel', orgId: org.id, officeId: office.id });
    expect(await store.teams.tab(key)).toMatchObject({ ...key, channelSealed: 'v1.sealed-channel', officeId: office.id });
    expect(await store.teams.tab({ ...key, entityId: 'ent-2' })).toBeUndefined();
    expect((await store.teams.tabsInTeams(org.id, ['team-1', 'team-2'])).map((t) => t.entityId)).toEqual(['ent-1']);
    expect(await store.teams.tabsInTeams(standalone.id, ['team-1'])).toEqual([]);
    expect((await store.offices.rename(office.id, 'Renamed', 'Now with a view')).name).toBe('Renamed');
    await expectStorageError(store.offices.rename('missing', 'x', ''), 'NOT_FOUND');
    await expectStorageError(store.teams.saveTab({ ...key, entityId: 'ent-3', channelSealed: null, orgId: org.id, officeId: 'missing' }), 'NOT_FOUND');

    await store.tokenCaches.put(ada.id, 'v1.sealed-1');
    await store.tokenCaches.put(ada.id, 'v1.sealed-2');
    expect(await store.tokenCaches.get(ada.id)).toBe('v1.sealed-2');
    await expectStorageError(store.tokenCaches.put('missing', 'x'), 'NOT_FOUND');

    // Offboarding the tenant's organisation takes its people, tabs and token caches with it.
    await store.organisations.delete(org.id);
    expect(await store.teams.tab(key)).toBeUndefined();
    expect(await store.tokenCaches.get(ada.id)).toBeUndefined();
    expect(await store.teams.organisationOfTenant('tid-a', 'Fresh')).not.toEqual(org);
  });

  it('transaction: commits when fn resolves', async () => {
    const store = await ready();
    const { org, user } = await store.transaction(async (tx) => {
      const org = await tx.organisations.create('T');
      const user = await tx.users.create(newUser(org.id, 't@example.com'));
      return { org, user };
    });
    expect(await store.organisations.byId(org.id)).toEqual(org);
    expect(await store.users.byId(user.id)).toEqual(user);
  });

  it('transaction: rolls back everything when fn throws, and re-throws', async () => {
    const store = await ready();
    const boom = new Error('boom');
    let orgId = '';
    await expect(
      store.transaction(async (tx) => {
        orgId = (await tx.organisations.create('T')).id;
        await tx.users.create(newUser(orgId, 't@example.com'));
        expect(await tx.organisations.byId(orgId)).toBeDefined();
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await store.organisations.byId(orgId)).toBeUndefined();
    expect(await store.users.countAll()).toBe(0);
  });

  it('transaction: a StorageError inside rolls back earlier writes and keeps its code', async () => {
    const store = await ready();
    const org = await store.organisations.create('Org');
    await store.users.create(newUser(org.id, 'taken@example.com'));
    await expectStorageError(
      store.transaction(async (tx) => {
        await tx.offices.create({ orgId: org.id, name: 'O', description: '', template: 't', mapJson: '{}' });
        await tx.users.create(newUser(org.id, 'TAKEN@example.com'));
      }),
      'EMAIL_TAKEN',
    );
    expect(await store.offices.listByOrg(org.id)).toEqual([]);
    // The store is still usable afterwards.
    expect(await store.users.countAll()).toBe(1);
  });

  it('transaction: a nested transaction is a savepoint', async () => {
    const store = await ready();
    const result = await store.transaction(async (tx) => {
      const org = await tx.organisations.create('Outer');
      await tx
        .transaction(async (inner) => {
          await inner.users.create(newUser(org.id, 'inner@example.com'));
          throw new Error('inner fails');
        })
        .catch(() => undefined);
      const kept = await tx.transaction((inner) => inner.users.create(newUser(org.id, 'kept@example.com')));
      return { org, kept };
    });
    expect(await store.organisations.byId(result.org.id)).toEqual(result.org);
    expect(await store.users.byEmailWithHash('inner@example.com')).toBeUndefined();
    expect(await store.users.byId(result.kept.id)).toEqual(result.kept);
    await expectStorageError(store.transaction((tx) => tx.migrate()), 'CONFLICT');
  });

  it('transaction: concurrent transactions both commit', async () => {
    const store = await ready();
    const [a, b] = await Promise.all([
      store.transaction((tx) => tx.organisations.create('A')),
      store.transaction((tx) => tx.organisations.create('B')),
    ]);
    expect(await store.organisations.byId(a.id)).toEqual(a);
    expect(await store.organisations.byId(b.id)).toEqual(b);
  });

  it('ping answers true while open, false after close; calls after close → DB_UNAVAILABLE', async () => {
    const store = await ready();
    expect(await store.ping()).toBe(true);
    await store.transaction(async (tx) => expect(await tx.ping()).toBe(true));
    await store.close();
    await store.close(); // idempotent
    expect(await store.ping()).toBe(false);
    await expectStorageError(store.organisations.first(), 'DB_UNAVAILABLE');
    await expectStorageError(store.migrate(), 'DB_UNAVAILABLE');
    await expectStorageError(
      store.transaction(async () => undefined),
      'DB_UNAVAILABLE',
    );
  });
}

describe('resolveStorageTarget', () => {
  it('selects PostgreSQL only for postgres:// and postgresql:// URLs', () => {
    expect(resolveStorageTarget({ sqlitePath: './data/m.db' })).toEqual({ kind: 'sqlite', path: './data/m.db' });
    expect(resolveStorageTarget({ sqlitePath: 'x.db', databaseUrl: '' })).toMatchObject({ kind: 'sqlite' });
    expect(resolveStorageTarget({ sqlitePath: 'x.db', databaseUrl: 'mysql://h/db' })).toMatchObject({ kind: 'sqlite' });
    expect(resolveStorageTarget({ sqlitePath: 'x.db', databaseUrl: 'postgres://u@h/db' })).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u@h/db',
      schema: undefined,
      options: undefined,
    });
    expect(resolveStorageTarget({ sqlitePath: 'x.db', databaseUrl: 'postgresql://u@h/db' })).toMatchObject({
      kind: 'postgres',
    });
  });

  it('takes ?schema= out of the URL; the schema option wins; bad names are refused', () => {
    const t = resolveStorageTarget({ sqlitePath: 'x', databaseUrl: 'postgres://u@h:5432/db?schema=mo&sslmode=disable' });
    expect(t).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://u@h:5432/db?sslmode=disable',
      schema: 'mo',
      options: undefined,
    });
    expect(resolveStorageTarget({ sqlitePath: 'x', databaseUrl: 'postgres://h/db?schema=a', schema: 'b' })).toMatchObject(
      { schema: 'b' },
    );
    expect(() => resolveStorageTarget({ sqlitePath: 'x', databaseUrl: 'postgres://h/db?schema=a;drop' })).toThrow(
      /schema/,
    );
  });
});

describe('SQLite (temp file)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mo-storage-'));
  let n = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  defineStoreSuite({
    persistent: true,
    // A directory that does not exist yet: openStore must create it.
    fresh: async () => ({ sqlitePath: join(root, `t${++n}`, 'data', 'metaoffice.db'), clock: steppingClock() }),
  });

  it('creates the directory, uses WAL, and a reopened file keeps everything (restart loses nothing)', async () => {
    const path = join(root, 'restart', 'nested', 'metaoffice.db');
    const cfg: StorageConfig = { sqlitePath: path, clock: steppingClock() };
    const first = await openStore(cfg);
    await first.migrate();
    expect(existsSync(path)).toBe(true);
    const org = await first.organisations.create('Persisted');
    const user = await first.users.create({
      orgId: org.id,
      email: 'p@example.com',
      name: 'P',
      role: 'admin',
      passwordHash: 'h',
    });
    const office = await first.offices.create({ orgId: org.id, name: 'HQ', description: 'd', template: 't', mapJson: '{}' });
    await first.sessions.create({ tokenHash: 's', userId: user.id, createdAt: 1, expiresAt: 4_102_444_800_000 });
    await first.invites.create({ tokenHash: 'i', orgId: org.id, createdBy: user.id, createdAt: 1, expiresAt: 2 });
    await first.invites.markUsed('i');
    await first.spawn.upsert({ userId: user.id, officeId: office.id, mode: 'saved', savedX: 3, savedY: 4 });
    await first.close();

    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }

    const second = await openStore(cfg);
    try {
      await second.migrate();
      expect(await second.organisations.first()).toEqual(org);
      expect(await second.users.byEmailWithHash('P@example.com')).toEqual({ ...user, passwordHash: 'h' });
      expect(await second.offices.listByOrg(org.id)).toEqual([office]);
      expect(await second.sessions.byTokenHash('s')).toMatchObject({ userId: user.id, expiresAt: 4_102_444_800_000 });
      expect((await second.invites.byTokenHash('i'))?.usedCount).toBe(1);
      expect(await second.spawn.get(user.id, office.id)).toMatchObject({ savedX: 3, savedY: 4 });
    } finally {
      await second.close();
    }
  });
});

describe('SQLite (:memory:)', () => {
  defineStoreSuite({ persistent: false, fresh: async () => ({ sqlitePath: ':memory:', clock: steppingClock() }) });
});

describe('PostgreSQL (127.0.0.1:5432)', () => {
  // Connected lazily by every test, with no try/catch on purpose: an unreachable server makes each test below
  // FAIL (a failing beforeAll would only mark them skipped).
  let adminConnection: Promise<pg.Client> | undefined;
  const admin = (): Promise<pg.Client> =>
    (adminConnection ??= (async () => {
      const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
      await client.connect();
      return client;
    })());
  const schemas: string[] = [];
  const newSchema = async () => {
    await admin();
    const s = `mo_test_${RUN_ID}_${schemas.length + 1}`;
    schemas.push(s);
    return s;
  };

  afterEach(async () => {
    const created = schemas.splice(0);
    if (created.length === 0) return;
    const client = await admin();
    for (const s of created) await client.query(`drop schema if exists "${s}" cascade`);
  });

  afterAll(async () => {
    const client = await adminConnection?.catch(() => undefined);
    await client?.end();
  });

  const urlWith = (schema: string) => `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`;

  defineStoreSuite({
    persistent: true,
    fresh: async () => ({ databaseUrl: urlWith(await newSchema()), sqlitePath: 'unused.db', clock: steppingClock() }),
  });

  it('creates its tables in the configured schema only, and int8 comes back as a number', async () => {
    const schema = await newSchema();
    const store = await openStore({ databaseUrl: PG_URL, schema, sqlitePath: 'unused.db' });
    try {
      expect(store.dialect).toBe('postgres');
      await store.migrate();
      const { rows } = await (await admin()).query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = $1 order by table_name',
        [schema],
      );
      expect(rows.map((r) => r.table_name)).toEqual([
        'graph_token_caches',
        'invites',
        'kysely_migration',
        'kysely_migration_lock',
        'offices',
        'organisations',
        'sessions',
        'spawn_preferences',
        'teams_tabs',
        'user_avatars',
        'user_preferences',
        'users',
      ]);
      const org = await store.organisations.create('N');
      const fetched = await store.organisations.byId(org.id);
      expect(typeof fetched?.createdAt).toBe('number');
      expect(typeof (await store.users.countAll())).toBe('number');
    } finally {
      await store.close();
    }
  });

  it('two runs in different schemas do not see each other', async () => {
    const a = await openStore({ databaseUrl: urlWith(await newSchema()), sqlitePath: 'unused.db' });
    const b = await openStore({ databaseUrl: urlWith(await newSchema()), sqlitePath: 'unused.db' });
    try {
      await a.migrate();
      await b.migrate();
      await a.organisations.create('Only in A');
      expect(await b.organisations.first()).toBeUndefined();
      expect(await a.organisations.first()).toMatchObject({ name: 'Only in A' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('without a schema setting it migrates into current_schema(), keeping libpq options from the URL', async () => {
    // Another schema holding Kysely's bookkeeping tables must not be mistaken for ours.
    const decoy = await openStore({ databaseUrl: urlWith(await newSchema()), sqlitePath: 'unused.db' });
    await decoy.migrate();
    await decoy.close();
    const schema = await newSchema();
    await (await admin()).query(`create schema "${schema}"`);
    const options = encodeURIComponent(`-c search_path=${schema} -c statement_timeout=5000`);
    const sep = PG_URL.includes('?') ? '&' : '?';
    const store = await openStore({ databaseUrl: `${PG_URL}${sep}options=${options}`, sqlitePath: 'unused.db' });
    try {
      await store.migrate();
      await store.migrate();
      const org = await store.organisations.create('In current schema');
      const { rows } = await (await admin()).query<{ n: string }>(
        `select count(*) as n from "${schema}".organisations where id = $1`,
        [org.id],
      );
      expect(rows[0]?.n).toBe('1');
    } finally {
      await store.close();
    }
  });

  it('an unreachable server: ping is false and calls fail with DB_UNAVAILABLE', async () => {
    await admin(); // this test is only meaningful while the real server is up
    const store = await openStore({
      databaseUrl: 'postgres://postgres@127.0.0.1:1/test',
      sqlitePath: 'unused.db',
      pingTimeoutMs: 3000,
    });
    try {
      expect(await store.ping()).toBe(false);
      await expectStorageError(store.migrate(), 'DB_UNAVAILABLE');
      await expectStorageError(store.organisations.first(), 'DB_UNAVAILABLE');
    } finally {
      await store.close();
    }
  });
});
