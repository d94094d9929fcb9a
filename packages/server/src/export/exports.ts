import { gzipSync } from 'node:zlib';
import { parseAvatarSpec } from '@metaoffice/maps/avatar';
import { AvPreferences, type MeExport } from '@metaoffice/protocol';
import { Value } from '@sinclair/typebox/value';
import type { Store, User } from '../storage/index.js';
import { tar, type TarEntry } from './tar.js';

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * An organisation's data as a gzip-compressed tar: JSON files plus each office's Tiled map (.tmj), so the offices
 * open in Tiled and the rest in anything that reads JSON. Password hashes and token hashes stay behind: they are
 * secrets, not the organisation's data.
 */
export async function organisationArchive(store: Store, orgId: string, now = Date.now()): Promise<Buffer> {
  const org = await store.organisations.byId(orgId);
  if (!org) throw new Error(`organisation ${orgId} not found`);
  const [users, offices, invites, spawn, av, avatars, tenantId] = await Promise.all([
    store.users.listByOrg(orgId),
    store.offices.listByOrg(orgId),
    store.invites.listByOrg(orgId),
    store.spawn.listByOrg(orgId),
    store.preferences.listAvByOrg(orgId),
    store.preferences.listAvatarsByOrg(orgId),
    store.teams.tenantOf(orgId),
  ]);
  const tabs = (await Promise.all(offices.map((o) => store.teams.tabsOfOffice(o.id)))).flat();
  const entries: TarEntry[] = [
    {
      name: 'metaoffice-export/manifest.json',
      data: json({ format: 'metaoffice-organisation-export', version: 1, exportedAt: now, organisation: { id: org.id, name: org.name }, counts: { users: users.length, offices: offices.length, invites: invites.length } }),
    },
    { name: 'metaoffice-export/organisation.json', data: json({ id: org.id, name: org.name, createdAt: org.createdAt }) },
    { name: 'metaoffice-export/users.json', data: json(users.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt }))) },
    {
      name: 'metaoffice-export/offices.json',
      data: json(offices.map((o) => ({ id: o.id, name: o.name, description: o.description, template: o.template, createdAt: o.createdAt, map: `offices/${o.id}.tmj` }))),
    },
    {
      name: 'metaoffice-export/settings.json',
      data: json({
        spawnPreferences: spawn,
        avPreferences: av.map((p) => ({ userId: p.userId, preferences: parseJson(p.avJson) })),
        avatars: avatars.map((a) => ({ userId: a.userId, avatar: parseJson(a.avatarJson) })),
      }),
    },
    // Teams mode: which tab shows which office. Channels appear as their digest: channel ids are not kept
    // (DESIGN §5), and sealed values and Graph token caches are secrets, not data, and stay behind.
    {
      name: 'metaoffice-export/teams.json',
      data: json({ tenantId: tenantId ?? null, tabs: tabs.map((t) => ({ teamId: t.teamId, channelDigest: t.channelDigest, entityId: t.entityId, officeId: t.officeId, createdAt: t.createdAt })) }),
    },
    { name: 'metaoffice-export/invites.json', data: json(invites.map((i) => ({ createdBy: i.createdBy, createdAt: i.createdAt, expiresAt: i.expiresAt, usedCount: i.usedCount }))) },
    ...offices.map((o) => ({ name: `metaoffice-export/offices/${o.id}.tmj`, data: o.mapJson })),
  ];
  return gzipSync(tar(entries.map((e) => ({ ...e, mtime: now }))));
}

/** What the server keeps about one person (GET /api/me/export). */
export async function personalExport(store: Store, user: User, currentTokenHash: string | undefined, now = Date.now()): Promise<MeExport> {
  const [org, av, avatar, spawn, sessions, invites, tenantId, entra, cache] = await Promise.all([
    store.organisations.byId(user.orgId),
    store.preferences.getAv(user.id),
    store.preferences.getAvatar(user.id),
    store.spawn.listByUser(user.id),
    store.sessions.listByUser(user.id),
    store.invites.listByOrg(user.orgId),
    store.teams.tenantOf(user.orgId),
    store.teams.identityOf(user.id),
    store.tokenCaches.get(user.id),
  ]);
  return {
    format: 'metaoffice-me-export',
    version: 1,
    exportedAt: now,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt },
    organisation: { id: user.orgId, name: org?.name ?? '' },
    avPreferences: av ? validAv(parseJson(av)) : null,
    avatar: avatar ? validAvatar(parseJson(avatar)) : null,
    spawnPoints: spawn.map((s) => ({ officeId: s.officeId, mode: s.mode, savedX: s.savedX, savedY: s.savedY })),
    sessions: sessions.filter((s) => s.expiresAt > now).map((s) => ({ createdAt: s.createdAt, expiresAt: s.expiresAt, current: s.tokenHash === currentTokenHash })),
    invitesCreated: invites.filter((i) => i.createdBy === user.id).map((i) => ({ createdAt: i.createdAt, expiresAt: i.expiresAt, usedCount: i.usedCount })),
    ...(tenantId && entra ? { microsoft: { tenantId, objectId: entra.objectId, userPrincipalName: entra.upn, graphTokenCacheHeld: cache !== undefined } } : {}),
  };
}

function validAvatar(v: unknown): MeExport['avatar'] {
  const checked = parseAvatarSpec(v);
  return checked.ok ? checked.spec : null;
}

// A stored value from an older shape is left out rather than failing the whole export.
function validAv(v: unknown): MeExport['avPreferences'] {
  return Value.Check(AvPreferences, v) ? v : null;
}
