import type { Generated } from 'kysely';

/** Table shapes as Kysely sees them (snake_case columns; timestamps are epoch ms, int8 parsed to number on PG). */

export interface OrganisationsTable {
  id: string;
  name: string;
  created_at: number;
  entra_tenant_id: string | null;
}

export interface UsersTable {
  id: string;
  org_id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string;
  created_at: number;
  failed_signins: Generated<number>;
  last_failed_signin_at: number | null;
  locked_until: number | null;
  entra_object_id: string | null;
  upn: string | null;
}

export interface TeamsTabsTable {
  tenant_id: string;
  team_id: string;
  channel_digest: string;
  channel_sealed: string | null;
  entity_id: string;
  org_id: string;
  office_id: string;
  created_at: number;
}

export interface GraphTokenCachesTable {
  user_id: string;
  sealed: string;
  updated_at: number;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface InvitesTable {
  token_hash: string;
  org_id: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_count: number;
}

export interface OfficesTable {
  id: string;
  org_id: string;
  name: string;
  description: string;
  template: string;
  map_json: string;
  /** Grows by one with every saved map; a save must name the version it replaces. */
  map_version: Generated<number>;
  created_at: number;
}

export interface SpawnPreferencesTable {
  user_id: string;
  office_id: string;
  mode: string;
  saved_x: number | null;
  saved_y: number | null;
}

export interface UserPreferencesTable {
  user_id: string;
  av_json: string;
  updated_at: number;
}

export interface UserAvatarsTable {
  user_id: string;
  avatar_json: string;
  updated_at: number;
}

export interface Database {
  organisations: OrganisationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  offices: OfficesTable;
  spawn_preferences: SpawnPreferencesTable;
  user_preferences: UserPreferencesTable;
  user_avatars: UserAvatarsTable;
  teams_tabs: TeamsTabsTable;
  graph_token_caches: GraphTokenCachesTable;
}
