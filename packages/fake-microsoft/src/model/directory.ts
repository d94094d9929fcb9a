import { randomUUID } from 'node:crypto';
import { FakeMicrosoftError } from '../errors.js';

/** Delegated Graph scopes that only a tenant administrator can consent to (DESIGN.md §6). */
export const ADMIN_CONSENT_SCOPES: ReadonlySet<string> = new Set(['User.Read.All', 'TeamMember.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'TeamMember.ReadWrite.All']);

/** OpenID Connect scopes are not Graph permissions; they never need a grant in the fake. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

export interface UserRecord {
  id: string;
  tenantId: string;
  displayName: string;
  userPrincipalName: string;
  mail: string;
  jobTitle: string | null;
}

export interface TeamMembership {
  /** The conversationMember id Graph returns (not the user id). */
  membershipId: string;
  userId: string;
  roles: string[];
}

export interface TeamRecord {
  id: string;
  tenantId: string;
  displayName: string;
  description: string;
  members: Map<string, TeamMembership>;
}

interface AppGrants {
  /** Delegated scopes granted for every user of the tenant (admin consent). */
  adminScopes: Set<string>;
  /** Delegated scopes each user consented to for themselves. */
  userScopes: Map<string, Set<string>>;
  /** Application permissions (roles) granted by an administrator. */
  appRoles: Set<string>;
}

export interface TenantRecord {
  id: string;
  displayName: string;
  /** Verified domain used for generated UPNs, e.g. contoso.onmicrosoft.com. */
  domain: string;
  users: Map<string, UserRecord>;
  teams: Map<string, TeamRecord>;
  grants: Map<string, AppGrants>;
}

export interface UserSeed {
  id?: string;
  displayName: string;
  userPrincipalName?: string;
  mail?: string;
  jobTitle?: string;
}

export interface TeamSeed {
  id?: string;
  displayName: string;
  description?: string;
  /** User ids or user principal names of this tenant. */
  members?: string[];
  owners?: string[];
}

export interface TenantSeed {
  id?: string;
  displayName: string;
  domain?: string;
  users?: UserSeed[];
  teams?: TeamSeed[];
  /** Tenant-wide delegated grants (what "Grant admin consent" in the portal does); clientId defaults to the first app. */
  adminConsent?: { clientId?: string; scopes: string[] };
  /** Per-user delegated grants; userId may be a UPN. */
  userConsents?: Array<{ userId: string; clientId?: string; scopes: string[] }>;
  /** Application permissions for client-credential tokens. */
  appRoles?: { clientId?: string; roles: string[] };
}

export interface SeededTenant {
  tenantId: string;
  users: Array<{ id: string; displayName: string; userPrincipalName: string }>;
  teams: Array<{ id: string; displayName: string }>;
}

export type ConsentCheck = { ok: true; granted: string[] } | { ok: false; missing: string[]; needsAdmin: boolean };

/** Tenants, users, teams and consent grants. Every lookup takes the tenant id first: there is no cross-tenant read. */
export class Directory {
  private readonly tenants = new Map<string, TenantRecord>();

  constructor(private readonly defaultClientId: string) {}

  seed(input: TenantSeed): SeededTenant {
    if (!input || typeof input.displayName !== 'string' || input.displayName.trim() === '') {
      throw new FakeMicrosoftError('a tenant seed needs a displayName');
    }
    const tenant = this.ensureTenant(input);
    const users = (input.users ?? []).map((seed) => this.addUser(tenant.id, seed));
    const teams = (input.teams ?? []).map((seed) => this.addTeam(tenant.id, seed));
    if (input.adminConsent) this.grantAdminConsent(tenant.id, input.adminConsent.clientId ?? this.defaultClientId, input.adminConsent.scopes);
    for (const consent of input.userConsents ?? []) {
      this.grantUserConsent(tenant.id, this.resolveUser(tenant, consent.userId).id, consent.clientId ?? this.defaultClientId, consent.scopes);
    }
    if (input.appRoles) this.grantAppRoles(tenant.id, input.appRoles.clientId ?? this.defaultClientId, input.appRoles.roles);
    return {
      tenantId: tenant.id,
      users: users.map(({ id, displayName, userPrincipalName }) => ({ id, displayName, userPrincipalName })),
      teams: teams.map(({ id, displayName }) => ({ id, displayName })),
    };
  }

  tenant(tenantId: string): TenantRecord | undefined {
    return this.tenants.get(tenantId.toLowerCase());
  }

  user(tenantId: string, idOrUpn: string): UserRecord | undefined {
    const tenant = this.tenant(tenantId);
    if (!tenant) return undefined;
    const direct = tenant.users.get(idOrUpn.toLowerCase());
    if (direct) return direct;
    const upn = idOrUpn.toLowerCase();
    for (const user of tenant.users.values()) if (user.userPrincipalName.toLowerCase() === upn) return user;
    return undefined;
  }

  team(tenantId: string, teamId: string): TeamRecord | undefined {
    return this.tenant(tenantId)?.teams.get(teamId.toLowerCase());
  }

  joinedTeams(tenantId: string, userId: string): TeamRecord[] {
    const tenant = this.tenant(tenantId);
    if (!tenant) return [];
    return [...tenant.teams.values()].filter((team) => team.members.has(userId));
  }

  addUser(tenantId: string, seed: UserSeed): UserRecord {
    const tenant = this.requireTenant(tenantId);
    if (!seed || typeof seed.displayName !== 'string' || seed.displayName.trim() === '') throw new FakeMicrosoftError('a user seed needs a displayName');
    const id = (seed.id ?? randomUUID()).toLowerCase();
    if (tenant.users.has(id)) throw new FakeMicrosoftError(`user ${id} already exists in tenant ${tenant.id}`);
    const alias = seed.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '') || id.slice(0, 8);
    const userPrincipalName = seed.userPrincipalName ?? `${alias}@${tenant.domain}`;
    const user: UserRecord = { id, tenantId: tenant.id, displayName: seed.displayName, userPrincipalName, mail: seed.mail ?? userPrincipalName, jobTitle: seed.jobTitle ?? null };
    tenant.users.set(id, user);
    return user;
  }

  addTeam(tenantId: string, seed: TeamSeed): TeamRecord {
    const tenant = this.requireTenant(tenantId);
    if (!seed || typeof seed.displayName !== 'string' || seed.displayName.trim() === '') throw new FakeMicrosoftError('a team seed needs a displayName');
    const id = (seed.id ?? randomUUID()).toLowerCase();
    if (tenant.teams.has(id)) throw new FakeMicrosoftError(`team ${id} already exists in tenant ${tenant.id}`);
    const team: TeamRecord = { id, tenantId: tenant.id, displayName: seed.displayName, description: seed.description ?? '', members: new Map() };
    tenant.teams.set(id, team);
    for (const member of seed.members ?? []) this.addMember(tenant.id, id, member, []);
    for (const owner of seed.owners ?? []) this.addMember(tenant.id, id, owner, ['owner']);
    return team;
  }

  addMember(tenantId: string, teamId: string, userIdOrUpn: string, roles: string[]): TeamMembership {
    const tenant = this.requireTenant(tenantId);
    const team = tenant.teams.get(teamId.toLowerCase());
    if (!team) throw new FakeMicrosoftError(`team ${teamId} does not exist in tenant ${tenant.id}`);
    const user = this.resolveUser(tenant, userIdOrUpn);
    const membership: TeamMembership = {
      membershipId: Buffer.from(`${team.id}##${user.id}`).toString('base64url'),
      userId: user.id,
      roles,
    };
    team.members.set(user.id, membership);
    return membership;
  }

  grantAdminConsent(tenantId: string, clientId: string, scopes: string[]): void {
    for (const scope of validScopes(scopes)) this.grants(tenantId, clientId).adminScopes.add(scope);
  }

  grantUserConsent(tenantId: string, userId: string, clientId: string, scopes: string[]): void {
    const grants = this.grants(tenantId, clientId);
    const blocked = validScopes(scopes).filter((scope) => ADMIN_CONSENT_SCOPES.has(scope));
    if (blocked.length > 0) throw new FakeMicrosoftError(`a user cannot consent to admin-only scopes: ${blocked.join(', ')}`);
    const set = grants.userScopes.get(userId) ?? new Set<string>();
    for (const scope of scopes) set.add(scope);
    grants.userScopes.set(userId, set);
  }

  grantAppRoles(tenantId: string, clientId: string, roles: string[]): void {
    for (const role of validScopes(roles)) this.grants(tenantId, clientId).appRoles.add(role);
  }

  appRoles(tenantId: string, clientId: string): string[] {
    return [...(this.tenant(tenantId)?.grants.get(clientId)?.appRoles ?? [])].sort();
  }

  /** Delegated scopes this user can get for this app: tenant-wide grants plus the user's own. */
  consentedScopes(tenantId: string, clientId: string, userId: string): string[] {
    const grants = this.tenant(tenantId)?.grants.get(clientId);
    if (!grants) return [];
    return [...new Set([...grants.adminScopes, ...(grants.userScopes.get(userId) ?? [])])].sort();
  }

  /** Whether every requested Graph scope is granted; admin-only scopes count only when granted tenant-wide. */
  checkConsent(tenantId: string, clientId: string, userId: string, requested: string[]): ConsentCheck {
    const grants = this.tenant(tenantId)?.grants.get(clientId);
    const missing = requested.filter((scope) => {
      if (!grants) return true;
      if (grants.adminScopes.has(scope)) return false;
      return ADMIN_CONSENT_SCOPES.has(scope) || !grants.userScopes.get(userId)?.has(scope);
    });
    if (missing.length === 0) return { ok: true, granted: this.consentedScopes(tenantId, clientId, userId) };
    return { ok: false, missing, needsAdmin: missing.some((scope) => ADMIN_CONSENT_SCOPES.has(scope)) };
  }

  private ensureTenant(input: TenantSeed): TenantRecord {
    const id = (input.id ?? randomUUID()).toLowerCase();
    const existing = this.tenants.get(id);
    if (existing) return existing;
    const domain = input.domain ?? `${input.displayName.toLowerCase().replace(/[^a-z0-9]/g, '') || 'tenant'}.onmicrosoft.com`;
    const tenant: TenantRecord = { id, displayName: input.displayName, domain, users: new Map(), teams: new Map(), grants: new Map() };
    this.tenants.set(id, tenant);
    return tenant;
  }

  private requireTenant(tenantId: string): TenantRecord {
    const tenant = this.tenant(tenantId);
    if (!tenant) throw new FakeMicrosoftError(`tenant ${tenantId} does not exist`);
    return tenant;
  }

  private resolveUser(tenant: TenantRecord, idOrUpn: string): UserRecord {
    const user = this.user(tenant.id, idOrUpn);
    if (!user) throw new FakeMicrosoftError(`user ${idOrUpn} does not exist in tenant ${tenant.id}`);
    return user;
  }

  private grants(tenantId: string, clientId: string): AppGrants {
    const tenant = this.requireTenant(tenantId);
    let grants = tenant.grants.get(clientId);
    if (!grants) {
      grants = { adminScopes: new Set(), userScopes: new Map(), appRoles: new Set() };
      tenant.grants.set(clientId, grants);
    }
    return grants;
  }
}

function validScopes(scopes: unknown): string[] {
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string' || scope.trim() === '' || /\s/.test(scope))) {
    throw new FakeMicrosoftError('scopes must be an array of non-empty strings without spaces');
  }
  return scopes as string[];
}
