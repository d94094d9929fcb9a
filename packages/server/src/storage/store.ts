import { randomUUID } from 'node:crypto';
import { Migrator, sql, type Kysely, type Selectable } from 'kysely';
import { classifyDbError, StorageError, unavailable } from './errors.js';
import { migrationProvider } from './migrations.js';
import type { Database, InvitesTable, OfficesTable, OrganisationsTable, SessionsTable, SpawnPreferencesTable, TeamsTabsTable, UsersTable } from './schema.js';
import type {
  Invite,
  Office,
  Organisation,
  Role,
  Session,
  SpawnMode,
  SpawnPreference,
  TeamsTab,
  Store,
  User,
  UserWithHash,
} from './types.js';

/** State shared by a store and every transaction-scoped store made from it. */
export interface StoreContext {
  readonly dialect: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  /** PostgreSQL schema given in the configuration, if any. */
  readonly schema: string | undefined;
  readonly clock: () => number;
  readonly pingTimeoutMs: number;
  closed: boolean;
}

interface Translation {
  unique?: (cause: unknown) => StorageError;
  foreignKey?: (cause: unknown) => StorageError;
}

/** Turns driver errors into StorageErrors; anything else (including the caller's own errors) passes unchanged. */
function translate(err: unknown, t: Translation = {}): unknown {
  if (err instanceof StorageError) return err;
  switch (classifyDbError(err)) {
    case 'unique':
      return t.unique?.(err) ?? new StorageError('CONFLICT', 'record already exists', { cause: err });
    case 'foreign_key':
      return t.foreignKey?.(err) ?? new StorageError('NOT_FOUND', 'referenced record does not exist', { cause: err });
    case 'unavailable':
      return unavailable(err);
    default:
      return err;
  }
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

const userColumns = ['id', 'org_id', 'email', 'name', 'role', 'created_at'] as const;

function toOrganisation(r: Selectable<OrganisationsTable>): Organisation {
  return { id: r.id, name: r.name, createdAt: Number(r.created_at) };
}

function toUser(r: Pick<Selectable<UsersTable>, (typeof userColumns)[number]>): User {
  return {
    id: r.id,
    orgId: r.org_id,
    email: r.email,
    name: r.name,
    role: r.role as Role,
    createdAt: Number(r.created_at),
  };
}

function toSession(r: Selectable<SessionsTable>): Session {
  return {
    tokenHash: r.token_hash,
    userId: r.user_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}

function toInvite(r: Selectable<InvitesTable>): Invite {
  return {
    tokenHash: r.token_hash,
    orgId: r.org_id,
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedCount: Number(r.used_count),
  };
}

function toOffice(r: Selectable<OfficesTable>): Office {
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    description: r.description,
    template: r.template,
    mapJson: r.map_json,
    mapVersion: Number(r.map_version),
    createdAt: Number(r.created_at),
  };
}

function toTab(r: Selectable<TeamsTabsTable>): TeamsTab {
  return { tenantId: r.tenant_id, teamId: r.team_id, channelDigest: r.channel_digest, channelSealed: r.channel_sealed, entityId: r.entity_id, orgId: r.org_id, officeId: r.office_id, createdAt: Number(r.created_at) };
}

function toSpawn(r: Selectable<SpawnPreferencesTable>): SpawnPreference {
  return {
    userId: r.user_id,
    officeId: r.office_id,
    mode: r.mode as SpawnMode,
    savedX: r.saved_x === null ? null : Number(r.saved_x),
    savedY: r.saved_y === null ? null : Number(r.saved_y),
  };
}

/** Serialises the savepoints one store opens, so concurrent nested transactions cannot interleave. */
class SavepointQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Builds a Store over `exec`: the root Kysely instance (depth 0) or a transaction (depth ≥ 1). The repository code
 * is the same for both dialects and for both cases.
 */
export function createStore(ctx: StoreContext, exec: Kysely<Database> = ctx.db, depth = 0): Store {
  const inTransaction = depth > 0;

  async function guard<T>(op: () => Promise<T>, t?: Translation): Promise<T> {
    if (ctx.closed) throw new StorageError('DB_UNAVAILABLE', 'store is closed');
    try {
      return await op();
    } catch (err) {
      throw translate(err, t);
    }
  }

  const notInTransaction = (what: string) =>
    new StorageError('CONFLICT', `${what} is not allowed inside a transaction`);

  async function count(q: Promise<{ n: string | number | bigint } | undefined>): Promise<number> {
    return Number((await q)?.n ?? 0);
  }

  const savepoints = new SavepointQueue();

  const store: Store = {
    dialect: ctx.dialect,

    async migrate() {
      if (inTransaction) throw notInTransaction('migrate');
      await guard(async () => {
        // Kysely's migrator looks for its bookkeeping table in every schema it can see, so on PostgreSQL pin it to
        // ours; otherwise a kysely_migration table in another schema would be taken for this one's.
        let migrationTableSchema: string | undefined;
        if (ctx.dialect === 'postgres') {
          migrationTableSchema = ctx.schema ?? (await currentSchema(ctx.db));
        }
        const migrator = new Migrator({ db: ctx.db, provider: migrationProvider, migrationTableSchema });
        const { error, results } = await migrator.migrateToLatest();
        if (error !== undefined) {
          const translated = translate(error);
          if (translated instanceof StorageError) throw translated;
          const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'setup';
          const detail = error instanceof Error ? error.message : String(error);
          throw new Error(`migration ${failed} failed: ${detail}`, { cause: error });
        }
      });
    },

    async ping() {
      if (ctx.closed) return false;
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), ctx.pingTimeoutMs);
        });
        const query = sql`select 1 as ok`.execute(exec).then(() => true);
        return await Promise.race([query, timeout]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      if (inTransaction) throw notInTransaction('close');
      if (ctx.closed) return;
      ctx.closed = true;
      await ctx.db.destroy();
    },

    async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
      if (ctx.closed) throw new StorageError('DB_UNAVAILABLE', 'store is closed');
      if (!inTransaction) {
        try {
          return await ctx.db.transaction().execute((trx) => fn(createStore(ctx, trx, 1)));
        } catch (err) {
          throw translate(err);
        }
      }
      // Nested: a savepoint, so that a failure rolls back only this part. The SQL is the same on both dialects.
      return savepoints.run(async () => {
        const name = sql.id(`mo_savepoint_${depth}`);
        try {
          await sql`savepoint ${name}`.execute(exec);
        } catch (err) {
          throw translate(err);
        }
        let result: T;
        try {
          result = await fn(createStore(ctx, exec, depth + 1));
        } catch (err) {
          try {
            await sql`rollback to savepoint ${name}`.execute(exec);
            await sql`release savepoint ${name}`.execute(exec);
          } catch {
            // The outer transaction is broken anyway; report the error that caused it.
          }
          throw err;
        }
        try {
          await sql`release savepoint ${name}`.execute(exec);
        } catch (err) {
          throw translate(err);
        }
        return result;
      });
    },

    organisations: {
      create: (name) =>
        guard(async () => {
          const org: Organisation = { id: randomUUID(), name, createdAt: ctx.clock() };
          await exec
            .insertInto('organisations')
            .values({ id: org.id, name: org.name, created_at: org.createdAt })
            .execute();
          return org;
        }),

      byId: (id) =>
        guard(async () => {
          const row = await exec.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
          return row && toOrganisation(row);
        }),

      first: () =>
        guard(async () => {
          const row = await exec
            .selectFrom('organisations')
            .selectAll()
            .orderBy('created_at')
            .orderBy('id')
            .limit(1)
            .executeTakeFirst();
          return row && toOrganisation(row);
        }),

      countUsers: (orgId) =>
        guard(() =>
          count(
            exec
              .selectFrom('users')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('org_id', '=', orgId)
              .executeTakeFirst(),
          ),
        ),

      delete: (id) =>
        guard(async () => {
          const res = await exec.deleteFrom('organisations').where('id', '=', id).executeTakeFirst();
          if (Number(res.numDeletedRows) === 0) throw new StorageError('NOT_FOUND', `organisation ${id} not found`);
        }),
    },

    users: {
      create: (u) =>
        guard(
          async () => {
            const user: User = {
              id: randomUUID(),
              orgId: u.orgId,
              email: normaliseEmail(u.email),
              name: u.name,
              role: u.role,
              createdAt: ctx.clock(),
            };
            await exec
              .insertInto('users')
              .values({
                id: user.id,
                org_id: user.orgId,
                email: user.email,
                name: user.name,
                role: user.role,
                password_hash: u.passwordHash,
                created_at: user.createdAt,
              })
              .execute();
            return user;
          },
          {
            unique: (cause) => new StorageError('EMAIL_TAKEN', 'email already registered', { cause }),
            foreignKey: (cause) => new StorageError('NOT_FOUND', `organisation ${u.orgId} not found`, { cause }),
          },
        ),

      byEmailWithHash: (email) =>
        guard(async () => {
          const row = await exec
            .selectFrom('users')
            .select([...userColumns, 'password_hash'])
            .where('email', '=', normaliseEmail(email))
            .executeTakeFirst();
          return row && { ...toUser(row), passwordHash: row.password_hash };
        }),

      byId: (id) =>
        guard(async () => {
          const row = await exec.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst();
          return row && toUser(row);
        }),

      listByOrg: (orgId) =>
        guard(async () => {
          const rows = await exec
            .selectFrom('users')
            .select(userColumns)
            .where('org_id', '=', orgId)
            .orderBy(sql`lower(name)`)
            .orderBy('name')
            .orderBy('id')
            .execute();
          return rows.map(toUser);
        }),

      countAll: () =>
        guard(() =>
          count(
            exec
              .selectFrom('users')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirst(),
          ),
        ),

      delete: (id) =>
        guard(async () => {
          const res = await exec.deleteFrom('users').where('id', '=', id).executeTakeFirst();
          if (Number(res.numDeletedRows) === 0) throw new StorageError('NOT_FOUND', `user ${id} not found`);
        }),

      lockedUntil: (id) =>
        guard(async () => {
          const row = await exec.selectFrom('users').select('locked_until').where('id', '=', id).executeTakeFirst();
          return row?.locked_until == null ? null : Number(row.locked_until);
        }),

      recordSignInFailure: (id, policy) =>
        guard(async () => {
          const now = ctx.clock();
          // One UPDATE each, so concurrent failures all count without a read-modify-write race.
          await exec
            .updateTable('users')
            .set({
              failed_signins: sql<number>`case when last_failed_signin_at is null or last_failed_signin_at < ${now - policy.windowMs} then 1 else failed_signins + 1 end`,
              last_failed_signin_at: now,
            })
            .where('id', '=', id)
            .execute();
          const locked = await exec
            .updateTable('users')
            .set({ locked_until: now + policy.lockMs, failed_signins: 0 })
            .where('id', '=', id)
            .where('failed_signins', '>=', policy.maxFailures)
            .returning('locked_until')
            .executeTakeFirst();
          return { lockedUntil: locked?.locked_until == null ? null : Number(locked.locked_until) };
        }),

      clearSignInFailures: (id) =>
        guard(async () => {
          await exec
            .updateTable('users')
            .set({ failed_signins: 0, last_failed_signin_at: null, locked_until: null })
            .where('id', '=', id)
            .where((eb) => eb.or([eb('failed_signins', '>', 0), eb('locked_until', 'is not', null), eb('last_failed_signin_at', 'is not', null)]))
            .execute();
        }),
    },

    sessions: {
      create: (s) =>
        guard(
          async () => {
            await exec
              .insertInto('sessions')
              .values({
                token_hash: s.tokenHash,
                user_id: s.userId,
                created_at: s.createdAt,
                expires_at: s.expiresAt,
              })
              .execute();
          },
          { foreignKey: (cause) => new StorageError('NOT_FOUND', `user ${s.userId} not found`, { cause }) },
        ),

      byTokenHash: (tokenHash) =>
        guard(async () => {
          const row = await exec
            .selectFrom('sessions')
            .selectAll()
            .where('token_hash', '=', tokenHash)
            .executeTakeFirst();
          return row && toSession(row);
        }),

      validAmong: (tokenHashes, now) =>
        guard(async () => {
          const valid = new Set<string>();
          for (let i = 0; i < tokenHashes.length; i += 500) {
            const rows = await exec
              .selectFrom('sessions')
              .select('token_hash')
              .where('token_hash', 'in', tokenHashes.slice(i, i + 500))
              .where('expires_at', '>', now)
              .execute();
            for (const r of rows) valid.add(r.token_hash);
          }
          return valid;
        }),

      delete: (tokenHash) =>
        guard(async () => {
          await exec.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
        }),

      deleteExpired: (now) =>
        guard(async () => {
          const res = await exec.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
          return Number(res.numDeletedRows);
        }),

      deleteByUser: (userId) =>
        guard(async () => {
          const res = await exec.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
          return Number(res.numDeletedRows);
        }),

      listByUser: (userId) =>
        guard(async () => {
          const rows = await exec
            .selectFrom('sessions')
            .selectAll()
            .where('user_id', '=', userId)
            .orderBy('created_at')
            .orderBy('token_hash')
            .execute();
          return rows.map(toSession);
        }),
    },

    invites: {
      create: (i) =>
        guard(
          async () => {
            await exec
              .insertInto('invites')
              .values({
                token_hash: i.tokenHash,
                org_id: i.orgId,
                created_by: i.createdBy,
                created_at: i.createdAt,
                expires_at: i.expiresAt,
                used_count: 0,
              })
              .execute();
          },
          { foreignKey: (cause) => new StorageError('NOT_FOUND', `organisation ${i.orgId} not found`, { cause }) },
        ),

      byTokenHash: (tokenHash) =>
        guard(async () => {
          const row = await exec
            .selectFrom('invites')
            .selectAll()
            .where('token_hash', '=', tokenHash)
            .executeTakeFirst();
          return row && toInvite(row);
        }),

      markUsed: (tokenHash) =>
        guard(async () => {
          // One UPDATE, so concurrent sign-ups through the same invite each count.
          const res = await exec
            .updateTable('invites')
            .set((eb) => ({ used_count: eb('used_count', '+', 1) }))
            .where('token_hash', '=', tokenHash)
            .executeTakeFirst();
          if (Number(res.numUpdatedRows) === 0) throw new StorageError('NOT_FOUND', 'invite not found');
        }),

      listByOrg: (orgId) =>
        guard(async () => {
          const rows = await exec
            .selectFrom('invites')
            .selectAll()
            .where('org_id', '=', orgId)
            .orderBy('created_at')
            .orderBy('token_hash')
            .execute();
          return rows.map(toInvite);
        }),
    },

    offices: {
      rename: (id, name, description) =>
        guard(async () => {
          const row = await exec.updateTable('offices').set({ name, description }).where('id', '=', id).returningAll().executeTakeFirst();
          if (!row) throw new StorageError('NOT_FOUND', `office ${id} not found`);
          return toOffice(row);
        }),

      create: (o) =>
        guard(
          async () => {
            const office: Office = { id: randomUUID(), ...o, mapVersion: 1, createdAt: ctx.clock() };
            await exec
              .insertInto('offices')
              .values({
                id: office.id,
                org_id: office.orgId,
                name: office.name,
                description: office.description,
                template: office.template,
                map_json: office.mapJson,
                created_at: office.createdAt,
              })
              .execute();
            return office;
          },
          { foreignKey: (cause) => new StorageError('NOT_FOUND', `organisation ${o.orgId} not found`, { cause }) },
        ),

      byId: (id) =>
        guard(async () => {
          const row = await exec.selectFrom('offices').selectAll().where('id', '=', id).executeTakeFirst();
          return row && toOffice(row);
        }),

      listByOrg: (orgId) =>
        guard(async () => {
          const rows = await exec
            .selectFrom('offices')
            .selectAll()
            .where('org_id', '=', orgId)
            .orderBy('created_at')
            .orderBy('name')
            .orderBy('id')
            .execute();
          return rows.map(toOffice);
        }),

      replaceMap: (id, expectedVersion, mapJson) =>
        guard(async () => {
          // One conditional UPDATE: the version check and the write cannot be split by another save.
          const updated = await exec
            .updateTable('offices')
            .set({ map_json: mapJson, map_version: sql<number>`map_version + 1` })
            .where('id', '=', id)
            .where('map_version', '=', expectedVersion)
            .returning('map_version')
            .executeTakeFirst();
          if (updated) return Number(updated.map_version);
          const current = await exec.selectFrom('offices').select('map_version').where('id', '=', id).executeTakeFirst();
          if (!current) throw new StorageError('NOT_FOUND', `office ${id} not found`);
          throw new StorageError('CONFLICT', `office ${id} has map version ${Number(current.map_version)}, not ${expectedVersion}`);
        }),
    },

    preferences: {
      getAv: (userId) =>
        guard(async () => {
          const row = await exec.selectFrom('user_preferences').select('av_json').where('user_id', '=', userId).executeTakeFirst();
          return row?.av_json;
        }),
      putAv: (userId, avJson) =>
        guard(
          async () => {
            await exec
              .insertInto('user_preferences')
              .values({ user_id: userId, av_json: avJson, updated_at: ctx.clock() })
              .onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({ av_json: eb.ref('excluded.av_json'), updated_at: eb.ref('excluded.updated_at') })))
              .execute();
          },
          { foreignKey: (cause) => new StorageError('NOT_FOUND', 'user not found', { cause }) },
        ),

      listAvByOrg: (orgId) =>
        guard(async () => {
          const rows = await exec
            .selectFrom('user_preferences')
            .innerJoin('users', 'users.id', 'user_preferences.user_id')
            .select(['user_preferences.user_id', 'user_preferences.av_json'])
            .where('users.org_id', '=', orgId)
            .orderBy('user_preferences.user_id')
            .execute();
          return rows.map((r) => ({ userId: r.user_id, avJson: r.av_json }));
        }),

      getAvatar: (userId) =>
        guard(async () => {
          const row = await exec.selectFrom('user_avatars').select('avatar_json').where('user_id', '=', userId).executeTakeFirst();
          return row?.avatar_json;
        }),
      putAvatar: (userId, avatarJson) =>
        guard(
          async () => {
            await exec
              .insertInto('user_avatars')
              .values({ user_id: userId, avatar_json: avatarJson, updated_at: ctx.clock() })
              .onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({ avatar_json: eb.ref('excluded.avatar_json'), updated_at: eb.ref('excluded.updated_at') })))
              .execute();
          },
          { foreignKey: (cause) => new StorageError('NOT_FOUND', 'user not found', { cause }) },
        ),
      listAvatarsByOrg: (orgId) =>
        guard(async () => {
          const rows = await exec
            .selectFrom('user_avatars')
            .innerJoin('users', 'users.id', 'user_avatars.user_id')
            .select(['user_avatars.user_id', 'user_avatars.avatar_json'])
            .where('users.org_id', '=', orgId)
            .orderBy('user_avatars.user_id')
            .execute();
          return rows.map((r) => ({ userId: r.user_id, avatarJson: r.avatar_json }));
        }),
    },

    teams: {
      organisationOfTenant: (tenantId, name) =>
        guard(async () => {
          const find = () => exec.selectFrom('organisations').selectAll().where('entra_tenant_id', '=', tenantId).executeTakeFirst();
          const found = await find();
          if (found) return toOrganisation(found);
          const org: Organisation = { id: randomUUID(), name, createdAt: ctx.clock() };
          try {
            await exec.insertInto('organisations').values({ id: org.id, name, created_at: org.createdAt, entra_tenant_id: tenantId }).execute();
            return org;
          } catch (err) {
            // Two first sign-ins of one tenant at once: the loser takes the winner's organisation.
            const raced = await find();
            if (raced) return toOrganisation(raced);
            throw err;
          }
        }),

      tenantOf: (orgId) =>
        guard(async () => {
          const row = await exec.selectFrom('organisations').select('entra_tenant_id').where('id', '=', orgId).executeTakeFirst();
          return row?.entra_tenant_id ?? undefined;
        }),

      upsertPerson: (orgId, who) =>
        guard(
          async () => {
            const existing = await exec
              .selectFrom('users')
              .select(userColumns)
              .where('org_id', '=', orgId)
              .where('entra_object_id', '=', who.objectId)
              .executeTakeFirst();
            const email = normaliseEmail(who.email);
            if (existing) {
              await exec.updateTable('users').set({ name: who.name, upn: who.upn, email }).where('id', '=', existing.id).execute();
              return { ...toUser(existing), name: who.name, email };
            }
            // The tenant's first person becomes its admin, as the first account does standalone: someone must be
            // able to export and offboard.
            const first = (await count(exec.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('org_id', '=', orgId).executeTakeFirst())) === 0;
            const role: Role = first ? 'admin' : 'member';
            const user: User = { id: randomUUID(), orgId, email, name: who.name, role, createdAt: ctx.clock() };
            await exec
              .insertInto('users')
              // No password: a Teams person signs in through Entra only, and an empty hash never verifies.
              .values({ id: user.id, org_id: orgId, email, name: who.name, role, password_hash: '', created_at: user.createdAt, entra_object_id: who.objectId, upn: who.upn })
              .execute();
            return user;
          },
          {
            unique: (cause) => new StorageError('EMAIL_TAKEN', 'email already registered', { cause }),
            foreignKey: (cause) => new StorageError('NOT_FOUND', `organisation ${orgId} not found`, { cause }),
          },
        ),

      identityOf: (userId) =>
        guard(async () => {
          const row = await exec.selectFrom('users').select(['entra_object_id', 'upn']).where('id', '=', userId).executeTakeFirst();
          return row?.entra_object_id ? { objectId: row.entra_object_id, upn: row.upn ?? '' } : undefined;
        }),

      objectIdsOf: (userIds) =>
        guard(async () => {
          const out = new Map<string, string>();
          for (let i = 0; i < userIds.length; i += 500) {
            const rows = await exec.selectFrom('users').select(['id', 'entra_object_id']).where('id', 'in', userIds.slice(i, i + 500)).execute();
            for (const r of rows) if (r.entra_object_id) out.set(r.id, r.entra_object_id);
          }
          return out;
        }),

      usersByObjectIds: (orgId, objectIds) =>
        guard(async () => {
          const out = new Map<string, User>();
          for (let i = 0; i < objectIds.length; i += 500) {
            const rows = await exec
              .selectFrom('users')
              .select([...userColumns, 'entra_object_id'])
              .where('org_id', '=', orgId)
              .where('entra_object_id', 'in', objectIds.slice(i, i + 500))
              .execute();
            for (const r of rows) out.set(r.entra_object_id!, toUser(r));
          }
          return out;
        }),

      tab: (key) =>
        guard(async () => {
          const row = await exec
            .selectFrom('teams_tabs')
            .selectAll()
            .where('tenant_id', '=', key.tenantId)
            .where('team_id', '=', key.teamId)
            .where('channel_digest', '=', key.channelDigest)
            .where('entity_id', '=', key.entityId)
            .executeTakeFirst();
          return row && toTab(row);
        }),

      saveTab: (t) =>
        guard(
          async () => {
            const tab: TeamsTab = { ...t, createdAt: ctx.clock() };
            await exec
              .insertInto('teams_tabs')
              .values({ tenant_id: t.tenantId, team_id: t.teamId, channel_digest: t.channelDigest, channel_sealed: t.channelSealed, entity_id: t.entityId, org_id: t.orgId, office_id: t.officeId, created_at: tab.createdAt })
              .onConflict((oc) => oc.columns(['tenant_id', 'team_id', 'channel_digest', 'entity_id']).doUpdateSet({ office_id: t.officeId, channel_sealed: t.channelSealed }))
              .execute();
            return tab;
          },
          { foreignKey: (cause) => new StorageError('NOT_FOUND', `organisation ${t.orgId} or office ${t.officeId} not found`, { cause }) },
        ),

      tabsInTeams: (orgId, teamIds) =>
        guard(async () => {
          if (teamIds.length === 0) return [];
          const out: TeamsTab[] = [];
          for (let i = 0; i < teamIds.length; i += 500) {
            const rows = await exec.selectFrom('teams_tabs').selectAll().where('org_id', '=', orgId).where('team_id', 'in', teamIds.slice(i, i + 500)).orderBy('created_at').execute();
            out.push(...rows.map(toTab));
          }
          return out;
        }),

      tabsOfOffice: (officeId) =>
        guard(async () => (await exec.selectFrom('teams_tabs').selectAll().where('office_id', '=', officeId).execute()).map(toTab)),
    },

    tokenCaches: {
      get: (userId) =>
        guard(async () => (await exec.selectFrom('graph_token_caches').select('sealed').where('user_id', '=', userId).executeTakeFirst())?.sealed),

      put: (userId, sealed) =>
        guard(
          async () => {
            const now = ctx.clock();
            await exec
              .insertInto('graph_token_caches')
              .values({ user_id: userId, sealed, updated_at: now })
              .onConflict((oc) => oc.column('user_id').doUpdateSet({ sealed, updated_at: now }))
              .execute();
          },
          { foreignKey: (cause) => new StorageError('NOT_FOUND', `user ${userId} not found`, { cause }) },
        ),

      delete: (userId) =>
        guard(async () => {
          await exec.deleteFrom('graph_token_caches').where('user_id', '=', userId).execute();
        }),
    },

    spawn: {
      get: (userId, officeId) =>
        guard(async () => {
          const row = await exec
            .selectFrom('spawn_preferences')
            .selectAll()
            .where('user_id', '=', userId)
            .where('office_id', '=', officeId)
            .executeTakeFirst();
          return row && toSpawn(row);
        }),

      listByUser: (userId) =>
        guard(async () => {
          const rows = await exec.selectFrom('spawn_preferences').selectAll().where('user_id', '=', userId).orderBy('office_id').execute();
          return rows.map(toSpawn);
        }),

      listByOrg: (orgId) =>
        guard(async () => {
          const rows = await exec
            .selectFrom('spawn_preferences')
            .innerJoin('offices', 'offices.id', 'spawn_preferences.office_id')
            .selectAll('spawn_preferences')
            .where('offices.org_id', '=', orgId)
            .orderBy('spawn_preferences.user_id')
            .orderBy('spawn_preferences.office_id')
            .execute();
          return rows.map(toSpawn);
        }),

      upsert: (p: SpawnPreference) =>
        guard(
          async () => {
            // SQLite would store 2.5 in an integer column while PostgreSQL rejects it; refuse it on both.
            for (const v of [p.savedX, p.savedY]) {
              if (v !== null && !Number.isSafeInteger(v)) throw new RangeError(`spawn coordinate ${v} is not an integer`);
            }
            await exec
              .insertInto('spawn_preferences')
              .values({
                user_id: p.userId,
                office_id: p.officeId,
                mode: p.mode,
                saved_x: p.savedX,
                saved_y: p.savedY,
              })
              .onConflict((oc) =>
                oc.columns(['user_id', 'office_id']).doUpdateSet((eb) => ({
                  mode: eb.ref('excluded.mode'),
                  saved_x: eb.ref('excluded.saved_x'),
                  saved_y: eb.ref('excluded.saved_y'),
                })),
              )
              .execute();
          },
          { foreignKey: (cause) => new StorageError('NOT_FOUND', 'user or office not found', { cause }) },
        ),
    },
  };
  return store;
}

/** PostgreSQL only: the schema unqualified names resolve to (first existing entry of search_path). */
async function currentSchema(db: Kysely<Database>): Promise<string | undefined> {
  const res = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return res.rows[0]?.schema ?? undefined;
}
