import type { SeededTenant, TenantSeed } from './model/directory.js';

export const DEMO_TENANT_ID = '7e5b2c4a-0d1f-4c8e-9a3b-6f2d1e0c9b8a';

/** Delegated scopes of DESIGN.md §6, all granted tenant-wide (admin consent included). */
const DEMO_DELEGATED_SCOPES = ['User.Read', 'User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite', 'OnlineMeetings.ReadWrite', 'Team.ReadBasic.All', 'TeamMember.Read.All', 'TeamsActivity.Send'];
const DEMO_APP_ROLES = ['User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite.All', 'Team.ReadBasic.All', 'TeamMember.Read.All', 'TeamsActivity.Send'];

const DEMO_USERS = [
  { id: '11111111-1111-4111-8111-111111111111', displayName: 'Adele Vance', jobTitle: 'Product Manager' },
  { id: '22222222-2222-4222-8222-222222222222', displayName: 'Alex Wilber', jobTitle: 'Designer' },
  { id: '33333333-3333-4333-8333-333333333333', displayName: 'Megan Bowen', jobTitle: 'Marketing Manager' },
  { id: '44444444-4444-4444-8444-444444444444', displayName: 'Lee Gu', jobTitle: 'Director' },
  { id: '55555555-5555-4555-8555-555555555555', displayName: 'Nestor Wilke', jobTitle: 'Engineer' },
  { id: '66666666-6666-4666-8666-666666666666', displayName: 'Pradeep Gupta', jobTitle: 'Accountant' },
];

export const DEMO_TEAM_ID = 'd35a9f1e-2b7c-4e6d-8a1f-0c9b8a7d6e5f';

export interface DemoTenant extends SeededTenant {
  tenantId: typeof DEMO_TENANT_ID;
}

/**
 * Contoso: six users, one team "Design" with all of them (Adele owns it), every scope the product uses consented
 * tenant-wide and the matching application permissions granted. Ids are fixed so bookmarks survive restarts.
 */
export function seedDemoTenant(fake: { seed(tenant: TenantSeed): SeededTenant }, clientId?: string): DemoTenant {
  const seeded = fake.seed({
    id: DEMO_TENANT_ID,
    displayName: 'Contoso',
    domain: 'contoso.onmicrosoft.com',
    users: DEMO_USERS,
    teams: [{ id: DEMO_TEAM_ID, displayName: 'Design', description: 'The design team', members: DEMO_USERS.slice(1).map((user) => user.id), owners: [DEMO_USERS[0]!.id] }],
    adminConsent: { ...(clientId ? { clientId } : {}), scopes: DEMO_DELEGATED_SCOPES },
    appRoles: { ...(clientId ? { clientId } : {}), roles: DEMO_APP_ROLES },
  });
  return { ...seeded, tenantId: DEMO_TENANT_ID };
}
