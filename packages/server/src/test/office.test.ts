import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError } from '@metaoffice/client';
import { CloseCodes, PROTOCOL_VERSION, encodeMove, type OfficeView } from '@metaoffice/protocol';
import { OfficeMap, type TilePos } from '@metaoffice/world';
import { PG_URL, apiFor, pgAdmin, connect, sees, sleep, startHarness, uniqueEmail, until, waitFor, type Harness } from './harness.js';

/**
 * The live office over real WebSockets through the typed SDK, on both storage dialects: the same behaviour must hold
 * on the embedded SQLite default and on PostgreSQL.
 */
const dialects = [
  { name: 'SQLite', env: async () => ({}), cleanup: async () => {} },
  (() => {
    const schema = `mo_it_${process.pid}_${Date.now().toString(36)}`;
    return {
      name: 'PostgreSQL',
      env: async () => {
        await pgAdmin(`CREATE SCHEMA ${schema}`);
        return { DATABASE_URL: `${PG_URL}?schema=${schema}` };
      },
      cleanup: () => pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
    };
  })(),
];

for (const dialect of dialects) {
  describe(`office on ${dialect.name}`, () => {
    let h: Harness;
    let office: OfficeView;
    let map: OfficeMap;
    let adminApi: ReturnType<typeof apiFor>;
    let memberApi: ReturnType<typeof apiFor>;
    let adminId: string;
    let memberId: string;

    beforeAll(async () => {
      h = await startHarness(await dialect.env());
      adminApi = apiFor(h);
      const me = await adminApi.signUp({ email: uniqueEmail('ada'), password: 'correct horse', name: 'Ada' });
      adminId = me.user.id;
      expect(me.user.role).toBe('admin');
      const invite = await adminApi.createInvite();
      memberApi = apiFor(h);
      const m = await memberApi.signUp({ email: uniqueEmail('bob'), password: 'battery staple', name: 'Bob', inviteToken: invite.token });
      memberId = m.user.id;
      expect(m.user.role).toBe('member');
      expect(m.organisation.id).toBe(me.organisation.id);
      const offices = await adminApi.listOffices();
      expect(offices.length).toBeGreaterThan(0);
      office = offices[0]!;
      map = OfficeMap.fromTiled(await adminApi.getOfficeMap(office.id));
    });
    afterAll(async () => {
      await h?.stop();
      await dialect.cleanup();
    });

    it('two users see each other arrive and walk, and see each other in the People panel', async () => {
      const a = connect(h, adminApi, office.id);
      const [wa] = await waitFor(a, 'welcome');
      // Bob starts a few tiles away, so they do not fall into a conversation (which would show them Busy).
      let bobAt: TilePos | undefined;
      for (let d = 3; d < 8 && !bobAt; d++) {
        for (const p of [{ x: wa.self.x + d, y: wa.self.y }, { x: wa.self.x - d, y: wa.self.y }, { x: wa.self.x, y: wa.self.y - d }, { x: wa.self.x, y: wa.self.y + d }]) {
          if (!bobAt && map.isWalkable(p.x, p.y) && !map.zonesAt(p.x, p.y).some((z) => z.kind === 'meeting-room')) bobAt = p;
        }
      }
      const b = connect(h, memberApi, office.id, { viewport: { cols: 60, rows: 40 }, startAt: bobAt });
      const [wb] = await waitFor(b, 'welcome');
      expect(wb.people.find((p) => p.userId === adminId)).toMatchObject({ availability: 'Available', officeId: office.id });
      await until(() => sees(b, adminId) && sees(a, memberId), 5000, 'both to see each other');

      // Ada walks three steps; Bob sees each one land where Ada's own client put it.
      let at: TilePos = { x: wa.self.x, y: wa.self.y };
      const seen: TilePos[] = [];
      const adaAvatar = wa.self.avatarId;
      b.on('move', (m) => { if (m.avatarId === adaAvatar) seen.push({ x: m.x, y: m.y }); });
      const path: TilePos[] = [];
      for (let i = 0; i < 3; i++) {
        const next = [{ x: at.x + 1, y: at.y }, { x: at.x - 1, y: at.y }, { x: at.x, y: at.y + 1 }, { x: at.x, y: at.y - 1 }]
          .find((p) => map.isWalkable(p.x, p.y) && !path.some((q) => q.x === p.x && q.y === p.y) && !(p.x === wa.self.x && p.y === wa.self.y) && Math.max(Math.abs(p.x - bobAt!.x), Math.abs(p.y - bobAt!.y)) > 1);
        expect(next).toBeDefined();
        a.step(next!.x, next!.y, next!.x > at.x ? 'right' : next!.x < at.x ? 'left' : next!.y > at.y ? 'down' : 'up', i < 2);
        path.push(next!);
        at = next!;
        await sleep(300);
      }
      await sleep(300);
      expect(seen).toEqual(path);
      expect(b.avatars.get(adaAvatar)).toMatchObject({ x: at.x, y: at.y });

      // Status changes reach the panel and the name label of everyone in view.
      a.setStatus('Busy');
      await until(() => b.people.get(adminId)?.availability === 'Busy', 5000, 'panel to show Busy');
      await until(() => b.avatars.get(adaAvatar)?.availability === 'Busy', 5000, 'label to show Busy');
      a.setStatus('Available');
      await until(() => b.people.get(adminId)?.availability === 'Available', 5000, 'panel to show Available');

      // Leaving disappears from view and goes Offline in the panel.
      a.close();
      await until(() => !b.avatars.has(adaAvatar), 5000, 'Ada to leave the view');
      await until(() => b.people.get(adminId)?.availability === 'Offline' && b.people.get(adminId)?.officeId === null, 5000, 'panel to show Offline');
      b.close();
    });

    it('rejects steps into walls, jumps and running, correcting the client; others see nothing', async () => {
      // Stand right next to a wall: resume places a reconnecting client where it says it stood.
      let spot: TilePos | undefined;
      let wall: TilePos | undefined;
      for (let y = 1; y < map.height - 1 && !spot; y++) {
        for (let x = 1; x < map.width - 1 && !spot; x++) {
          if (map.isWalkable(x, y) && !map.isWalkable(x + 1, y) && x + 1 < map.width) { spot = { x, y }; wall = { x: x + 1, y }; }
        }
      }
      expect(spot && wall).toBeTruthy();
      const a = connect(h, adminApi, office.id);
      await waitFor(a, 'welcome');
      a.close();
      const a2 = connect(h, adminApi, office.id);
      // Seed the resume hint the way a reconnecting client would.
      (a2 as unknown as { _self: unknown })._self = { x: spot!.x, y: spot!.y };
      const [w] = await waitFor(a2, 'welcome');
      expect(w.self).toMatchObject(spot!);

      const b = connect(h, memberApi, office.id, { viewport: { cols: 200, rows: 200 } });
      await until(() => sees(b, adminId), 5000, 'Bob to see Ada');
      let bobSawMove = false;
      b.on('move', (m) => { if (m.avatarId === w.self.avatarId) bobSawMove = true; });

      a2.step(wall!.x, wall!.y, 'right', false);
      const [c1] = await waitFor(a2, 'correction');
      expect(c1).toMatchObject({ reason: 'blocked', x: spot!.x, y: spot!.y });

      a2.step(spot!.x, spot!.y + 5, 'down', false);
      const [c2] = await waitFor(a2, 'correction');
      expect(c2).toMatchObject({ reason: 'not-adjacent', x: spot!.x, y: spot!.y });

      a2.step(65000, 65000, 'down', false);
      const [c3] = await waitFor(a2, 'correction');
      expect(c3.reason === 'not-adjacent' || c3.reason === 'out-of-bounds').toBe(true);
      await sleep(300);
      expect(bobSawMove).toBe(false);

      // Running: ten legal steps back and forth at once; the burst passes, the rest are refused as too fast.
      const other = [{ x: spot!.x - 1, y: spot!.y }, { x: spot!.x, y: spot!.y - 1 }, { x: spot!.x, y: spot!.y + 1 }].find((p) => map.isWalkable(p.x, p.y))!;
      const corrections: string[] = [];
      a2.on('correction', (c) => corrections.push(c.reason));
      for (let i = 0; i < 10; i++) {
        const p = i % 2 === 0 ? other : spot!;
        a2.step(p.x, p.y, 'left', true);
      }
      await sleep(400);
      expect(corrections).toContain('too-fast');
      a2.close();
      b.close();
    });

    it('refuses protocol-version mismatches with a typed error naming which side is too old', async () => {
      for (const [protocol, code] of [[PROTOCOL_VERSION + 1, 'SERVER_TOO_OLD'], [0, 'CLIENT_TOO_OLD']] as const) {
        const c = connect(h, adminApi, office.id, { protocol });
        const [err] = await waitFor(c, 'error');
        expect(err.code).toBe(code);
        const [, info] = await waitFor(c, 'state', (s) => s === 'closed');
        expect(info).toMatchObject({ code: CloseCodes.VERSION_MISMATCH, terminal: true });
      }
    });

    it('a second tab replaces the first, which is told why', async () => {
      const first = connect(h, adminApi, office.id);
      await waitFor(first, 'welcome');
      const firstErr = waitFor(first, 'error');
      const firstClosed = waitFor(first, 'state', (s) => s === 'closed');
      const second = connect(h, adminApi, office.id);
      await waitFor(second, 'welcome');
      expect((await firstErr)[0].code).toBe('SESSION_REPLACED');
      expect((await firstClosed)[1]).toMatchObject({ code: CloseCodes.REPLACED, terminal: true });
      await sleep(200);
      expect(second.state).toBe('open');
      second.close();
    });

    it('answers bad frames with typed errors and keeps serving everyone else', async () => {
      const a = connect(h, adminApi, office.id);
      const [wa] = await waitFor(a, 'welcome');
      const b = connect(h, memberApi, office.id, { viewport: { cols: 200, rows: 200 } });
      await until(() => sees(b, adminId), 5000, 'Bob to see Ada');

      const errors: string[] = [];
      a.on('error', (e) => errors.push(e.code));
      a.sendRaw('{not json');
      a.sendRaw(JSON.stringify({ t: 'self-destruct' }));
      a.sendRaw(JSON.stringify({ t: 'teleport', userId: 42 }));
      a.sendRaw(new Uint8Array([1, 2, 3]));
      a.sendRaw(new Uint8Array([99, 0, 0, 0, 0, 0, 0, 0, 0]));
      a.sendRaw(JSON.stringify({ t: 'hello', protocol: PROTOCOL_VERSION, officeId: office.id, viewport: { cols: 1, rows: 1 } }));
      await sleep(300);
      expect(errors).toEqual(['MALFORMED_MESSAGE', 'UNKNOWN_MESSAGE', 'VALIDATION_FAILED', 'MALFORMED_MESSAGE', 'UNKNOWN_MESSAGE', 'BAD_REQUEST']);
      expect(a.state).toBe('open');

      // An oversized frame closes only that socket, with the standard "message too big" code.
      const raw = new WebSocket(h.server.url.replace(/^http/, 'ws') + '/ws', { headers: { cookie: memberApi.cookieHeader()! } });
      await new Promise((r) => raw.once('open', r));
      const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
      raw.send('x'.repeat(40_000));
      expect(await closed).toBe(CloseCodes.TOO_BIG);

      // Ada still walks and Bob still sees it.
      const next = [{ x: wa.self.x + 1, y: wa.self.y }, { x: wa.self.x - 1, y: wa.self.y }, { x: wa.self.x, y: wa.self.y + 1 }, { x: wa.self.x, y: wa.self.y - 1 }].find((p) => map.isWalkable(p.x, p.y))!;
      const moved = waitFor(b, 'move', (m) => m.avatarId === wa.self.avatarId && m.x === next.x && m.y === next.y);
      a.step(next.x, next.y, 'down', false);
      await moved;
      a.close();
      b.close();
    });

    it('refuses a socket without a session and offices of another organisation', async () => {
      const raw = new WebSocket(h.server.url.replace(/^http/, 'ws') + '/ws');
      const msgs: string[] = [];
      raw.on('message', (d) => msgs.push(String(d)));
      const code = await new Promise<number>((r) => raw.once('close', (c) => r(c)));
      expect(code).toBe(CloseCodes.UNAUTHENTICATED);
      expect(JSON.parse(msgs[0]!)).toMatchObject({ t: 'error', code: 'UNAUTHENTICATED' });

      // A sign-up without an invite starts its own organisation and cannot see or enter ours.
      const stranger = apiFor(h);
      const s = await stranger.signUp({ email: uniqueEmail('eve'), password: 'not-an-insider', name: 'Eve' });
      expect(s.user.role).toBe('admin');
      const theirs = await stranger.listOffices();
      expect(theirs.map((o) => o.id)).not.toContain(office.id);
      await expect(stranger.getOffice(office.id)).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
      await expect(stranger.getOfficeMap(office.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      const c = connect(h, stranger, office.id);
      const [err] = await waitFor(c, 'error');
      expect(err.code).toBe('FORBIDDEN');
      const [, info] = await waitFor(c, 'state', (st) => st === 'closed');
      expect(info?.code).toBe(CloseCodes.FORBIDDEN);
    });

    it('locates and teleports next to a person', async () => {
      const a = connect(h, adminApi, office.id);
      await waitFor(a, 'welcome');
      const b = connect(h, memberApi, office.id);
      await waitFor(b, 'welcome');
      const where = await a.locate(memberId);
      expect(map.isWalkable(where.x, where.y)).toBe(true);
      a.teleport(memberId);
      const [c] = await waitFor(a, 'correction', (cc) => cc.reason === 'teleport');
      expect(Math.abs(c.x - where.x) + Math.abs(c.y - where.y)).toBeGreaterThanOrEqual(1);
      expect(Math.max(Math.abs(c.x - where.x), Math.abs(c.y - where.y))).toBeLessThanOrEqual(2);
      expect(map.isWalkable(c.x, c.y)).toBe(true);
      await expect(a.locate('no-such-person')).rejects.toMatchObject({ code: 'PERSON_NOT_FOUND' });
      a.close();
      b.close();
    });

    it('a dropped connection reconnects by itself and resumes on the same tile; the others see it stay', async () => {
      const a = connect(h, adminApi, office.id);
      const [w] = await waitFor(a, 'welcome');
      const b = connect(h, memberApi, office.id, { viewport: { cols: 200, rows: 200 } });
      await until(() => sees(b, adminId), 5000, 'Bob to see Ada');
      const next = [{ x: w.self.x + 1, y: w.self.y }, { x: w.self.x - 1, y: w.self.y }, { x: w.self.x, y: w.self.y - 1 }].find((p) => map.isWalkable(p.x, p.y))!;
      a.step(next.x, next.y, 'left', false);
      await until(() => [...b.avatars.values()].some((v) => v.userId === adminId && v.x === next.x && v.y === next.y), 5000, 'the step to arrive');

      // Cut every socket on the server side without a close handshake, as a network failure would.
      for (const client of h.server.http.websocketServer.clients) client.terminate();
      const [w2] = await waitFor(a, 'welcome', () => true, 10_000);
      expect(w2.self).toMatchObject(next);
      await until(() => b.state === 'open' && [...b.avatars.values()].some((v) => v.userId === adminId && v.x === next.x && v.y === next.y), 10_000, 'Bob to see Ada again in place');
      a.close();
      b.close();
    });

    it('keeps accounts, offices and the saved spawn point across a restart, and clients reconnect by themselves', async () => {
      const a = connect(h, adminApi, office.id);
      const [w] = await waitFor(a, 'welcome');
      a.setSpawn('here');
      const [sp] = await waitFor(a, 'spawn');
      expect(sp).toEqual({ mode: 'saved', saved: { x: w.self.x, y: w.self.y } });

      const states: string[] = [];
      a.on('state', (s) => states.push(s));
      await h.restart();
      const [w2] = await waitFor(a, 'welcome', () => true, 15_000);
      expect(states).toContain('reconnecting');
      expect(w2.self).toMatchObject({ x: w.self.x, y: w.self.y });
      expect(w2.spawn).toEqual({ mode: 'saved', saved: { x: w.self.x, y: w.self.y } });
      a.close();

      // A fresh visit (no resume hint, no recent presence) starts at the saved point.
      await h.restart();
      const fresh = apiFor(h);
      await expect(fresh.me()).rejects.toBeInstanceOf(ApiError);
      const cookieLess = connect(h, adminApi, office.id);
      const [w3] = await waitFor(cookieLess, 'welcome', () => true, 10_000);
      expect(w3.self).toMatchObject({ x: w.self.x, y: w.self.y });
      expect((await adminApi.listOffices()).map((o) => o.id)).toContain(office.id);
      cookieLess.close();
    });
  });
}
