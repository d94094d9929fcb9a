import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { channelDigest } from '../teams/channel-ids.js';

/*
 * The one migration list for both dialects. Write every migration with Kysely's schema builder (portable types:
 * text, integer, bigint) so it runs on SQLite and PostgreSQL alike. Never edit a migration that has shipped; add a
 * new one. Names sort lexically, so keep the numeric prefix.
 */

// Migrations must not depend on the app's current table types, which describe the latest schema only.
type AnyDb = Kysely<any>;

const m0001Initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('organisations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('organisations_created_at_idx').on('organisations').column('created_at').execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'member')`))
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('users_email_key', ['email'])
      .execute();
    await db.schema.createIndex('users_org_id_idx').on('users').column('org_id').execute();

    await db.schema
      .createTable('sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();
    await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();

    await db.schema
      .createTable('invites')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_count', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('invites_org_id_idx').on('invites').column('org_id').execute();

    await db.schema
      .createTable('offices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('template', 'text', (c) => c.notNull())
      .addColumn('map_json', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('offices_org_id_idx').on('offices').columns(['org_id', 'created_at']).execute();

    await db.schema
      .createTable('spawn_preferences')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('office_id', 'text', (c) => c.notNull().references('offices.id').onDelete('cascade'))
      .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('default', 'saved')`))
      .addColumn('saved_x', 'integer')
      .addColumn('saved_y', 'integer')
      .addPrimaryKeyConstraint('spawn_preferences_pkey', ['user_id', 'office_id'])
      .execute();
    // Cascading an office delete looks rows up by office_id, which the primary key does not lead with.
    await db.schema
      .createIndex('spawn_preferences_office_id_idx')
      .on('spawn_preferences')
      .column('office_id')
      .execute();
  },

  async down(db: AnyDb) {
    for (const table of ['spawn_preferences', 'offices', 'invites', 'sessions', 'users', 'organisations']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/** Per-user audio/video configuration (devices, defaults), stored as the data table in DESIGN §5 requires. */
const m0002UserPreferences: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('user_preferences')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('av_json', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('user_preferences').execute();
  },
};

/**
 * Sign-in lock-out: failures are counted on the account, in the database, so the count holds across restarts and
 * (later) across every node of a cluster, where an in-memory count would let an attacker spread guesses.
 */
const m0003SignInLockout: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('users').addColumn('failed_signins', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('users').addColumn('last_failed_signin_at', 'bigint').execute();
    await db.schema.alterTable('users').addColumn('locked_until', 'bigint').execute();
  },
  async down(db: AnyDb) {
    for (const column of ['locked_until', 'last_failed_signin_at', 'failed_signins']) {
      await db.schema.alterTable('users').dropColumn(column).execute();
    }
  },
};

/**
 * Teams mode. An organisation is an Entra tenant and its people are the tenant's users, identified by object id and
 * UPN (stored: DESIGN §5 "user identifiers"). A channel tab is an office, keyed by tenant + team + channel + the tab's
 * entity id. Graph token caches are stored sealed (AES-GCM), one row per person, and go with the person.
 */
const m0004Teams: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('organisations').addColumn('entra_tenant_id', 'text').execute();
    await db.schema.createIndex('organisations_entra_tenant_id_key').on('organisations').column('entra_tenant_id').unique().execute();
    await db.schema.alterTable('users').addColumn('entra_object_id', 'text').execute();
    await db.schema.alterTable('users').addColumn('upn', 'text').execute();
    await db.schema.createIndex('users_entra_object_id_key').on('users').columns(['org_id', 'entra_object_id']).unique().execute();

    await db.schema
      .createTable('teams_tabs')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('channel_id', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('office_id', 'text', (c) => c.notNull().references('offices.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('teams_tabs_pkey', ['tenant_id', 'team_id', 'channel_id', 'entity_id'])
      .execute();
    await db.schema.createIndex('teams_tabs_office_id_idx').on('teams_tabs').column('office_id').execute();
    await db.schema.createIndex('teams_tabs_org_team_idx').on('teams_tabs').columns(['org_id', 'team_id']).execute();

    await db.schema
      .createTable('graph_token_caches')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('graph_token_caches').execute();
    await db.schema.dropTable('teams_tabs').execute();
    await db.schema.dropIndex('users_entra_object_id_key').execute();
    await db.schema.alterTable('users').dropColumn('upn').execute();
    await db.schema.alterTable('users').dropColumn('entra_object_id').execute();
    await db.schema.dropIndex('organisations_entra_tenant_id_key').execute();
    await db.schema.alterTable('organisations').dropColumn('entra_tenant_id').execute();
  },
};

/** Every office's map gets a version, so a save based on an older map is refused; the created map is version 1. */
const m0005OfficeMapVersion: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('offices').addColumn('map_version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('offices').dropColumn('map_version').execute();
  },
};

/** A person's avatar (the avatar editor's choices); deleted with the person. */
const m0006UserAvatars: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('user_avatars')
      .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('avatar_json', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('user_avatars').execute();
  },
};

/**
 * DESIGN §5: Teams channel ids are never stored. The tab's key now holds a digest of (tenant, channel id) in place of
 * the id, and the id is kept only sealed with the secrets key (teams/channel-ids.ts). The digest needs no key, so
 * existing tabs are converted here; their sealed id is filled in the next time the tab is opened.
 */
const m0007TeamsChannelDigest: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('teams_tabs_next')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('channel_digest', 'text', (c) => c.notNull())
      .addColumn('channel_sealed', 'text')
      .addColumn('entity_id', 'text', (c) => c.notNull())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id').onDelete('cascade'))
      .addColumn('office_id', 'text', (c) => c.notNull().references('offices.id').onDelete('cascade'))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('teams_tabs_channel_digest_pkey', ['tenant_id', 'team_id', 'channel_digest', 'entity_id'])
      .execute();
    const rows = (await db.selectFrom('teams_tabs').selectAll().execute()) as { tenant_id: string; team_id: string; channel_id: string; entity_id: string; org_id: string; office_id: string; created_at: number }[];
    for (const r of rows) {
      await db
        .insertInto('teams_tabs_next')
        .values({ tenant_id: r.tenant_id, team_id: r.team_id, channel_digest: channelDigest(r.tenant_id, r.channel_id), channel_sealed: null, entity_id: r.entity_id, org_id: r.org_id, office_id: r.office_id, created_at: r.created_at })
        .execute();
    }
    await db.schema.dropTable('teams_tabs').execute();
    await db.schema.alterTable('teams_tabs_next').renameTo('teams_tabs').execute();
    await db.schema.createIndex('teams_tabs_office_id_idx').on('teams_tabs').column('office_id').execute();
    await db.schema.createIndex('teams_tabs_org_team_idx').on('teams_tabs').columns(['org_id', 'team_id']).execute();
  },
  async down() {
    // The channel ids are gone by design: there is nothing to put back.
    throw new Error('0007_teams_channel_digest cannot be undone: channel ids are not kept');
  },
};

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001Initial,
  '0002_user_preferences': m0002UserPreferences,
  '0003_signin_lockout': m0003SignInLockout,
  '0004_teams': m0004Teams,
  '0005_office_map_version': m0005OfficeMapVersion,
  '0006_user_avatars': m0006UserAvatars,
  '0007_teams_channel_digest': m0007TeamsChannelDigest,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
