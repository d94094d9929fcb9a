import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '@metaoffice/client';
import { CloseCodes, type MeExport } from '@metaoffice/protocol';
import { templates } from '@metaoffice/maps';
import { OfficeMap } from '@metaoffice/world';
import { untar } from '../export/tar.js';
import { apiFor, connect, startHarness, uniqueEmail, until, waitFor, type Harness } from './harness.js';
import { dialects, ownedRows, type Owner, type RawDb } from './dialects.js';
import { LogCapture, busyScenario, leaks } from './scenario.js';

/**
 * DESIGN §5 on both storage dialects: presence and chat are never stored; an organisation's data can be exported
 * and is entirely deleted with it; a person can export and erase their own data.
 */
for (const d of dialects()) {
  describe(`data rules on ${d.name}`, () => {
    let h: Harness;
    let raw: RawDb;
    const capture = new LogCapture();
    beforeAll(async () => {
      h = await startHarness({ ...(await d.env()), CONVERSATION_STILL_MS: '0', LOG_LEVEL: 'debug' }, undefined, { logStream: capture });
      raw = await d.raw(h);
    });
    afterAll(async () => {
      await raw?.close();
      await h?.stop();
      await d.cleanup();
    });

    interface Org {
      name: string;
      admin: ApiClient;
      adminPassword: string;
      members: { api: ApiClient; id: string; password: string }[];
      owner: Owner;
    }
    /** An organisation with something in every table: people, offices, invites, sessions, preferences, spawn points, tabs, token caches. */
    async function populate(tag: string): Promise<Org> {
      const admin = apiFor(h);
      const adminPassword = `${tag}-admin-passphrase`;
      const me = await admin.signUp({ email: uniqueEmail(`${tag}-admin`), password: adminPassword, name: `${tag} Admin` });
      const extra = await admin.createOffice({ name: `${tag} annex`, description: 'More desks', template: templates[templates.length - 1]!.id });
      const invite = await admin.createInvite();
      const members: Org['members'] = [];
      for (const n of [1, 2]) {
        const api = apiFor(h);
        const password = `${tag}-invited-${n}-passphrase`;
        const m = await api.signUp({ email: uniqueEmail(`${tag}-i${n}`), password, name: `${tag} Invited ${n}`, inviteToken: invite.token });
        members.push({ api, id: m.user.id, password });
      }
      const everyone = [admin, ...members.map((m) => m.api)];
      for (const api of everyone) {
        await api.saveAvPreferences({ speakerId: null, microphoneId: 'mic-1', cameraId: null, micOnByDefault: true, cameraOnByDefault: false, prejoinDone: true });
        await api.saveAvatar({ skin: 2, hair: 3, hairColour: 4, outfit: 5, outfitColour: 6, eyes: 1, glasses: 2, hat: 3 });
      }
      const offices = await admin.listOffices();
      expect(offices.map((o) => o.id)).toContain(extra.id);
      for (const api of everyone.slice(0, 2)) {
        const c = connect(h, api, offices[0]!.id);
        await waitFor(c, 'welcome');
        c.setSpawn('here');
        await waitFor(c, 'spawn');
        c.close();
      }
      // Teams mode's tables (a channel tab's office, a sealed Graph token cache), written as the Teams routes would.
      await h.server.store.teams.saveTab({ tenantId: `tid-${tag}`, teamId: 'team', channelDigest: 'digest', channelSealed: 'v1.sealed.channel.for-test', entityId: 'entity', orgId: me.organisation.id, officeId: offices[0]!.id });
      await h.server.store.tokenCaches.put(me.user.id, 'v1.sealed.cache.for-test');
      const people = await admin.people(offices[0]!.id);
      return {
        name: me.organisation.name,
        admin,
        adminPassword,
        members,
        owner: { orgId: me.organisation.id, userIds: people.map((p) => p.userId), officeIds: offices.map((o) => o.id) },
      };
    }

    it('after people walk, talk, chat and set statuses, no table and no log line holds presence or chat', async () => {
      const secrets = await busyScenario(h);
      const presenceWords = ['BeRightBack', 'DoNotDisturb', 'InACall', 'Busy'];
      const found: string[] = [];
      let cells = 0;
      for (const t of await raw.tables()) {
        expect(t, 'a table named like presence or chat').not.toMatch(/presence|chat|message|status|availability/i);
        for (const row of await raw.rows(t)) {
          for (const [col, v] of Object.entries(row)) {
            cells++;
            const s = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
            for (const w of [...presenceWords, ...secrets.chat, 'sdp-secret-']) if (s.includes(w)) found.push(`${t}.${col} holds "${w}"`);
          }
        }
      }
      expect(cells).toBeGreaterThan(20);
      expect(found).toEqual([]);
      expect(leaks(capture.text, secrets)).toEqual([]);
      for (const w of secrets.chat) expect(capture.text).not.toContain(w);
    });

    it('an admin exports the organisation: a tar.gz of JSON and each office\'s .tmj, without secrets', async () => {
      const org = await populate('exp');
      const archive = await org.admin.exportOrganisation();
      const files = untar(gunzipSync(archive));
      const names = [...files.keys()];
      for (const f of ['manifest.json', 'organisation.json', 'users.json', 'offices.json', 'settings.json', 'invites.json', 'teams.json']) expect(names).toContain(`metaoffice-export/${f}`);
      const read = (f: string) => JSON.parse(files.get(`metaoffice-export/${f}`)!.toString('utf8')) as unknown;
      const users = read('users.json') as { id: string; email: string }[];
      expect(users.map((u) => u.id).sort()).toEqual([...org.owner.userIds].sort());
      const offices = read('offices.json') as { id: string; map: string }[];
      expect(offices.map((o) => o.id).sort()).toEqual([...org.owner.officeIds].sort());
      for (const o of offices) expect(() => OfficeMap.fromTiled(JSON.parse(files.get(`metaoffice-export/${o.map}`)!.toString('utf8')))).not.toThrow();
      const settings = read('settings.json') as { avPreferences: unknown[]; spawnPreferences: unknown[] };
      expect(settings.avPreferences).toHaveLength(3);
      expect(settings.spawnPreferences).toHaveLength(2);
      const teams = read('teams.json') as { tenantId: string | null; tabs: { officeId: string }[] };
      expect(teams.tabs.map((t) => t.officeId)).toEqual([org.owner.officeIds[0]]);
      const all = [...files.values()].map((b) => b.toString('utf8')).join('\n');
      expect(all).not.toMatch(/scrypt\$|password|token_?hash/i);
      expect(all, 'sealed Graph token caches are secrets, not exported').not.toContain('sealed.cache');
      // Standard tools read it.
      const dir = mkdtempSync(join(tmpdir(), 'mo-export-'));
      try {
        writeFileSync(join(dir, 'export.tar.gz'), archive);
        const list = spawnSync('tar', ['-tzf', join(dir, 'export.tar.gz')], { encoding: 'utf8' });
        if (list.error === undefined) {
          expect(list.status).toBe(0);
          expect(list.stdout).toContain('metaoffice-export/users.json');
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      await expect(org.members[0]!.api.exportOrganisation()).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    });

    it('a person exports their own data as JSON', async () => {
      const org = await populate('me');
      const mine: MeExport = await org.admin.exportMe();
      expect(mine).toMatchObject({ format: 'metaoffice-me-export', user: { role: 'admin' }, organisation: { id: org.owner.orgId }, avPreferences: { microphoneId: 'mic-1' } });
      expect(mine.spawnPoints).toHaveLength(1);
      expect(mine.sessions.filter((s) => s.current)).toHaveLength(1);
      expect(mine.invitesCreated).toHaveLength(1);
      expect(JSON.stringify(mine)).not.toMatch(/scrypt|hash/i);
      const theirs = await org.members[1]!.api.exportMe();
      expect(theirs.user.id).toBe(org.members[1]!.id);
      expect(theirs.invitesCreated).toEqual([]);
    });

    it('deleting one\'s account needs the password; the last admin stays while others remain; the last person takes the organisation', async () => {
      const org = await populate('del');
      const before = await ownedRows(raw, org.owner);
      const [m1, m2] = org.members as [Org['members'][number], Org['members'][number]];
      await expect(m1.api.deleteMe('not-my-password')).rejects.toMatchObject({ code: 'BAD_CREDENTIALS', status: 403 });
      await expect(org.admin.deleteMe(org.adminPassword)).rejects.toMatchObject({ code: 'LAST_ADMIN', status: 409 });
      expect(await ownedRows(raw, org.owner)).toEqual(before);

      const live = connect(h, m1.api, org.owner.officeIds[0]!);
      await waitFor(live, 'welcome');
      const closed = waitFor(live, 'state', (s) => s === 'closed', 3000);
      await m1.api.deleteMe(m1.password);
      expect((await closed)[1]).toMatchObject({ code: CloseCodes.UNAUTHENTICATED, terminal: true });
      const userRows = async (id: string) => {
        const n: Record<string, number> = {};
        for (const t of await raw.tables()) n[t] = (await raw.rows(t)).filter((r) => r.user_id === id || (t === 'users' && r.id === id)).length;
        return n;
      };
      expect(Object.values(await userRows(m1.id)).every((c) => c === 0)).toBe(true);
      expect(await h.server.store.organisations.byId(org.owner.orgId)).toBeDefined();
      await expect(m1.api.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

      await m2.api.deleteMe(m2.password);
      // Alone now, the admin may leave, and the organisation goes with them.
      await org.admin.deleteMe(org.adminPassword);
      expect(Object.values(await ownedRows(raw, org.owner)).every((c) => c === 0)).toBe(true);
    });

    it('offboarding deletes every row the organisation owns, closes its connections, and leaves others untouched', async () => {
      const doomed = await populate('off');
      const other = await populate('keep');
      const before = await ownedRows(raw, doomed.owner);
      const otherBefore = await ownedRows(raw, other.owner);
      // The fixture reaches every table, so "0 after" proves something for each of them.
      for (const [t, n] of Object.entries(before)) expect(n, `rows of ${t} before`).toBeGreaterThan(0);

      await expect(doomed.members[0]!.api.deleteOrganisation(doomed.name)).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
      await expect(doomed.admin.deleteOrganisation(`${doomed.name} `.repeat(2))).rejects.toMatchObject({ code: 'CONFIRMATION_REQUIRED', status: 400 });
      // An admin of another organisation naming this one deletes nothing: the route only ever acts on one's own.
      await expect(other.admin.deleteOrganisation(doomed.name)).rejects.toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
      expect(await ownedRows(raw, doomed.owner)).toEqual(before);

      const live = connect(h, doomed.members[1]!.api, doomed.owner.officeIds[0]!);
      await waitFor(live, 'welcome');
      const otherLive = connect(h, other.members[0]!.api, other.owner.officeIds[0]!);
      await waitFor(otherLive, 'welcome');
      const closed = waitFor(live, 'state', (s) => s === 'closed', 3000);

      await doomed.admin.deleteOrganisation(doomed.name);
      expect((await closed)[1]).toMatchObject({ code: CloseCodes.UNAUTHENTICATED, terminal: true });
      const after = await ownedRows(raw, doomed.owner);
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      expect(Object.values(after).every((n) => n === 0), JSON.stringify(after)).toBe(true);
      for (const id of doomed.owner.officeIds) expect(h.server.registry.get(id)).toBeUndefined();
      await expect(doomed.admin.me()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(apiFor(h).signIn({ email: 'x@example.test', password: doomed.adminPassword })).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });

      expect(await ownedRows(raw, other.owner)).toEqual(otherBefore);
      expect(otherLive.state).toBe('open');
      await expect(other.admin.listOffices()).resolves.toHaveLength(other.owner.officeIds.length);
      otherLive.close();
      await until(() => otherLive.state === 'closed', 3000, 'the other connection to close');
    });
  });
}
